"""What gradescope-utils' decorators put on a test function, read without running it."""
from __future__ import annotations

import numbers

from autograder.wire.decorations import Decorations, is_finite

TEXT_ATTRIBUTES = {"__visibility__": "visibility", "__leaderboard_column__": "leaderboard",
                   "__leaderboard_sort_order__": "order", "__hide_errors__": "hide_errors"}


def decorations_of(function, unittest_method: bool) -> Decorations | None:
    """What gradescope-utils' decorators (`@weight`, `@number`, `@visibility`, `@partial_credit`,
    `@leaderboard`, `@hide_errors`, `@tags`) put on a test function, with `unittest` set for
    a unittest method (decorated or not: gradescope-utils reports every one) and `doc`, its
    docstring's first line (unittest's `shortDescription()`); None for any other test."""
    found = {name: str(getattr(function, attribute)) for attribute, name in TEXT_ATTRIBUTES.items()
             if getattr(function, attribute, None) is not None}
    weight, number = getattr(function, "__weight__", None), getattr(function, "__number__", None)
    if plain_number(weight) is not None:
        found["weight"] = plain_number(weight)
    if number is not None:
        found["number"] = str(number) if plain_number(number) is None else plain_number(number)
    if getattr(function, "__tags__", None) is not None:
        found["tags"] = tuple(str(tag) for tag in function.__tags__)
    if "set_score" in getattr(getattr(function, "__code__", None), "co_freevars", ()):
        found["partial_credit"] = True  # @partial_credit's wrapper hands the test `set_score`
    if unittest_method:
        found["unittest"] = True
    if not found:
        return None
    doc = (getattr(function, "__doc__", None) or "").strip()
    return Decorations(**found, doc=doc.splitlines()[0].strip() if doc else None)


def plain_number(value) -> int | float | None:
    """`value` as a plain finite int or float (NumPy's included), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    plain = int(value) if isinstance(value, numbers.Integral) else float(value)
    return plain if is_finite(plain) else None
