"""The explicit operations grading tests perform on the submission's objects in a worker:
write into an array in place, reach a library there, seed it, count the lines a call ran, time
a call's CPU from outside, and set the options of the calls in a block."""
from __future__ import annotations

import contextlib
from dataclasses import replace

import psutil

from autograder.grading_process import session
from autograder.grading_process.proxies import RemoteMethod, RemoteModule, RemoteObject, owner_label
from autograder.grading_process.worker_slot import WorkerSlot
from autograder.wire import worker_messages as messages


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


def fill(target: RemoteObject, path, value) -> None:
    """`target.<path[0]>[path[1]]...[...] = value` in the worker, e.g.
    `fill(net, ("params", "b1"), b1)` or `fill(layer, "W", W)`."""
    path = [path] if isinstance(path, str) else list(path)
    label = f"{owner_label(target)}.{path[0]}"
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
    test = session.current().test
    previous = test.call_options
    test.call_options = replace(previous, errstate=dict(errstate) if errstate else previous.errstate,
                                warnings=warnings or previous.warnings)
    try:
        yield
    finally:
        test.call_options = previous
