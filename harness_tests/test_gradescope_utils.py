"""Tests written for gradescope-utils run under the harness unchanged, their imports of the
submission answered by a student worker."""
import textwrap

from harness_tests.conftest import items_by_number, read_results, run_entrypoint, write_rubric

LEGACY_TESTS = '''
import os
import unittest

from gradescope_utils.autograder_utils.decorators import (
    hide_errors, leaderboard, number, partial_credit, tags, visibility, weight)

import calc
from broken import area
from calc import sub


class TestCalc(unittest.TestCase):
    @weight(1)
    @number("1.1")
    def test_add(self):
        """add adds"""
        self.assertEqual(calc.add(2, 3), 5)

    @weight(2)
    @number("2.1")
    def test_sub(self):
        """sub subtracts"""
        self.assertEqual(sub(5, 3), 2)

    @partial_credit(4)
    @number("2.2")
    def test_mul(self, set_score=None):
        """mul, partly"""
        set_score(1.5)
        self.assertEqual(calc.mul(2, 3), 6)

    @weight(1)
    @number("2.3")
    @visibility("hidden")
    @hide_errors("A hidden check failed.")
    def test_secret(self):
        TestCalc.test_secret.__score__ = 1.0  # a forged set_score on a test without partial credit
        self.assertEqual(calc.add(1, 1), 3, "secret detail")

    @leaderboard("Speed", "asc")
    @number("2.4")
    def test_board(self, set_leaderboard_value=None):
        """leaderboard"""
        set_leaderboard_value(12.5)

    @weight(1)
    @number("2.5")
    @tags("process", "isolation")
    def test_elsewhere(self):
        """runs in another process"""
        self.assertNotEqual(calc.pid(), os.getpid())
        self.assertEqual(calc.counted(), 1)
        self.assertEqual(calc.counted(), 2)  # one module for the whole suite, as in one process
        self.assertEqual((calc.Square.SIDES, calc.Square.SIDES), (4, 4))  # class attributes
        self.assertEqual(calc.Square(3).area(), 9)

    @weight(3)
    @number("3.1")
    def test_area(self):
        """area of a broken file"""
        self.assertEqual(area(2), 4)
'''

RUBRIC = """
assignment:
  name: legacy
  template: template
limits:
  total_timeout: 120
groups:
  - number: 1
    name: calc.py
    file: calc.py
    items:
      - id: add
        number: "1.1"
        name: add (rubric overrides the decorator's weight)
        points: 5
        tests: [test_legacy.py::TestCalc::test_add]
  - number: 3
    name: broken.py
    file: broken.py
    items:
      - id: area
        number: "3.1"
        name: area
        points: 3
        tests: [test_legacy.py::TestCalc::test_area]
"""


def test_decorated_unittest_classes_are_graded_with_their_decorators(tmp_path):
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "template").mkdir()
    (project / "tests" / "test_legacy.py").write_text(LEGACY_TESTS)
    rubric = write_rubric(project, RUBRIC)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "calc.py").write_text(textwrap.dedent("""
        def add(a, b):
            return a + b
        def sub(a, b):
            return a - b
        def mul(a, b):
            return a + b
        def pid():
            import os
            return os.getpid()
        class Square:
            SIDES = 4
            def __init__(self, side):
                self.side = side
            def area(self):
                return self.side ** 2
        calls = 0
        def counted():
            global calls
            calls += 1
            return calls
    """))
    (submission / "broken.py").write_text("def area(side):\n    return side ** 2\n1 / 0\n")
    out = tmp_path / "results.json"
    finished = run_entrypoint(["--rubric", str(rubric), "--submission", str(submission), "--results", str(out)])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    results = read_results(out)
    tests = items_by_number(results)
    assert (tests["1.1"]["score"], tests["1.1"]["max_score"]) == (5, 5)
    assert (tests["2.1"]["score"], tests["2.1"]["max_score"], tests["2.1"]["name"]) == (2, 2, "sub subtracts")
    assert (tests["2.2"]["score"], tests["2.2"]["max_score"]) == (1.5, 4)
    assert tests["2.3"]["visibility"] == "hidden" and tests["2.3"]["score"] == 0
    assert "A hidden check failed." in tests["2.3"]["output"] and "secret detail" not in tests["2.3"]["output"]
    assert results["leaderboard"] == [{"name": "Speed", "value": 12.5, "order": "asc"}]
    assert (tests["2.5"]["score"], tests["2.5"]["max_score"]) == (1, 1)
    assert tests["2.5"]["tags"] == ["process", "isolation"] and "tags" not in tests["2.1"]
    assert tests["3.1"]["score"] == 0
    assert "Importing `broken.py` raised `ZeroDivisionError: division by zero` (line 3)" in tests["3.1"]["output"]
    assert results["score"] == 5 + 2 + 1.5 + 1
    # The student's text before release names only the visible checks' points.
    shown = [t for t in results["tests"] if t.get("visibility", "visible") == "visible"]
    assert len(shown) < len(results["tests"])
    score, possible = sum(t["score"] for t in shown), sum(t["max_score"] for t in shown)
    assert results["output"].startswith(f"**Score on the checks shown now: {score:g} / {possible:g}**")
    assert f"/ {sum(t['max_score'] for t in results['tests']):g}" not in results["output"]


def grade_calc_suite(tmp_path, test_files: dict[str, str]):
    """Grade a submission whose `calc.py` adds correctly against a suite made of `test_files`
    (name -> source) and the rubric's first group: (the finished entrypoint, results path)."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "template").mkdir()
    for name, text in test_files.items():
        (project / "tests" / name).write_text(textwrap.dedent(text))
    rubric = write_rubric(project, RUBRIC.split("  - number: 3")[0])
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    out = tmp_path / "results.json"
    return run_entrypoint(["--rubric", str(rubric), "--submission", str(submission),
                           "--results", str(out)]), out


def test_a_test_file_that_fails_to_import_is_a_named_grader_error(tmp_path):
    finished, out = grade_calc_suite(tmp_path, {
        "test_legacy.py": '''
        import unittest
        from gradescope_utils.autograder_utils.decorators import number, weight
        import calc

        class TestCalc(unittest.TestCase):
            @weight(5)
            @number("1.1")
            def test_add(self):
                self.assertEqual(calc.add(2, 3), 5)
        ''',
        "test_broken.py": "import helper_the_instructor_forgot\n"})
    assert finished.returncode == 3, finished.stdout + finished.stderr  # a grader problem
    assert "The grading test file `tests/test_broken.py` could not be loaded" in finished.stdout
    assert "helper_the_instructor_forgot" in finished.stdout
    results = read_results(out)
    assert items_by_number(results)["1.1"]["score"] == 5  # the other files still grade
    assert "not your fault" in results["output"]


def test_a_conftest_at_the_suites_root_can_import_the_submission(tmp_path):
    """pytest loads the root conftest.py before the session starts: the import hook is there
    already, so its `import calc` reaches a worker as a test module's does."""
    finished, out = grade_calc_suite(tmp_path, {
        "conftest.py": "import calc\n\nEXPECTED = calc.add(2, 3)\n",
        "test_legacy.py": '''
        import unittest
        from gradescope_utils.autograder_utils.decorators import number, weight
        import calc
        from conftest import EXPECTED

        class TestCalc(unittest.TestCase):
            @weight(5)
            @number("1.1")
            def test_add(self):
                self.assertEqual(EXPECTED, 5)
                self.assertEqual(calc.add(2, 3), 5)
        '''})
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert items_by_number(read_results(out))["1.1"]["score"] == 5
