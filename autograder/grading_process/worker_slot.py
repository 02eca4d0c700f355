"""The worker serving one test module, and every request the proxies make of it.

A `WorkerSlot` forks its worker on first need and again after one died (the objects of the old
one are gone with it). Before a test's first request it tells the worker to reset (seeds, the
last test's objects released) and which stuck frames it must not run again. A worker's
exception is raised again here (`remote_errors`); a worker that could not answer makes the call
fail with `CallFailed`, and that function is not called again in this run (`not_called_again`).
"""
from __future__ import annotations

import weakref
from dataclasses import replace
from pathlib import Path

from autograder.grading_process import not_called_again, session, worker_client
from autograder.grading_process.cannot_pass import call_failed
from autograder.grading_process.proxies import RemoteMethod, RemoteObject, owner_label
from autograder.grading_process.remote_errors import failure_message, raise_remote
from autograder.wire import protocol
from autograder.wire import worker_messages as messages

RELEASE_BATCH = 200


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
        self.blocks_sent: worker_client.WorkerHandle | None = None  # the worker told of stuck frames last
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
                call_failed("the worker", f"The grader could not start the process that runs "
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
            call_failed(function, spent)
        worker = worker or self.current()
        stuck = not_called_again.stuck_frames()
        if self.blocks_sent is not worker and stuck:
            self.blocks_sent = worker
            self._send(worker, messages.BlockRequest([
                [filename, name, line, message]
                for (filename, name, line), message in stuck.items()]), function)
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
            text = failure_message(failure)
            self.last_failure = text
            if isinstance(failure, worker_client.CallTimedOut):
                worker_client.spend_test_time(text)
                if failure.stuck_in:  # every later worker: that function is not run again
                    not_called_again.add(f"{text} (`{failure.message}` is not called again in "
                                         f"this run.)", stuck_in=tuple(failure.stuck_in))
            if isinstance(request, messages.CallRequest) and not protocol.is_library_name(function):
                not_called_again.add(text, function)  # a library call may reach any student function
            cause = (f"did not finish within {worker_client.current_timeout():g} s"
                     if isinstance(failure, worker_client.CallTimedOut) else failure.message)
            call_failed(function, text, cause)
        if isinstance(reply, messages.ErrorReply):
            if reply.error.type_name == messages.NOT_CALLED_AGAIN:
                call_failed(function, reply.error.message)
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
                call_failed(name, f"Importing `{name}.py` did not give a module.")
            object.__setattr__(module, "_label", name)
            self.modules[name] = module
        return self.modules[name]

    def get(self, owner: "RemoteObject", name: str, label: str):
        """owner.name: a value, a handle, or, for an attribute already seen to be callable on
        this kind of owner, a `RemoteMethod` that looks it up as it calls it (one request)."""
        worker = object.__getattribute__(owner, "_worker")
        self._check_alive(worker, label)
        key = (owner_label(owner), name)
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
        why = not_called_again.why_not_called(label)
        if why is not None:
            call_failed(label, f"{why} (`{label}` is not called again in this run.)")
        worker = object.__getattribute__(target, "_worker")
        self._check_alive(worker, label)
        options = replace(session.current().test.call_options, count_lines=count_lines)
        request = messages.CallRequest(target, list(args), dict(kwargs), name, options)
        reply = self.request(request, label, worker)
        if count_lines:
            if reply.lines is None:
                call_failed(label, f"`{label}` sent a malformed line count.")
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
            call_failed(label, f"This object of your code was lost when its process ended "
                                f"earlier{why}.")
