"""The functions a run does not call again: one that timed out or ended its worker, and every
function whose frame a timed-out call was stuck in.

Kept on the session's `NotCalledAgain` and in a file of the grading folder (only the harness's
user can read it), so that a grading process that ends mid-test does not make them callable
again for the run's next grading process.
"""
from __future__ import annotations

import os
from pathlib import Path

from autograder.grading_process import session
from autograder.wire import not_called_again as entries
from autograder.wire.protocol import MessageError


def _registry() -> session.NotCalledAgain:
    return session.current().not_called_again


def remember_in(path: str) -> None:
    """Keep the functions not called again in `path`, and honour those an earlier grading
    process of this run put there."""
    registry = _registry()
    registry.record = path
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return
    for line in lines:
        try:  # a grading process killed mid-write leaves at most its last line cut short
            entry = entries.read_line(line)
        except MessageError:
            continue
        if isinstance(entry, entries.FunctionNotCalledAgain):
            registry.functions[entry.function] = entry.why
        else:
            registry.frames[tuple(entry.stuck_in)] = entry.why


def add(why: str, function: str | None = None, stuck_in: tuple | None = None) -> None:
    """`function` (a label such as `layers.relu_forward`), or every function whose frame is
    `stuck_in` (filename, name, line), is not called again in this run, because of `why`."""
    registry = _registry()
    if function is not None:
        registry.functions[function] = why
        entry = entries.FunctionNotCalledAgain(function, why)
    else:
        registry.frames[stuck_in] = why
        entry = entries.FrameNotCalledAgain(list(stuck_in), why)
    if registry.record:
        descriptor = os.open(registry.record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, entries.to_line(entry).encode())  # one write: one line
        finally:
            os.close(descriptor)


def why_not_called(function: str) -> str | None:
    """Why `function` is not called again, or None when it may be called."""
    return _registry().functions.get(function)


def stuck_frames() -> dict[tuple[str, str, int], str]:
    """(filename, function, line) -> why: the frames a worker must not run again."""
    return _registry().frames

