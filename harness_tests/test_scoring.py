from autograder.harness.outcomes import CheckOutcome
from autograder.harness.scoring import score_items
from autograder.rubric import load_rubric
from harness_tests.conftest import write_rubric
from harness_tests.test_results import make_run
from harness_tests.test_rubric import VALID

FWD = "tests/part_a/test_layers.py::test_forward"
DX = "tests/part_a/test_layers.py::test_dx"
DW = "tests/part_a/test_layers.py::test_dw"


def graded(tmp_path, outcomes, collected, items=None):
    rubric = load_rubric(write_rubric(tmp_path, VALID))
    return {g.item.id: g for g in score_items(rubric, make_run(outcomes, collected), items)}


def test_partial_credit_counts_parametrized_cases(tmp_path):
    cases = [f"{DW}[{i}]" for i in range(3)]
    result = graded(tmp_path, [CheckOutcome(FWD, True), CheckOutcome(DX, False, "bad dx"),
                               CheckOutcome(cases[0], True), CheckOutcome(cases[1], True),
                               CheckOutcome(cases[2], False, "bad dw")], [FWD, DX, *cases])
    assert result["fwd"].score == 2 and result["fwd"].status == "passed"
    assert result["bwd"].checks == 4 and result["bwd"].passed == 2
    assert result["bwd"].score == 3.5 * 2 / 4 and result["bwd"].status == "failed"
    assert "- **dw [2]**: bad dw" in result["bwd"].output


def test_one_reason_for_every_check_is_said_once(tmp_path):
    message = "Not implemented yet: `layers.affine_backward` still raises `NotImplementedError`."
    result = graded(tmp_path, [CheckOutcome(FWD, True), CheckOutcome(DX, False, message),
                               CheckOutcome(DW, False, message)], [FWD, DX, DW])
    assert result["bwd"].output == message and result["bwd"].score == 0


def test_missing_outcome_scores_zero_and_says_so(tmp_path):
    result = graded(tmp_path, [CheckOutcome(FWD, True)], [FWD, DX, DW])
    assert result["bwd"].score == 0 and "did not run" in result["bwd"].output


def test_printed_output_of_passing_checks_is_shown(tmp_path):
    result = graded(tmp_path, [CheckOutcome(FWD, True, stdout="confusion matrix\n[[1 0]\n [0 1]]")], [FWD, DX, DW])
    assert "What the grader printed" in result["fwd"].output and "[[1 0]" in result["fwd"].output


def test_selected_items_only(tmp_path):
    result = graded(tmp_path, [CheckOutcome(FWD, True)], [FWD, DX, DW], items=["fwd"])
    assert list(result) == ["fwd"]
