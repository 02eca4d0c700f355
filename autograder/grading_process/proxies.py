"""How grading tests reach submitted code that runs in a student worker.

A `RemoteModule` stands for a submitted module (`layers.affine_forward(x, w, b)` runs in the
worker); every other object the submission returns or keeps is a `RemoteObject`, whose
attributes and methods are reached the same way. Plain values (arrays, numbers, strings,
containers of them) come back as fresh copies: reading `net.params` twice gives two copies,
and changing a copy changes nothing in the worker. Changes are explicit: `obj.W = value`
rebinds an attribute, `fill(net, ("params", "b1"), value)` writes into an array in place.

An exception raised in the worker is re-raised here from plain data: as the builtin type when
it is one of `REMOTE_BUILTINS` (so `pytest.raises(ValueError)` works), otherwise as
`SubmissionError`; either way it carries `remote_type`, `remote_message` and `remote_frames`
for the feedback. A call that times out or kills the worker raises `CallFailed`, and that
function is not called again in this run.
"""
from __future__ import annotations

import builtins
import contextlib
import json
import os
import weakref
from dataclasses import replace
from pathlib import Path

import psutil

from autograder.grading_process import worker_client
from autograder.grading_process.problems import CallFailed
from autograder.grading_process.stubs import NotImplementedYet
from autograder.sentences import timed_out_message
from autograder.wire import protocol
from autograder.wire import worker_messages as messages

REMOTE_BUILTINS = (
    "ValueError", "TypeError", "KeyError", "IndexError", "LookupError", "AttributeError",
    "ZeroDivisionError", "OverflowError", "FloatingPointError", "ArithmeticError",
    "NotImplementedError", "RecursionError", "RuntimeError", "MemoryError", "OSError",
    "ModuleNotFoundError", "ImportError", "UnboundLocalError", "NameError", "RuntimeWarning",
    "UserWarning", "DeprecationWarning", "Warning",
)
RELEASE_BATCH = 200

_poisoned: dict[str, str] = {}   # function -> why it is not called again
_blocked: dict[tuple[str, str, int], str] = {}  # (filename, function, line) stuck in -> why
_call_options = messages.CallOptions()  # what `call_options` sets for the calls in its block
_stubs: set[str] = set()
_record: list[str] = []  # the file `_poisoned` and `_blocked` are kept in, if any
_cannot_pass: list[BaseException] = []  # this test's failures that no test may catch away
_noting = [True]


def note_cannot_pass(error: BaseException) -> None:
    """`error` (a call that failed as a process, a file that does not import, a `SystemExit`
    or other non-`Exception` of the student's) fails the current test even if the test
    catches it, as `assertRaises(Exception)` would: the first one is kept."""
    if _noting[0] and not _cannot_pass:
        _cannot_pass.append(error)


def take_cannot_pass() -> BaseException | None:
    """The current test's first such failure (and forget it), or None."""
    found = _cannot_pass[0] if _cannot_pass else None
    _cannot_pass.clear()
    return found


@contextlib.contextmanager
def not_noting():
    """Failures inside are the grader's own probing (e.g. whether a name is a submodule)."""
    _noting[0] = False
    try:
        yield
    finally:
        _noting[0] = True


def remember_in(path: str) -> None:
    """Keep the functions not called again in `path` (a file of the grading folder, which only
    we can read), and honour those an earlier grading process of this run put there: a
    grading process that ends mid-test does not make them callable again."""
    _record[:] = [path]
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return
    for line in lines:
        try:  # a grading process killed mid-write leaves at most its last line cut short
            entry = json.loads(line)
            if "function" in entry:
                _poisoned[str(entry["function"])] = str(entry["why"])
            else:
                _blocked[tuple(entry["stuck_in"])] = str(entry["why"])
        except (ValueError, KeyError, TypeError):
            continue


def _not_called_again(why: str, function: str | None = None, stuck_in: tuple | None = None) -> None:
    """`function` (a label such as `layers.relu_forward`), or every function whose frame is
    `stuck_in` (filename, name, line), is not called again in this run, because of `why`."""
    if function is not None:
        _poisoned[function] = why
        entry = {"function": function, "why": why}
    else:
        _blocked[stuck_in] = why
        entry = {"stuck_in": list(stuck_in), "why": why}
    if _record:
        descriptor = os.open(_record[0], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (json.dumps(entry) + "\n").encode())  # one write: one line
        finally:
            os.close(descriptor)


def _stub_raising(info: protocol.ErrorInfo) -> str | None:
    """The label of the stub whose frame raised `info`, if the innermost submission frame is one
    (`Digit_Classifier.forward`, `layers.relu_forward`)."""
    if not info.frames:
        return None
    filename, _, function, _ = info.frames[-1]
    label = function if "." in function else f"{Path(filename).stem}.{function}"
    return label if label in _stubs else None


class SubmissionError(Exception):
    """An exception of a type that is not re-raised as itself (a class of the submission's, an
    `AssertionError`, `SystemExit`, ...)."""


def register_stubs(labels: set[str]) -> None:
    """Calls labelled so (`layers.relu_forward`, `TwoLayerNet.loss`) are of functions whose
    submitted source is the template's stub."""
    _stubs.update(labels)


def raise_remote(info: protocol.ErrorInfo, function: str):
    """Re-raise the worker's exception `info`, raised while calling `function`: a
    `NotImplementedError` of a stub (see `register_stubs`) as `NotImplementedYet`, whether the
    stub is `function` itself or what it reached (a model's `__init__` or `forward`, through a
    tool)."""
    if "NotImplementedError" in info.bases:
        stub = function if function in _stubs else _stub_raising(info)
        if stub is not None:
            raise NotImplementedYet(stub)
    name = next((base for base in info.bases if base in REMOTE_BUILTINS), None)
    if name is None:
        error = SubmissionError(f"{info.type_name}: {info.message}")
    elif name == "OSError" and info.errno is not None:
        error = OSError(info.errno, info.message)
    else:
        error = getattr(builtins, name)(info.message)
    error.remote_type = info.type_name
    error.remote_bases = tuple(info.bases)
    error.remote_message = info.message
    error.remote_frames = list(info.frames)
    error.remote_call = function
    error.remote_info = info
    if info.bases and "Exception" not in info.bases:  # SystemExit, KeyboardInterrupt, ...
        note_cannot_pass(error)
    raise error


def _call_failed(function: str, message: str, cause: str = ""):
    """The one place a failed call is raised, so that hypothesis sees the first failure and its
    repeats (a function not called again) as the same error."""
    failed = CallFailed(function, message, cause or message)
    note_cannot_pass(failed)
    raise failed


def _failure_message(failure: worker_client.WorkerFailure) -> str:
    if isinstance(failure, worker_client.CallTimedOut):
        return timed_out_message(worker_client.current_timeout(), failure.message)
    if isinstance(failure, worker_client.WorkerDied) and failure.exited:
        return (f"`{failure.function}` {failure.message}. Graded functions must return, never "
                f"call `exit()`, `sys.exit()` or `os._exit()`.")
    return f"`{failure.function}` {failure.message}."


class WorkerSlot:
    """The worker serving one test module. A worker that died is replaced by a fresh one on
    the next request; objects of the old one are gone with it."""

    def __init__(self, submission_dir: Path, preload: tuple[str, ...] = ()):
        self.submission_dir = submission_dir
        self.preload = preload
        self.worker: worker_client.WorkerHandle | None = None
        self.modules: dict[str, RemoteObject] = {}
        self.objects: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self.released: list[int] = []
        self.reset_for: int | None = None
        self.last_failure: str | None = None
        self.callables: dict[tuple[str, str], bool] = {}  # (owner, attribute) -> callable?
        self.blocks_sent: worker_client.WorkerHandle | None = None  # the worker told of `_blocked` last
        self.reset_for_release: int | None = None  # the test whose first request released

    def current(self) -> worker_client.WorkerHandle:
        if self.worker is not None and not self.worker.alive:
            self.worker.close()
            self.worker = None
        if self.worker is None:
            try:
                self.worker = worker_client.ForkServer.get(self.preload).fork(self.submission_dir)
                if self.preload:
                    worker_client.ForkServer.stop_superseded(self.preload)
            except Exception as error:  # noqa: BLE001 - any failure to start or fork
                _call_failed("the worker", f"The grader could not start the process that runs "
                                           f"your code (a grader problem, not yours: tell your "
                                           f"instructor): {type(error).__name__}: {error}")
            self.modules, self.released, self.reset_for, self.callables = {}, [], None, {}
            self.objects = weakref.WeakValueDictionary()
        return self.worker

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    # -- requests ---------------------------------------------------------------------------
    def request(self, request, function: str, worker: worker_client.WorkerHandle | None = None):
        """The worker's `OkReply` to `request` (a record of `worker_messages`); re-raises its
        exception; `CallFailed` when it could not answer."""
        spent = worker_client.time_is_up()
        if spent:
            _call_failed(function, spent)
        worker = worker or self.current()
        if self.blocks_sent is not worker and _blocked:
            self.blocks_sent = worker
            self._send(worker, messages.BlockRequest([
                [filename, name, line, message]
                for (filename, name, line), message in _blocked.items()]), function)
        if self.reset_for != worker_client.test_number():
            self.reset_for = worker_client.test_number()
            self._send(worker, messages.ResetRequest(0), function)
        # Released at each test's start too: the last test's objects may be large (models).
        if self.released and (len(self.released) >= RELEASE_BATCH or self.reset_for_release
                              != self.reset_for):
            self.reset_for_release = self.reset_for
            released, self.released = self.released, []
            self._send(worker, messages.ReleaseRequest(released), function)
        return self._send(worker, request, function)

    def _send(self, worker: worker_client.WorkerHandle, request, function: str) -> messages.OkReply:
        try:
            reply = worker.request(request, function, self._encode_handle(worker),
                                   self._decode_handle(worker))
        except worker_client.WorkerFailure as failure:
            text = _failure_message(failure)
            self.last_failure = text
            if isinstance(failure, worker_client.CallTimedOut):
                worker_client.spend_test_time(text)
                if failure.stuck_in:  # every later worker: that function is not run again
                    _not_called_again(f"{text} (`{failure.message}` is not called again in this "
                                      f"run.)", stuck_in=tuple(failure.stuck_in))
            if isinstance(request, messages.CallRequest) and not protocol.is_library_name(function):
                _not_called_again(text, function)  # a library call may reach any student function
            cause = (f"did not finish within {worker_client.current_timeout():g} s"
                     if isinstance(failure, worker_client.CallTimedOut) else failure.message)
            _call_failed(function, text, cause)
        if isinstance(reply, messages.ErrorReply):
            if reply.error.type_name == messages.NOT_CALLED_AGAIN:
                _call_failed(function, reply.error.message)
            raise_remote(reply.error, function)
        return reply

    def _encode_handle(self, worker):
        def encode(value):
            if isinstance(value, RemoteObject) and object.__getattribute__(value, "_worker") is worker:
                return object.__getattribute__(value, "_handle")
            if isinstance(value, RemoteObject):
                raise protocol.MessageError("an object of a process that has ended")
            raise protocol.MessageError(f"a `{type(value).__name__}` cannot be sent to the worker")
        return encode

    def _decode_handle(self, worker):
        def decode(handle: protocol.Handle):
            known = self.objects.get(handle.id)
            if known is not None:
                return known
            if handle.id in self.released:  # its old proxy is gone, but the object is back
                self.released.remove(handle.id)
            made = RemoteObject(self, worker, handle, handle.type_name)
            self.objects[handle.id] = made
            return made
        return decode

    def release(self, worker, handle_id: int) -> None:
        if worker is self.worker:
            self.released.append(handle_id)

    # -- what proxies do --------------------------------------------------------------------
    def module(self, name: str) -> "RemoteObject":
        """The handle of the submitted module `name` in the current worker (imported once)."""
        worker = self.current()
        if name not in self.modules:
            module = self.request(messages.ImportRequest(name), name, worker).value
            if not isinstance(module, RemoteObject):
                _call_failed(name, f"Importing `{name}.py` did not give a module.")
            object.__setattr__(module, "_label", name)
            self.modules[name] = module
        return self.modules[name]

    def get(self, owner: "RemoteObject", name: str, label: str):
        """owner.name: a value, a handle, or, for an attribute already seen to be callable on
        this kind of owner, a `RemoteMethod` that looks it up as it calls it (one request)."""
        worker = object.__getattribute__(owner, "_worker")
        self._check_alive(worker, label)
        key = (_owner_label(owner), name)
        if self.callables.get(key):
            return RemoteMethod(owner, name, label)
        value = self.request(messages.GetAttrRequest(owner, name), label, worker).value
        if isinstance(value, RemoteObject):
            object.__setattr__(value, "_label", label)
        self.callables[key] = isinstance(value, RemoteObject) and object.__getattribute__(
            value, "_handle").callable
        return value

    def call(self, target, args, kwargs, count_lines: bool = False):
        """Call a handle, or a `RemoteMethod` (its owner's attribute, looked up in the worker)."""
        name = None
        if isinstance(target, RemoteMethod):
            label, name, target = target.label, target.name, target.owner
        else:
            label = object.__getattribute__(target, "_label")
        if label in _poisoned:
            _call_failed(label, f"{_poisoned[label]} (`{label}` is not called again in this run.)")
        worker = object.__getattribute__(target, "_worker")
        self._check_alive(worker, label)
        options = replace(_call_options, count_lines=count_lines)
        request = messages.CallRequest(target, list(args), dict(kwargs), name, options)
        reply = self.request(request, label, worker)
        if count_lines:
            if reply.lines is None:
                _call_failed(label, f"`{label}` sent a malformed line count.")
            return reply.value, reply.lines
        return reply.value

    def set(self, target: "RemoteObject", request, label: str) -> None:
        """Send `request` (a `SetAttrRequest` or `FillRequest` whose target is `target`)."""
        worker = object.__getattribute__(target, "_worker")
        self._check_alive(worker, label)
        self.request(request, label, worker)

    def reset(self, seed: int) -> None:
        self.request(messages.ResetRequest(int(seed)), "numpy.random.seed")

    def library(self, name: str) -> "RemoteObject":
        """The library object `name` (e.g. "torch.device") in the current worker, looked up once
        per worker."""
        worker = self.current()
        if name not in self.modules:
            value = self.request(messages.LibraryRequest(name), name, worker).value
            if not isinstance(value, RemoteObject):
                return value
            object.__setattr__(value, "_label", name)
            self.modules[name] = value
        return self.modules[name]

    def _check_alive(self, worker, label: str) -> None:
        if worker is not self.worker or not worker.alive:
            why = f" ({self.last_failure})" if self.last_failure else ""
            _call_failed(label, f"This object of your code was lost when its process ended "
                                f"earlier{why}.")


class RemoteObject:
    """An object that lives in the student worker. Attribute reads, calls and assignments
    are requests to the worker; dunder attributes are never looked up remotely."""

    __slots__ = ("_slot", "_worker", "_handle", "_label", "__weakref__")

    def __init__(self, slot: WorkerSlot, worker, handle: protocol.Handle, label: str):
        object.__setattr__(self, "_slot", slot)
        object.__setattr__(self, "_worker", worker)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        slot = object.__getattribute__(self, "_slot")
        return slot.get(self, name, f"{_owner_label(self)}.{name}")

    def __setattr__(self, name: str, value) -> None:
        slot = object.__getattribute__(self, "_slot")
        slot.set(self, messages.SetAttrRequest(self, name, value), f"{_owner_label(self)}.{name}")

    def __call__(self, *args, **kwargs):
        return object.__getattribute__(self, "_slot").call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<your {remote_type_name(self)}>"

    def __del__(self):
        try:
            slot = object.__getattribute__(self, "_slot")
            slot.release(object.__getattribute__(self, "_worker"),
                         object.__getattribute__(self, "_handle").id)
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class RemoteMethod:
    """`owner.name` where `name` is known to be callable: calling it asks the worker to look
    the attribute up and call it, in one request."""

    __slots__ = ("owner", "name", "label")

    def __init__(self, owner: RemoteObject, name: str, label: str):
        self.owner, self.name, self.label = owner, name, label

    def __call__(self, *args, **kwargs):
        return object.__getattribute__(self.owner, "_slot").call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<your {self.label}>"


def _owner_label(obj: RemoteObject) -> str:
    """`layers` for a module, `TwoLayerNet` for an instance: what a method's name starts with."""
    handle = object.__getattribute__(obj, "_handle")
    label = object.__getattribute__(obj, "_label")
    return label if handle.type_name == "module" else handle.type_name


def remote_type_name(value) -> str:
    """The type's name of a value as the student knows it (the worker's word for remote ones)."""
    if isinstance(value, RemoteObject):
        return object.__getattribute__(value, "_handle").type_name
    return getattr(value, "remote_type", None) or type(value).__name__


class RemoteModule:
    """A submitted module, imported in the test module's worker (`layers.relu_forward(x)`);
    with `library=True` a library module there (`autograder.worker.torch_tools`)."""

    def __init__(self, slot: WorkerSlot, name: str, library: bool = False):
        self._slot = slot
        self._name = name
        self._library = library

    def __getattr__(self, attribute: str):
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        module = self._slot.library(self._name) if self._library else self._slot.module(self._name)
        return self._slot.get(module, attribute, f"{self._name}.{attribute}")

    def __repr__(self) -> str:
        return f"<the worker's {self._name}>" if self._library else f"<your {self._name}.py>"


def _slot_of(value) -> WorkerSlot:
    if isinstance(value, WorkerSlot):
        return value
    if isinstance(value, RemoteModule):
        return value._slot
    if isinstance(value, RemoteObject):
        return object.__getattribute__(value, "_slot")
    if isinstance(value, RemoteMethod):
        return object.__getattribute__(value.owner, "_slot")
    raise TypeError(f"expected an object of the submission, got a `{type(value).__name__}`")


# -- the explicit operations the tests use -----------------------------------------------------
def fill(target: RemoteObject, path, value) -> None:
    """`target.<path[0]>[path[1]]...[...] = value` in the worker, e.g.
    `fill(net, ("params", "b1"), b1)` or `fill(layer, "W", W)`."""
    path = [path] if isinstance(path, str) else list(path)
    label = f"{_owner_label(target)}.{path[0]}"
    _slot_of(target).set(target, messages.FillRequest(target, path, value), label)


def worker_library(proxy, name: str) -> RemoteModule:
    """The library module `name` in the worker behind `proxy` (a submitted module or object)."""
    return RemoteModule(_slot_of(proxy), name, library=True)


def seed_numpy(proxy, seed: int) -> None:
    """`np.random.seed(seed)` (and `random.seed`) in the worker behind `proxy`."""
    _slot_of(proxy).reset(seed)


def count_executed_lines(function, *args, **kwargs):
    """`(function(*args, **kwargs), lines)`: the call's result and how many lines of the
    submission's files it executed (the worker's count: back it with a trusted check)."""
    return _slot_of(function).call(function, args, kwargs, count_lines=True)


def timed_call(function, *args, **kwargs):
    """`(function(*args, **kwargs), cpu_seconds)`: the call's result and the CPU time the worker
    spent on it (its threads and the processes it started included), read by the grading process
    from `/proc` before and after: never the worker's word."""
    slot = _slot_of(function)
    pid = slot.current().pid
    before = _cpu_seconds(pid)
    result = slot.call(function, args, kwargs)
    return result, _cpu_seconds(pid) - before


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of process `pid` and of every process below it (threads included)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


@contextlib.contextmanager
def call_options(errstate: dict | None = None, warnings: str | None = None):
    """Calls inside the block run under `np.errstate(**errstate)` and, with
    `warnings="error"`, with warnings raised as errors, in the worker."""
    global _call_options
    previous = _call_options
    _call_options = replace(previous, errstate=dict(errstate) if errstate else previous.errstate,
                            warnings=warnings or previous.warnings)
    try:
        yield
    finally:
        _call_options = previous
