"""pytest plugin of the grading process: selects the submission, reports each test's outcome.

Two ways in:
- `pytest tests --submission DIR` (an instructor debugging a test): the plugin stages DIR with
  the provided files and reads item configs from rubric.yaml beside `tests/`.
- The harness starts pytest with `AUTOGRADER_PLAN` pointing to a plan (JSON) and a channel fd.
  Before any conftest.py or test module loads, the plugin sets how student workers run (the unprivileged user,
  the limits), reads the submitted sources and the provided files, and installs the import hook
  through which a gradescope-utils suite's `import calculator` reaches a worker. Then for every
  test it arms a watchdog that dumps the stack and exits if the test outlives its timeout (a
  grader bug: every worker call ends at that timeout) and sends one result event with a
  readable message. Submitted code never runs in this process; processes left by a test's
  workers (daemons included: the grading process is a subreaper) are killed when it ends.
"""
from __future__ import annotations

import faulthandler
import gc
import os
import sys
import tempfile
import unittest
from pathlib import Path

import pytest

from autograder.grading_process import (contract, grading_api, hypothesis_inputs, not_called_again,
                                        session, submitted_imports, worker_client)
from autograder.grading_process.cannot_pass import take_cannot_pass
from autograder.grading_process.decorations import decorations_of
from autograder.grading_process.feedback import describe_failure
from autograder.grading_process.reported_text import fitting
from autograder.sandbox import process_control
from autograder.wire import channel, events
from autograder.wire.decorations import Decorations, is_finite
from autograder.wire.protocol import (CHANNEL_FD_ENV, PLAN_ENV, PROVIDED_DIR_ENV,
                                      SUBMISSION_DIR_ENV, GradingPlan, PlannedTest)
from autograder.wire.time_limits import WATCHDOG_SLACK_S

# The grading process's `session.GradingSession`, kept on pytest's config.
SESSION_KEY = pytest.StashKey[session.GradingSession]()


def grading_session(config) -> session.GradingSession:
    """The session of this grading process, on `config` from its start."""
    if SESSION_KEY not in config.stash:
        config.stash[SESSION_KEY] = session.current()
    return config.stash[SESSION_KEY]


def pytest_addoption(parser):
    parser.addoption("--submission", default=None, metavar="DIR",
                     help="grade this submission folder (staged with the provided files)")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before any conftest.py or test module loads (a suite's may import the submission, as
    gradescope-utils suites do): how workers run, the sources and provided files read, the
    import hook."""
    plan_path = os.environ.get(PLAN_ENV)
    if not plan_path:
        return
    plan = GradingPlan.from_json(Path(plan_path).read_text())
    grading_session(early_config).planned.update(plan.tests)
    process_control.become_subreaper()
    worker_client.configure_for(plan)
    worker_client.warm_up(())  # the plain fork server imports NumPy while the tests load
    not_called_again.remember_in(plan.not_called_again)
    contract.configure(plan.contract_dir)
    grading_api.snapshot_sources()  # the submitted source, before any worker can change it
    for name in plan.provided_modules:
        grading_api.provided_module(name)
    submitted_imports.install(plan.submitted_modules, plan.provided_modules)


def pytest_configure(config):
    plan_path = os.environ.get(PLAN_ENV)
    if plan_path:
        plan = GradingPlan.from_json(Path(plan_path).read_text())
        config.pluginmanager.register(GradingReporter(plan, grading_session(config)),
                                      "autograder-reporter")
    elif config.getoption("submission"):
        _configure_direct_run(config)


def pytest_collection_finish(session):
    """The tests are loaded: Hypothesis draws their inputs from them alone
    (`hypothesis_inputs`), and what pytest, Hypothesis and the tests built is frozen out of
    the garbage collector's scans (each full collection would walk it again: Hypothesis's
    first test runs one). In every session that loads the plugin, the harness's or an
    instructor's direct run, so that both draw the same inputs."""
    hypothesis_inputs.ignore_loaded_modules()
    gc.freeze()


def _configure_direct_run(config) -> None:
    """`pytest tests --submission DIR`: stage DIR and read configs from the rubric."""
    from autograder.rubric import load_rubric
    from autograder.staging import stage_submission, submitted_module_names

    rubric = load_rubric(Path(config.rootpath) / "rubric.yaml")
    staged = stage_submission(Path(config.getoption("submission")), rubric,
                              Path(config.rootpath), Path(tempfile.mkdtemp(prefix="autograder-direct-")))
    os.environ[SUBMISSION_DIR_ENV] = str(staged.folder)
    os.environ[PROVIDED_DIR_ENV] = str(Path(config.rootpath) / rubric.template)
    grading = grading_session(config)
    for item in rubric.items:
        for node in rubric.node_ids(item):
            grading.planned[node] = PlannedTest(item.config, item.timeout)
    provided = [Path(name).stem for name in rubric.provided_files if name.endswith(".py")]
    config.pluginmanager.register(DirectRunTimer(submitted_module_names(rubric, staged.folder),
                                                 provided, grading), "autograder-direct-timer")


class DirectRunTimer:
    """In a direct run, worker calls still end at their item's time limit, and a
    gradescope-utils suite's imports of the submission reach a worker."""

    def __init__(self, submitted: list[str], provided: list[str], grading: session.GradingSession):
        self.submitted, self.provided, self.session = submitted, provided, grading

    def pytest_sessionstart(self, session):
        submitted_imports.install(self.submitted, self.provided)

    def pytest_sessionfinish(self, session):
        submitted_imports.uninstall()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        worker_client.begin_test(self.session.planned_test(item.nodeid).timeout, 1 << 20)
        try:
            yield
        finally:
            worker_client.end_test()


@pytest.fixture
def item_config(request) -> dict:
    """The `config` mapping of the rubric item this test belongs to (e.g. seeds, targets)."""
    return grading_session(request.config).planned_test(request.node.nodeid).config


class GradingReporter:
    """Runs inside the grading process; its only output is events on the channel."""

    def __init__(self, plan: GradingPlan, grading: session.GradingSession):
        self.plan = plan
        self.session = grading
        self.fd = int(os.environ[CHANNEL_FD_ENV])
        self.submission_dir = Path(plan.submission_dir)
        self.output_limit = int(plan.output_limit_bytes)
        self.timeout_report = open(plan.timeout_report, "w")
        self.partial_credit: set[str] = set()
        self.failures: dict[str, str] = {}
        self.captured: dict[str, str] = {}
        self.properties: dict[str, list] = {}
        self.exit_status: int | None = None

    # -- collection -----------------------------------------------------------------------
    def pytest_collectreport(self, report):
        """A test file that fails to import is the grader's problem: say which and why (the
        other files still run: the harness passes `--continue-on-collection-errors`)."""
        if report.failed:
            channel.send(self.fd, events.LoadFailed(report.nodeid, str(report.longreprtext)[-3000:]))

    def pytest_collection_modifyitems(self, session, config, items):
        decorated = {item.nodeid: found for item in items if (found := gradescope_decorations(item))}
        channel.send(self.fd, events.Collected([item.nodeid for item in items],
                                               {node: found.to_wire() for node, found in decorated.items()}))
        # Read now, before any submission code runs: a test function's `__score__` counts only
        # for tests that were decorated with `@partial_credit` to begin with.
        self.partial_credit = {node for node, found in decorated.items() if found.partial_credit}
        select = self.plan.select
        done = set(self.plan.done)
        keep = [item for item in items if item.nodeid not in done
                and (select is None or item.nodeid.split("[", 1)[0] in select)]
        kept = set(id(item) for item in keep)
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = keep

    def pytest_sessionfinish(self, session, exitstatus):
        submitted_imports.uninstall()
        self.exit_status = int(exitstatus)

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config):
        """The grading process ends here, with pytest's exit status: every event has been sent
        and the summary written, and the interpreter's own ending (torch's modules, pytest's
        last garbage collections, its temporary folders, which the harness removes with the
        run's folder) would take up to a second more."""
        if self.exit_status is None:
            return
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(self.exit_status)

    # -- each test ------------------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        node = item.nodeid
        channel.send(self.fd, events.Started(node))
        timeout = self.session.planned_test(node).timeout
        self.timeout_report.seek(0)
        self.timeout_report.truncate()
        faulthandler.dump_traceback_later(timeout + WATCHDOG_SLACK_S, exit=True,
                                          file=self.timeout_report)
        worker_client.begin_test(timeout, self.output_limit)
        take_cannot_pass()  # (what an earlier test left)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
            worker_client.end_test()
        _end_leftover_processes()
        self._send_result(node, item)

    def pytest_runtest_makereport(self, item, call):
        if call.excinfo is None or item.nodeid in self.failures:
            return
        if call.excinfo.errisinstance(pytest.skip.Exception):
            self.failures[item.nodeid] = "This check was skipped by the grader (a grader problem)."
            return
        self.failures[item.nodeid] = describe_failure(
            call.excinfo.value, self.submission_dir, self.plan.memory_mb, self.plan.processes)

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and report.failed):
            self.captured[report.nodeid] = report.capstdout[: self.output_limit + 1]
            self.properties[report.nodeid] = [list(p) for p in report.user_properties]
        report.sections = []  # a flood of output must not stay in memory for the later tests

    def _send_result(self, node: str, item) -> None:
        message = self.failures.pop(node, None)
        uncaught = take_cannot_pass()
        if message is None and uncaught is not None:  # the test caught it: it still fails
            message = describe_failure(uncaught, self.submission_dir, self.plan.memory_mb,
                                       self.plan.processes)
        function = getattr(item, "obj", None)
        hidden = getattr(function, "__hide_errors__", None)
        if message is not None and hidden is not None:
            message = str(hidden)
        stdout = self.captured.pop(node, "")
        stdout = fitting(stdout, self.output_limit)
        channel.send(self.fd, events.Result(
            test=node, passed=message is None, message=message or "", stdout=stdout,
            properties=_reported_properties(self.properties.pop(node, [])),
            set_score=(_number_or_none(getattr(function, "__score__", None))
                       if node in self.partial_credit else None),
            leaderboard_value=_leaderboard_value(getattr(function, "__leaderboard_value__", None))))


def gradescope_decorations(item) -> Decorations | None:
    """What gradescope-utils' decorators put on a pytest item's test function
    (`decorations_of`); None for a test that has none and is no unittest method."""
    owner = getattr(item, "cls", None)
    return decorations_of(getattr(item, "obj", None),
                          isinstance(owner, type) and issubclass(owner, unittest.TestCase))


def _number_or_none(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _leaderboard_value(value):
    """A number or a text (gradescope-utils allows both, e.g. "*****"), else None."""
    return value[:events.MAX_TEXT_VALUE_CHARS] if isinstance(value, str) else _number_or_none(value)


def _end_leftover_processes() -> None:
    """Kill what a test started, except the worker fork server and the live workers."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return  # no child at all: found without listing every process
    process_control.kill_descendants(keep=worker_client.live_pids())


def _reported_properties(recorded: list) -> list[list]:
    """What a test recorded with `record_property`, as the harness reads it: at most
    `events.MAX_PROPERTIES` (name, value) pairs (`_property_value`), names cut to
    `events.MAX_TEXT_VALUE_CHARS` (an event too long for its line would be lost)."""
    return [[str(name)[: events.MAX_TEXT_VALUE_CHARS], _property_value(value)]
            for name, value in recorded[: events.MAX_PROPERTIES]]


def _property_value(value):
    """None, true or false, a finite number, or else a text (a value's repr), cut."""
    if value is None or isinstance(value, bool):
        return value
    number = _number_or_none(value)
    if number is not None and is_finite(number):
        return number
    return (value if isinstance(value, str) else repr(value))[: events.MAX_TEXT_VALUE_CHARS]
