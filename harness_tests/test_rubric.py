
import pytest

from autograder.rubric import RubricError, load_rubric
from autograder.wire.decorations import Decorations
from harness_tests.conftest import PROJECT, write_rubric

VALID = """
assignment:
  name: Demo
  provided_files: [data.py]
defaults:
  visibility: after_due_date
  timeout: 12
limits:
  memory_mb: 500
leaderboard:
  - {name: Accuracy, key: acc}
groups:
  - number: 1
    name: layers.py
    file: layers.py
    items:
      - id: fwd
        number: "1.1"
        name: affine_forward
        points: 2
        tests: [part_a/test_layers.py::test_forward]
      - id: bwd
        number: "1.2"
        name: affine_backward
        points: 3.5
        visibility: hidden
        timeout: 5
        tests: [part_a/test_layers.py::test_dx, part_a/test_layers.py::test_dw]
        config: {seeds: [0, 1], min_passing: 1}
"""


def test_valid_rubric_parses_with_defaults_and_computed_total(tmp_path):
    rubric = load_rubric(write_rubric(tmp_path, VALID))
    assert [item.title for item in rubric.items] == ["1.1 affine_forward", "1.2 affine_backward"]
    assert rubric.max_score == 5.5
    fwd, bwd = rubric.items
    assert (fwd.visibility, fwd.timeout, fwd.file) == ("after_due_date", 12.0, "layers.py")
    assert (bwd.visibility, bwd.timeout) == ("hidden", 5.0)
    assert bwd.config == {"seeds": [0, 1], "min_passing": 1}
    assert rubric.limits.memory_mb == 500 and rubric.limits.processes == 64
    assert rubric.leaderboard[0].key == "acc"
    assert rubric.node_ids(bwd) == ("tests/part_a/test_layers.py::test_dx", "tests/part_a/test_layers.py::test_dw")


def rubric_with_gradescope_fields(tmp_path, results: str, item_bwd: str):
    """VALID with a `results:` section (its lines, `results`) and extra keys for item `bwd`."""
    body = VALID.replace("limits:", f"results:\n{results}limits:")
    body = body.replace("        config: {seeds: [0, 1], min_passing: 1}\n",
                        f"        config: {{seeds: [0, 1], min_passing: 1}}\n{item_bwd}")
    return load_rubric(write_rubric(tmp_path, body))


def test_gradescope_fields_are_settable(tmp_path):
    rubric = rubric_with_gradescope_fields(
        tmp_path, "  visibility: after_published\n  stdout_visibility: visible\n"
                  "  extra_data: {course: dl101}\n  test_output_format: text\n",
        "        tags: [layers, backprop]\n        extra_data: {weight_class: heavy}\n")
    assert rubric.stdout_visibility == "visible"
    assert rubric.results_fields == {"visibility": "after_published", "extra_data": {"course": "dl101"},
                                     "test_output_format": "text"}
    assert rubric.item("bwd").tags == ("layers", "backprop")
    assert rubric.item("bwd").extra_data == {"weight_class": "heavy"}
    assert rubric.item("fwd").tags == () and rubric.item("fwd").extra_data is None


def test_parametrized_cases_belong_to_their_function(tmp_path):
    rubric = load_rubric(write_rubric(tmp_path, VALID))
    assert rubric.item_for_node("tests/part_a/test_layers.py::test_dw[3-relu]").id == "bwd"
    assert rubric.item_for_node("tests/part_a/test_layers.py::test_other") is None


@pytest.mark.parametrize("old, new, message", [
    ("points: 2\n", "points: -1\n", "points must be a number >= 0"),
    ("visibility: hidden", "visibility: secret", "visibility must be one of"),
    ("id: bwd", "id: fwd", "item id 'fwd' is already used on line"),
    ("tests: [part_a/test_layers.py::test_forward]", "tests: []", "'tests' must be a non-empty list"),
    ("timeout: 5", "timeout: 0", "'timeout' must be a positive number"),
    ("        points: 2\n", "", "item is missing 'points'"),
    ("part_a/test_layers.py::test_dw]", "'part_a/test_layers.py::test_dw[1]']", "name tests without parameters"),
    ("test_dw]", "test_forward]", "already graded by item 'fwd'"),
    ("timeout: 5", "timeout: 5\n        tags: oops", "'tags' must be a list of strings"),
    ("memory_mb: 500", "memory_mb: 500\nresults:\n  score: 3", "results.score is not a field"),
    ("memory_mb: 500", "memory_mb: 500\nresults:\n  output_format: rtf", "must be one of text"),
    ("  name: Demo\n", "  name: Demo\n  test_pattern: tests/*.py\n", "must be a file name pattern"),
])
def test_errors_name_the_line(tmp_path, old, new, message):
    body = VALID.replace(old, new, 1)
    with pytest.raises(RubricError) as error:
        load_rubric(write_rubric(tmp_path, body))
    text = str(error.value)
    assert message in text
    assert str(tmp_path / "rubric.yaml") + ":" in text
    line = int(text.split("rubric.yaml:")[1].split(":")[0])
    assert line > 1


def test_collection_check_reports_unknown_and_orphan_tests(tmp_path):
    rubric = load_rubric(write_rubric(tmp_path, VALID))
    with pytest.raises(RubricError, match=r"rubric.yaml:\d+: item 'bwd' names test 'part_a/test_layers.py::test_dw'"):
        rubric.check_against_collection(["tests/part_a/test_layers.py::test_forward",
                                         "tests/part_a/test_layers.py::test_dx"])
    with pytest.raises(RubricError, match="belong to no rubric item: tests/part_a/test_layers.py::test_extra"):
        rubric.check_against_collection(["tests/part_a/test_layers.py::test_forward",
                                         "tests/part_a/test_layers.py::test_dx[0]",
                                         "tests/part_a/test_layers.py::test_dw",
                                         "tests/part_a/test_layers.py::test_extra"])


def test_a_rubric_without_groups_takes_its_items_from_the_suites_decorators(tmp_path):
    rubric = load_rubric(write_rubric(tmp_path, "assignment:\n  name: legacy\n  test_pattern: '*_check.py'\n"))
    assert rubric.items == () and rubric.test_pattern == "*_check.py"
    decorated = {"tests/test.py::TestHw::test_sum": Decorations(unittest=True, weight=2),
                 "tests/test.py::TestHw::test_runs": Decorations(unittest=True, doc="it runs"),
                 "tests/test.py::TestHw::test_board": Decorations(unittest=True, leaderboard="Speed")}
    graded = rubric.with_decorated_tests(decorated)
    scored, status_only = graded.items
    assert (scored.name, scored.number, scored.points, scored.status_only) == (
        "test_sum (test.TestHw.test_sum)", "", 2.0, False)
    assert (status_only.name, status_only.status_only) == ("it runs", True)
    assert [entry.name for entry in graded.leaderboard] == ["Speed"]
    graded.check_against_collection(list(decorated))  # the leaderboard test is no orphan


def test_not_yaml_and_missing_file_are_clear(tmp_path):
    with pytest.raises(RubricError, match="not valid YAML"):
        load_rubric(write_rubric(tmp_path, "groups: [unclosed"))
    with pytest.raises(RubricError, match="rubric file not found"):
        load_rubric(tmp_path / "nope.yaml")


def test_project_rubric_is_valid_and_points_are_typed_once():
    rubric = load_rubric(PROJECT / "rubric.yaml")
    assert rubric.max_score == sum(item.points for item in rubric.items) > 0
    assert len({item.number for item in rubric.items}) == len(rubric.items)
