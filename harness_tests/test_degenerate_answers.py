"""Answers that compute nothing earn nothing (`python -m autograder audit --degenerate`): each
graded function replaced by zeros, ones, a constant, its input, None or random values of the
right shape earns nothing on any check that grades it, and the audit names a check that a
degenerate answer passes. The whole rubric takes minutes; here the functions whose checks once
held for a trivial answer (oddness, idempotence, a shift invariance, a gradient's keys and
shapes, a loss history's shape, a fast constant loss), and a weakened copy of the tests."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

from harness_tests.conftest import PROJECT

FUNCTIONS = ["activations.sigmoid", "activations.tanh", "activations.relu",
             "softmax.softmax_loss_vectorized", "two_layer_net.TwoLayerNet.loss",
             "two_layer_net.TwoLayerNet.train"]


def degenerate_audit(args: list[str], report, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "audit", "--degenerate", "-j", "2",
                           "--json", str(report), *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=timeout)


def test_no_degenerate_answer_earns_a_check_that_grades_its_function(tmp_path):
    report = tmp_path / "degenerate.json"
    finished = degenerate_audit(["--functions", *FUNCTIONS], report)
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-2000:]
    found = json.loads(report.read_text())
    assert found["problems"] == [] and found["reference"] == {"error": None, "lost": []}
    by_function = {entry["function"]: entry for entry in found["functions"]}
    assert sorted(by_function) == sorted(FUNCTIONS)
    for function, entry in by_function.items():
        assert entry["judged"], f"no check grades {function}"
        assert entry["kinds"] == ["stub", "zeros", "ones", "constant", "input", "none", "random"]
        assert entry["passed"] == {} and entry["errors"] == {}
    # The checks that grade `tanh` are its own (1.2), not those that reach it through another
    # function (`act_fun`, a deep net's layer).
    assert by_function["activations.tanh"]["judged"] == [
        "tests/part_a/test_activations.py::test_tanh_is_odd",
        "tests/part_a/test_activations.py::test_tanh_values"]
    assert "tests/part_a/test_two_layer_net.py::test_loss_is_vectorised" in \
        by_function["two_layer_net.TwoLayerNet.loss"]["judged"]
    assert "No problems" in finished.stdout


def test_a_check_that_a_degenerate_answer_passes_is_named(tmp_path):
    """A copy of the project whose oddness check no longer checks values: zeros (and None,
    compared with itself) pass it, and the audit says so."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(PROJECT / "rubric.yaml", project)
    shutil.copytree(PROJECT / "tests", project / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    for name in ("reference", "student_template"):
        (project / name).symlink_to(PROJECT / name, target_is_directory=True)
    tests = project / "tests" / "part_a" / "test_activations.py"
    source = tests.read_text()
    values = '    assert_allclose("tanh", activations.tanh(-z), expected_tanh(-z), case(-z), atol=1e-12)\n'
    assert source.count(values) == 1
    tests.write_text(source.replace(values, ""))
    report = tmp_path / "degenerate.json"
    finished = degenerate_audit(["--rubric", str(project / "rubric.yaml"), "--functions",
                                 "activations.tanh"], report)
    assert finished.returncode == 1, finished.stdout[-4000:] + finished.stderr[-2000:]
    (entry,) = json.loads(report.read_text())["functions"]
    assert entry["passed"]["zeros"] == ["tests/part_a/test_activations.py::test_tanh_is_odd"]
    assert ("`activations.tanh` as zeros of the right shape passes "
            "`tests/part_a/test_activations.py::test_tanh_is_odd` (item activations_tanh), which "
            "its stub fails") in finished.stdout
