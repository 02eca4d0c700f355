"""pytest plugin of the grading process: selects the submission, reports each test's outcome.

Two ways in:
- `pytest tests --submission DIR` (an instructor debugging a test): the plugin stages DIR with
  the provided files and reads item configs from rubric.yaml beside `tests/`.
- The harness starts pytest with `AUTOGRADER_PLAN` pointing to a plan (JSON) and a channel fd.
  After collection the plugin drops privileges if asked, then for every test: arms a watchdog
  that dumps the stack and exits when the test's timeout passes, snapshots the functions the
  tests rely on (numpy, builtins, pytest, ...), and sends one result event with a readable
  message. A test during which the submission replaced one of those functions fails, and the
  grading process then exits: whatever else the submission changed in it is gone when a fresh
  process grades the remaining tests. A copy of the process that the submission forked exits as
  soon as it returns into pytest, so only the grading process itself reports; processes a test
  started (daemons included: the grading process is a subreaper) are killed when it ends.
"""
from __future__ import annotations

import faulthandler
import json
import os
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from autograder import channel, grading_api, sandbox, workers
from autograder.feedback import describe_failure
from autograder.protocol import (CHANNEL_FD_ENV, EVENT_COLLECTED, EVENT_RESULT, EVENT_START,
                                 PLAN_ENV, PROVIDED_DIR_ENV, SUBMISSION_DIR_ENV, GradingPlan)

WATCHED_MODULE_PREFIXES = ("builtins", "numpy", "math", "pytest", "_pytest", "hypothesis",
                           "torch", "autograder", "tests", "data", "json", "os", "sys", "pickle")

GRADESCOPE_ATTRIBUTES = {"__weight__": "weight", "__number__": "number", "__visibility__": "visibility",
                         "__leaderboard_column__": "leaderboard", "__leaderboard_sort_order__": "order",
                         "__tags__": "tags"}

WATCHDOG_SLACK_SECONDS = 5   # the in-process watchdog fires after a worker call would have
_item_configs: dict[str, dict] = {}
_item_timeouts: dict[str, float] = {}
_LIBRARY_ROOTS = tuple({sys.prefix, sys.base_prefix, *sysconfig.get_paths().values()})


def pytest_addoption(parser):
    parser.addoption("--submission", default=None, metavar="DIR",
                     help="grade this submission folder (staged with the provided files)")


def pytest_configure(config):
    plan_path = os.environ.get(PLAN_ENV)
    if plan_path:
        plan = GradingPlan.from_json(Path(plan_path).read_text())
        _item_configs.update({k: v["config"] for k, v in plan.tests.items()})
        config.pluginmanager.register(GradingReporter(plan), "autograder-reporter")
    elif config.getoption("submission"):
        _configure_direct_run(config)


def _configure_direct_run(config) -> None:
    """`pytest tests --submission DIR`: stage DIR and read configs from the rubric."""
    from autograder.rubric import load_rubric
    from autograder.submission import stage_submission

    rubric = load_rubric(Path(config.rootpath) / "rubric.yaml")
    staged = stage_submission(Path(config.getoption("submission")), rubric,
                              Path(config.rootpath), Path(tempfile.mkdtemp(prefix="autograder-direct-")))
    os.environ[SUBMISSION_DIR_ENV] = str(staged.folder)
    os.environ[PROVIDED_DIR_ENV] = str(Path(config.rootpath) / rubric.template)
    for item in rubric.items:
        for node in rubric.node_ids(item):
            _item_configs[node] = item.config
            _item_timeouts[node] = item.timeout
    config.pluginmanager.register(DirectRunTimer(), "autograder-direct-timer")


class DirectRunTimer:
    """In a direct run, worker calls still end at their item's time limit."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        workers.begin_test(_item_timeouts.get(item.nodeid.split("[", 1)[0], 60), 1 << 20)
        try:
            yield
        finally:
            workers.end_test()


@pytest.fixture
def item_config(request) -> dict:
    """The `config` mapping of the rubric item this test belongs to (e.g. seeds, targets)."""
    return _item_configs.get(request.node.nodeid.split("[", 1)[0], {})


class GradingReporter:
    """Runs inside the grading process; its only output is events on the channel."""

    def __init__(self, plan: GradingPlan):
        self.plan = plan
        self.fd = int(os.environ[CHANNEL_FD_ENV])
        self.submission_dir = Path(plan.submission_dir)
        self.output_limit = int(plan.output_limit_bytes)
        self.timeout_report = open(plan.timeout_report, "w")  # opened before dropping rights
        self.start_dir = os.getcwd()
        self.pid = os.getpid()
        self.partial_credit: set[str] = set()
        self.baseline: dict[str, dict[str, object]] = {}
        self.failures: dict[str, str] = {}
        self.captured: dict[str, str] = {}
        self.properties: dict[str, list] = {}

    # -- collection -----------------------------------------------------------------------
    def pytest_collection_modifyitems(self, session, config, items):
        decorated = {item.nodeid: found for item in items if (found := gradescope_decorations(item))}
        channel.send(self.fd, {"event": EVENT_COLLECTED, "tests": [item.nodeid for item in items],
                               "decorated": _json_safe(decorated)})
        # Read now, before any submission code runs: a test function's `__score__` counts only
        # for tests that were decorated with `@partial_credit` to begin with.
        self.partial_credit = {node for node, found in decorated.items() if found.get("partial_credit")}
        select = self.plan.select
        done = set(self.plan.done)
        keep = [item for item in items if item.nodeid not in done
                and (select is None or item.nodeid.split("[", 1)[0] in select)]
        kept = set(id(item) for item in keep)
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = keep

    def pytest_collection_finish(self, session):
        sandbox.become_subreaper()
        workers.set_worker_dir(self.plan.worker_dir)
        grading_api.snapshot_sources()  # the submitted source, before any worker can change it
        for name in self.plan.provided_modules:
            grading_api.provided_module(name)  # the instructor's copy, read before the drop
        self._drop_privileges()
        self.baseline = _snapshot_functions()

    def _drop_privileges(self) -> None:
        drop = self.plan.drop_to
        if not drop:
            return
        os.setgroups([])
        os.setgid(drop["gid"])
        os.setuid(drop["uid"])

    # -- each test ------------------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        node = item.nodeid
        channel.send(self.fd, {"event": EVENT_START, "test": node})
        timeout = self.plan.tests.get(node.split("[", 1)[0], {}).get("timeout", 60)
        self.timeout_report.seek(0)
        self.timeout_report.truncate()
        faulthandler.dump_traceback_later(timeout + WATCHDOG_SLACK_SECONDS, exit=True,
                                          file=self.timeout_report)
        workers.begin_test(timeout, self.output_limit)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
            workers.end_test()
        self._exit_if_forked_copy()
        _end_leftover_processes()
        self._restore_working_directory()
        tampered = _restore_tampered(self.baseline, self.submission_dir)
        if tampered:
            self.failures[node] = (
                f"Your code replaced `{tampered[0]}`, which the grader relies on. Graded code must "
                f"not modify libraries, builtins or the grader; this check scores 0."
            )
        self._send_result(node, item)
        if tampered:
            os._exit(0)

    def _exit_if_forked_copy(self) -> None:
        if os.getpid() != self.pid:
            os._exit(0)

    def pytest_runtest_makereport(self, item, call):
        self._exit_if_forked_copy()
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
        function = getattr(item, "obj", None)
        hidden = getattr(function, "__hide_errors__", None)
        if message is not None and hidden is not None:
            message = str(hidden)
        stdout = self.captured.pop(node, "")
        if len(stdout) > self.output_limit:
            stdout = stdout[: self.output_limit] + "\n… (output cut at the grader's limit)"
        channel.send(self.fd, {
            "event": EVENT_RESULT,
            "test": node,
            "passed": message is None,
            "message": message or "",
            "stdout": stdout,
            "properties": _json_safe(self.properties.pop(node, [])),
            "set_score": _number_or_none(getattr(function, "__score__", None))
                         if node in self.partial_credit else None,
            "leaderboard_value": _number_or_none(getattr(function, "__leaderboard_value__", None)),
        })

    def _restore_working_directory(self) -> None:
        try:
            if os.getcwd() == self.start_dir:
                return
        except OSError:
            pass
        os.chdir(self.start_dir)


def gradescope_decorations(item) -> dict:
    """What gradescope-utils' decorators (`@weight`, `@number`, `@visibility`, `@partial_credit`,
    `@leaderboard`, `@hide_errors`, `@tags`) put on a test function."""
    function = getattr(item, "obj", None)
    found = {name: getattr(function, attribute) for attribute, name in GRADESCOPE_ATTRIBUTES.items()
             if hasattr(function, attribute)}
    if "set_score" in getattr(getattr(function, "__code__", None), "co_freevars", ()):
        found["partial_credit"] = True  # @partial_credit's wrapper hands the test `set_score`
    if found:
        doc = (getattr(function, "__doc__", None) or "").strip()
        found["name"] = doc.splitlines()[0] if doc else item.name
    return found


def _number_or_none(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _end_leftover_processes() -> None:
    """Kill what a test started, except the worker fork server and the live workers."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return  # no child at all: found without listing every process
    sandbox.kill_descendants(keep=workers.live_pids())


def _watched_modules() -> dict[str, object]:
    return {name: module for name, module in list(sys.modules.items())
            if module is not None and name.split(".")[0] in WATCHED_MODULE_PREFIXES}


def _snapshot_functions() -> dict[str, dict[str, object]]:
    """For every watched module: its callable and module attributes, by identity."""
    snapshot = {}
    for name, module in _watched_modules().items():
        try:
            attributes = vars(module)
        except TypeError:
            continue
        snapshot[name] = {"__module__": module}
        snapshot[name].update({key: value for key, value in list(attributes.items())
                               if callable(value) or type(value) is type(sys)})
    return snapshot


def _restore_tampered(baseline: dict[str, dict[str, object]], submission_dir: Path) -> list[str]:
    """Put back every watched function the submission replaced; return their names.

    Libraries rebind their own functions now and then (importing `torch._dynamo` wraps
    `torch.manual_seed`): a replacement whose code lives in an installed file outside the
    submission is accepted into the baseline; anything else is undone.
    """
    tampered = []
    for name, attributes in baseline.items():
        module = attributes["__module__"]
        if sys.modules.get(name, module) is not module:
            sys.modules[name] = module
            tampered.append(name)
        current = vars(module)
        for key, value in list(attributes.items()):
            if key == "__module__" or current.get(key) is value:
                continue
            replacement = current.get(key)
            if key in current and _library_code(replacement, submission_dir):
                attributes[key] = replacement
                continue
            current[key] = value
            tampered.append(f"{name}.{key}")
    return tampered


def _library_code(value: object, submission_dir: Path) -> bool:
    """True when `value` is a Python function defined in an installed library's file."""
    value = getattr(value, "func", value)          # functools.partial
    value = getattr(value, "__func__", value)      # bound methods
    code = getattr(value, "__code__", None)
    if code is None:
        return False
    filename = code.co_filename
    return (filename.startswith(_LIBRARY_ROOTS) and not filename.startswith(str(submission_dir))
            and Path(filename).is_file())


def _json_safe(values):
    """`values` as JSON can carry it (tuples become lists, unknown objects their repr)."""
    return json.loads(json.dumps(values, default=repr))
