"""The grading process of the faithful suite mode: `python -m autograder.grading_process.suite_process`.

It reads the suite's decorators itself (`suite_discovery`, no submitted code imported), reports
the tests to the harness, then has a student worker run the suite as `JSONTestRunner` would
(`autograder.worker.suite_runner`), forwarding each test's start and outcome as events. The
worker's word is taken for outcomes and output only; weights, names and numbers are the
discovery's, and the harness caps every score at its test's weight. Each test must finish
within the suite's per-test time limit: past it, or when the worker crashes or exits, that test
fails with a message naming why, and a fresh worker runs the tests that are left (one that
fails before any test starts fails every test that is left, since each new worker would too).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder.grading_process import suite_discovery, worker_client
from autograder.grading_process.reported_text import fitting
from autograder.sandbox import process_control
from autograder.sentences import timed_out_message
from autograder.wire import channel, events
from autograder.wire import worker_messages as messages
from autograder.wire.decorations import Decorations
from autograder.wire.protocol import CHANNEL_FD_ENV, PLAN_ENV, GradingPlan, SuiteSetup

MAX_UNLISTED = 200
FAILED_IMPORT_ID = "unittest.loader._FailedTest."  # unittest's id of a module it could not import
MAX_RUN_OUTPUT_CHARS = 4 << 20  # what the run's tests show of their output together
FAILURE_PREFIX_DEFAULT = "Test Failed: "


class SuiteGrading:
    """One run of the suite over as many workers as it takes; state of this grading process."""

    def __init__(self, plan: GradingPlan, fd: int):
        self.plan = plan
        self.setup: SuiteSetup = plan.suite
        self.fd = fd
        self.known: dict[str, Decorations] = {}  # by `messages.suite_keys`
        self.remaining: list[str] = []
        self.unlisted = 0
        self.output_left = MAX_RUN_OUTPUT_CHARS
        self.unkeyed: str | None = None  # a known test's id that started with no key left

    def run(self) -> None:
        tests, problems = suite_discovery.discover(self.setup.private_dir, self.setup.pattern,
                                                   self.plan.submitted_modules,
                                                   self.setup.descriptions)
        for name, error, read in problems:
            print(f"autograder: the suite's module {name} could not be read without the "
                  f"submission; its decorators were read from its source ({read} tests), any "
                  f"other test of it counts as status-only. Why:\n{error}", file=sys.stderr)
        self.known = dict(zip(messages.suite_keys(test.id for test in tests), tests))
        channel.send(self.fd, events.Collected(
            list(self.known), {test: found.to_wire() for test, found in self.known.items()}))
        done = set(self.plan.done)
        self.remaining = [test for test in self.known if test not in done]
        first = not done
        while self.remaining or first:
            if not self.run_one_worker(everything=first):
                break
            first = False

    def run_one_worker(self, everything: bool) -> bool:
        """Run what is left in a fresh worker; True when it stopped early and more is left."""
        source = self.setup.source_dir
        worker = worker_client.ForkServer.get(()).fork(Path(source), cwd=source)
        request = messages.RunSuiteRequest(
            start_dir=str(Path(source) / self.setup.tests_name), pattern=self.setup.pattern,
            failure_prefix=self.setup.failure_prefix, descriptions=self.setup.descriptions,
            buffer=self.setup.buffer, failfast=self.setup.failfast,
            ids=None if everything else list(self.remaining))
        current, started_any = None, False
        worker_client.begin_test(self.setup.timeout, self.plan.output_limit_bytes)
        try:
            for frame in worker.frames(request, "the tests"):
                if isinstance(frame, messages.OkReply):
                    self.no_result(current)
                    self.never_started()
                    return False
                if isinstance(frame, messages.ErrorReply):
                    why = (f"The tests stopped with `{frame.error.type_name[:100]}: "
                           f"{frame.error.message[:2000]}`.")
                    return self.lost(current, started_any, why)
                if isinstance(frame, messages.SuiteStartFrame):
                    started_any = True
                    self.no_result(current)
                    current = self.start(frame.id)
                elif isinstance(frame, messages.SuiteEntryFrame):
                    self.entry(frame, current)
                    current = None
                else:
                    self.send_unlisted(frame.name, False, frame.output)
            return False
        except worker_client.WorkerFailure as failure:
            return self.lost(current, started_any, self.failure_text(failure))
        finally:
            worker.close()
            worker_client.end_test()
            process_control.kill_descendants(keep=worker_client.live_pids())

    def no_result(self, test: str | None) -> None:
        """`test` started and ended without a result (unittest skipped it, a subTest failed):
        as under JSONTestRunner, it is not listed."""
        if test is not None and test in self.remaining:
            self.remaining.remove(test)
            channel.send(self.fd, events.NoResult(test))

    def never_started(self) -> None:
        """The worker ran its suite to the end and these tests never started (their module did
        not import there, their class's `setUpClass` failed): as under JSONTestRunner, they are
        not listed, and no other worker runs them again."""
        for test in list(self.remaining):
            channel.send(self.fd, events.Started(test))
            self.no_result(test)

    def start(self, test_id) -> str | None:
        """The key of the test that starts: the first one left with unittest's id `test_id`
        (None for one more occurrence than the reading of the suite showed: `unkeyed`)."""
        worker_client.begin_test(self.setup.timeout, self.plan.output_limit_bytes)
        self.unkeyed = None
        for key in self.remaining:
            if self.known[key].id == test_id:
                channel.send(self.fd, events.Started(key))
                return key
        self.unkeyed = test_id
        return None

    def entry(self, frame: messages.SuiteEntryFrame, current) -> None:
        if any(found.id == frame.id for found in self.known.values()):
            if current is None and frame.id == self.unkeyed:  # listed, without points
                self.send_unlisted(frame.name, frame.status == "passed", frame.output, hidden=True)
                self.unkeyed = None
            if current is None or self.known[current].id != frame.id:
                return  # a result for a test that is not the one running: refused
            self.remaining.remove(current)
            found = self.known[current]
            channel.send(self.fd, events.Result(
                test=current, passed=frame.status in (None, "passed"), message=self.shown(frame.output),
                set_score=frame.score if found.partial_credit and _number(frame.score) else None,
                leaderboard_value=(frame.value[:events.MAX_TEXT_VALUE_CHARS] if isinstance(frame.value, str)
                                   else frame.value if _number(frame.value) else None)))
        else:  # (a module that failed to import in the worker is shown, as JSONTestRunner shows it)
            failed_import = str(frame.id).startswith(FAILED_IMPORT_ID)
            self.send_unlisted(frame.name, frame.status == "passed", frame.output,
                               hidden=not failed_import)

    def send_unlisted(self, name, passed: bool, output, hidden: bool = False) -> None:
        """A result nobody listed, status-only; `hidden` for a test (its visibility unknown:
        a test staff meant to hide stays hidden)."""
        if self.unlisted >= MAX_UNLISTED:
            return
        self.unlisted += 1
        channel.send(self.fd, events.Unlisted(_text(name)[:500], bool(passed), self.shown(output),
                                              hidden))

    def shown(self, output) -> str:
        """A test's output as results.json shows it: up to the output limit of a test, and of
        what is left of the run's (`MAX_RUN_OUTPUT_CHARS`: a results.json stays a few MB),
        though always its end (a failure's message) once the run's is spent."""
        left = max(self.output_left, 4 * messages.TEXT_TAIL_CHARS)
        limit = min(self.plan.output_limit_bytes, left, messages.MAX_SUITE_TEXT_CHARS - 1)
        text = fitting(_text(output), limit)  # (a text the worker cut is always cut here too)
        self.output_left = max(0, self.output_left - len(text))
        return text

    def lost(self, current: str | None, started_any: bool, why: str) -> bool:
        """The worker stopped before the suite ended: `current` (else the next test, else every
        test left when nothing had started) fails with `why` (with `failfast`, the rest is not
        run, as unittest stops at a first failure); True when a new worker should go on."""
        if current is None and not started_any:
            victims = list(self.remaining)
        else:
            victims = [current] if current in self.remaining else self.remaining[:1]
        for test in victims:
            self.remaining.remove(test)
            channel.send(self.fd, events.Started(test))
            hidden = self.known[test].hide_errors
            output = f"{self.setup.failure_prefix}{why}\n" if hidden is None else hidden
            channel.send(self.fd, events.Result(test, passed=False, message=output))
        if self.setup.failfast:  # unittest stops at the first failure: nothing else runs
            self.never_started()
        return bool(self.remaining)

    def failure_text(self, failure: worker_client.WorkerFailure) -> str:
        if isinstance(failure, worker_client.CallTimedOut):
            where = failure.message if failure.message != "the tests" else None
            return timed_out_message(self.setup.timeout, where, note=" (the grader's limit per test)",
                                     look_for="a loop that never ends or a prompt waiting for input")
        return f"The process running the tests {failure.message} while this test ran."


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def main() -> None:
    plan = GradingPlan.from_json(Path(os.environ[PLAN_ENV]).read_text())
    process_control.become_subreaper()
    worker_client.configure_for(plan)
    SuiteGrading(plan, int(os.environ[CHANNEL_FD_ENV])).run()


if __name__ == "__main__":
    main()
