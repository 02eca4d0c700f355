"""`python -m autograder grade-all` on a small class laid out as Gradescope's export."""
import csv
import dataclasses
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograder.rubric import load_rubric
from autograder.tools.grade_all.export import read_export_metadata
from autograder.tools.grade_all.runs import can_keep
from harness_tests.conftest import PROJECT, items_by_number, read_results

RUBRIC = load_rubric(PROJECT / "rubric.yaml")
ACTIVATION_ITEMS = [item for item in RUBRIC.items if item.file == "activations.py"]
EXPORT_METADATA_NAME = "submission_metadata.yml"
EXPORT_METADATA = textwrap.dedent("""\
    submission_101:
      :submitters:
      - :name: Ada Lovelace
        :sid: '101'
        :email: ada@example.edu
      :created_at: 2026-11-20 10:00:00.000000000 +00:00
      :score: !ruby/object:BigDecimal 18:0.5e1
    submission_103:
      :submitters:
      - :name: Grace Hopper
        :email: grace@example.edu
      - :name: Alan Turing
        :email: alan@example.edu
    """)


def grade_all(export: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(export), "--out", str(out),
                           "--items", *(item.id for item in ACTIVATION_ITEMS), *extra],
                          cwd=PROJECT, capture_output=True, text=True, timeout=600)


def make_class(export: Path) -> None:
    """Reference activations.py; the whole template; a zip with the files one folder down; nothing."""
    (export / "submission_101").mkdir(parents=True)
    shutil.copy(PROJECT / "reference" / "activations.py", export / "submission_101")
    shutil.copytree(PROJECT / "student_template", export / "submission_102")
    with zipfile.ZipFile(export / "submission_103.zip", "w") as zipped:
        zipped.write(PROJECT / "reference" / "activations.py", "my-project/activations.py")
    (export / "submission_104").mkdir()
    (export / EXPORT_METADATA_NAME).write_text(EXPORT_METADATA)



@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    export = tmp_path_factory.mktemp("export")
    make_class(export)
    out = tmp_path_factory.mktemp("graded")
    finished = grade_all(export, out, "-j", "2")
    return export, out, finished


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def test_every_student_gets_valid_results(graded_class):
    _, out, finished = graded_class
    assert finished.returncode == 0, finished.stdout + finished.stderr[-3000:]
    assert "4 graded, 0 already graded (skipped), 0 failed." in finished.stdout
    full = sum(item.points for item in ACTIVATION_ITEMS)
    expected = {"submission_101": full, "submission_102": 0, "submission_103": full, "submission_104": 0}
    for student, total in expected.items():
        results = read_results(out / student / "results.json")
        assert results["score"] == total, (student, results["output"])
        assert set(items_by_number(results)) == {item.number for item in ACTIVATION_ITEMS}
    template = items_by_number(read_results(out / "submission_102" / "results.json"))
    assert all("Not implemented yet" in test["output"] for test in template.values())
    empty = items_by_number(read_results(out / "submission_104" / "results.json"))
    assert all("`activations.py` was not found" in test["output"] for test in empty.values())


def test_scores_csv_has_a_row_per_student_and_a_column_per_item(graded_class):
    _, out, _ = graded_class
    rows = read_csv(out / "scores.csv")
    numbers = [item.number for item in ACTIVATION_ITEMS]
    assert list(rows[0]) == ["student", "name", "email", "total", *numbers, "error"]
    by_student = {row["student"]: row for row in rows}
    assert list(by_student) == ["submission_101", "submission_102", "submission_103", "submission_104"]
    assert by_student["submission_101"]["name"] == "Ada Lovelace"
    assert by_student["submission_103"]["email"] == "grace@example.edu; alan@example.edu"
    assert by_student["submission_104"]["name"] == ""
    for item in ACTIVATION_ITEMS:
        assert by_student["submission_103"][item.number] == f"{item.points:g}"
        assert by_student["submission_102"][item.number] == "0"
    assert all(row["error"] == "" for row in rows)


def test_report_has_histogram_and_per_item_rates(graded_class):
    _, out, _ = graded_class
    report = (out / "report.md").read_text()
    assert "## Score distribution" in report and "## Per item" in report
    for item in ACTIVATION_ITEMS:
        assert f"| {item.number} {item.name} | {item.points:g} |" in report
        assert "2/4 (50%)" in report
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_second_run_skips_everyone_and_writes_the_same_csv(graded_class):
    export, out, _ = graded_class
    csv_before = (out / "scores.csv").read_bytes()
    results_times = {p: p.stat().st_mtime_ns for p in out.glob("*/results.json")}
    finished = grade_all(export, out, "-j", "2")
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "0 graded, 4 already graded (skipped), 0 failed." in finished.stdout
    assert (out / "scores.csv").read_bytes() == csv_before
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/results.json")} == results_times


def test_runs_that_time_out_get_a_failure_row_and_do_not_stop_the_batch(tmp_path):
    """Each run outlives grade-all's 1 s: its `sigmoid` never returns (the item's own time
    limit is longer)."""
    export = tmp_path / "export"
    never_returns = (PROJECT / "reference" / "activations.py").read_text() + textwrap.dedent("""

        def sigmoid(z):
            while True:
                pass
        """)
    for student in ("alice", "bob"):
        (export / student).mkdir(parents=True)
        (export / student / "activations.py").write_text(never_returns)
    out = tmp_path / "out"
    finished = grade_all(export, out, "-j", "2", "--timeout", "1")
    assert finished.returncode == 1
    assert "0 graded, 0 already graded (skipped), 2 failed." in finished.stdout
    rows = read_csv(out / "scores.csv")
    assert [(row["student"], row["total"], row["error"]) for row in rows] == [
        ("alice", "0", "timed out after 1 s"), ("bob", "0", "timed out after 1 s")]
    results = read_results(out / "alice" / "results.json")
    assert results["extra_data"] == {"batch_error": "timed out after 1 s"}
    assert "Not graded: timed out after 1 s" in results["output"]
    assert "Runs that failed" in (out / "report.md").read_text()


def test_export_metadata_names_groups_and_tolerates_ruby_tags(tmp_path):
    path = tmp_path / "submission_metadata.yml"
    path.write_text(EXPORT_METADATA)
    assert read_export_metadata(path) == {
        "submission_101": ("Ada Lovelace", "ada@example.edu"),
        "submission_103": ("Grace Hopper; Alan Turing", "grace@example.edu; alan@example.edu")}
    assert read_export_metadata(tmp_path / "absent.yml") == {}
    path.write_text("{ not: yaml")
    assert read_export_metadata(path) == {}


def test_earlier_results_are_kept_only_when_they_grade_every_wanted_item():
    wanted = dataclasses.replace(RUBRIC, items=tuple(ACTIVATION_ITEMS))
    tests = [{"name": i.name, "number": i.number, "score": 0, "max_score": i.points} for i in ACTIVATION_ITEMS]
    assert can_keep({"score": 0, "tests": tests}, wanted)
    assert not can_keep({"score": 0, "tests": tests[1:]}, wanted)
    assert not can_keep({"score": 0, "tests": tests, "extra_data": {"batch_error": "timed out"}}, wanted)
