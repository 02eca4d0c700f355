"""Run the grading tests on one submission and collect what happened to every test.

The tests run in a child process (see `sandbox`) that reports over a pipe (see `channel`). When
the child dies in the middle of a test (timeout, crash, `os._exit`, memory), that test gets a
message saying which limit it hit and a fresh child grades the tests that are left.
"""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from autograder.harness import container
from autograder.paths import PROJECT_ROOT
from autograder.rubric import Rubric, RubricError
from autograder.sandbox import accounts, exits, leftover_files, process_control
from autograder.sentences import MUST_RETURN, timed_out_message
from autograder.harness.outcomes import CheckOutcome, GradingRun
from autograder.harness.run_folder import RunFolder, fresh_work_dir, prepare_run_folder
from autograder.staging import submitted_module_names
from autograder.wire import channel, events
from autograder.wire.decorations import Decorations, InvalidDecorations, read_all_decorations
from autograder.wire.protocol import (CHANNEL_FD_ENV, HASH_SEED_ENV, PLAN_ENV, PROVIDED_DIR_ENV,
                                      RUNTIME_ENV, SUBMISSION_DIR_ENV, WORKER_HOME_ENV, GradingPlan,
                                      PlannedTest, SandboxUser, SuiteSetup)
from autograder.wire.time_limits import HARNESS_GRACE_S

POLL_SECONDS = 0.1
CHANNEL_CLOSED = object()  # what the reader thread queues at the channel's end
FILES_CHECK_SECONDS = 1.0
SHARED_MEMORY_FOLDER = "/dev/shm/"


def run_checks(submission: Path, rubric: Rubric, items: list[str] | None = None,
               while_grading: Callable[[], None] | None = None) -> GradingRun:
    """Run every grading test (check) on the submission folder, in as many grading processes
    as it takes; `items` restricts the run to those rubric item ids. `while_grading` runs in a
    thread once the first grading process has started: what the harness needs afterwards,
    prepared while it waits."""
    started = time.monotonic()
    process_control.become_subreaper()
    rubric = replace(rubric, limits=container.fitted(rubric.limits))
    with accounts.lease_sandbox_user() as user:
        return _run_checks_as(user, submission, rubric, items, started, while_grading)


def _run_checks_as(user, submission: Path, rubric: Rubric, items: list[str] | None, started: float,
                   while_grading: Callable[[], None] | None) -> GradingRun:
    """`run_checks`, with student code run as `user` (None: as we are)."""
    run_dir = Path(tempfile.mkdtemp(prefix=accounts.RUN_FOLDER_PREFIX))
    owned_before = leftover_files.entries_owned_by(user.uid) if user else set()
    try:
        layout = prepare_run_folder(run_dir, submission, rubric, user)
        control = _Controller(rubric, layout, user, items, owned_before, while_grading)
        control.run(deadline=started + rubric.limits.total_timeout)
        return GradingRun(
            outcomes=control.outcomes, collected=control.collected, staged=layout.staged,
            rubric=control.rubric,
            sandbox_note=_sandbox_note(user, rubric), execution_time=time.monotonic() - started,
            processes_started=control.processes_started, grader_error=control.grader_error,
            decorated=control.decorated,
        )
    finally:
        process_control.kill_descendants()
        if user:
            leftover_files.remove_leftovers(user.uid, owned_before)
        shutil.rmtree(run_dir, ignore_errors=True)


def _sandbox_note(user, rubric: Rubric) -> str:
    limits = rubric.limits
    caps = (f"{limits.run_memory_mb} MB of memory, {limits.disk_mb} MB of files, "
            f"{limits.processes} processes, {limits.total_timeout:g} s in all")
    if user:
        return f"Student code ran as the unprivileged user `{user.name}` with at most {caps}."
    if os.geteuid() == 0 and os.environ.get(accounts.NO_DROP_ENV) == "1":
        return f"WARNING: {accounts.NO_DROP_ENV}=1, so student code ran as root. Limits applied: {caps}."
    if os.geteuid() == 0:
        return (f"WARNING: running as root, but this Python ({accounts.unreadable_python()} is private) "
                f"cannot be used by an unprivileged user, so student code ran as root. Use a system-wide "
                f"Python to isolate it. Limits applied: {caps}.")
    return (f"Not running as root, so student code ran as the current user (no separate user); "
            f"limits applied: {caps}.")


class _Controller:
    """Drives grading processes until every selected test has an outcome."""

    def __init__(self, rubric: Rubric, layout: RunFolder, user, items: list[str] | None,
                 owned_before: set[str], while_grading: Callable[[], None] | None = None):
        self.rubric = rubric
        self.while_grading = while_grading
        self.owned_before = owned_before
        self.files_checked = 0.0
        self.layout = layout
        self.user = user
        self.items = items
        self.select = None if items is None else [n for i in items for n in rubric.node_ids(rubric.item(i))]
        self.outcomes: dict[str, CheckOutcome] = {}
        self.collected: list[str] = []
        self.collection_arrived = False  # (a suite may collect no tests at all)
        self.decorated: dict[str, Decorations] = {}
        self.omitted: set[str] = set()  # faithful mode: tests that ended with no result
        self.processes_started = 0
        self.workers_stopped_during: tuple | None = None  # (test, grading process) last time
        self.grader_error: str | None = None

    # -- the loop -------------------------------------------------------------------------
    def run(self, deadline: float) -> None:
        while self.processes_started <= len(self.collected) + 2:
            finished = self._run_one_process(deadline)
            if finished or self.grader_error or not self._remaining():
                break
            if time.monotonic() >= deadline:
                self._out_of_time()
                break

    def _remaining(self) -> list[str]:
        wanted = [t for t in self.collected
                  if self.select is None or t.split("[", 1)[0] in self.select]
        return [t for t in wanted if t not in self.outcomes and t not in self.omitted]

    def _run_one_process(self, deadline: float) -> bool:
        """One grading process; True when it ran to the end."""
        read_fd, write_fd = os.pipe()
        plan_path = self._write_plan()
        report = self.layout.grading / "timeout-report.txt"
        try:
            process = process_control.start_grading_process(
                self._command(), self._environment(plan_path, write_fd), self.layout.grading,
                self.layout.grading / "grading-process.log", write_fd, self.rubric.limits,
                cpu_seconds=self._cpu_seconds())
        finally:
            os.close(write_fd)
        self.processes_started += 1
        if self.while_grading is not None and self.processes_started == 1:
            threading.Thread(target=self.while_grading, daemon=True).start()
        events: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_pump, args=(read_fd, events), daemon=True)
        reader.start()
        current, current_started, killed_for = None, 0.0, None
        last_check = time.monotonic()
        while True:
            try:
                message = events.get(timeout=POLL_SECONDS)
            except queue.Empty:
                message = None
            if message is CHANNEL_CLOSED:  # the process is ending: see it end without a poll's wait
                _wait_at_most(process, POLL_SECONDS)
                last_check = 0.0
            elif message is not None:
                current, current_started = self._handle(message, current, current_started)
            if time.monotonic() - last_check < POLL_SECONDS:
                continue  # a stream of events must not starve the checks below
            last_check = time.monotonic()
            if process.poll() is not None:
                break
            killed_for = self._limit_hit(process, current, current_started, deadline)
            if killed_for in ("disk", "memory") and self._may_stop_workers(current):
                self._stop_workers(killed_for, current)
                killed_for = None
            elif killed_for:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                break
        process_control.kill_descendants()
        reader.join(timeout=2)
        while not events.empty():
            message = events.get()
            if message is not CHANNEL_CLOSED:
                current, current_started = self._handle(message, current, current_started)
        if not self.collection_arrived and not self.grader_error:
            self.grader_error = "The grading tests could not start:\n" + _tail(
                self.layout.grading / "grading-process.log")
            return False
        if killed_for in ("disk", "memory"):
            self._clear_files()
        if current is not None:
            self.outcomes[current] = CheckOutcome(current, False, self._death_message(
                process.returncode, killed_for, current, report),
                seconds=time.monotonic() - current_started)
            return False
        if killed_for == "deadline":
            self._out_of_time()
        return killed_for is None and process.returncode in (0, 1, 5) and not self._remaining()

    def _handle(self, message: dict, current, current_started):
        """Take one event from the grading process (`message`, as read off the channel); returns
        the test now running and when it started."""
        try:
            event = events.read_event(message)
        except events.InvalidEvent as error:
            _log_refused(message, str(error))
            return current, current_started
        if isinstance(event, events.Started):
            self._stop_report().unlink(missing_ok=True)  # a reason never outlives its test
        if isinstance(event, events.Collected) and not self.collection_arrived:
            self.collection_arrived = True
            self.collected = [str(test) for test in event.tests] if isinstance(event.tests, list) else []
            try:
                decorated = read_all_decorations(event.decorated)
            except InvalidDecorations as error:
                _log_refused(message, str(error))
                decorated = {}
                self.grader_error = self.grader_error or f"The tests' decorators could not be read: {error}"
            self.decorated = decorated
            if self.rubric.isolation != "faithful":
                try:
                    if decorated:
                        self.rubric = self.rubric.with_decorated_tests(decorated)
                    self.rubric.check_against_collection(self.collected, self.items)
                except RubricError as error:
                    self.grader_error = self.grader_error or str(error)
        elif isinstance(event, events.LoadFailed) and not self.grader_error:
            self.grader_error = (f"The grading test file `{str(event.path)[:300]}` could not "
                                 f"be loaded, so its tests did not run:\n"
                                 f"{str(event.error)[-3000:]}")
        elif isinstance(event, events.Started):
            if event.test in self.collected and event.test not in self.outcomes:
                return event.test, time.monotonic()
            _log_refused(message, "a start for an unknown or finished test")
        elif isinstance(event, events.NoResult) and event.test == current \
                and self.rubric.isolation == "faithful":
            self.omitted.add(current)
            return None, 0.0
        elif isinstance(event, events.Unlisted) and self.rubric.isolation == "faithful":
            key = f"unlisted:{len(self.outcomes)}"
            self.outcomes[key] = CheckOutcome(key, event.passed is True,
                                              str(event.output or "")[:events.MAX_STDOUT_CHARS],
                                              name=str(event.name or "")[:500])
            if event.hidden is True:  # status-only, and hidden
                self.decorated[key] = Decorations(name=self.outcomes[key].name, visibility="hidden")
        elif isinstance(event, events.Result) and event.test == current and current not in self.outcomes:
            self.outcomes[current] = self._outcome(current, event, message,
                                                   time.monotonic() - current_started)
            return None, 0.0
        return current, current_started

    def _outcome(self, test: str, event: events.Result, message: dict, seconds: float) -> CheckOutcome:
        found = self.decorated.get(test, Decorations())
        try:
            fields = events.result_fields(
                event, partial_credit=found.partial_credit, leaderboard=found.leaderboard is not None,
                message_limit=(events.MAX_STDOUT_CHARS if self.rubric.isolation == "faithful"
                               else events.MAX_MESSAGE_CHARS))
        except events.InvalidEvent as error:
            _log_refused(message, str(error))
            return CheckOutcome(test, False, f"The grader received a malformed report for this "
                                             f"check ({error}), so it scores 0.", seconds=seconds)
        return CheckOutcome(test, **fields, seconds=seconds)

    def _limit_hit(self, process, current, current_started, deadline) -> str | None:
        now = time.monotonic()
        if now >= deadline:
            return "deadline"
        if current and now - current_started > self._timeout_of(current) + HARNESS_GRACE_S:
            return "timeout"
        shared_memory_mb, files_mb = self._files_mb(now)
        if files_mb > self.rubric.limits.disk_mb:
            return "disk"
        limit = self.rubric.limits.run_memory_mb - shared_memory_mb
        if process_control.peak_memory_mb(process) > limit and process_control.peak_memory_mb(process, proportional=True) > limit:
            return "memory"
        return None

    def _files_mb(self, now: float) -> tuple[float, float]:
        """(MB of files the student's user made in `/dev/shm`, which is memory; MB of the files
        they made elsewhere: `/tmp`, `/var/tmp`, the workers' folder), measured once a second."""
        if now - self.files_checked < FILES_CHECK_SECONDS:
            return self.files_usage
        self.files_checked = now
        made = leftover_files.entries_owned_by(self.user.uid) - self.owned_before if self.user else set()
        shared = [Path(path) for path in made if path.startswith(SHARED_MEMORY_FOLDER)]
        others = [Path(path) for path in made if not path.startswith(SHARED_MEMORY_FOLDER)]
        open_shared, open_elsewhere = leftover_files.open_deleted_bytes(self.user.uid) if self.user else (0, 0)
        self.files_usage = ((leftover_files.bytes_used(shared) + open_shared) / 2**20,
                            (leftover_files.bytes_used([*others, self.layout.work]) + open_elsewhere) / 2**20)
        return self.files_usage

    def _may_stop_workers(self, current: str | None) -> bool:
        """Whether a limit the student's processes went past is met by ending them alone (the
        grading process lives on, and the function is not called again): only with a sandbox
        user to tell them apart, and once per test (then the grading process goes too)."""
        return self.user is not None and self.workers_stopped_during != (current, self.processes_started)

    def _stop_workers(self, killed_for: str, current: str | None) -> None:
        """End every process of the sandbox user and remove its files; the grading process
        reads why in the stop report when it finds its worker gone."""
        report = self._stop_report()
        marker = Path(GradingPlan.stopping_marker(str(report)))
        marker.touch()
        draft = report.with_suffix(".draft")
        draft.write_text(self._limit_clause(killed_for))
        draft.replace(report)
        try:
            process_control.kill_user_processes(self.user.uid)
            self._clear_files()
        finally:
            marker.unlink()
        self.workers_stopped_during = (current, self.processes_started)

    def _stop_report(self) -> Path:
        return self.layout.grading / "stop-report.txt"

    def _clear_files(self) -> None:
        """After a check was stopped for what its files took: remove them, so that the next
        grading process starts within the limits."""
        if self.user:
            leftover_files.remove_leftovers(self.user.uid, self.owned_before)
        fresh_work_dir(self.layout, self.user)
        self.files_checked = 0.0

    def _cpu_seconds(self) -> int:
        return int(self.rubric.limits.total_timeout) + 30

    def _timeout_of(self, test: str) -> float:
        item = self.rubric.item_for_node(test)
        return item.timeout if item else self.rubric.default_timeout

    # -- messages -------------------------------------------------------------------------
    def _limit_clause(self, killed_for: str) -> str:
        """Why a check was stopped for memory or files, as a clause ("used more than …")."""
        if killed_for == "memory":
            return (f"used more than {self.rubric.limits.run_memory_mb} MB of memory, the grader's limit "
                    f"(files in `/dev/shm` count as memory); this check was stopped")
        return (f"wrote more than {self.rubric.limits.disk_mb} MB of files (in `/tmp`, `/var/tmp` "
                f"and the working folder together), the grader's limit; this check was stopped "
                f"and its files were removed")

    def _death_message(self, returncode, killed_for, test: str, report: Path) -> str:
        timeout = self._timeout_of(test)
        if killed_for in ("memory", "disk"):
            clause = self._limit_clause(killed_for)
            return f"{clause[0].upper()}{clause[1:]}."
        if killed_for == "deadline":
            return (f"Not finished when the whole grading run reached its "
                    f"{self.rubric.limits.total_timeout:g} s limit.")
        dumped = _read_text(report)
        if killed_for == "timeout" or dumped.startswith("Timeout"):
            where = exits.innermost_submission_function(dumped, str(self.layout.submission))
            return timed_out_message(timeout, where)
        if returncode is not None and returncode < 0:
            name = exits.signal_name(-returncode)
            if -returncode == signal.SIGXCPU:
                return "Used up the grader's CPU time limit; this check was stopped."
            return f"Your code crashed the grading process ({name}) while this check ran."
        return (f"Your code ended the grading process (exit code {returncode}) while this check "
                f"ran. {MUST_RETURN}")

    def _out_of_time(self) -> None:
        for test in self._remaining():
            self.outcomes[test] = CheckOutcome(test, False, (
                f"Not graded: the whole grading run reached its "
                f"{self.rubric.limits.total_timeout:g} s limit before this check."))

    # -- the grading process's inputs -----------------------------------------------------
    def _write_plan(self) -> Path:
        tests = {}
        for item in self.rubric.items:
            for node in self.rubric.node_ids(item):
                tests[node] = PlannedTest(item.config, item.timeout)
        plan = GradingPlan(
            submission_dir=str(self.layout.submission), tests=tests,
            output_limit_bytes=self.rubric.limits.output_kb * 1024,
            memory_mb=self.rubric.limits.memory_mb, processes=self.rubric.limits.processes,
            cpu_seconds=self._cpu_seconds(),
            timeout_report=str(self.layout.grading / "timeout-report.txt"),
            stop_report=str(self._stop_report()),
            not_called_again=str(self.layout.grading / "not-called-again.jsonl"),
            contract_dir=str(self.layout.grading / "contract"),
            worker_dir=str(self.layout.work), select=self.select, done=sorted({*self.outcomes, *self.omitted}),
            drop_to=SandboxUser(self.user.uid, self.user.gid, self.user.name) if self.user else None,
            provided_modules=[Path(name).stem for name in self.rubric.provided_files
                              if name.endswith(".py")],
            submitted_modules=submitted_module_names(self.rubric, self.layout.submission),
            suite=self._suite_setup())
        path = self.layout.grading / "plan.json"
        path.write_text(plan.to_json())
        os.chmod(path, 0o600)  # test names and item configs: not for the student's eyes
        return path

    def _suite_setup(self) -> SuiteSetup | None:
        """Faithful mode: what the suite's grading process needs (`protocol.SuiteSetup`)."""
        if self.rubric.isolation != "faithful":
            return None
        options = self.rubric.runner_options
        return SuiteSetup(
            private_dir=str(self.layout.grading / self.rubric.tests_dir),
            source_dir=str(self.layout.work / "source"), tests_name=Path(self.rubric.tests_dir).name,
            pattern=self.rubric.test_pattern, timeout=self.rubric.default_timeout,
            failure_prefix=str(options.get("failure_prefix", "Test Failed: ")),
            descriptions=bool(options.get("descriptions", True)),
            buffer=bool(options.get("buffer", True)), failfast=bool(options.get("failfast", False)))

    def _command(self) -> list[str]:
        if self.rubric.isolation == "faithful":
            return process_control.python_command() + ["-P", "-s", "-m", "autograder.grading_process.suite_process"]
        grading = self.layout.grading
        # -P: the working folder is not put on sys.path; -s: nor the user's site-packages.
        return process_control.python_command() + [
            "-P", "-s", "-m", "pytest", "-p", "autograder.grading_process.plugin", "-p", "no:cacheprovider",
            "-q", "--no-header", "-rN", "--color=no", "--tb=no", "--continue-on-collection-errors",
            "--rootdir", str(grading),
            "-c", str(grading / "pytest.ini"), "--basetemp", str(grading / "tmp" / "pytest"),
            *self._test_paths(),
        ]

    def _test_paths(self) -> list[str]:
        """The whole tests folder, or for a run restricted to some items only their files (a
        Part A run then never imports torch)."""
        if self.select is None:
            return [str(self.layout.grading / self.rubric.tests_dir)]
        files = dict.fromkeys(node.split("::", 1)[0] for node in self.select)
        return [str(self.layout.grading / name) for name in files]

    def _environment(self, plan_path: Path, write_fd: int) -> dict[str, str]:
        work = self.layout.work
        package_parent = str(PROJECT_ROOT)
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.layout.grading / "home"),  # never a folder student code can write
            "TMPDIR": str(self.layout.grading / "tmp"),  # root's: workers get the work folder
            WORKER_HOME_ENV: str(work / "home"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": package_parent,
            **RUNTIME_ENV,
            # Only the plugins named on the command line: installed ones (hypothesis's) would cost
            # start-up, and pytest would assertion-rewrite every module of their packages.
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTHONHASHSEED": os.environ.get(HASH_SEED_ENV, "0"),
            PLAN_ENV: str(plan_path),
            CHANNEL_FD_ENV: str(write_fd),
            SUBMISSION_DIR_ENV: str(self.layout.submission),
            PROVIDED_DIR_ENV: str(self.layout.grading / "provided"),
        }


def _log_refused(event: dict, why: str) -> None:
    """Staff see refused events in the harness's log (stderr), never the student."""
    print(f"autograder: refused an event from the grading process ({why}): "
          f"{str(event)[:300]}", file=sys.stderr)


def _pump(read_fd: int, events: queue.Queue) -> None:
    """Queue every event of the channel, then `CHANNEL_CLOSED`."""
    try:
        with os.fdopen(read_fd, "rb") as stream:
            for event in channel.receive(stream):
                events.put(event)
    finally:
        events.put(CHANNEL_CLOSED)


def _wait_at_most(process: subprocess.Popen, seconds: float) -> None:
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass


def _read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(_read_text(path).splitlines()[-lines:])
