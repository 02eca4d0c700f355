"""Sentences a student reads that more than one process writes or recognises, each written once.
"""
from __future__ import annotations

NOT_IMPLEMENTED = "Not implemented yet"
SLOW_CODE = "a loop that never ends or an algorithm much slower than needed"
OUTPUT_CUT = "… (output cut at the grader's limit)"
GRADER_PROBLEM = ("The autograder had a problem running the tests (not your fault). "
                  "Course staff can see the details; please let them know.")
MUST_RETURN = "Graded functions must return, never call `exit()`, `sys.exit()` or `os._exit()`."


def not_implemented_message(function: str) -> str:
    """What a check that called the stub `function` (its call label) says."""
    return f"{NOT_IMPLEMENTED}: `{function}` still raises `NotImplementedError`."


def timed_out_message(seconds: float, function: str | None = None, note: str = "",
                      look_for: str = SLOW_CODE) -> str:
    """What a check stopped at its time limit `seconds` says: where it was (`function`, when
    known), `note` after the limit, and what to look for."""
    place = f" in `{function}`" if function else ""
    return f"Timed out after {seconds:g} s{place}{note}. Look for {look_for}."
