"""The faithful suite mode writes what gradescope-utils' `JSONTestRunner` writes, output included.

Two suites in the styles course staff write (written here): an interactive calculator tested
with `mock.patch` of `input` and a swapped `sys.stdout`, as a REPL subprocess run from the
working folder, with the submission's own exception class, `subTest`, a skip, partial credit and
a leaderboard column never set; and a lab suite whose tests share a base class in a helper module
beside them (`tests/__init__.py`), import the submission in `setUpClass` with `importlib`, print,
hide their errors and set a text leaderboard value. Each is graded on a correct and a broken
submission by JSONTestRunner, laid out as Gradescope's `/autograder/source` (the submission's
files beside `tests/`, run from there as its sample `run_tests.py` runs), and by the entrypoint;
every test must match field by field, output text included, and so must the top level
(execution time and the order of tests aside).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness_tests.conftest import read_results, run_entrypoint

CALCULATOR_TESTS = {"test_calculator.py": '''
    import io
    import subprocess
    import sys
    import unittest
    from unittest import mock

    from gradescope_utils.autograder_utils.decorators import (
        leaderboard, number, partial_credit, tags, visibility, weight)

    from calculator import CalculatorError, evaluate, main


    class TestCalculator(unittest.TestCase):
        @weight(2)
        @number("1.1")
        def test_add(self):
            """Evaluate 1 + 2"""
            print("evaluating 1 + 2")
            self.assertEqual(evaluate("1 + 2"), 3)

        @weight(1)
        @number(1.2)
        @tags("errors")
        def test_bad_input(self):
            with self.assertRaises(CalculatorError):
                evaluate("1 +")

        @partial_credit(3)
        def test_cases(self, set_score=None):
            """Three sums, a point each"""
            cases = [("2 + 2", 4), ("3 + 4", 7), ("10 + 1", 11)]
            set_score(sum(evaluate(text) == value for text, value in cases))

        @weight(1)
        @visibility("after_due_date")
        def test_main_prompts(self):
            with mock.patch("builtins.input", side_effect=["5 + 6", "quit"]), \\
                    mock.patch("sys.stdout", new_callable=io.StringIO) as shown:
                main()
            self.assertIn("11", shown.getvalue())

        @weight(1)
        def test_repl(self):
            finished = subprocess.run([sys.executable, "-u", "calculator.py"], input="7 + 8\\nquit\\n",
                                      capture_output=True, text=True, timeout=20)
            self.assertIn("15", finished.stdout)

        def test_each_digit(self):
            for digit in range(3):
                with self.subTest(digit=digit):
                    self.assertEqual(evaluate(f"{digit} + 0"), digit)

        @unittest.skip("not graded this term")
        @weight(5)
        def test_later(self):
            self.fail("never runs")

        @leaderboard("fastest")
        def test_speed(self, set_leaderboard_value=None):
            evaluate("1 + 1")
    '''}
CALCULATOR_RIGHT = {"calculator.py": '''
    class CalculatorError(Exception):
        pass


    def evaluate(text):
        parts = text.split("+")
        if len(parts) != 2 or not all(part.strip() for part in parts):
            raise CalculatorError(f"cannot read {text!r}")
        return int(parts[0]) + int(parts[1])


    def main():
        while True:
            line = input("> ")
            if line == "quit":
                return
            print(evaluate(line))


    if __name__ == "__main__":
        main()
    '''}
CALCULATOR_WRONG = {"calculator.py": '''
    def evaluate(text):
        left, right = text.split("+")
        total = int(left) + int(right)
        return total + 1 if total > 10 else total


    class CalculatorError(Exception):
        pass


    def main():
        print(evaluate(input("> ")))


    if __name__ == "__main__":
        main()
    '''}

LAB_TESTS = {
    "__init__.py": "",
    "BaseLab.py": '''
        import importlib
        import unittest


        class BaseLab(unittest.TestCase):
            module_name = "lab"

            @classmethod
            def setUpClass(cls):
                cls.lab = importlib.import_module(cls.module_name)
        ''',
    "test_lab.py": '''
        from gradescope_utils.autograder_utils.decorators import hide_errors, leaderboard, weight

        from BaseLab import BaseLab


        class TestLab(BaseLab):
            @weight(1.5)
            def test_square(self):
                """square(4) is 16"""
                self.assertEqual(self.lab.square(4), 16)

            @weight(1)
            @hide_errors("Your mean is off; see the handout.")
            def test_mean(self):
                self.assertAlmostEqual(self.lab.mean([1, 2, 3, 6]), 3.0)

            @weight(2)
            def test_words(self):
                """Counts *words* in __text__"""
                print("counting", self.lab.count_words("a b  c"))
                self.assertEqual(self.lab.count_words("a b  c"), 3)

            @leaderboard("stars", "asc")
            def test_stars(self, set_leaderboard_value=None):
                set_leaderboard_value("*" * self.lab.square(2))
        ''',
}
LAB_RIGHT = {"lab.py": '''
    def square(x):
        return x * x


    def mean(values):
        return sum(values) / len(values)


    def count_words(text):
        return len(text.split())
    '''}
LAB_WRONG = {"lab.py": '''
    def square(x):
        return x * 2


    def mean(values):
        return sum(values) / (len(values) - 1)


    def count_words(text):
        print("splitting on single spaces")
        return len(text.split(" "))
    '''}

SUITES = {"calculator": (CALCULATOR_TESTS, CALCULATOR_RIGHT, CALCULATOR_WRONG),
          "lab with a base class": (LAB_TESTS, LAB_RIGHT, LAB_WRONG)}
# Gradescope's sample run_tests.py, run from /autograder/source with the submission copied in.
RUN_TESTS = textwrap.dedent("""
    import sys
    import unittest

    from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

    suite = unittest.defaultTestLoader.discover("tests")
    with open(sys.argv[1], "w") as stream:
        JSONTestRunner(visibility="visible", stream=stream).run(suite)
    """)


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def json_test_runner(tests: Path, submission: Path, workspace: Path, run_tests: str = RUN_TESTS) -> dict:
    """What Gradescope writes: `run_tests` run from a copy of `/autograder/source`."""
    source = workspace / "source"
    shutil.copytree(submission, source)
    shutil.copytree(tests, source / "tests")
    (source / "run_tests.py").write_text(run_tests)
    out = workspace / "json_test_runner.json"
    subprocess.run([sys.executable, "run_tests.py", str(out)], cwd=source, check=True,
                   capture_output=True, timeout=120)
    return json.loads(out.read_text())


def graded_by_entrypoint(tests: Path, submission: Path, out: Path) -> dict:
    """What the harness writes for the suite in `tests` with no rubric (faithful mode)."""
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(out)])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return read_results(out, as_gradescope=True)


def by_name(results: dict) -> dict:
    tests = {}
    for test in results["tests"]:
        assert test["name"] not in tests, f"two tests named {test['name']!r}"
        tests[test["name"]] = test
    return tests


def top_level(results: dict) -> dict:
    return {key: value for key, value in results.items() if key not in ("tests", "execution_time")}


@pytest.mark.parametrize("which", ["right", "wrong"])
@pytest.mark.parametrize("suite", list(SUITES))
def test_faithful_mode_writes_what_json_test_runner_writes(tmp_path, suite, which):
    tests_files, right, wrong = SUITES[suite]
    tests = write_files(tmp_path / "suite" / "tests", tests_files)
    submission = write_files(tmp_path / "submission", right if which == "right" else wrong)
    expected = json_test_runner(tests, submission, tmp_path / "gradescope")
    got = graded_by_entrypoint(tests, submission, tmp_path / "results.json")
    assert by_name(got) == by_name(expected)
    assert top_level(got) == top_level(expected)
    assert isinstance(got["execution_time"], str)
    if which == "wrong":
        assert got["score"] < sum(test.get("max_score", 0) for test in expected["tests"])


COURSE_RUN_TESTS = textwrap.dedent("""
    import sys
    import unittest

    from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

    PENALTY = 0.5


    def late_penalty(results):
        results["score"] = results["score"] * PENALTY
        results["output"] = "Late: half marks."


    if __name__ == "__main__":
        suite = unittest.defaultTestLoader.discover("tests")
        with open(sys.argv[1], "w") as stream:
            JSONTestRunner(visibility="after_published", stdout_visibility="visible",
                           failure_prefix="FAIL: ", post_processor=late_penalty,
                           stream=stream).run(suite)
    """)


def test_a_courses_run_tests_options_and_post_processor_are_honoured(tmp_path):
    """`run_tests.py` beside the suite: its JSONTestRunner options and post-processor apply."""
    tests = write_files(tmp_path / "suite" / "tests", LAB_TESTS)
    (tmp_path / "suite" / "run_tests.py").write_text(COURSE_RUN_TESTS)
    submission = write_files(tmp_path / "submission", LAB_WRONG)
    expected = json_test_runner(tests, submission, tmp_path / "gradescope", COURSE_RUN_TESTS)
    got = graded_by_entrypoint(tests, submission, tmp_path / "results.json")
    assert by_name(got) == by_name(expected)
    assert top_level(got) == top_level(expected)
    assert got["output"] == "Late: half marks." and got["stdout_visibility"] == "visible"
    assert "FAIL: 8 != 16\n" in by_name(got)["square(4) is 16"]["output"]


FAILED_CLASS_TESTS = {"test_fixture.py": '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import shapes


    class TestSquare(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            cls.square = shapes.Square(2)

        @weight(1)
        def test_area(self):
            self.assertEqual(self.square.area(), 4)

        @weight(1)
        def test_side(self):
            self.assertEqual(self.square.side, 2)


    class TestCircle(unittest.TestCase):
        @weight(2)
        def test_area(self):
            self.assertAlmostEqual(shapes.circle_area(1), 3.14159, places=5)
    '''}
FAILED_CLASS_SUBMISSION = {"shapes.py": '''
    def circle_area(radius):
        return 3.14159 * radius ** 2
    '''}


def test_a_failed_setupclass_is_one_entry_and_the_run_goes_on(tmp_path):
    """Where JSONTestResult itself raises and ends the run (README): one failed `setUpClass`
    entry, the class's tests not listed (nor run again), the other tests graded."""
    tests = write_files(tmp_path / "suite" / "tests", FAILED_CLASS_TESTS)
    submission = write_files(tmp_path / "submission", FAILED_CLASS_SUBMISSION)
    got = graded_by_entrypoint(tests, submission, tmp_path / "results.json")
    assert sorted(test["name"] for test in got["tests"]) == [
        "setUpClass (test_fixture.TestSquare)", "test_area (test_fixture.TestCircle.test_area)"]
    assert by_name(got)["setUpClass (test_fixture.TestSquare)"] == {
        "name": "setUpClass (test_fixture.TestSquare)", "status": "failed",
        "output": "Test Failed: module 'shapes' has no attribute 'Square'\n"}
    assert got["score"] == 2
