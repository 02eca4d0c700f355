"""The faithful suite mode writes what gradescope-utils' `JSONTestRunner` writes, output included.

Five suites in the styles course staff write (written here, in `faithful_suites.py`):
- an interactive calculator tested with `mock.patch` of `input` and a swapped `sys.stdout`, as a
  REPL subprocess run from the working folder, with the submission's own exception class,
  `subTest`, a skip, partial credit and a leaderboard column never set;
- a lab suite whose tests share a base class in a helper module beside them (`tests/__init__.py`),
  import the submission in `setUpClass` with `importlib`, print, hide their errors and set a text
  leaderboard value;
- a strings-and-lists homework: several functions of one module, `@weight` and `@number` strings
  on most tests, `after_due_date` and `hidden` tests, a `subTest` loop, a conditional
  `skipTest`, assertion messages with markdown's `*`, `_` and backticks, prints to stdout and
  stderr, a status-only test and a `@partial_credit` test the broken submission half loses;
- an inventory homework over three test files with no `tests/__init__.py`: a fixture module
  imported through the suite folder as a package (`from tests.fixtures import ...`),
  `setUp`/`tearDown` writing and removing the temporary file the student function reads,
  `assertRaises` of built-in exceptions, `assertAlmostEqual`, `@tags`, and a test module that
  imports a name the broken submission lacks (its `_FailedTest` entry);
- a numpy homework submitted as a package (`hw/`), with staff helpers in `tests/helpers/`
  imported both as discovery's `sys.path` allows (`from helpers.reference import ...`) and as a
  package of the suite folder (`from tests.helpers.reference import ...`), a seeded
  `setUpClass`, `numpy.testing.assert_allclose`'s multi-line message, a RuntimeWarning in the
  output, partial credit and a float leaderboard value beside a column left null.
Each is graded on a correct and a broken submission by JSONTestRunner, laid out as Gradescope's
`/autograder/source` (the submission's files beside `tests/`, run from there as its sample
`run_tests.py` runs), and by the entrypoint; every test must match field by field, output text
included, and so must the top level (execution time and the order of tests aside). The one
difference allowed in the text is the one the README lists: tracebacks and warnings name the
harness's working folder where Gradescope's runner names `/autograder/source` (both are
written as the latter here). Two more tests: a course's `run_tests.py` options and
post-processor apply, and a failed `setUpClass` (on which JSONTestResult itself raises) is one
entry while the run goes on.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.sentences import OUTPUT_CUT
from harness_tests.conftest import read_results, run_entrypoint
from harness_tests.faithful_suites import LAB_TESTS, LAB_WRONG, LOAD_TESTS_AGAIN, RUN_TESTS_BESIDE, SUITES

# Gradescope's sample run_tests.py, run from /autograder/source with the submission copied in.
RUN_TESTS = textwrap.dedent("""
    import sys
    import unittest

    from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

    suite = unittest.defaultTestLoader.discover("tests")
    with open(sys.argv[1], "w") as stream:
        JSONTestRunner(visibility="visible", stream=stream).run(suite)
    """)


GRADESCOPE_SOURCE = "/autograder/source"
# The harness's working folder, laid out as Gradescope's and named in tracebacks and warnings
# instead of it (a difference the README lists): any absolute path to a folder `source`.
WORKING_FOLDER = re.compile(r"/[^\s\"'()]*?/source(?=/)")


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def json_test_runner(tests: Path, submission: Path, workspace: Path, run_tests: str = RUN_TESTS,
                     beside: dict[str, str] | None = None) -> dict:
    """What Gradescope writes: `run_tests` run from a copy of `/autograder/source` (its folder
    written as that one in the output), with the files `beside` it."""
    source = workspace / "source"
    shutil.copytree(submission, source)
    shutil.copytree(tests, source / "tests")
    (source / "run_tests.py").write_text(run_tests)
    write_files(source, beside or {})
    out = workspace / "json_test_runner.json"
    subprocess.run([sys.executable, "run_tests.py", str(out)], cwd=source, check=True,
                   capture_output=True, timeout=120)
    return in_folder(json.loads(out.read_text()), re.compile(re.escape(str(source))))


def graded_by_entrypoint(tests: Path, submission: Path, out: Path) -> dict:
    """What the harness writes for the suite in `tests` with no rubric (faithful mode)."""
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(out)])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return in_folder(read_results(out, as_gradescope=True), WORKING_FOLDER)


def in_folder(results: dict, folder: re.Pattern) -> dict:
    """`results` with the folder the tests ran in (`folder`) named `/autograder/source` in every
    test's output."""
    for test in results["tests"]:
        if "output" in test:
            test["output"] = folder.sub(GRADESCOPE_SOURCE, test["output"])
    return results


def by_name(results: dict) -> dict[str, list[dict]]:
    """Every test under its name, in the order they ran (a test listed twice, twice)."""
    tests: dict[str, list[dict]] = {}
    for test in results["tests"]:
        tests.setdefault(test["name"], []).append(test)
    return tests


def top_level(results: dict) -> dict:
    return {key: value for key, value in results.items() if key not in ("tests", "execution_time")}


@pytest.mark.parametrize("which", ["right", "wrong"])
@pytest.mark.parametrize("suite", list(SUITES))
def test_faithful_mode_writes_what_json_test_runner_writes(tmp_path, suite, which):
    tests_files, right, wrong = SUITES[suite]
    tests = write_files(tmp_path / "suite" / "tests", tests_files)
    run_tests = RUN_TESTS_BESIDE.get(suite, RUN_TESTS)
    if suite in RUN_TESTS_BESIDE:
        (tmp_path / "suite" / "run_tests.py").write_text(run_tests)
    submission = write_files(tmp_path / "submission", right if which == "right" else wrong)
    expected = json_test_runner(tests, submission, tmp_path / "gradescope", run_tests)
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
    FORMAT = "simple_format"


    def late_penalty(results):
        results["score"] = results["score"] * PENALTY
        results["output"] = "Late: half marks."


    if __name__ == "__main__":
        suite = unittest.defaultTestLoader.discover("tests")
        with open(sys.argv[1], "w") as stream:
            runner = JSONTestRunner(visibility="after_published", stdout_visibility="visible",
                                    failure_prefix="FAIL: ", post_processor=late_penalty,
                                    stream=stream)
            runner.json_data["extra_data"] = {"week": 3, "late": True}
            runner.json_data["output_format"] = FORMAT
            runner.run(suite)
    """)


def test_a_courses_run_tests_options_and_post_processor_are_honoured(tmp_path):
    """`run_tests.py` beside the suite: its JSONTestRunner options, the fields it sets on the
    runner's `json_data` and its post-processor apply."""
    tests = write_files(tmp_path / "suite" / "tests", LAB_TESTS)
    (tmp_path / "suite" / "run_tests.py").write_text(COURSE_RUN_TESTS)
    submission = write_files(tmp_path / "submission", LAB_WRONG)
    expected = json_test_runner(tests, submission, tmp_path / "gradescope", COURSE_RUN_TESTS)
    got = graded_by_entrypoint(tests, submission, tmp_path / "results.json")
    assert by_name(got) == by_name(expected)
    assert top_level(got) == top_level(expected)
    assert got["output"] == "Late: half marks." and got["stdout_visibility"] == "visible"
    assert got["extra_data"] == {"week": 3, "late": True} and got["output_format"] == "simple_format"
    assert "FAIL: 8 != 16\n" in by_name(got)["square(4) is 16"][0]["output"]


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
    assert by_name(got)["setUpClass (test_fixture.TestSquare)"] == [{
        "name": "setUpClass (test_fixture.TestSquare)", "status": "failed",
        "output": "Test Failed: module 'shapes' has no attribute 'Square'\n"}]
    assert got["score"] == 2


FLOOD_TESTS = {"test_report.py": '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import report


    class TestReport(unittest.TestCase):
        @weight(2)
        def test_report(self):
            """The report prints every line"""
            lines = report.lines(60_000)
            print("\\n".join(lines))
            self.assertEqual(len(lines), 60_000)

        @weight(1)
        def test_header(self):
            """The header comes first"""
            self.assertEqual(report.lines(1), ["line 0: résumé ✓"])
    '''}
FLOOD_SUBMISSION = {"report.py": '''
    def lines(count):
        return [f"line {number}: résumé ✓" for number in range(count)]
    '''}


def test_output_past_the_limit_is_cut_and_the_test_keeps_its_result(tmp_path):
    """A test printing 1.2 million characters, not all ASCII (README: each test's output is cut
    at the run's output limit, 256 K characters): it passes, as under JSONTestRunner, its output
    is the beginning and the end of what JSONTestRunner shows, and the next test is graded."""
    tests = write_files(tmp_path / "suite" / "tests", FLOOD_TESTS)
    submission = write_files(tmp_path / "submission", FLOOD_SUBMISSION)
    expected = by_name(json_test_runner(tests, submission, tmp_path / "gradescope"))
    got = by_name(graded_by_entrypoint(tests, submission, tmp_path / "results.json"))
    [report], [full] = got["The report prints every line"], expected["The report prints every line"]
    head, tail = report.pop("output").split(f"\n{OUTPUT_CUT}\n")
    printed = full.pop("output")
    assert len(printed) > 1_200_000 and len(head) + len(tail) == 256 * 1024
    assert printed.startswith(head) and printed.endswith(tail)
    assert report == full == {
        "name": "The report prints every line", "score": 2, "max_score": 2, "status": "passed"}
    assert got["The header comes first"] == expected["The header comes first"]


FAILFAST_RUN_TESTS = textwrap.dedent("""
    import sys
    import unittest

    from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

    from grading_policy import NOTE, capped


    def cap(results):
        results["score"] = capped(results["score"])
        results["output"] = NOTE


    if __name__ == "__main__":
        suite = unittest.defaultTestLoader.discover("tests")
        with open(sys.argv[1], "w") as stream:
            JSONTestRunner(visibility="visible", failfast=True, post_processor=cap,
                           stream=stream).run(suite)
    """)
GRADING_POLICY = {"grading_policy.py": '''
    NOTE = "Scores are capped at 1.5 this week."


    def capped(score):
        return min(score, 1.5)
    '''}


def test_failfast_and_a_post_processor_importing_a_module_beside_run_tests(tmp_path):
    """`JSONTestRunner(failfast=True)` stops at the first failure (what follows is not listed),
    and the post-processor's `from grading_policy import capped` finds the course's module
    beside `run_tests.py`, as when Gradescope runs the file."""
    tests = write_files(tmp_path / "suite" / "tests", LAB_TESTS)
    (tmp_path / "suite" / "run_tests.py").write_text(FAILFAST_RUN_TESTS)
    write_files(tmp_path / "suite", GRADING_POLICY)
    submission = write_files(tmp_path / "submission", LAB_WRONG)
    expected = json_test_runner(tests, submission, tmp_path / "gradescope", FAILFAST_RUN_TESTS,
                                beside=GRADING_POLICY)
    got = graded_by_entrypoint(tests, submission, tmp_path / "results.json")
    assert by_name(got) == by_name(expected)
    assert top_level(got) == top_level(expected)
    everything = json_test_runner(tests, submission, tmp_path / "without failfast")
    assert got["tests"][-1]["status"] == "failed" and len(got["tests"]) < len(everything["tests"])
    assert got["output"] == "Scores are capped at 1.5 this week."


ON_FAIL_TESTS = {"test_hw.py": '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import visibility, weight

    import hw


    class TestHw(unittest.TestCase):
        @weight(2)
        @visibility("on_fail")
        def test_double(self):
            """double(2) is 4"""
            self.assertEqual(hw.double(2), 4)

        @weight(1)
        @visibility("hidden")
        def test_half(self):
            """half(4) is 2"""
            self.assertEqual(hw.half(4), 2)
    '''}
BREAKING_RUN_TESTS = textwrap.dedent("""
    def spoil(results):
        results["score"] = float("nan")  # a number to the schema, not to JSON nor Gradescope


    JSONTestRunner(visibility="to everyone", post_processor=spoil)
    """)


def test_values_gradescope_would_refuse_are_not_fatal(tmp_path):
    """A test's visibility Gradescope's specification does not know (`on_fail`, which a
    course's own result class may read) is hidden, as staff meant to hide it somehow; a
    top-level one is left out; a post-processor that spoils the results is not kept:
    results.json is still written, and the staff log says why."""
    tests = write_files(tmp_path / "suite" / "tests", ON_FAIL_TESTS)
    (tmp_path / "suite" / "run_tests.py").write_text(BREAKING_RUN_TESTS)
    submission = write_files(tmp_path / "submission", {"hw.py": '''
        def double(x):
            return 2 * x


        def half(x):
            return x / 3
        '''})
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(tmp_path / "results.json")])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    got = read_results(tmp_path / "results.json", as_gradescope=True)
    assert [(test["name"], test["score"], test.get("visibility")) for test in got["tests"]] == [
        ("double(2) is 4", 2, "hidden"), ("half(4) is 2", 0.0, "hidden")]
    assert got["score"] == 2 and "visibility" not in got
    for said in ("visibility 'on_fail' is not one of visible, after_due_date, after_published, "
                 "hidden; written as 'hidden'",
                 "visibility 'to everyone' is not one of visible, after_due_date, after_published, "
                 "hidden; left out of results.json",
                 "leave results Gradescope would refuse"):
        assert said in finished.stderr


MANY_FLOODS = {"test_floods.py": '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import report


    class TestFloods(unittest.TestCase):
        pass


    def _flood(number):
        @weight(1)
        def test(self):
            print("x" * 300_000)
            self.assertEqual(report.value(number), number)
        return test


    for _number in range(20):
        setattr(TestFloods, f"test_flood_{_number:02d}", _flood(_number))
    '''}


def test_once_the_runs_output_is_spent_each_test_still_shows_its_failure(tmp_path):
    """20 failing tests each print 300,000 characters, past the run's 4 M: the last ones show
    only the end of their output, where JSONTestRunner puts the failure's message."""
    tests = write_files(tmp_path / "suite" / "tests", MANY_FLOODS)
    submission = write_files(tmp_path / "submission", {"report.py": "def value(number):\n    return -1\n"})
    got = graded_by_entrypoint(tests, submission, tmp_path / "results.json")
    outputs = [test["output"] for test in got["tests"]]
    assert len(outputs) == 20 and all(OUTPUT_CUT in output for output in outputs)
    assert all(output.endswith(f"Test Failed: -1 != {number}\n") for number, output in enumerate(outputs))
    assert sum(map(len, outputs)) < 5_000_000 and len(outputs[-1]) < 10_000


def test_a_test_run_more_often_than_the_suite_reads_is_listed_without_points(tmp_path):
    """A `load_tests` that adds a test again when the submission says so: the reading before
    any submitted code runs took a plain value (the module is read from its source, which
    shows the test once), so the run's second occurrence is listed status-only, with no
    points, and the first keeps its weight."""
    tests = write_files(tmp_path / "suite" / "tests", {"test_more.py": LOAD_TESTS_AGAIN})
    submission = write_files(tmp_path / "submission", {"hw.py": '''
        AGAIN = True


        def double(x):
            return 2 * x
        '''})
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(tmp_path / "results.json")])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    got = read_results(tmp_path / "results.json", as_gradescope=True)
    name = "test_a (test_more.TestA.test_a)"
    assert got["tests"] == [{"name": name, "score": 2, "max_score": 2, "status": "passed"},
                            {"name": name, "status": "passed", "visibility": "hidden"}]
    assert got["score"] == 2


def test_a_suite_with_no_tests_in_its_pattern_lists_none_as_json_test_runner_does(tmp_path):
    """Test files the default pattern does not name (`calc_test.py`): no tests, no grader
    problem, the top level as JSONTestRunner writes it; the staff log says why."""
    tests = write_files(tmp_path / "suite" / "tests", {"calc_test.py": '''
        import unittest


        class TestCalc(unittest.TestCase):
            def test_add(self):
                pass
        '''})
    submission = write_files(tmp_path / "submission", {"calc.py": "def add(a, b):\n    return a + b\n"})
    expected = json_test_runner(tests, submission, tmp_path / "gradescope")
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(tmp_path / "results.json")])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    got = read_results(tmp_path / "results.json", as_gradescope=True)
    assert got["tests"] == expected["tests"] == []
    assert top_level(got) == top_level(expected) == {"leaderboard": [], "visibility": "visible", "score": 0}
    assert "the suite has no tests in files named 'test*.py'" in finished.stderr


def test_a_suite_parsing_its_command_line_sees_gradescopes(tmp_path):
    """A test module calling `argparse`'s `parse_args()` at its top level, as course suites
    do for their own options, sees `python3 run_tests.py`'s command line (no harness
    arguments), both while the suite is read and while it runs."""
    tests = write_files(tmp_path / "suite" / "tests", {"test_args.py": '''
        import argparse
        import sys
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        parser = argparse.ArgumentParser()
        parser.add_argument("--epochs", type=int, default=3)
        ARGS = parser.parse_args()
        ARGV = list(sys.argv)


        class TestArgs(unittest.TestCase):
            @weight(2)
            def test_epochs(self):
                import calc
                self.assertEqual(ARGV, ["run_tests.py"])
                self.assertEqual(calc.add(ARGS.epochs, 1), 4)
        '''})
    submission = write_files(tmp_path / "submission", {"calc.py": "def add(a, b):\n    return a + b\n"})
    finished = run_entrypoint(["--suite", str(tests), "--submission", str(submission),
                               "--results", str(tmp_path / "results.json")])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    got = read_results(tmp_path / "results.json", as_gradescope=True)
    assert got["tests"] == [{"name": "test_epochs (test_args.TestArgs.test_epochs)", "score": 2,
                             "max_score": 2, "status": "passed"}]
    assert got["score"] == 2
