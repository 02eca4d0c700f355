"""What gradescope-utils' decorators put on one test, as it crosses from the grading process
(which reads the decorators before any submitted code runs) to the harness (which scores with
them): one record, its fields named once.

On the wire a record is a mapping of the fields it has (`to_wire`); `read_decorations` accepts
exactly those field names with values of their type and refuses anything else.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields


class InvalidDecorations(ValueError):
    pass


@dataclass(frozen=True)
class Decorations:
    """One test's decorators. weight: `@weight` (None: not given); number: `@number`;
    visibility: `@visibility`; leaderboard: `@leaderboard`'s column name (the test is a
    leaderboard entry, not a test); order: its sort order (None: "desc"); tags: `@tags`;
    hide_errors: `@hide_errors`' message; partial_credit: `@partial_credit` (the test may set
    its own score); unittest: a unittest method (gradescope-utils reports every one, decorated
    or not); doc: its docstring's first line (unittest's `shortDescription()`).
    Faithful suite mode only: id, unittest's id of the test; name, the name `JSONTestRunner`
    writes for it."""

    weight: float | None = None
    number: str | float | None = None
    visibility: str | None = None
    leaderboard: str | None = None
    order: str | None = None
    tags: tuple[str, ...] = ()
    hide_errors: str | None = None
    partial_credit: bool = False
    unittest: bool = False
    doc: str | None = None
    id: str | None = None
    name: str | None = None

    @property
    def sort_order(self) -> str:
        return self.order or "desc"

    def to_wire(self) -> dict:
        """The fields this record has (a field at its default, None, False or no tags, is left
        out; a weight or number of 0 is kept)."""
        return {key: list(value) if key == "tags" else value
                for key, value in asdict(self).items() if not _unset(value)}


def _unset(value) -> bool:
    return value is None or value is False or value == ()


_TEXT_FIELDS = ("visibility", "leaderboard", "order", "hide_errors", "doc", "id", "name")
_FLAGS = ("partial_credit", "unittest")
NAMES = frozenset(item.name for item in fields(Decorations))


def read_decorations(mapping) -> Decorations:
    """The record `mapping` carries; `InvalidDecorations` for an unknown field or a value of
    the wrong type."""
    if not isinstance(mapping, dict):
        raise InvalidDecorations("decorations that are not a mapping")
    unknown = set(mapping) - NAMES
    if unknown:
        raise InvalidDecorations(f"unknown decoration {sorted(map(str, unknown))[0][:40]!r}")
    for key in _TEXT_FIELDS:
        if mapping.get(key) is not None and not isinstance(mapping[key], str):
            raise InvalidDecorations(f"`{key}` is not text")
    for key in _FLAGS:
        if type(mapping.get(key, False)) is not bool:
            raise InvalidDecorations(f"`{key}` is not true or false")
    weight, number = mapping.get("weight"), mapping.get("number")
    if weight is not None and not _finite(weight):
        raise InvalidDecorations("`weight` is not a finite number")
    if number is not None and not (isinstance(number, str) or _finite(number)):
        raise InvalidDecorations("`number` is neither text nor a number")
    tags = mapping.get("tags") or []
    if not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        raise InvalidDecorations("`tags` is not a list of texts")
    return Decorations(**{**mapping, "tags": tuple(tags)})


def _finite(value) -> bool:
    return type(value) in (int, float) and is_finite(value)


def is_finite(number) -> bool:
    """Whether an int or float is finite as JSON and a float carry it (an int past a float's
    range is not: `math.isfinite` would raise)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def read_all_decorations(decorated) -> dict[str, Decorations]:
    """A `Collected` event's test -> decorations mapping, each read with `read_decorations`."""
    if not isinstance(decorated, dict):
        raise InvalidDecorations("the decorated tests are not a mapping")
    return {str(test): read_decorations(found) for test, found in decorated.items()}
