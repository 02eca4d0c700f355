import json

import jsonschema
import pytest

from autograder.harness.outcomes import CheckOutcome, GradingRun
from autograder.harness.results import (build_results, failure_results, validate,
                                        validate_gradescope, write_results)
from autograder.harness.scoring import score_items
from autograder.harness.suite_results import build_suite_results
from autograder.rubric import Rubric, load_rubric
from autograder.sentences import GRADER_PROBLEM
from autograder.staging import StagedSubmission
from harness_tests.conftest import write_rubric
from harness_tests.test_rubric import VALID, rubric_with_gradescope_fields


def make_run(outcomes, collected):
    return GradingRun(outcomes={o.test: o for o in outcomes}, collected=collected,
                      staged=StagedSubmission(folder=None), rubric=None, sandbox_note="", execution_time=1.2)


@pytest.fixture
def rubric(tmp_path):
    return load_rubric(write_rubric(tmp_path, VALID))


def test_built_results_match_gradescope_format(rubric):
    collected = ["tests/part_a/test_layers.py::test_forward", "tests/part_a/test_layers.py::test_dx",
                 "tests/part_a/test_layers.py::test_dw"]
    run = make_run([CheckOutcome(collected[0], True), CheckOutcome(collected[1], True),
                    CheckOutcome(collected[2], False, "`affine_backward` returned dw of shape (3, 4); expected (4, 3).")],
                   collected)
    results = build_results(rubric, score_items(rubric, run), "**Score**", run.execution_time,
                            [{"name": "Accuracy", "value": 0.9, "order": "desc"}])
    validate(results)
    assert results["score"] == 2 + 3.5 / 2
    assert results["execution_time"] == 2
    first, second = results["tests"]
    assert first == {"name": "affine_forward", "number": "1.1", "score": 2.0, "max_score": 2.0,
                     "status": "passed", "output": "Passed.", "output_format": "md",
                     "visibility": "after_due_date", "extra_data": {"seconds": 0.0}}
    assert second["status"] == "failed" and second["visibility"] == "hidden"
    assert "Passed 1 of 2 checks." in second["output"] and "**dw**: `affine_backward` returned" in second["output"]
    assert results["leaderboard"] == [{"name": "Accuracy", "value": 0.9, "order": "desc"}]


def test_rubric_set_gradescope_fields_reach_results_json(tmp_path):
    rubric = rubric_with_gradescope_fields(
        tmp_path, "  visibility: after_published\n  extra_data: {course: dl101}\n"
                  "  test_output_format: text\n",
        "        tags: [backprop]\n        extra_data: {kind: gradient}\n")
    collected = ["tests/part_a/test_layers.py::test_forward", "tests/part_a/test_layers.py::test_dx",
                 "tests/part_a/test_layers.py::test_dw"]
    run = make_run([CheckOutcome(test, True, seconds=0.25) for test in collected], collected)
    results = build_results(rubric, score_items(rubric, run), "**Score**", run.execution_time)
    validate(results)
    assert results["visibility"] == "after_published" and results["extra_data"] == {"course": "dl101"}
    assert results["test_output_format"] == "text"
    first, second = results["tests"]
    assert "output_format" not in first and "tags" not in first
    assert first["extra_data"] == {"seconds": 0.25}  # the time its one check took
    assert second["tags"] == ["backprop"] and second["extra_data"] == {"kind": "gradient", "seconds": 0.5}


def test_failure_results_are_valid_and_zero(rubric):
    results = failure_results(rubric, "internal problem")
    validate(results)
    assert results["score"] == 0 and all(t["score"] == 0 and t["output"] == "internal problem" for t in results["tests"])
    validate(failure_results(None, "no rubric"))


@pytest.mark.parametrize("broken", [
    {"tests": [{"name": "x", "score": 1}]},                       # max_score missing
    {"score": 1, "tests": [], "visibility": "everyone"},           # unknown visibility
    {"score": 1, "tests": [{"name": "x", "score": 1, "max_score": 1, "status": "ok"}]},
    {"score": "10"},                                               # score must be a number
    {"score": 1, "unexpected": True},
])
def test_schema_rejects_what_gradescope_would_not_read(broken):
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


@pytest.mark.parametrize("accepted, ours_too", [
    ({"tests": [{"name": "compiles", "status": "passed"}]}, True),          # status-only test
    ({"tests": [{"name": "x", "score": 1, "max_score": 1}]}, False),        # no status
    ({"score": 3, "execution_time": "12"}, False),                          # a string
    ({"score": 3, "max_score": 10}, False),                                 # a key Gradescope ignores
    ({"score": 1, "leaderboard": [{"name": "Stars", "value": "*****"}]}, True),
    ({"tests": [{"name": "x", "score": 1, "max_score": 1, "status": "failed", "tags": ["a"],
                 "extra_data": {"k": 1}}]}, True),
])
def test_what_gradescope_accepts_is_accepted_and_what_we_write_stays_strict(accepted, ours_too):
    validate_gradescope(accepted)
    if ours_too:
        validate(accepted)
    else:
        with pytest.raises(jsonschema.ValidationError):
            validate(accepted)


@pytest.mark.parametrize("refused", [
    {"tests": [{"name": "neither score nor status"}]},
    {"score": "10"},
    {"visibility": "visible"},                                     # neither score nor tests
])
def test_gradescope_schema_still_refuses_what_gradescope_would(refused):
    with pytest.raises(jsonschema.ValidationError):
        validate_gradescope(refused)


def test_write_is_atomic_and_validated(tmp_path, rubric):
    target = tmp_path / "results" / "results.json"
    write_results(failure_results(rubric, "first"), target)
    with pytest.raises(jsonschema.ValidationError):
        write_results({"score": "not a number"}, target)
    assert json.loads(target.read_text())["output"] == "first"
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]


def test_a_grader_problem_stays_told_when_the_course_sets_its_own_output(tmp_path):
    """A course's `runner.json_data["output"]` is written, after the note that the autograder
    had a problem, never instead of it."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "run_tests.py").write_text(
        "from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner\n"
        "runner = JSONTestRunner(visibility='visible')\n"
        "runner.json_data['output'] = 'Office hours are on Friday.'\n"
        "runner.run(suite)\n")
    rubric = Rubric.for_suite(tmp_path / "tests")
    run = make_run([], [])
    assert build_suite_results(rubric, run)["output"] == "Office hours are on Friday."
    run.grader_error = "The grading tests could not start"
    written = build_suite_results(rubric, run)
    validate_gradescope(written)
    assert written["output"] == f"{GRADER_PROBLEM}\n\nOffice hours are on Friday."
