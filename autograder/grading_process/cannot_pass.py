"""Failures that fail the running test even when the test catches them.

A call that failed as a process (a timeout, a crash), a submitted file that does not import, a
`SystemExit` or other non-`Exception` of the student's: a grading test's `pytest.raises
(Exception)` or `assertRaises(Exception)` must not turn such a failure into a pass. The first
one of a test is kept on the session's `TestState`; the plugin fails the test with it.
"""
from __future__ import annotations

import contextlib

from autograder.grading_process import session
from autograder.grading_process.problems import CallFailed


def note_cannot_pass(error: BaseException) -> None:
    """`error` fails the current test even if the test catches it (the first one is kept)."""
    test = session.current().test
    if test.noting and test.cannot_pass is None:
        test.cannot_pass = error


def take_cannot_pass() -> BaseException | None:
    """The current test's first such failure (and forget it), or None."""
    test = session.current().test
    found, test.cannot_pass = test.cannot_pass, None
    return found


@contextlib.contextmanager
def not_noting():
    """Failures inside are the grader's own probing (e.g. whether a name is a submodule)."""
    test = session.current().test
    test.noting = False
    try:
        yield
    finally:
        test.noting = True


def call_failed(function: str, message: str, cause: str = ""):
    """Raise the `CallFailed` of `function`, noted: the one place a failed call is raised, so
    that hypothesis sees the first failure and its repeats (a function not called again) as
    the same error."""
    failed = CallFailed(function, message, cause or message)
    note_cannot_pass(failed)
    raise failed
