"""The real entrypoint on real submissions: reference, template, partial and broken ones."""
import json
import shutil

import pytest

from autograder.rubric import load_rubric
from harness_tests.conftest import PROJECT, items_by_number, read_results, run_entrypoint

RUBRIC = load_rubric(PROJECT / "rubric.yaml")


def numbers_of_file(filename: str) -> set[str]:
    return {item.number for item in RUBRIC.items if item.file == filename}


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "results.json"
    finished = run_entrypoint(["--submission", "reference", "--results", str(out)])
    return finished, out


def test_reference_earns_full_marks(reference_run):
    finished, out = reference_run
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = read_results(out)
    failed = {t["number"]: t["output"] for t in results["tests"] if t["score"] != t["max_score"]}
    assert failed == {}
    assert results["score"] == RUBRIC.max_score
    assert len(results["tests"]) == len(RUBRIC.items)


def test_local_run_prints_summary_and_results_path(reference_run):
    finished, out = reference_run
    assert "Total" in finished.stdout and f"{RUBRIC.max_score:g}/{RUBRIC.max_score:g}" in finished.stdout
    assert f"results.json: {out}" in finished.stdout


def test_template_scores_zero_and_every_item_says_not_implemented(tmp_path):
    out = tmp_path / "results.json"
    finished = run_entrypoint(["--submission", "student_template", "--results", str(out)])
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = read_results(out)
    assert results["score"] == 0
    for test in results["tests"]:
        assert "Not implemented yet" in test["output"], (test["number"], test["output"])
        assert "Traceback" not in test["output"]


def test_gradescope_tree_with_files_one_folder_down_and_one_file(tmp_path):
    root = tmp_path / "autograder"
    upload = root / "submission" / "my-project"
    upload.mkdir(parents=True)
    shutil.copy(PROJECT / "reference" / "activations.py", upload / "activations.py")
    (root / "submission_metadata.json").write_text(json.dumps(
        {"created_at": "2026-11-20T10:00:00+00:00", "previous_submissions": []}))
    finished = run_entrypoint([], {"AUTOGRADER_ROOT": str(root)})
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = read_results(root / "results" / "results.json")
    by_number = items_by_number(results)
    for number in numbers_of_file("activations.py"):
        assert by_number[number]["score"] == by_number[number]["max_score"], by_number[number]["output"]
    for number in numbers_of_file("layers.py"):
        assert by_number[number]["score"] == 0
        assert "`layers.py` was not found in your submission" in by_number[number]["output"]
    assert "my-project/" in results["output"]


def test_syntax_error_names_file_and_line_and_costs_only_that_file(tmp_path):
    submission = tmp_path / "submission"
    shutil.copytree(PROJECT / "reference", submission, symlinks=False)
    lines = (submission / "layers.py").read_text().splitlines()
    broken = lines.index("import numpy as np")
    lines[broken] += " ) ("
    (submission / "layers.py").write_text("\n".join(lines) + "\n")
    out = tmp_path / "results.json"
    layer_items = [i.id for i in RUBRIC.items if i.file == "layers.py"]
    other = next(i for i in RUBRIC.items if i.file == "activations.py")
    finished = run_entrypoint(["--submission", str(submission), "--results", str(out),
                               "--items", *layer_items, other.id])
    assert finished.returncode == 0, finished.stderr[-3000:]
    by_number = items_by_number(read_results(out))
    for number in numbers_of_file("layers.py"):
        assert by_number[number]["score"] == 0
        assert f"`layers.py` has a syntax error at line {broken + 1}" in by_number[number]["output"]
    assert by_number[other.number]["score"] == other.points
