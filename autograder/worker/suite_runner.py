"""A gradescope-utils suite run in the student worker exactly as `JSONTestRunner` runs it.

unittest's discovery over the suite folder (which it puts on `sys.path`), with the worker's
working folder holding the submission as Gradescope's `/autograder/source` does, and the very
`JSONTestResult` of gradescope-utils building each test's dict. As there, `sys.path` holds the
suite folder and the working folder, not the harness's own folder (on it for the worker's own
imports, taken off first): its `tests` package never stands in for the suite's. Each test's
start and its dict go to the grading process as frames as soon as they happen; the grading
process believes of them only what a student could make true under Gradescope's own runner
anyway (a test's outcome and output), and takes every test's weight, name and number from its
own reading of the suite.

One deliberate difference: a failed `setUpClass`/`setUpModule` (an `_ErrorHolder`, on which
`JSONTestResult` itself raises and ends the whole run) is sent as a holder frame and the run
goes on.
"""
from __future__ import annotations

import sys
import unittest
from unittest.result import TestResult
from unittest.signals import registerResult

from gradescope_utils.autograder_utils.json_test_runner import JSONTestResult

from autograder.paths import SUITE_ARGV, without_harness_folder
from autograder.wire import worker_messages as messages
from autograder.wire.decorations import is_finite


def run_suite(send, request: messages.RunSuiteRequest) -> None:
    """Discover `request.start_dir` with `pattern`, keep only `ids` (when given), and run it,
    calling `send(frame)` for every start, result and failed class fixture."""
    sys.path[:] = without_harness_folder(sys.path)
    sys.argv[:] = SUITE_ARGV  # (a suite's `argparse` at import sees no harness arguments)
    loader = unittest.TestLoader()
    suite = loader.discover(str(request.start_dir), pattern=str(request.pattern))
    if request.ids is not None:
        suite = _only(suite, set(request.ids), {})
    result = StreamingResult(send, str(request.failure_prefix), bool(request.descriptions))
    registerResult(result)
    result.failfast = bool(request.failfast)
    result.buffer = bool(request.buffer)
    result.startTestRun()
    try:
        suite(result)
    finally:
        result.stopTestRun()


def _only(suite: unittest.TestSuite, wanted: set[str], seen: dict[str, int]) -> unittest.TestSuite:
    """`suite` with only the tests whose key (`messages.suite_key`, occurrences counted in
    `seen` in the suite's order) is in `wanted`: a test already graded does not run again,
    even when its class runs twice (nested suites kept, for class and module fixtures)."""
    kept = type(suite)()
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            inner = _only(test, wanted, seen)
            if inner.countTestCases():
                kept.addTest(inner)
        elif messages.suite_key(test.id(), seen) in wanted:
            kept.addTest(test)
    return kept


class StreamingResult(JSONTestResult):
    """gradescope-utils' own result class; each dict it builds is also sent as a frame."""

    def __init__(self, send, failure_prefix: str, descriptions: bool):
        super().__init__(sys.__stderr__, descriptions, 1, [], [], failure_prefix)
        self.send = send

    def startTest(self, test):
        self.send(messages.SuiteStartFrame(_text(test.id())))
        super().startTest(test)

    def addError(self, test, err):
        if _is_holder(test):
            TestResult.addError(self, test, err)
            self._send_holder(test, err)
        else:
            super().addError(test, err)

    def addFailure(self, test, err):
        if _is_holder(test):
            TestResult.addFailure(self, test, err)
            self._send_holder(test, err)
        else:
            super().addFailure(test, err)

    def processResult(self, test, err=None):
        before = (len(self.results), len(self.leaderboard))
        super().processResult(test, err)
        added = self.results[before[0]:] or self.leaderboard[before[1]:]
        for entry in added:
            self.send(messages.SuiteEntryFrame(
                _text(test.id()), **{key: _scalar(entry.get(key)) for key in messages.SUITE_ENTRY_FIELDS}))

    def _send_holder(self, test, err) -> None:
        self.send(messages.SuiteHolderFrame(_text(str(test)),
                                            _text(f"{self.failure_prefix}{err[1]}\n")))


def _is_holder(test) -> bool:
    """A class or module fixture's stand-in (`unittest.suite._ErrorHolder`), not a test."""
    return not hasattr(test, "_testMethodName")


def _text(value) -> str:
    """`value`'s text as a frame carries it (`messages.MAX_SUITE_TEXT_CHARS`: its beginning
    and its end)."""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001 - a hostile __str__
        text = "(unreadable)"
    if len(text) <= messages.MAX_SUITE_TEXT_CHARS:
        return text
    return (text[: messages.MAX_SUITE_TEXT_CHARS - messages.TEXT_TAIL_CHARS]
            + text[len(text) - messages.TEXT_TAIL_CHARS:])


def _scalar(value):
    """A result field as the frame carries it: None, a finite number or a text (anything else,
    a bool included, as its text)."""
    if value is None:
        return None
    if type(value) in (int, float) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        number = float(value) if isinstance(value, float) else int(value)
        return number if is_finite(number) else None
    return _text(value)
