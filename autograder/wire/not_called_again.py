"""The lines of a run's not-called-again file, one record each: written by a grading process
when a function is not to be called again, read by the run's next grading process.

A line is the JSON of one record's mapping, its kind under `"kind"`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from autograder.wire.protocol import MessageError
from autograder.wire.records import from_mapping, to_mapping

KIND = "kind"


@dataclass(frozen=True)
class FunctionNotCalledAgain:
    """`function` (a label such as `layers.relu_forward`) is not called again, because of `why`."""

    KIND: ClassVar[str] = "function"
    function: str
    why: str


@dataclass(frozen=True)
class FrameNotCalledAgain:
    """Every function whose frame is `stuck_in` ([filename, name, line]) is not called again."""

    KIND: ClassVar[str] = "frame"
    stuck_in: list
    why: str


ENTRIES = {kind.KIND: kind for kind in (FunctionNotCalledAgain, FrameNotCalledAgain)}


def to_line(entry) -> str:
    """One entry as one line of the file (newline included)."""
    return json.dumps(to_mapping(entry, KIND)) + "\n"


def read_line(line: str):
    """The entry one line carries, its fields' types checked; `MessageError` for anything else
    (e.g. the last line of a grading process killed mid-write)."""
    try:
        entry = from_mapping(json.loads(line), ENTRIES, KIND, "a not-called-again entry")
    except json.JSONDecodeError:
        raise MessageError("a not-called-again line that is not JSON") from None
    if isinstance(entry, FunctionNotCalledAgain):
        well_formed = isinstance(entry.function, str)
    else:
        where = entry.stuck_in
        well_formed = (isinstance(where, list) and len(where) == 3 and isinstance(where[0], str)
                       and isinstance(where[1], str) and type(where[2]) is int)
    if not (well_formed and isinstance(entry.why, str)):
        raise MessageError("a malformed not-called-again entry")
    return entry
