"""gradescope-utils suites grade as gradescope-utils' own `JSONTestRunner` grades them.

Three suites in the shapes courses use (written here, not copied): a calculator with every
decorator, a homework whose tests live in `test.py`, and a suite that imports the submission's
package. Each runs with no rubric (`--suite`) on a correct and a broken submission, and every
test's name, number, score, max_score, visibility, status and tags, and the leaderboard, must
equal what `JSONTestRunner` writes for the same code (run here as Gradescope's sample
`run_tests.py` runs it: unittest discovery over the tests folder, the submission importable).
Where the harness differs on purpose (its feedback text, the order of tests, the execution
time) the README says so.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness_tests.conftest import read_results, run_entrypoint

CALCULATOR_TESTS = {"test_calculator.py": '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import (
        hide_errors, leaderboard, number, partial_credit, tags, visibility, weight)

    from calculator import Calculator


    class TestArithmetic(unittest.TestCase):
        def setUp(self):
            self.calc = Calculator()

        @weight(2)
        @number("1.1")
        def test_add(self):
            """Evaluate 1 + 1"""
            self.assertEqual(self.calc.eval("1 + 1"), 2)

        @weight(1)
        @number("1.2")
        @visibility("after_due_date")
        def test_subtract(self):
            """Evaluate 5 - 3"""
            self.assertEqual(self.calc.eval("5 - 3"), 2)

        @partial_credit(3)
        @number("1.3")
        def test_products(self, set_score=None):
            """Three products, a point each"""
            cases = [("2 * 3", 6), ("0 * 9", 0), ("4 * 4", 16)]
            right = sum(self.calc.eval(text) == value for text, value in cases)
            set_score(right)
            self.assertEqual(right, 3)

        @weight(1)
        @tags("errors", "division")
        def test_divide_by_zero(self):
            with self.assertRaises(ZeroDivisionError):
                self.calc.eval("1 / 0")

        @weight(1)
        @number("2.1")
        @visibility("hidden")
        @hide_errors("A hidden test failed.")
        def test_hidden_power(self):
            self.assertEqual(self.calc.eval("2 ** 5"), 32)

        def test_status_only(self):
            self.assertEqual(self.calc.eval("7"), 7)

        @leaderboard("operations per second")
        def test_speed(self, set_leaderboard_value=None):
            set_leaderboard_value(self.calc.eval("1000 + 234"))

        @leaderboard("stars", "asc")
        def test_stars(self, set_leaderboard_value=None):
            set_leaderboard_value("*" * self.calc.eval("2 + 3"))
    '''}
CALCULATOR_RIGHT = {"calculator.py": '''
    import ast
    import operator

    OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                 ast.Div: operator.truediv, ast.Pow: operator.pow}


    class Calculator:
        def eval(self, text):
            return self._value(ast.parse(text, mode="eval").body)

        def _value(self, node):
            if isinstance(node, ast.Constant):
                return node.value
            return OPERATORS[type(node.op)](self._value(node.left), self._value(node.right))
    '''}
# Subtracts the wrong way round, gets one product wrong, swallows division by zero.
CALCULATOR_WRONG = {"calculator.py": '''
    class Calculator:
        def eval(self, text):
            left, op, right = (text.split() + ["+", "0"])[:3]
            a, b = int(left), int(right)
            if op == "-":
                return b - a
            if op == "*":
                return a * b if a != 4 else 15
            if op == "/":
                return a / b if b else 0
            return a ** b if op == "**" else a + b
    '''}

HOMEWORK_TESTS = {"test.py": '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import number, weight

    import hw1


    class TestHomework(unittest.TestCase):
        @weight(2)
        @number("1")
        def test_fizzbuzz(self):
            """fizzbuzz(15)"""
            self.assertEqual(hw1.fizzbuzz(15), "FizzBuzz")

        @weight(1)
        def test_fizz(self):
            self.assertEqual(hw1.fizzbuzz(9), "Fizz")

        @weight(3)
        @number("2")
        def test_reverse(self):
            """reverse a list"""
            self.assertEqual(hw1.reverse([1, 2, 3]), [3, 2, 1])
    '''}
HOMEWORK_RIGHT = {"hw1.py": '''
    def fizzbuzz(n):
        return "FizzBuzz" if n % 15 == 0 else "Fizz" if n % 3 == 0 else "Buzz" if n % 5 == 0 else str(n)


    def reverse(items):
        return items[::-1]
    '''}
HOMEWORK_WRONG = {"hw1.py": '''
    def fizzbuzz(n):
        return "Fizz" if n % 3 == 0 else str(n)


    def reverse(items):
        raise NotImplementedError
    '''}

PACKAGE_TESTS = {"__init__.py": "", "test_geometry.py": '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import number, tags, weight

    from geometry import shapes
    from geometry.vectors import dot


    class TestShapes(unittest.TestCase):
        @weight(2)
        @number("1.1")
        def test_square_area(self):
            """the area of a 3 x 3 square"""
            self.assertEqual(shapes.Square(3).area(), 9)

        @weight(2)
        @number("1.2")
        @tags("vectors")
        def test_dot(self):
            """a dot product"""
            self.assertEqual(dot([1, 2], [3, 4]), 11)
    '''}
PACKAGE_RIGHT = {
    "geometry/__init__.py": "",
    "geometry/shapes.py": '''
        class Square:
            def __init__(self, side):
                self.side = side

            def area(self):
                return self.side ** 2
        ''',
    "geometry/vectors.py": '''
        def dot(a, b):
            return sum(x * y for x, y in zip(a, b))
        ''',
}
PACKAGE_WRONG = {**PACKAGE_RIGHT, "geometry/vectors.py": '''
    def dot(a, b):
        return sum(a) * sum(b)
    '''}

SUITES = {
    "calculator": (CALCULATOR_TESTS, CALCULATOR_RIGHT, CALCULATOR_WRONG),
    "homework in test.py": (HOMEWORK_TESTS, HOMEWORK_RIGHT, HOMEWORK_WRONG),
    "package import": (PACKAGE_TESTS, PACKAGE_RIGHT, PACKAGE_WRONG),
}
# What Gradescope's sample `run_tests.py` does, with the submission importable.
JSON_TEST_RUNNER = textwrap.dedent("""
    import sys
    import unittest

    from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

    tests, submission, out = sys.argv[1:]
    sys.path.insert(0, submission)
    suite = unittest.defaultTestLoader.discover(tests)
    with open(out, "w") as stream:
        JSONTestRunner(visibility="visible", stream=stream).run(suite)
    """)
COMPARED = ("name", "number", "score", "max_score", "visibility", "status", "tags")


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def compared(results: dict) -> tuple[dict, list]:
    """(test name -> the compared fields, visibility as Gradescope reads a missing one;
    the leaderboard in name order)."""
    tests = {}
    for test in results["tests"]:
        fields = {key: test[key] for key in COMPARED if key in test}
        fields["visibility"] = test.get("visibility", results.get("visibility", "visible"))
        assert test["name"] not in tests, f"two tests named {test['name']!r}"
        tests[test["name"]] = fields
    return tests, sorted(results.get("leaderboard", []), key=lambda entry: entry["name"])


@pytest.mark.parametrize("which", ["right", "wrong"])
@pytest.mark.parametrize("suite", list(SUITES))
def test_each_test_is_graded_as_json_test_runner_grades_it(tmp_path, suite, which):
    tests_files, right, wrong = SUITES[suite]
    tests = write_files(tmp_path / "suite" / "tests", tests_files)
    submission = write_files(tmp_path / "submission", right if which == "right" else wrong)
    theirs = tmp_path / "json_test_runner.json"
    subprocess.run([sys.executable, "-c", JSON_TEST_RUNNER, str(tests), str(submission), str(theirs)],
                   check=True, capture_output=True, cwd=tmp_path)
    ours = tmp_path / "results.json"
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(ours)])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    expected = json.loads(theirs.read_text())
    assert compared(read_results(ours, as_gradescope=True)) == compared(expected)
    assert read_results(ours, as_gradescope=True)["score"] == expected["score"]
    if which == "wrong":
        assert any(test["status"] == "failed" for test in expected["tests"])


def test_a_suite_is_graded_whole(tmp_path):
    tests = write_files(tmp_path / "tests", HOMEWORK_TESTS)
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(tmp_path),
                               "--results", str(tmp_path / "results.json"), "--items", "fizz"])
    assert finished.returncode == 2
    assert "a gradescope-utils suite without a rubric is graded whole" in finished.stderr


CATCHING_TESTS = {"test_catch.py": """
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import calc


    class TestCatch(unittest.TestCase):
        @weight(1)
        def test_bad_input_raises(self):
            with self.assertRaises(Exception):
                calc.parse("x")
    """}


@pytest.mark.parametrize("source, score", [
    ("def parse(text):\n    raise ValueError(text)\n", 1.0),      # what the test asks for
    ("this is not python (\n", 0.0),                               # calc.py does not import
    ("def parse(text):\n    raise SystemExit(0)\n", 0.0),         # not an Exception
    ("class Boom(BaseException):\n    pass\n\n\ndef parse(text):\n    raise Boom()\n", 0.0),
    ("import os\n\n\ndef parse(text):\n    os._exit(3)\n", 0.0),  # the worker dies
], ids=["value-error", "syntax-error", "system-exit", "base-exception", "exit"])
@pytest.mark.parametrize("isolation", ["strict", "faithful"])
def test_catching_every_exception_passes_no_crash(tmp_path, source, score, isolation):
    """`assertRaises(Exception)` never catches a file that fails to import, a worker that died
    or a non-`Exception` (unittest would not catch those either), in either mode."""
    tests = write_files(tmp_path / "tests", CATCHING_TESTS)
    submission = write_files(tmp_path / "submission", {"calc.py": source})
    out = tmp_path / "results.json"
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(out), "--isolation", isolation])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert read_results(out, as_gradescope=True)["score"] == score
