"""A student worker: imports the submission and answers the grading process's requests.

One request at a time, each answered by one reply (`autograder.wire.protocol`): plain values are
sent as values, every other object stays here behind a handle. An exception becomes plain
data (`ErrorInfo`). A copy of this process that the submission forked exits before it could
answer in the worker's name.
"""
from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import linecache
import os
import random
import sys
import traceback
import types
import warnings
from pathlib import Path

import numpy as np

from autograder.wire import codec, protocol
from autograder.wire import worker_messages as messages
from autograder.worker.linecount import count_executed_lines

RECEIVE_BYTES = 4 << 20


class Objects:
    """The objects the grading process holds handles to, by handle id (one id per object)."""

    def __init__(self):
        self.by_id: dict[int, object] = {}
        self.id_of: dict[int, int] = {}
        self.next_id = 1

    def handle_for(self, value) -> protocol.Handle:
        known = self.id_of.get(id(value))
        if known is None or self.by_id.get(known) is not value:
            known, self.next_id = self.next_id, self.next_id + 1
            self.by_id[known] = value
            self.id_of[id(value)] = known
        return protocol.Handle(known, _type_name(value), callable(value))

    def resolve(self, handle: protocol.Handle):
        if handle.id not in self.by_id:
            raise protocol.MessageError(f"no object with handle {handle.id} in this worker")
        return self.by_id[handle.id]

    def release(self, ids) -> None:
        for handle_id in ids if isinstance(ids, list) else ():
            value = self.by_id.pop(handle_id, None)
            if value is not None and self.id_of.get(id(value)) == handle_id:
                del self.id_of[id(value)]


def _type_name(value) -> str:
    try:
        return str(type(value).__qualname__)
    except Exception:  # noqa: BLE001 - a hostile metaclass
        return "object"


class WorkerServer:
    def __init__(self, connection, submission_dir: Path):
        self.connection = connection
        self.submission_dir = submission_dir
        self.objects = Objects()
        self.pid = os.getpid()
        self.operations = {  # one handler per request kind
            messages.ImportRequest: self.import_module, messages.LibraryRequest: self.library,
            messages.GetAttrRequest: self.get_attribute, messages.SetAttrRequest: self.set_attribute,
            messages.FillRequest: self.fill, messages.CallRequest: self.call,
            messages.ResetRequest: self.reset, messages.ReleaseRequest: self.release,
            messages.BlockRequest: self.block, messages.RunSuiteRequest: self.run_suite,
        }
        self.blocked: dict[tuple[str, str], tuple[int, str]] = {}  # (file, name) -> (line, why)

    # -- the loop ---------------------------------------------------------------------------
    def serve(self) -> None:
        reader = codec.unpacker(self.objects.resolve, _torch_tensor)
        while True:
            data = self.connection.recv(RECEIVE_BYTES)
            if not data:
                os._exit(0)
            reader.feed(data)
            while True:
                try:
                    request = next(reader)
                except StopIteration:
                    break
                except Exception as error:  # noqa: BLE001 - a request we cannot read
                    self.send(messages.ErrorReply(self.error_info(error)))
                    reader = codec.unpacker(self.objects.resolve, _torch_tensor)
                    break
                self.send(self.answer(request))

    def answer(self, message):
        """The reply to one request: its handler's `OkReply`, or the `ErrorReply` of what it
        raised (a request of unknown kind included)."""
        try:
            request = messages.read_request(message)
            return self.operations[type(request)](request)
        except BaseException as error:  # noqa: BLE001 - every failure goes back as data
            return messages.ErrorReply(self.error_info(error))
        finally:
            _flush_output()

    def send(self, record) -> None:
        """Send a reply or a suite frame (a record of `worker_messages`)."""
        if os.getpid() != self.pid:
            os._exit(0)  # a forked copy must not answer in the worker's name
        try:
            data = codec.encode(messages.to_wire(record), self.objects.handle_for)
        except BaseException as error:  # noqa: BLE001 - e.g. a container whose items() raise
            data = codec.encode(messages.to_wire(messages.ErrorReply(self.error_info(error))))
        self.connection.sendall(data)

    def value(self, value) -> messages.OkReply:
        return messages.OkReply(value)

    # -- operations -------------------------------------------------------------------------
    def import_module(self, request: messages.ImportRequest) -> messages.OkReply:
        name = request.module
        path = self.submission_dir / f"{name}.py"
        if path.is_file():
            module = sys.modules.get(name)
            if module is None or getattr(module, "__file__", None) != str(path):
                spec = importlib.util.spec_from_file_location(name, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(name, None)
                    raise
        else:  # a package of the submission, or one of its modules (`package.module`)
            module = importlib.import_module(name)
            if not self.is_submitted(module):
                raise ModuleNotFoundError(f"No module named '{name}' in your submission")
        self.apply_blocks()
        return self.value(module)

    def is_submitted(self, module: types.ModuleType) -> bool:
        root = str(self.submission_dir) + os.sep
        places = [getattr(module, "__file__", None) or "", *getattr(module, "__path__", ())]
        return any(str(place).startswith(root) for place in places)

    def library(self, request: messages.LibraryRequest) -> messages.OkReply:
        name = request.name
        if not protocol.is_library_name(name):
            raise ValueError(f"{name!r} is not in a library the grader may name")
        parts = name.split(".")
        for split in range(len(parts), 0, -1):
            try:
                found = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for attribute in parts[split:]:
                found = getattr(found, attribute)
            return self.value(found)
        raise ImportError(f"no library {name!r}")

    def get_attribute(self, request: messages.GetAttrRequest) -> messages.OkReply:
        return self.value(getattr(request.target, request.name))

    def set_attribute(self, request: messages.SetAttrRequest) -> messages.OkReply:
        setattr(request.target, request.name, request.value)
        return self.value(None)

    def fill(self, request: messages.FillRequest) -> messages.OkReply:
        first, *keys = request.path
        found = getattr(request.target, first)
        for key in keys:
            found = found[key]
        found[...] = request.value
        return self.value(None)

    def call(self, request: messages.CallRequest) -> messages.OkReply:
        options = request.options
        target, args, kwargs = request.target, request.args, request.kwargs
        if request.name is not None:
            target = getattr(target, request.name)
        with contextlib.ExitStack() as stack:
            if options.errstate:
                stack.enter_context(np.errstate(**options.errstate))
            if options.warnings == "error":
                stack.enter_context(warnings.catch_warnings())
                warnings.simplefilter("error")
            if options.count_lines:
                result, lines = count_executed_lines(lambda: target(*args, **kwargs),
                                                     self.submission_dir)
                return messages.OkReply(result, lines)
            return self.value(target(*args, **kwargs))

    def run_suite(self, request: messages.RunSuiteRequest) -> messages.OkReply:
        """A whole gradescope-utils suite, its frames sent as it runs (faithful mode)."""
        from autograder.worker.suite_runner import run_suite

        run_suite(self.send, request)
        return self.value(None)

    def reset(self, request: messages.ResetRequest) -> messages.OkReply:
        seed = int(request.seed)
        np.random.seed(seed)
        random.seed(seed)
        if "torch" in sys.modules:
            sys.modules["torch"].manual_seed(seed)
        return self.value(None)

    def release(self, request: messages.ReleaseRequest) -> messages.OkReply:
        self.objects.release(request.handles)
        return self.value(None)

    def block(self, request: messages.BlockRequest) -> messages.OkReply:
        for filename, name, line, message in request.functions:
            self.blocked[(str(filename), str(name))] = (int(line), str(message))
        self.apply_blocks()
        return self.value(None)

    def apply_blocks(self) -> None:
        """Make every blocked function of the submission raise NotCalledAgain, whoever holds it
        (a module, a class, a dict of functions): its code is replaced; a closure, whose code
        cannot be, is replaced where its module or class names it."""
        if not self.blocked:
            return
        for value in gc.get_objects():
            if not isinstance(value, types.FunctionType):
                continue
            message = self.blocked_message(value.__code__)
            if message and not value.__closure__:
                value.__code__ = _blocked_code(message)
        root = str(self.submission_dir)
        for module in list(sys.modules.values()):
            if not str(getattr(module, "__file__", "") or "").startswith(root):
                continue
            owners = [module] + [value for value in list(vars(module).values())
                                 if isinstance(value, type)]
            for owner in owners:
                for attribute, value in list(vars(owner).items()):
                    code = getattr(value, "__code__", None)
                    message = self.blocked_message(code) if isinstance(code, types.CodeType) else None
                    if message:
                        try:
                            setattr(owner, attribute, _blocked(message))
                        except (AttributeError, TypeError):
                            continue

    def blocked_message(self, code: types.CodeType) -> str | None:
        """The message if `code` is a blocked function's: same file and name, and its lines
        include the line the worker was stuck on."""
        found = self.blocked.get((code.co_filename, code.co_name))
        if found is None:
            return None
        line, message = found
        return message if any(lineno == line for _, _, lineno in code.co_lines()) else None

    # -- errors -----------------------------------------------------------------------------
    def error_info(self, error: BaseException) -> protocol.ErrorInfo:
        """`error` as plain data; whatever the exception object does while being read (a
        `__str__` that raises) only makes the description poorer."""
        kind = type(error)
        try:
            message = str(error)
        except BaseException:  # noqa: BLE001
            message = f"(a `{_type_name(error)}` whose message could not be read)"
        try:
            bases = [cls.__name__ for cls in kind.__mro__ if cls.__module__ == "builtins"]
        except BaseException:  # noqa: BLE001
            bases = []
        number = getattr(error, "errno", None) if isinstance(error, OSError) else None
        return protocol.ErrorInfo(_type_name(error), bases, message,
                                  number if type(number) is int else None,
                                  self.student_frames(error))

    def student_frames(self, error: BaseException) -> list[tuple[str, int, str, str]]:
        root = str(self.submission_dir)
        frames = []
        try:
            for frame, number in traceback.walk_tb(error.__traceback__):
                filename = frame.f_code.co_filename
                if filename.startswith(root):
                    line = linecache.getline(filename, number or 0).strip()
                    frames.append((filename, int(number or 0), str(frame.f_code.co_qualname), line))
        except BaseException:  # noqa: BLE001
            return frames
        return frames[-20:]


class NotCalledAgain(Exception):
    """Raised by a submission function the grader will not call again in this run."""


NotCalledAgain.__name__ = NotCalledAgain.__qualname__ = messages.NOT_CALLED_AGAIN


def _blocked(message: str):
    def blocked(*args, **kwargs):
        raise NotCalledAgain(message)
    return blocked


def _blocked_code(message: str):
    """Code that raises NotCalledAgain(message) whatever the globals it runs with."""
    source = ("def blocked(*args, **kwargs):\n"
              f"    raise __import__('autograder.worker.server', fromlist=['NotCalledAgain'])"
              f".NotCalledAgain({message!r})\n")
    namespace: dict = {}
    exec(compile(source, "<blocked by the grader>", "exec"), namespace)
    return namespace["blocked"].__code__


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - e.g. the output limit was reached
            pass


def _torch_tensor(values):
    """A tensor the grading process sent (values: a base array of its dtype), as torch's own
    (torch imported with the first one)."""
    import torch

    return torch.from_numpy(values)
