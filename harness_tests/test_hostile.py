"""Hostile submissions: the real entrypoint grades them safely and honestly.

Each case builds a submission in a temporary folder (the reference with hostile code appended to
one file, or a hand-made folder) and grades a few rubric items of a small project: Part A only,
4 s per test, 60 s per run, 16 processes. Behaviours that hit different items share one grading
run (the module-scoped fixtures below); each test then checks one behaviour: the run exits 0, its
results.json is valid, every item earns what honest code would (the hostile item 0, the others
their points), the message names the limit or the problem, nothing secret reaches the results,
and no process of the run is left.

Leftover processes are found two ways: this test process becomes a child subreaper, so whatever
the run leaves behind becomes our child when the harness exits; and every run gets a unique token
in its `PATH`, which the grading process and everything it starts inherit.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import yaml

from autograder.harness import container, run_folder
from autograder.rubric import load_rubric
from autograder.sandbox import accounts, process_control
from harness_tests.conftest import PROJECT, read_results, run_entrypoint

ITEM_TIMEOUT_S = 4
SMALL_LIMITS = {"total_timeout": 60, "memory_mb": 700, "processes": 16, "output_kb": 64,
                "disk_mb": 64, "run_memory_mb": 700}
# Student code runs as another user only when started as root with a system-wide Python.
SANDBOXED = accounts.sandbox_user() is not None
# RLIMIT_NPROC does not bind root: a fork bomb is only safe to run when the child is unprivileged.
FORKS_ARE_CAPPED = SANDBOXED or os.geteuid() != 0
REFERENCE_LAYERS = (PROJECT / "reference" / "layers.py").read_text()
# A line of the reference that a stubbed template does not have: if it shows up, the reference leaked.
REFERENCE_SECRET = next(line.strip() for line in REFERENCE_LAYERS.splitlines()
                        if line.startswith("    ") and "dx = " in line)


# -- the small project ------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def adopt_orphans():
    """Orphans of a grading run become children of this process instead of init's."""
    process_control.become_subreaper()


def small_project(root: Path, part: str, timeout: float) -> Path:
    """The repository's `part` ("part_a" or "part_b") with small limits, in `root`: links to
    its folders and a trimmed rubric."""
    for name in ("reference", "student_template"):
        (root / name).symlink_to(PROJECT / name)
    tests = root / "tests"
    tests.mkdir()
    for name in ("__init__.py", "conftest.py", "support", part):
        (tests / name).symlink_to(PROJECT / "tests" / name)
    rubric = yaml.safe_load((PROJECT / "rubric.yaml").read_text())
    rubric["groups"] = [group for group in rubric["groups"]
                        if all(test.startswith(f"{part}/") for item in group["items"] for test in item["tests"])]
    rubric["defaults"]["timeout"] = timeout
    rubric["limits"] = SMALL_LIMITS
    (root / "rubric.yaml").write_text(yaml.safe_dump(rubric, sort_keys=False))
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """Part A with small limits."""
    return small_project(tmp_path_factory.mktemp("small-project"), "part_a", ITEM_TIMEOUT_S)


@pytest.fixture(scope="module")
def project_b(tmp_path_factory) -> Path:
    """Part B with the same small limits (30 s per test: torch starts slower)."""
    return small_project(tmp_path_factory.mktemp("small-project-b"), "part_b", 30)


def reference_submission(folder: Path, **appended: str) -> Path:
    """The reference's modules in `folder`, with hostile code appended to some (by module name);
    appended code runs when the module is imported and may redefine its functions."""
    folder.mkdir(parents=True)
    for source in sorted((PROJECT / "reference").glob("*.py")):
        text = source.read_text()
        if source.stem in appended:
            text += "\n\n" + textwrap.dedent(appended[source.stem])
        (folder / source.name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def open_folder():
    """A folder the sandbox user can pass through (pytest's temporary folders are private to
    their owner), so that whatever stops the student code is the harness's doing."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# -- one grading run --------------------------------------------------------------------------
@dataclass
class Run:
    stdout: str
    results: dict
    results_text: str
    by_id: dict[str, dict]
    leftovers: list[str]

    def score(self, item_id: str) -> float:
        return self.by_id[item_id]["score"]

    def output(self, item_id: str) -> str:
        return self.by_id[item_id]["output"]


def grade(project: Path, items: list[str], results: Path, submission: Path | None = None,
          env: dict | None = None) -> Run:
    """Run the real entrypoint on the small project; `submission=None` means a Gradescope tree in
    `env["AUTOGRADER_ROOT"]`."""
    token = f"hostile-run-{uuid.uuid4().hex}"
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", ""), f"/{token}"])
    args = ["--rubric", str(project / "rubric.yaml"), "--items", *items]
    if submission is not None:
        args += ["--submission", str(submission), "--results", str(results)]
    sandbox_before = sandbox_pids()
    finished = run_entrypoint(args, {"PATH": path, **(env or {})}, timeout=300)
    leftovers = processes_of_run(token, sandbox_before)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    parsed = read_results(results)
    numbers = {item.number: item.id for item in load_rubric(project / "rubric.yaml").items}
    by_id = {numbers[test["number"]]: test for test in parsed["tests"]}
    assert sorted(by_id) == sorted(items)
    return Run(finished.stdout, parsed, results.read_text(), by_id, leftovers)


def processes_of_run(token: str, sandbox_before: set[int]) -> list[str]:
    """Processes the run left: our (adopted) children, any process carrying the run's token in
    its command line or environment, and the sandbox user's processes that did not exist before
    the run and are one of those. Kills them, so that a failing case cannot leave a fork bomb
    or a sleeper behind."""
    process_control.reap_zombies()
    found = {child.pid: child for child in psutil.Process().children(recursive=True)}
    for process in psutil.process_iter(["cmdline", "environ"]):
        text = " ".join(process.info.get("cmdline") or []) + str(process.info.get("environ") or {})
        if token in text and process.pid != os.getpid():
            found[process.pid] = process
    started_by_run = (sandbox_pids() - sandbox_before) & set(found)
    described = [f"{pid} (a process of the sandbox user)" for pid in sorted(started_by_run)]
    for process in found.values():
        try:
            described.append(f"{process.pid} {process.username()} {' '.join(process.cmdline())}")
            process.send_signal(signal.SIGKILL)
        except psutil.Error:
            continue
    process_control.reap_zombies()
    return described


def sandbox_pids() -> set[int]:
    user = accounts.sandbox_user()
    if user is None:
        return set()
    uids = {user.uid, *accounts.SPARE_UIDS}
    return {p.pid for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in uids}


def assert_clean(run: Run) -> None:
    """Nothing left running; no traceback, no reference source in what students or staff see."""
    assert run.leftovers == []
    for text in (run.results_text, run.stdout):
        assert REFERENCE_SECRET not in text
        assert "Traceback" not in text


# -- 1. exiting the grading process ------------------------------------------------------------
@pytest.fixture(scope="module")
def exits_run(project, tmp_path_factory) -> Run:
    folder = tmp_path_factory.mktemp("exits")
    submission = reference_submission(
        folder / "submission",
        activations="import sys\nsys.exit(0)\n",
        layers="import os\nos._exit(0)\n",
        softmax="""
            import os

            def softmax_loss_naive(W, X, y, reg):
                os._exit(0)
            """,
    )
    return grade(project, ["activations_tanh", "relu_forward", "softmax_naive_vectorized_agree",
                           "confusion_matrix"], folder / "results.json", submission)


def test_sys_exit_at_import_fails_that_file_with_its_line(exits_run):
    assert exits_run.score("activations_tanh") == 0
    lines = (PROJECT / "reference" / "activations.py").read_text().count("\n")
    assert (f"`activations.py` called `exit()` / `sys.exit()` while being imported (line {lines + 4})"
            in exits_run.output("activations_tanh"))


def test_os_exit_at_import_scores_zero_and_says_so(exits_run):
    assert exits_run.score("relu_forward") == 0
    assert ("`layers.py` ended its process (exit code 0) while being imported"
            in exits_run.output("relu_forward"))


def test_os_exit_inside_a_function_scores_zero_and_others_still_graded(exits_run):
    assert exits_run.score("softmax_naive_vectorized_agree") == 0
    assert ("`softmax.softmax_loss_naive` ended its process (exit code 0). Graded functions must "
            "return" in exits_run.output("softmax_naive_vectorized_agree"))
    assert exits_run.score("confusion_matrix") == 2
    assert_clean(exits_run)


# -- 2. limits: time, stack, crash, processes, memory, output ----------------------------------
LIMITS_CODE = {
    "layers": """
        def relu_backward(dout, cache):
            while True:
                pass

        def affine_forward(x, w, b):
            return affine_forward(x, w, b)
        """,
    "softmax": """
        import ctypes

        def softmax_loss_naive(W, X, y, reg):
            return ctypes.string_at(0)
        """,
    "activations": """
        import os

        def sigmoid(z):
            return np.ones(int(50e9 / 8))

        def tanh(z):
            for _ in range(100):
                print("x" * 1_000_000)
            return np.tanh(z)

        def relu(z):
            while True:
                os.fork()
        """,
}


@pytest.fixture(scope="module")
def limits_run(project, tmp_path_factory) -> Run:
    if not FORKS_ARE_CAPPED:
        pytest.skip("as root with a private Python, student code runs as root: no process cap")
    folder = tmp_path_factory.mktemp("limits")
    submission = reference_submission(folder / "submission", **LIMITS_CODE)
    return grade(project, ["relu_backward", "affine_forward", "softmax_naive_vectorized_agree",
                           "activations_sigmoid", "activations_tanh", "activations_relu",
                           "relu_forward", "confusion_matrix"], folder / "results.json", submission)


def test_infinite_loop_times_out_naming_the_function(limits_run):
    assert limits_run.score("relu_backward") == 0
    assert f"Timed out after {ITEM_TIMEOUT_S} s in `layers.relu_backward`" in limits_run.output("relu_backward")


def test_deep_recursion_is_reported_as_such(limits_run):
    assert limits_run.score("affine_forward") == 0
    assert "`layers.affine_forward` recursed too deeply" in limits_run.output("affine_forward")


def test_segfault_scores_zero_with_the_signal(limits_run):
    assert limits_run.score("softmax_naive_vectorized_agree") == 0
    assert ("`softmax.softmax_loss_naive` crashed (segmentation fault)"
            in limits_run.output("softmax_naive_vectorized_agree"))


def test_fork_bomb_stops_at_the_process_cap(limits_run):
    assert limits_run.score("activations_relu") == 0
    assert (f"more processes than the grader allows ({SMALL_LIMITS['processes']})"
            in limits_run.output("activations_relu"))


def test_allocating_50_gb_fails_with_the_memory_limit(limits_run):
    assert limits_run.score("activations_sigmoid") == 0
    assert (f"`activations.sigmoid` ran out of memory (the grader allows {SMALL_LIMITS['memory_mb']} MB)"
            in limits_run.output("activations_sigmoid"))


def test_a_small_container_lowers_the_caps_so_the_harness_outlives_the_student(
        project, tmp_path):
    """In a 400 MB container (its cgroup says so) the caps drop below it: a function that
    wants 600 MB gets the memory message naming the lower cap, and the rest is graded."""
    cgroups = tmp_path / "cgroups"
    (cgroups / "memory").mkdir(parents=True)
    (cgroups / "memory.max").write_text(str(400 << 20))
    (cgroups / "memory" / "memory.limit_in_bytes").write_text(str(400 << 20))
    submission = reference_submission(tmp_path / "submission", activations="""
        def sigmoid(z):
            block = np.ones((600 << 20) // 8)
            return 1 / (1 + np.exp(-z)) + 0 * block[0]
        """)
    run = grade(project, ["activations_sigmoid", "activations_tanh", "affine_forward"],
                tmp_path / "results.json", submission,
                env={container.CGROUP_ROOT_ENV: str(cgroups)})
    room = 400 - container.HEADROOM_MB
    assert run.score("activations_sigmoid") == 0
    assert f"`activations.sigmoid` ran out of memory (the grader allows {room} MB)" in run.output(
        "activations_sigmoid")
    assert run.score("activations_tanh") == 1 and run.score("affine_forward") == 2
    assert f"with at most {room} MB of memory" in run.stdout
    assert_clean(run)


def test_printing_100_mb_is_cut_and_named(limits_run):
    assert limits_run.score("activations_tanh") == 0
    output = limits_run.output("activations_tanh")
    assert "`activations.tanh` printed or wrote more output than the grader allows" in output
    assert len(limits_run.results_text) < 200_000


def test_items_next_to_hostile_code_keep_their_points(limits_run):
    assert limits_run.score("relu_forward") == 1
    assert limits_run.score("confusion_matrix") == 2
    assert_clean(limits_run)


# -- 2b. files in shared folders count against the limits while the run goes on ---------------
# Half of each function's files have no name (removed while open, or made with `memfd_create`):
# only the named half is within the limits.
FILES_CODE = {
    "activations": """
        import os
        import time

        KEPT = []

        def sigmoid(z):  # 960 MB in /dev/shm: memory, whatever the process itself holds
            for index in range(8):
                with open(f"/dev/shm/{MARKER}-{index}", "wb") as file:
                    file.write(b"x" * (60 << 20))
                unnamed = os.memfd_create(f"{MARKER}-{index}")
                os.write(unnamed, b"x" * (60 << 20))
                KEPT.append(unnamed)
            time.sleep(20)
            return 0.5 * (1.0 + np.tanh(z / 2.0))
        """,
    "layers": """
        import os
        import time

        KEPT = []

        def relu_forward(x):  # 80 MB in /tmp, past the 64 MB of files allowed
            with open(f"/tmp/{MARKER}-named", "wb") as file:
                file.write(b"x" * (40 << 20))
            unnamed = open(f"/tmp/{MARKER}-removed", "wb")
            unnamed.write(b"x" * (40 << 20))
            unnamed.flush()
            os.unlink(unnamed.name)
            KEPT.append(unnamed)
            time.sleep(20)
            return np.maximum(x, 0), x
        """,
}


def test_files_in_shared_folders_count_against_memory_and_disk(tmp_path):
    """The worker is stopped, not the grading process: the function's later checks fail at
    once, naming why, and are not run again (which would write the files again). 30 s per test
    (the functions wait 20 s for the harness to notice, which takes a second on an idle
    machine), so that a busy machine cannot turn the limit into a time-out."""
    if not SANDBOXED:
        pytest.skip("files are told apart by their owner: it needs the sandbox user")
    (tmp_path / "project").mkdir()
    project = small_project(tmp_path / "project", "part_a", 30)
    marker = f"hostile-files-{os.getpid()}"
    submission = reference_submission(tmp_path / "submission", **{
        name: f"MARKER = {marker!r}\n" + textwrap.dedent(code) for name, code in FILES_CODE.items()})
    run = grade(project, ["activations_sigmoid", "relu_forward", "activations_tanh",
                          "affine_forward"], tmp_path / "results.json", submission)
    assert run.score("activations_sigmoid") == 0
    assert "`activations.sigmoid` used more than 700 MB of memory" in run.output("activations_sigmoid")
    assert "files in `/dev/shm` count as memory" in run.output("activations_sigmoid")
    assert run.score("relu_forward") == 0
    assert "`layers.relu_forward` wrote more than 64 MB of files" in run.output("relu_forward")
    assert "is not called again in this run" in run.output("activations_sigmoid")  # 3 checks
    assert run.score("activations_tanh") == 1 and run.score("affine_forward") == 2
    for folder in ("/tmp", "/dev/shm"):
        assert not [name for name in os.listdir(folder) if marker in name]
    assert_clean(run)


# -- 2c. runs at once: each holds its own sandbox user -------------------------------------------
READS_OTHER_RUNS = """
    import glob
    import os

    _honest_tanh = tanh

    def tanh(z):
        for path in glob.glob("/tmp/autograder-run-*/submission/*.py"):
            if os.path.dirname(path) != os.path.dirname(os.path.abspath(__file__)):
                try:
                    open(path).read()
                    return z
                except OSError:
                    continue
        return _honest_tanh(z)
    """


def test_runs_at_once_never_count_or_remove_each_others_files(project, tmp_path):
    """While another run holds the sandbox user and its student code has filled `/tmp` past
    the disk limit, a run of correct code gets a spare uid, keeps every point, and leaves the
    other run's file alone; nor can it read the other run's staged submission (its `tanh`
    returns `z` if it can)."""
    if not SANDBOXED:
        pytest.skip("runs are told apart by their sandbox user: it needs root")
    other_runs_file = Path("/tmp") / f"other-run-{os.getpid()}"
    other_run = Path(tempfile.mkdtemp(prefix="autograder-run-"))
    os.chmod(other_run, 0o711)
    submission = reference_submission(tmp_path / "submission", activations=READS_OTHER_RUNS)
    with accounts.lease_sandbox_user() as held:  # the default user, or a spare on a busy machine
        try:
            other_runs_file.write_bytes(b"\1" * ((SMALL_LIMITS["disk_mb"] + 36) << 20))
            os.chown(other_runs_file, held.uid, held.gid)
            reference_submission(other_run / "submission")
            run_folder.read_only(other_run / "submission", held)
            run = grade(project, ["activations_tanh", "affine_forward"], tmp_path / "results.json",
                        submission)
            assert other_runs_file.exists()
        finally:
            other_runs_file.unlink(missing_ok=True)
            shutil.rmtree(other_run)
    assert run.score("activations_tanh") == 1 and run.score("affine_forward") == 2
    assert "ran as the unprivileged user `" in run.stdout
    assert f"ran as the unprivileged user `{held.name}`" not in run.stdout
    assert_clean(run)


def test_a_killed_runs_folder_is_removed_before_its_uid_is_leased_again(project, tmp_path):
    """A run killed before it cleaned up leaves its staged submission, readable by its uid's
    group; the next run leasing that uid removes it first, so its student cannot read it (the
    `tanh` below returns `z` if it can read another run's files)."""
    if not SANDBOXED:
        pytest.skip("run folders are told apart by their sandbox user: it needs root")
    stale = Path(tempfile.mkdtemp(prefix=accounts.RUN_FOLDER_PREFIX))
    os.chmod(stale, 0o711)
    with accounts.lease_sandbox_user() as held:  # as the killed run held it
        reference_submission(stale / "submission")
        run_folder.read_only(stale / "submission", held)
    try:
        submission = reference_submission(tmp_path / "submission", activations=READS_OTHER_RUNS)
        run = grade(project, ["activations_tanh", "affine_forward"], tmp_path / "results.json",
                    submission)
        if f"ran as the unprivileged user `{held.name}`" in run.stdout:
            assert not stale.exists()
        assert run.score("activations_tanh") == 1 and run.score("affine_forward") == 2
    finally:
        shutil.rmtree(stale, ignore_errors=True)


def test_grading_while_another_process_holds_the_sandbox_user(project, tmp_path):
    """A second grading on the machine (here a process that holds the default user's lease)
    changes nothing: this run takes a spare uid and keeps every point."""
    if not SANDBOXED:
        pytest.skip("leases are of sandbox users: it needs root")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom autograder.sandbox import accounts\n"
         "with accounts.lease_sandbox_user() as user:\n    print(user.name, flush=True)\n"
         "    time.sleep(120)"], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    try:
        held = holder.stdout.readline().strip()
        run = grade(project, ["activations_tanh", "affine_forward"], tmp_path / "results.json",
                    reference_submission(tmp_path / "submission"))
    finally:
        holder.kill()
        holder.wait()
    assert held and f"ran as the unprivileged user `{held}`" not in run.stdout
    assert run.score("activations_tanh") == 1 and run.score("affine_forward") == 2


def test_a_uid_whose_processes_outlived_their_run_is_passed_over():
    """A run whose harness died leaves its workers behind: their uid is not leased again."""
    if not SANDBOXED:
        pytest.skip("leases are of sandbox users: it needs root")
    leftover = accounts.SPARE_UIDS[0]
    with accounts.lease_sandbox_user() as first:
        sleeper = subprocess.Popen(["sleep", "60"], user=leftover, group=leftover)
        try:
            with accounts.lease_sandbox_user() as second:
                assert second.uid not in (first.uid, leftover)
        finally:
            sleeper.kill()
            sleeper.wait()


# -- 3. tampering: the grader's functions, files, results, processes, working directory --------
# Stubs that return zeros, with patches that make every check of their results pass.
CHEAT = textwrap.dedent("""
    import builtins
    import sys

    import _pytest.runner
    import numpy.testing
    import pytest

    def _cheat():
        np.allclose = lambda *args, **kwargs: True
        np.isclose = lambda *args, **kwargs: np.True_
        numpy.testing.assert_allclose = lambda *args, **kwargs: None
        pytest.approx = lambda expected, *args, **kwargs: expected
        builtins.all = lambda iterable: True
        _pytest.runner.call_and_report = _passing_report
        for name, module in list(sys.modules.items()):
            if not name.startswith("tests"):
                continue
            if hasattr(module, "assert_allclose"):
                module.assert_allclose = lambda *args, **kwargs: None
            for attribute, value in list(vars(module).items()):
                if attribute.startswith("test_"):
                    value.__score__ = 1000  # gradescope-utils' partial credit

    def _passing_report(item, when, log=True, **kwargs):
        from _pytest.reports import TestReport
        report = TestReport(item.nodeid, item.location, {}, "passed", None, when, [])
        item.ihook.pytest_runtest_logreport(report=report)
        return report
    """)
TAMPER_CODE = {
    # Honest, but changes the working directory.
    "activations": textwrap.dedent("""
        import os

        _honest_tanh = tanh

        def tanh(z):
            os.chdir("/")
            return _honest_tanh(z)
        """),
    # Patches once, on import.
    "softmax": CHEAT + textwrap.dedent("""
        _cheat()

        def softmax_loss_vectorized(W, X, y, reg):
            return 0.0, np.zeros_like(W)
        """),
    # Reads and writes what it should not, and patches on every call of a stub.
    "layers": CHEAT + textwrap.dedent("""
        import os

        def _attempt(label, action):
            try:
                action()
                print(f"{label}: done")
            except Exception as error:
                print(f"{label}: {type(error).__name__}")

        def _read(path):
            with open(path) as file:
                print(file.read())

        def _overwrite(path):
            with open(path, "w") as file:
                file.write("def test_nothing(): pass\\n")

        _honest_relu_forward = relu_forward
        _honest_affine_forward = affine_forward

        # The run's folder, as the harness lays it out: TMPDIR is its `work` folder.
        GRADING = os.path.join(os.path.dirname(os.environ["TMPDIR"]), "grading")
        PRIVATE_TESTS = os.path.join(GRADING, "tests", "part_a", "test_layers.py")

        def _grandparent():
            with open(f"/proc/{os.getppid()}/stat") as file:
                return int(file.read().rsplit(")", 1)[1].split()[1])

        def relu_forward(x):
            _attempt("read reference", lambda: _read(PROJECT + "/reference/layers.py"))
            _attempt("read rubric", lambda: _read(PROJECT + "/rubric.yaml"))
            _attempt("read repo tests", lambda: _read(PROJECT + "/tests/part_a/test_layers.py"))
            _attempt("read private tests", lambda: _read(PRIVATE_TESTS))
            _attempt("read plan", lambda: _read(os.path.join(GRADING, "plan.json")))
            _attempt("read log", lambda: _read(os.path.join(GRADING, "grading-process.log")))
            _attempt("read grading environment", lambda: _read(f"/proc/{_grandparent()}/environ"))
            print("harness variables:", sorted(k for k in os.environ if k.startswith("AUTOGRADER")))
            return _honest_relu_forward(x)

        def affine_forward(x, w, b):
            private = PRIVATE_TESTS
            _attempt("delete private tests", lambda: os.remove(private))
            _attempt("edit private tests", lambda: _overwrite(private))
            _attempt("delete repo tests", lambda: os.remove(PROJECT + "/tests/part_a/test_layers.py"))
            _attempt("edit repo tests", lambda: _overwrite(PROJECT + "/tests/part_a/test_layers.py"))
            return _honest_affine_forward(x, w, b)

        def relu_backward(dout, cache):
            _cheat()
            return np.zeros_like(dout)
        """),
    # Starts a daemon (double fork, new session) on import; fakes results.json when called.
    "confusion": """
        import json
        import os
        import sys

        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execve(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", MARKER], {})
            os._exit(0)
        os.wait()

        _honest_confusion_matrix = confusion_matrix

        def _fake_results(path):
            with open(path, "w") as file:
                json.dump({"score": 1000, "tests": []}, file)

        for _folder in ("/tmp", "/var/tmp", "/dev/shm"):
            try:
                os.makedirs(os.path.join(_folder, MARKER, "inside"))
                with open(os.path.join(_folder, MARKER + ".bin"), "wb") as _file:
                    _file.write(b"x" * 1000)
            except OSError:
                pass

        def confusion_matrix(y_true, y_pred, num_classes):
            for path in (RESULTS, "results.json"):
                try:
                    _fake_results(path)
                    print(f"wrote {path}")
                except OSError as error:
                    print(f"could not write {path}: {type(error).__name__}")
            return _honest_confusion_matrix(y_true, y_pred, num_classes)
        """,
}
TAMPER_ITEMS = ["activations_tanh", "relu_forward", "affine_forward", "relu_backward",
                "confusion_matrix", "softmax_naive_vectorized_agree"]


TARGETED_TESTS = PROJECT / "tests" / "part_a" / "test_layers.py"


@dataclass
class TamperRun:
    run: Run
    root: Path
    marker: str
    tests_before: bytes


@pytest.fixture(scope="module")
def tamper_run(project, open_folder) -> TamperRun:
    """Graded as on Gradescope: an AUTOGRADER_ROOT tree whose results folder the student targets.
    Only as an unprivileged user: as the current user, this code would delete the repo's tests."""
    if not SANDBOXED:
        pytest.skip("the tampering submission deletes files it can reach; it needs the sandbox user")
    root = open_folder / "autograder"
    marker = f"hostile-sleeper-{uuid.uuid4().hex}"
    constants = (f"PROJECT = {str(PROJECT)!r}\nRESULTS = {str(root / 'results' / 'results.json')!r}\n"
                 f"MARKER = {marker!r}\n")
    reference_submission(root / "submission", **{name: constants + textwrap.dedent(code)
                                                  for name, code in TAMPER_CODE.items()})
    tests_before = TARGETED_TESTS.read_bytes()
    run = grade(project, TAMPER_ITEMS, root / "results" / "results.json", env={"AUTOGRADER_ROOT": str(root)})
    return TamperRun(run, root, marker, tests_before)


def test_patched_numpy_pytest_and_builtins_earn_nothing(tamper_run):
    # The patches change the worker's numpy and pytest, never the grading process's: the zeros
    # are judged as zeros.
    run = tamper_run.run
    assert run.score("relu_backward") == 0  # though every test function's `__score__` says 1000
    assert "does not match the numerical gradient" in run.output("relu_backward")


def test_patching_on_import_changes_nothing_that_decides(tamper_run):
    run = tamper_run.run
    assert run.score("softmax_naive_vectorized_agree") == 0
    assert "the two functions disagree on the loss" in run.output("softmax_naive_vectorized_agree")


def test_changing_directory_is_undone(tamper_run):
    run = tamper_run.run
    assert run.score("activations_tanh") == 1
    # confusion.py is graded next, in the same process: it writes into its working directory,
    # which it could not do in `/`.
    assert "wrote results.json" in run.output("confusion_matrix")


def test_reference_rubric_tests_and_plan_are_unreadable(tamper_run):
    output = tamper_run.run.output("relu_forward")
    for label in ("read reference", "read rubric", "read repo tests", "read private tests", "read plan",
                  "read log", "read grading environment"):
        assert f"{label}: PermissionError" in output
    assert "harness variables: []" in output  # the worker's environment names nothing of the run
    assert tamper_run.run.score("relu_forward") == 1
    assert REFERENCE_SECRET not in tamper_run.run.results_text


def test_test_files_cannot_be_deleted_or_edited(tamper_run, project, tmp_path):
    output = tamper_run.run.output("affine_forward")
    for label in ("delete private tests", "edit private tests", "delete repo tests", "edit repo tests"):
        assert f"{label}: PermissionError" in output
    assert TARGETED_TESTS.read_bytes() == tamper_run.tests_before
    again = grade(project, ["affine_forward", "relu_forward"], tmp_path / "results.json", PROJECT / "reference")
    assert again.score("affine_forward") == 2 and again.score("relu_forward") == 1
    assert_clean(again)


def test_fake_results_cannot_replace_the_real_ones(tamper_run):
    run = tamper_run.run
    output = run.output("confusion_matrix")
    assert f"could not write {tamper_run.root}/results/results.json: PermissionError" in output
    assert "wrote results.json" in output  # the grading process's own working folder: harmless
    assert run.results["score"] == sum(run.score(i) for i in TAMPER_ITEMS) < 1000
    assert run.score("confusion_matrix") == 2


def test_files_left_in_world_writable_folders_are_removed(tamper_run):
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        if os.path.isdir(folder):
            assert not [name for name in os.listdir(folder) if tamper_run.marker in name]


def test_background_process_does_not_outlive_the_run(tamper_run):
    run = tamper_run.run
    assert run.score("confusion_matrix") == 2
    assert run.leftovers == []
    assert [p.pid for p in psutil.process_iter(["cmdline"])
            if tamper_run.marker in " ".join(p.info["cmdline"] or [])] == []
    assert_clean(run)


# -- 4. forging answers: the grader's memory, its pipes, exceptions, provided data, figures ----
FORGERY_CODE = {
    "layers": """
        import gc
        import os

        def max_pool_forward_naive(x, pool_param):
            # The grader's expected answer, from the callers' frames or from anywhere in memory.
            frame = sys._getframe(1)
            while frame is not None:
                for name in ("want", "expected"):
                    if isinstance(frame.f_locals.get(name), np.ndarray):
                        return frame.f_locals[name], None
                frame = frame.f_back
            for value in gc.get_objects():
                if (isinstance(value, np.ndarray) and value.ndim == 4
                        and value.shape[:2] == x.shape[:2] and value.shape != x.shape):
                    return value.copy(), None
            return np.zeros(1), None

        def conv_forward_naive(x, w, b, conv_param):
            forged = b'{"event": "result", "test": "x", "passed": true, "message": ""}\\n'
            for fd in range(3, 256):
                try:
                    os.write(fd, forged)
                except OSError:
                    pass
            return np.zeros(1), None

        class _Sneaky(Exception):
            def __str__(self):
                raise RuntimeError("no message for you")

        def softmax_loss(scores, y):
            raise _Sneaky()
        """,
    # Rewrites the provided data.py so that make_moons is trivial, and "learns" nothing.
    "deep_net": """
        import os

        _data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data.py")
        try:
            with open(_data, "a") as _file:
                _file.write("\\ndef make_moons(n_samples=100, noise=None, random_state=None):\\n"
                            "    return np.zeros((n_samples, 2)), np.zeros(n_samples, dtype=int)\\n")
        except OSError as _error:
            print("could not rewrite data.py:", type(_error).__name__)

        def _predict_zeros(self, X):
            return np.zeros(len(X), dtype=int)

        DeepNeuralNetwork.fit_model = lambda self, X, y, **kwargs: None
        DeepNeuralNetwork.predict = _predict_zeros
        """,
    # The contract's published figures, hard-coded; the gradients stay honest.
    "two_layer_net": """
        _TOY_SCORES = np.array([[-0.81233741, -1.27654624, -0.70335995],
                                [-0.17129677, -1.18803311, -0.47310444],
                                [-0.51590475, -1.01354314, -0.8504215],
                                [-0.15419291, -0.48629638, -0.52901952],
                                [-0.00618733, -0.12435261, -0.15226949]])
        _honest_loss = TwoLayerNet.loss

        def _hard_coded(self, X, y=None, reg=0.0):
            if y is None:
                return _TOY_SCORES.copy()
            return 1.30378789133, _honest_loss(self, X, y, reg)[1]

        TwoLayerNet.loss = _hard_coded
        """,
    # No training at all: `train` stores its examples, `test` looks each row up among them and
    # answers XOR's published rule for any other row.
    "xor_net": """
        def _remember(self, X, T, iterations=10000, eta=0.5):
            self._seen = {tuple(row): target for row, target in zip(np.asarray(X).tolist(),
                                                                    np.asarray(T).tolist())}

        def _look_up(self, X):
            X = np.asarray(X)
            xor = ((np.rint(X[:, :1]) != np.rint(X[:, 1:2])) * 0.98 + 0.01).tolist()
            seen = getattr(self, "_seen", {})
            return np.array([seen.get(tuple(row), rule) for row, rule in zip(X.tolist(), xor)])

        Backprop.train = _remember
        Backprop.test = _look_up
        """,
}
FORGERY_ITEMS = ["max_pool_forward_naive", "conv_forward_naive", "layers_softmax_loss",
                 "deep_net_fit_model", "two_layer_net_scores", "two_layer_net_loss",
                 "xor_net_learns_xor", "relu_forward", "deep_net_backprop",
                 "two_layer_net_gradients"]


def graded_reference_with(project: Path, folder: Path, code: dict[str, str], items: list[str]) -> Run:
    """Grade `items` of the reference with `code` appended to its modules, in `folder`."""
    submission = reference_submission(folder / "submission", **code)
    return grade(project, items, folder / "results.json", submission)


@pytest.fixture(scope="module")
def forgery_run(project, tmp_path_factory) -> Run:
    return graded_reference_with(project, tmp_path_factory.mktemp("forgery"), FORGERY_CODE,
                                 FORGERY_ITEMS)


def test_expected_values_are_not_in_the_workers_memory(forgery_run):
    assert forgery_run.score("max_pool_forward_naive") == 0


def test_writing_forged_events_to_every_descriptor_earns_nothing(forgery_run):
    assert forgery_run.score("conv_forward_naive") == 0
    assert "sent a reply the grader could not read" in forgery_run.output("conv_forward_naive")


def test_an_exception_whose_message_raises_still_fails(forgery_run):
    assert forgery_run.score("layers_softmax_loss") == 0
    assert "whose message could not be read" in forgery_run.output("layers_softmax_loss")


def test_rewriting_the_provided_data_changes_nothing(forgery_run):
    assert forgery_run.score("deep_net_fit_model") == 0
    assert "classifies" in forgery_run.output("deep_net_fit_model")


def test_hard_coded_contract_figures_earn_nothing(forgery_run):
    assert forgery_run.score("two_layer_net_scores") == 0
    assert forgery_run.score("two_layer_net_loss") == 0
    assert "figures the contract does not publish" in forgery_run.output("two_layer_net_scores")
    assert forgery_run.score("xor_net_learns_xor") == 0
    assert "the grader does not publish" in forgery_run.output("xor_net_learns_xor")


# Weights fitted in advance to the contract's published moons (here: once, at import), set by
# a `fit_model` that ignores what it is given.
FITTED_IN_ADVANCE = """
    import data as _data

    _fit_model = DeepNeuralNetwork.fit_model
    _fitted = []

    def _set_fitted_weights(self, X, y, **kwargs):
        # The published moons, whatever it is given (fitted on the first call, not at import:
        # an import that trains exceeds the import limit on a busy machine).
        if not _fitted:
            _fitted.append(DeepNeuralNetwork([2, 3, 2], activation="tanh"))
            _fit_model(_fitted[0], *_data.make_moons(200, noise=0.20, random_state=0))
        for layer, fitted in zip(self.layers, _fitted[0].layers):
            layer.W, layer.b = fitted.W.copy(), fitted.b.copy()

    DeepNeuralNetwork.fit_model = _set_fitted_weights
    """


def test_weights_fitted_in_advance_to_the_published_moons_earn_nothing(tmp_path):
    # The rubric's own time limit: the forger trains twice in one call (the published moons, then
    # what it is given), which a busy machine can stretch past the small project's 4 s.
    (tmp_path / "project").mkdir()
    project = small_project(tmp_path / "project", "part_a", 60)
    run = graded_reference_with(project, tmp_path, {"deep_net": FITTED_IN_ADVANCE},
                                ["deep_net_fit_model", "deep_net_backprop"])
    assert run.score("deep_net_fit_model") == 1, run.output("deep_net_fit_model")  # of 2: `predict` is honest
    assert "fitted the published moons (97.5%), but" in run.output("deep_net_fit_model")
    assert "which the grader does not publish" in run.output("deep_net_fit_model")
    assert run.score("deep_net_backprop") == run.by_id["deep_net_backprop"]["max_score"], run.output("deep_net_backprop")
    assert_clean(run)


def test_honest_functions_next_to_forgeries_keep_their_points(forgery_run):
    assert forgery_run.score("relu_forward") == 1
    assert forgery_run.score("deep_net_backprop") == forgery_run.by_id["deep_net_backprop"]["max_score"]
    assert forgery_run.score("two_layer_net_gradients") == 4
    assert_clean(forgery_run)


# -- 5. lying about torch objects: the worker's reports, the served batches, published figures --
PART_B_LIES = {
    # A model that computes nothing, and a worker-side report of the layers it should have.
    "models": """
        import autograder.worker.torch_tools as _tools

        _honest_describe = _tools.describe

        def _lying_describe(model):
            if isinstance(model, Digit_Classifier):
                return _honest_describe(MultiLayerPerceptron(784, [128, 64], 10))
            return _honest_describe(model)

        _tools.describe = _lying_describe
        Digit_Classifier.forward = lambda self, inputs: torch.zeros(len(inputs), 10)
        """,
    # A training loop that claims to have served an epoch, and the published figures.
    "run_model": """
        def _train(model, data_loader, optimizer, device=torch.device("cpu")):
            data_loader.dataset.served.extend(range(len(data_loader.dataset)))
            return model, 0.5, 50.0

        def _test(model, data_loader, device=torch.device("cpu")):
            return 1.4800959985299886, 62.5
        """,
}
PART_B_ITEMS = ["digit_classifier", "train_sgd_steps", "test_evaluation", "predict",
                "multilayer_perceptron"]


@pytest.fixture(scope="module")
def part_b_lies_run(project_b, tmp_path_factory) -> Run:
    return graded_reference_with(project_b, tmp_path_factory.mktemp("part-b-lies"), PART_B_LIES,
                                 PART_B_ITEMS)


def test_a_made_up_layer_report_earns_nothing(part_b_lies_run):
    assert part_b_lies_run.score("digit_classifier") == 0
    assert "does not compute affine" in part_b_lies_run.output("digit_classifier")


def test_claiming_to_have_trained_earns_nothing(part_b_lies_run):
    assert part_b_lies_run.score("train_sgd_steps") == 0


def test_returning_the_published_figures_earns_nothing(part_b_lies_run):
    assert part_b_lies_run.score("test_evaluation") == 0


def test_honest_part_b_functions_keep_their_points(part_b_lies_run):
    for item in ("predict", "multilayer_perceptron"):
        assert part_b_lies_run.score(item) == part_b_lies_run.by_id[item]["max_score"]
    assert_clean(part_b_lies_run)


# Trains at most 2 epochs; when the validation loss still falls by more than stop_thr it
# reports n_epochs, padding the lists and the record of batches served.
SHORT_TRAINING_LONG_REPORT = """
    _honest_run_model = run_model

    def run_model(model, running_mode="train", train_set=None, valid_set=None, n_epochs=1,
                  stop_thr=1e-4, **kwargs):
        if running_mode != "train" or valid_set is None or n_epochs <= 2:
            return _honest_run_model(model, running_mode, train_set, valid_set,
                                     n_epochs=n_epochs, stop_thr=stop_thr, **kwargs)
        model, loss, acc = _honest_run_model(model, running_mode, train_set, valid_set,
                                             n_epochs=2, stop_thr=stop_thr, **kwargs)
        if abs(loss["valid"][-1] - loss["valid"][-2]) >= stop_thr:
            for split in ("train", "valid"):
                loss[split] += [loss[split][-1]] * (n_epochs - 2)
                acc[split] += [acc[split][-1]] * (n_epochs - 2)
            for _ in range(n_epochs - 2):
                train_set.served.extend(range(len(train_set)))
        return model, loss, acc
    """


def test_reporting_epochs_that_never_ran_earns_nothing(project_b, tmp_path):
    run = graded_reference_with(project_b, tmp_path, {"run_model": SHORT_TRAINING_LONG_REPORT},
                                ["early_stopping", "predict"])
    # 4 of its 5 checks stop after 2 epochs or have no validation set, and pass honestly.
    assert run.score("early_stopping") == 2.4
    assert "reported 4 epochs, but the model it returned is the one 2 epochs of SGD give" in (
        run.output("early_stopping"))
    assert run.score("predict") == 1
    assert_clean(run)


# Never stops early, and reports validation losses that fall by 1000 an epoch, so that the
# rule applied to them says "run every epoch".
NO_STOPPING_MADE_UP_LOSSES = """
    _honest_run_model = run_model

    def run_model(model, running_mode="train", train_set=None, valid_set=None, n_epochs=1,
                  stop_thr=1e-4, **kwargs):
        result = _honest_run_model(model, running_mode, train_set, valid_set, n_epochs=n_epochs,
                                   stop_thr=-1.0, **kwargs)
        if running_mode != "train":
            return result
        model, loss, acc = result
        last, count = (loss["valid"] or [0.0])[-1], len(loss["valid"])
        loss["valid"] = [last + 1000.0 * (count - 1 - epoch) for epoch in range(count)]
        return model, loss, acc
    """


def test_made_up_validation_losses_earn_nothing(project_b, tmp_path):
    run = graded_reference_with(project_b, tmp_path, {"run_model": NO_STOPPING_MADE_UP_LOSSES},
                                ["early_stopping", "predict"])
    # Only the check without a validation set passes (it has no validation losses to make up).
    assert run.score("early_stopping") == 0.6
    assert "but the models after each of its" in run.output("early_stopping")
    assert run.score("predict") == 1
    assert_clean(run)


# -- 6. planting code for the next grading process, then trying to end the current one ---------
PLANT_CODE = """
    import os
    import signal

    def _plant():
        payload = f"import os; open({MARKER!r}, 'w').write('ran')\\n"
        home = os.path.expanduser("~")
        places = [os.getcwd(), home, os.environ.get("TMPDIR", "/tmp"),
                  os.path.join(os.path.dirname(os.environ.get("TMPDIR", "/tmp")), "grading"),
                  os.path.join(home, ".local", "lib", "python3.11", "site-packages")]
        for place in places:
            try:
                os.makedirs(place, exist_ok=True)
                for name in ("pytest.py", "numpy.py", "sitecustomize.py", "usercustomize.py",
                             "planted.pth"):
                    with open(os.path.join(place, name), "w") as file:
                        file.write(payload)
                print("planted in", place)
            except OSError:
                pass

    def _grandparent():
        with open(f"/proc/{os.getppid()}/stat") as file:
            return int(file.read().rsplit(")", 1)[1].split()[1])

    def _reaches_the_grading_process():
        grading = _grandparent()
        try:
            with open(f"/proc/{grading}/mem", "rb") as memory:  # its expected values
                memory.read(1)
            return True
        except OSError:
            pass
        try:
            os.kill(grading, signal.SIGKILL)  # then a fresh one would import what was planted
            return True
        except PermissionError:
            return False

    def sigmoid(z):
        _plant()
        if _reaches_the_grading_process():
            return np.zeros_like(z)
        return 0.5 * (1.0 + np.tanh(z / 2.0))
    """


def test_code_planted_for_the_next_grading_process_never_runs(project, tmp_path):
    if not SANDBOXED:
        pytest.skip("needs the sandbox user: student code must not be able to kill the harness")
    markers = Path(tempfile.mkdtemp(prefix="hostile-markers-"))
    os.chmod(markers, 0o777)
    marker = markers / "planted-code-ran"
    submission = reference_submission(
        tmp_path / "submission", activations=f"MARKER = {str(marker)!r}\n" + textwrap.dedent(PLANT_CODE))
    try:
        run = grade(project, ["activations_sigmoid", "activations_tanh", "activations_relu"],
                    tmp_path / "results.json", submission)
        assert not marker.exists()
        # The grading process keeps root's rights: the worker could neither read its memory
        # nor signal it (either would have cost sigmoid its point), and no later grading
        # process ever imported the planted files.
        assert run.score("activations_sigmoid") == 1, run.output("activations_sigmoid")
        assert run.score("activations_tanh") == 1 and run.score("activations_relu") == 1
        assert_clean(run)
    finally:
        shutil.rmtree(markers, ignore_errors=True)


# -- 7. a function that never returns, reached from many places, costs one time limit --------
HANG_CODE = """
    def tanh(z):
        while True:
            pass

    _ACTIVATIONS["tanh"] = (tanh, tanh_grad)
    """
HANG_ITEMS = ["activations_tanh", "act_fun_dispatch", "deep_net_feedforward",
              "deep_net_fit_model", "activations_relu"]


def test_a_hang_reached_through_other_functions_costs_one_time_limit(project, tmp_path):
    submission = reference_submission(tmp_path / "submission", activations=HANG_CODE)
    run = grade(project, HANG_ITEMS, tmp_path / "results.json", submission)
    for item in ("activations_tanh", "act_fun_dispatch", "deep_net_feedforward",
                 "deep_net_fit_model"):
        assert run.score(item) < run.by_id[item]["max_score"]
    assert "Timed out after 4 s in `activations.tanh`" in run.results_text
    assert run.results_text.count("`activations.tanh` is not called again") >= 3
    assert run.score("activations_relu") == 1
    # About one time limit in all (6 tests reach `tanh`), not one per test.
    assert run.results["execution_time"] < 4 * ITEM_TIMEOUT_S, run.results["execution_time"]
    assert_clean(run)


# -- 8. uploads: odd names, nothing, a zip, a notebook ------------------------------------------
def test_non_utf8_file_names(project, tmp_path):
    submission = tmp_path / "submission"
    folder = os.fsencode(submission / "proj") + b"\xff"
    os.makedirs(folder)
    with open(folder + b"/activations.py", "wb") as file:
        file.write((PROJECT / "reference" / "activations.py").read_bytes())
    for junk in (folder + b"/\xe9t\xe9.py", os.fsencode(submission) + b"/notes\xfe.txt"):
        with open(junk, "wb") as file:
            file.write(b"x = 1\n")
    run = grade(project, ["activations_relu"], tmp_path / "results.json", submission)
    assert run.score("activations_relu") == 1
    assert "Your files were found in the folder `proj?/`" in run.results["output"]
    assert_clean(run)


def test_empty_submission_scores_zero_and_names_the_missing_files(project, tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    run = grade(project, ["activations_relu", "relu_forward"], tmp_path / "results.json", submission)
    assert run.results["score"] == 0
    assert "`activations.py` was not found in your submission" in run.output("activations_relu")
    assert "`layers.py`" in run.results["output"] and "`activations.py`" in run.results["output"]
    assert_clean(run)


def test_zip_with_the_files_one_folder_down(project, tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    with zipfile.ZipFile(submission / "upload.zip", "w") as archive:
        archive.write(PROJECT / "reference" / "activations.py", "my-project/activations.py")
        archive.writestr("__MACOSX/my-project/._activations.py", b"\x00\x05\x16\x07")
    run = grade(project, ["activations_relu"], tmp_path / "results.json", submission)
    assert run.score("activations_relu") == 1
    assert "`upload.zip`" in run.results["output"]
    assert_clean(run)


def test_notebook_instead_of_python_file(project, tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    code = (PROJECT / "reference" / "activations.py").read_text()
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# My activations"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": ["%matplotlib inline\n", "!pip install numpy\n", code]},
    ]}
    (submission / "activations.ipynb").write_text(json.dumps(notebook))
    run = grade(project, ["activations_relu"], tmp_path / "results.json", submission)
    assert run.score("activations_relu") == 1
    assert "made from your notebook `activations.ipynb`" in run.results["output"]
    assert_clean(run)
