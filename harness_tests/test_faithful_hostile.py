"""What the faithful suite mode promises against a hostile submission, through the entrypoint.

In faithful mode the suite's tests run beside the submission (as under Gradescope's own runner),
so the submission can make its own tests pass. It still cannot raise a test above its weight,
hide the run's results or outlive the run, and a crash, an exit or a hang costs only the test
it happened in.
"""
from __future__ import annotations

import ast
import os
import textwrap

import pytest

from autograder.sandbox import accounts
from harness_tests.conftest import PROJECT, read_results, run_entrypoint

SUITE = '''
import unittest

from gradescope_utils.autograder_utils.decorators import partial_credit, weight

import calc


class TestCalc(unittest.TestCase):
    @weight(2)
    def test_add(self):
        """add"""
        self.assertEqual(calc.add(1, 2), 3)

    @partial_credit(3)
    def test_partial(self, set_score=None):
        """partial"""
        set_score(calc.points())

    @weight(1)
    def test_exit(self):
        """exit"""
        self.assertEqual(calc.leave(), 0)

    @weight(1)
    def test_hang(self):
        """hang"""
        self.assertEqual(calc.spin(), 0)

    @weight(1)
    def test_after(self):
        """after"""
        self.assertEqual(calc.add(2, 2), 4)
'''

FORGER = '''
import gc
import os
import subprocess
import sys
import time


def _forge():
    """Every test function a weight of 100 and a score of 100; every partial score too."""
    for value in gc.get_objects():
        if callable(value) and hasattr(value, "__weight__"):
            try:
                value.__weight__ = 100
                value.__score__ = 100
            except (AttributeError, TypeError):
                pass


def add(a, b):
    _forge()
    return a + b


def points():
    return 1000  # far above the test's weight


def leave():
    os._exit(3)


def spin():
    while True:
        pass


# a daemon that would outlive the run and a try at the results file
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
try:
    open(os.environ.get("RESULTS_PATH", "/nonexistent/results.json"), "w").write("{}")
except OSError:
    pass
'''


@pytest.fixture(scope="module")
def forged_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("faithful")
    (root / "tests").mkdir()
    (root / "tests" / "test_calc.py").write_text(SUITE)
    (root / "rubric.yaml").write_text(textwrap.dedent("""
        assignment: {name: faithful, tests: tests}
        defaults: {timeout: 4}
    """))
    submission = root / "submission"
    submission.mkdir()
    (submission / "calc.py").write_text(FORGER)
    os.chmod(root, 0o755)
    out = root / "out" / "results.json"
    finished = run_entrypoint(["--rubric", str(root / "rubric.yaml"), "--submission", str(submission),
                               "--results", str(out)], env_extra={"RESULTS_PATH": str(out)})
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return {test["name"]: test for test in read_results(out, as_gradescope=True)["tests"]}, finished


def test_forged_weights_and_scores_are_capped_at_the_decorators(forged_run):
    tests, _ = forged_run
    assert (tests["add"]["score"], tests["add"]["max_score"]) == (2, 2)
    assert (tests["partial"]["score"], tests["partial"]["max_score"]) == (3, 3)
    assert tests["after"]["max_score"] == 1


def test_an_exit_and_a_hang_cost_only_their_tests(forged_run):
    tests, _ = forged_run
    assert tests["exit"]["score"] == 0 and "exit code 3" in tests["exit"]["output"]
    assert tests["hang"]["score"] == 0 and "Timed out after 4 s in `calc.spin`" in tests["hang"]["output"]
    assert tests["after"]["score"] == 1
    assert sum(test["score"] for test in tests.values()) == 6


def test_a_daemon_does_not_outlive_the_run(forged_run):
    import psutil
    left = [p for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] and "time.sleep(600)" in " ".join(p.info["cmdline"])]
    assert not left


SHARED_CLASS_TESTS = {
    "test_a.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        import calc


        class Shared(unittest.TestCase):
            @weight(1)
            def test_once(self):
                """once"""
                calc.once()


        class TestCrash(unittest.TestCase):
            @weight(1)
            def test_crash(self):
                """crash"""
                calc.crash()
        ''',
    "test_b.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        from test_a import Shared


        class TestB(unittest.TestCase):
            @weight(5)
            def test_never_calls(self):
                """never calls the submission"""
                self.assertTrue(True)
        ''',
}
BREAKS_ON_A_SECOND_CALL = '''
import os

CALLS = []


def once():
    CALLS.append(1)
    if len(CALLS) > 1:
        os._exit(3)


def crash():
    os._exit(4)
'''


def test_after_a_crash_a_fresh_worker_runs_only_what_is_left(tmp_path):
    """A class imported into a second module runs twice. After the crash of the test between
    its two occurrences, the fresh worker runs the second occurrence and what follows, never
    the first again: the submission that breaks on a second call cannot make the crash land
    on a test that never ran."""
    for name, text in SHARED_CLASS_TESTS.items():
        (tmp_path / "suite" / "tests").mkdir(parents=True, exist_ok=True)
        (tmp_path / "suite" / "tests" / name).write_text(textwrap.dedent(text))
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "calc.py").write_text(BREAKS_ON_A_SECOND_CALL)
    out = tmp_path / "results.json"
    finished = run_entrypoint(["--suite", str(tmp_path / "suite" / "tests"), "--submission",
                               str(tmp_path / "submission"), "--results", str(out)])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    tests = read_results(out, as_gradescope=True)["tests"]
    assert [(test["name"], test["score"]) for test in tests] == [
        ("once", 1), ("crash", 0.0), ("once", 1), ("never calls the submission", 5)]
    assert "exit code 4" in tests[1]["output"]


PROBE_SUITE = '''
import unittest

from gradescope_utils.autograder_utils.decorators import weight

import probe


class TestProbe(unittest.TestCase):
    @weight(1)
    def test_probe(self):
        """probe"""
        print(probe.FOUND)
'''
PROBE = '''
import glob
import json
import os
import sys

FOUND = {}


def _try(label, action):
    try:
        FOUND[label] = action() or "done"
    except PermissionError:  # EACCES, EPERM: there, and refused
        FOUND[label] = "refused"
    except OSError as error:
        FOUND[label] = type(error).__name__


def _read(path):
    open(path).read()


def _read_all(pattern):
    paths = glob.glob(pattern)
    for path in paths:
        open(path).read()
    return "done" if paths else "none listed"


_try("reference", lambda: _read(sys.argv_reference))
_try("rubric", lambda: _read(sys.argv_rubric))
# its own run's folder is two above its working folder (`work/source`), in the runs' folder
RUN = os.path.dirname(os.path.dirname(os.getcwd()))
RUNS = os.path.join(os.path.dirname(RUN), "autograder-run-*")
FOUND["grading folders seen"] = len(glob.glob(os.path.join(RUNS, "grading"))) > 0
_try("tests copy", lambda: _read_all(os.path.join(RUNS, "grading", "tests", "*.py")))
_try("tests copy by name", lambda: _read(os.path.join(RUN, "grading", "tests", "test_probe.py")))
_try("own working folder", lambda: _read(os.path.join(os.getcwd(), "tests", "test_probe.py")))
_try("results", lambda: open(sys.argv_results, "w").close())
_try("root", lambda: os.setuid(0))
FOUND["uid"] = os.getuid()
'''


def test_the_submission_reads_no_grading_file_and_never_becomes_root(tmp_path):
    """Beside the suite's tests (README: what a hostile submission cannot do in faithful mode):
    it reads neither `reference/` nor the rubric nor the harness's copy of the tests, cannot
    write results.json and cannot become root."""
    if not accounts.sandbox_user():
        pytest.skip("student code runs as another user only when the harness starts as root")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_probe.py").write_text(PROBE_SUITE)
    (tmp_path / "rubric.yaml").write_text("assignment: {name: probe, tests: tests}\n")
    out = tmp_path / "out" / "results.json"
    out.parent.mkdir()  # (there: a write is refused, not a missing folder)
    out.write_text("{}")
    paths = {"reference": PROJECT / "reference" / "layers.py", "rubric": tmp_path / "rubric.yaml",
             "results": out}
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "probe.py").write_text(
        "import sys\n" + "".join(f"sys.argv_{name} = {str(path)!r}\n" for name, path in paths.items())
        + PROBE)
    os.chmod(tmp_path, 0o755)
    finished = run_entrypoint(["--rubric", str(tmp_path / "rubric.yaml"), "--submission",
                               str(tmp_path / "submission"), "--results", str(out)])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    [test] = read_results(out, as_gradescope=True)["tests"]
    found = ast.literal_eval(test["output"].strip())
    assert found.pop("uid") != 0
    assert found == {"reference": "refused", "rubric": "refused", "grading folders seen": True,
                     "tests copy": "none listed",
                     "tests copy by name": "refused", "results": "refused", "root": "refused",
                     "own working folder": "done"}  # (the suite beside it, as on Gradescope)
