"""The harness checks every result the grading process reports before it scores it."""
import math

import pytest

from autograder.wire.events import InvalidEvent, Result, read_event, result_fields

GOOD = {"event": "result", "test": "t", "passed": True, "message": "", "stdout": "hi",
        "properties": [["mnist_accuracy", 91.5], ["note", "text"]],
        "set_score": 0.5, "leaderboard_value": "*****"}


def test_a_well_formed_result_is_taken_as_sent():
    fields = result_fields(read_event(GOOD), partial_credit=True, leaderboard=True)
    assert fields == {"passed": True, "message": "", "stdout": "hi",
                      "properties": [("mnist_accuracy", 91.5), ("note", "text")],
                      "set_score": 0.5, "leaderboard_value": "*****"}


def test_scores_and_leaderboard_values_count_only_where_declared():
    fields = result_fields(read_event(GOOD), partial_credit=False, leaderboard=False)
    assert fields["set_score"] is None and fields["leaderboard_value"] is None


@pytest.mark.parametrize("change", [
    {"passed": 1}, {"passed": "yes"}, {"message": ["x"]}, {"stdout": None},
    {"set_score": math.nan}, {"set_score": math.inf}, {"set_score": "1000"}, {"set_score": True},
    {"leaderboard_value": math.nan}, {"properties": {"a": 1}}, {"properties": [["a"]]},
    {"properties": [[1, 2]]}, {"properties": [["a", math.inf]]}, {"properties": [["a", [1]]]},
    {"properties": [["a", 1]] * 51},
], ids=lambda change: repr(change)[:40])
def test_malformed_fields_are_refused(change):
    with pytest.raises(InvalidEvent):
        result_fields(read_event({**GOOD, **change}), partial_credit=True, leaderboard=True)


def test_overlong_text_is_cut():
    fields = result_fields(read_event({**GOOD, "message": "m" * 10**6}), partial_credit=False, leaderboard=False)
    assert len(fields["message"]) < 25_000 and fields["message"].endswith("(cut by the grader)")


@pytest.mark.parametrize("message", [
    {"event": "score", "test": "t", "points": 100},
    {"event": "result", "passed": True},
    {"event": "result", "test": "t", "passed": True, "points": 100},
    {"test": "t", "passed": True},
], ids=["unknown kind", "no test", "unexpected field", "no kind"])
def test_an_event_is_one_known_kind_with_exactly_its_fields(message):
    with pytest.raises(InvalidEvent):
        read_event(message)


def test_optional_fields_take_the_record_defaults():
    assert read_event({"event": "result", "test": "t", "passed": False}) == Result("t", False)
