"""The grading tests tell right from wrong: every mutant of the catalogue (`mutants.yaml`, typical
student bugs applied to the reference) loses points on exactly its expected items, the reference
earns full marks, and its grades do not change from run to run (`python -m autograder audit`).
"""
import json
import subprocess
import sys
import textwrap

import pytest

from autograder.rubric import load_rubric
from autograder.tools.audit.catalogue import load_catalogue
from autograder.tools.audit.mutation import plan_jobs
from harness_tests.conftest import PROJECT

RUBRIC = load_rubric(PROJECT / "rubric.yaml")
MUTANTS = load_catalogue(PROJECT / "mutants.yaml", RUBRIC)


def run_audit(args: list[str], timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "audit", *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def catalogue_audit(tmp_path_factory):
    """One audit of the whole catalogue, shared by every test below: (finished, JSON report)."""
    report = tmp_path_factory.mktemp("audit") / "audit.json"
    finished = run_audit(["-j", "2", "--json", str(report)])
    assert report.is_file(), finished.stderr[-3000:]
    return finished, json.loads(report.read_text())


def verdict_of(report: dict, mutant_id: str) -> dict:
    return next(v for v in report["mutants"] if v["id"] == mutant_id)


def test_catalogue_covers_both_parts():
    part_b = {"models.py", "run_model.py"}
    assert sum(m.file not in part_b for m in MUTANTS) >= 22
    assert sum(m.file in part_b for m in MUTANTS) >= 12


def test_mutants_sharing_a_run_cannot_affect_each_other():
    plan = plan_jobs(RUBRIC, MUTANTS, 0, None)
    assert sorted(m.id for job in plan.jobs for m in job.edits) == sorted(m.id for m in MUTANTS)
    for job in plan.jobs:
        files = [m.file for m in job.edits]
        assert len(files) == len(set(files)), job.name
        for index, first in enumerate(job.edits):
            for second in job.edits[index + 1:]:
                assert not plan.owned[first.id] & plan.owned[second.id], (job.name, first.id, second.id)
            assert plan.owned[first.id] <= job.items


def test_reference_earns_full_marks(catalogue_audit):
    _, report = catalogue_audit
    assert [run["error"] for run in report["reference_runs"]] == [None]
    assert report["reference_lost"] == []


@pytest.mark.parametrize("mutant", [
    pytest.param(m, id=m.id, marks=[pytest.mark.xfail(strict=True, reason=m.xfail)] if m.xfail else [])
    for m in MUTANTS])
def test_mutant_loses_points_exactly_where_expected(catalogue_audit, mutant):
    _, report = catalogue_audit
    verdict = verdict_of(report, mutant.id)
    assert verdict["error"] is None
    if mutant.accepted:  # another correct reading of the contract: full marks everywhere
        assert verdict["lost"] == [], json.dumps(verdict["feedback"], indent=1)
        return
    assert verdict["lost"], f"survivor: {mutant.description}"
    assert verdict["lost"] == verdict["expect_lost"], json.dumps(verdict["feedback"], indent=1)


def test_audit_command_reports_no_problems(catalogue_audit):
    finished, report = catalogue_audit
    assert report["problems"] == []
    assert finished.returncode == 0, finished.stdout[-3000:]
    assert "Kill matrix" in finished.stdout and "No problems" in finished.stdout


def test_flakiness_check_grades_the_reference_repeatedly(tmp_path):
    report_path = tmp_path / "flaky.json"
    finished = run_audit(["--mutants", "--flaky", "2", "--items", "confusion_matrix",
                          "activations_relu", "-j", "2", "--json", str(report_path)], timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["mutants"] == [] and report["flaky"] == {}
    runs = report["reference_runs"]
    assert [run["error"] for run in runs] == [None, None]
    assert all({"confusion_matrix", "activations_relu"} <= set(run["lost"]) for run in runs)
    assert "Reference graded 2 times" in finished.stdout


def write_catalogue(tmp_path, body: str):
    path = tmp_path / "mutants.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_survivor_is_named_and_fails_the_audit(tmp_path):
    catalogue = write_catalogue(tmp_path, """\
        mutants:
          - id: harmless_rename
            description: renames a local variable, which changes nothing
            file: confusion.py
            find: "counts = np.bincount(num_classes * y_true + y_pred, minlength=num_classes * num_classes)"
            replace: "tally = counts = np.bincount(num_classes * y_true + y_pred, minlength=num_classes * num_classes)"
            expect_lost: [confusion_matrix]
        """)
    finished = run_audit(["--catalogue", str(catalogue), "-j", "2"], timeout=600)
    assert finished.returncode == 1
    assert "SURVIVOR: mutant 'harmless_rename'" in finished.stdout


def test_find_that_does_not_occur_exactly_once_is_refused_before_grading(tmp_path):
    catalogue = write_catalogue(tmp_path, """\
        mutants:
          - id: ambiguous
            description: the same text occurs twice in models.py
            file: models.py
            find: "self.fc3 = nn.Linear(64, 10)"
            replace: "self.fc3 = nn.Linear(64, 11)"
            expect_lost: [digit_classifier]
        """)
    finished = run_audit(["--catalogue", str(catalogue)], timeout=120)
    assert finished.returncode == 2
    assert "mutant 'ambiguous'" in finished.stderr and "occurs 2 times" in finished.stderr
