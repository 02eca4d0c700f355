"""A submission that starts child processes and never waits for them grades as fast as the
reference: the zombies it leaves behind in its idle workers are neither killed again nor waited
for (once they cost 50 s per test), and every item keeps its points."""
from __future__ import annotations

import shutil
import time

from harness_tests.conftest import PROJECT, read_results, run_entrypoint

ITEMS = ["activations_sigmoid", "activations_tanh", "activations_relu"]
LEFT_BEHIND = '''import subprocess as _subprocess
_subprocess.Popen(["true"])  # at import, never waited for


def _start_and_forget():
    _subprocess.Popen(["true"])
'''


CALLED_EVERY_TIME = '''

_honest_relu = relu


def relu(x):
    _start_and_forget()  # a child per call, never waited for
    return _honest_relu(x)
'''


def _grade(submission, out) -> float:
    started = time.monotonic()
    finished = run_entrypoint(["--submission", str(submission), "--results", str(out),
                               "--items", *ITEMS, "--quiet"])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return time.monotonic() - started


def test_children_left_at_import_and_in_a_function_cost_no_time(tmp_path):
    submission = tmp_path / "submission"
    shutil.copytree(PROJECT / "reference", submission)
    source = (submission / "activations.py").read_text()
    (submission / "activations.py").write_text(LEFT_BEHIND + source + CALLED_EVERY_TIME)
    reference_seconds = _grade(PROJECT / "reference", tmp_path / "reference.json")
    hostile_seconds = _grade(submission, tmp_path / "hostile.json")
    results = read_results(tmp_path / "hostile.json")
    assert [test["score"] for test in results["tests"]] == [1, 1, 1]
    # Generous: the stall this guards against cost 50 s per test.
    assert hostile_seconds < reference_seconds + 10, (hostile_seconds, reference_seconds)
