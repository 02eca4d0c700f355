"""Validate the events the grading process reports: the harness trusts nothing it receives.

A result must name the test that is running, once, with fields of the expected types and
finite numbers; `set_score` counts only for tests that carried `@partial_credit` and a
leaderboard value only for tests that carried `@leaderboard` (both read from the collection
event, sent before any submitted code ran). Anything else is an `InvalidEvent`, which fails
that test with a message instead of crashing the run.
"""
from __future__ import annotations

import math

MAX_MESSAGE_CHARS = 20_000
MAX_STDOUT_CHARS = 2 << 20
MAX_PROPERTIES = 50
MAX_TEXT_VALUE_CHARS = 200


class InvalidEvent(ValueError):
    pass


def result_fields(event: dict, partial_credit: bool, leaderboard: bool) -> dict:
    """The fields of a `result` event, checked: passed, message, stdout, properties, set_score,
    leaderboard_value."""
    passed = event.get("passed")
    if type(passed) is not bool:
        raise InvalidEvent("`passed` is not true or false")
    return {
        "passed": passed,
        "message": _text(event.get("message", ""), "message", MAX_MESSAGE_CHARS),
        "stdout": _text(event.get("stdout", ""), "stdout", MAX_STDOUT_CHARS),
        "properties": _properties(event.get("properties") or []),
        "set_score": _finite(event.get("set_score"), "set_score") if partial_credit else None,
        "leaderboard_value": (_leaderboard_value(event.get("leaderboard_value"))
                              if leaderboard else None),
    }


def _text(value, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidEvent(f"`{name}` is not text")
    return value if len(value) <= limit else value[:limit] + "\n… (cut by the grader)"


def _finite(value, name: str) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not math.isfinite(value):
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
