"""The events the grading process reports to the harness, one record per kind, and their
validation: the harness trusts nothing it receives.

`read_event` accepts exactly one known kind with exactly its fields. A result must name the test that is running, once, with fields of the expected types and
finite numbers; `set_score` counts only for tests that carried `@partial_credit` and a
leaderboard value only for tests that carried `@leaderboard` (both read from the collection
event, sent before any submitted code ran). Anything else is an `InvalidEvent`, which fails
that test with a message instead of crashing the run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from autograder.wire.decorations import is_finite
from autograder.wire.records import from_mapping, to_mapping

KIND = "event"
MAX_MESSAGE_CHARS = 20_000
MAX_STDOUT_CHARS = 2 << 20
MAX_PROPERTIES = 50
MAX_TEXT_VALUE_CHARS = 200


class InvalidEvent(ValueError):
    pass


@dataclass(frozen=True)
class Collected:
    """The grading tests, in order, and what gradescope-utils' decorators put on each (read
    before any submitted code ran)."""
    KIND: ClassVar[str] = "collected"
    tests: list
    decorated: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LoadFailed:
    """A grading test file could not be imported."""
    KIND: ClassVar[str] = "load_failed"
    path: str
    error: str


@dataclass(frozen=True)
class Started:
    KIND: ClassVar[str] = "start"
    test: str


@dataclass(frozen=True)
class Result:
    """What happened to the running test (checked by `result_fields` before it counts)."""
    KIND: ClassVar[str] = "result"
    test: str
    passed: bool
    message: str = ""
    stdout: str = ""
    properties: list = field(default_factory=list)
    set_score: float | None = None
    leaderboard_value: object = None


@dataclass(frozen=True)
class NoResult:
    """Faithful mode: the test ended with no result (skipped, a failed subTest, an expected
    failure: JSONTestRunner lists none)."""
    KIND: ClassVar[str] = "no_result"
    test: str


@dataclass(frozen=True)
class Unlisted:
    """Faithful mode: a result for something the trusted discovery did not list (a test module
    that failed to import, a failed `setUpClass`); `hidden` for a test (whose visibility was
    not read before the submission ran)."""
    KIND: ClassVar[str] = "unlisted"
    name: str
    passed: bool
    output: str
    hidden: bool = False


EVENTS = {kind.KIND: kind for kind in (Collected, LoadFailed, Started, Result, NoResult, Unlisted)}


def to_wire(event) -> dict:
    return to_mapping(event, KIND)


def read_event(message):
    """The event record `message` carries; `InvalidEvent` for anything else."""
    return from_mapping(message, EVENTS, KIND, "an event", error=InvalidEvent)


def result_fields(event: Result, partial_credit: bool, leaderboard: bool,
                  message_limit: int = MAX_MESSAGE_CHARS) -> dict:
    """The fields of a `Result`, checked: passed, message (up to `message_limit` characters:
    a faithful suite's message is the test's output, up to `MAX_STDOUT_CHARS`), stdout,
    properties, set_score, leaderboard_value."""
    if type(event.passed) is not bool:
        raise InvalidEvent("`passed` is not true or false")
    return {
        "passed": event.passed,
        "message": _text(event.message, "message", message_limit),
        "stdout": _text(event.stdout, "stdout", MAX_STDOUT_CHARS),
        "properties": _properties(event.properties or []),
        "set_score": _finite(event.set_score, "set_score") if partial_credit else None,
        "leaderboard_value": _leaderboard_value(event.leaderboard_value) if leaderboard else None,
    }


def _text(value, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidEvent(f"`{name}` is not text")
    return value if len(value) <= limit else value[:limit] + "\n… (cut by the grader)"


def _finite(value, name: str) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not is_finite(value):
        raise InvalidEvent(f"`{name}` is not a finite number")
    return value  # an int stays one: results.json writes `3` where the test set 3


def _leaderboard_value(value):
    if isinstance(value, str):
        return value[:MAX_TEXT_VALUE_CHARS]
    return _finite(value, "leaderboard_value")


def _properties(value) -> list[tuple[str, object]]:
    if not isinstance(value, list) or len(value) > MAX_PROPERTIES:
        raise InvalidEvent("`properties` is not a short list")
    checked = []
    for entry in value:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            raise InvalidEvent("a property is not a (name, value) pair")
        name, recorded = entry[0][:MAX_TEXT_VALUE_CHARS], entry[1]
        if isinstance(recorded, str):
            recorded = recorded[:MAX_TEXT_VALUE_CHARS]
        elif recorded is not None and type(recorded) is not bool:
            recorded = _finite(recorded, f"property {name!r}")
        checked.append((name, recorded))
    return checked
