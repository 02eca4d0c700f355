"""The one-way channel from the grading process to the harness: JSON lines on a pipe.

The grading process only reports what happened to each test; the harness decides what that is
worth from the rubric, so nothing sent here can raise a score above what the rubric allows.
"""
from __future__ import annotations

import json
import os
from typing import Iterator

from autograder.wire import events

MAX_EVENT_BYTES = 4 << 20
MAX_TEXT_BYTES = 3 << 20  # what one text of an event may take of its line, escaped as JSON


def send(fd: int, event) -> None:
    """Write one event (a record of `events`) as a line of JSON, all of it (pipes may take it
    in pieces)."""
    data = (json.dumps(events.to_wire(event), ensure_ascii=True) + "\n").encode("ascii")
    while data:
        written = os.write(fd, data)
        data = data[written:]


def receive(stream) -> Iterator[dict]:
    """Yield events from a binary stream until it closes. Garbage lines are skipped, and an
    overlong line is dropped piece by piece, so the reader never holds more than
    `MAX_EVENT_BYTES` of it."""
    overlong = False
    while line := stream.readline(MAX_EVENT_BYTES):
        complete = line.endswith(b"\n")
        if overlong or not complete:
            overlong = not complete
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("event"), str):
            yield event
