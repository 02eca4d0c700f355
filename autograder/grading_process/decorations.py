"""What gradescope-utils' decorators put on a test function, read without running it."""
from __future__ import annotations

GRADESCOPE_ATTRIBUTES = {"__weight__": "weight", "__number__": "number", "__visibility__": "visibility",
                         "__leaderboard_column__": "leaderboard", "__leaderboard_sort_order__": "order",
                         "__tags__": "tags", "__hide_errors__": "hide_errors"}


def decorations_of(function, unittest_method: bool) -> dict:
    """What gradescope-utils' decorators (`@weight`, `@number`, `@visibility`, `@partial_credit`,
    `@leaderboard`, `@hide_errors`, `@tags`) put on a test function, with `unittest: True` for
    a unittest method (decorated or not: gradescope-utils reports every one) and `doc`, its
    docstring's first line (unittest's `shortDescription()`); {} for any other test."""
    found = {name: getattr(function, attribute) for attribute, name in GRADESCOPE_ATTRIBUTES.items()
             if hasattr(function, attribute)}
    if "set_score" in getattr(getattr(function, "__code__", None), "co_freevars", ()):
        found["partial_credit"] = True  # @partial_credit's wrapper hands the test `set_score`
    if unittest_method:
        found["unittest"] = True
    if found:
        doc = (getattr(function, "__doc__", None) or "").strip()
        found["doc"] = doc.splitlines()[0].strip() if doc else None
    return found
