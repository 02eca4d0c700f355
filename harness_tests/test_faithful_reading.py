"""What the faithful suite mode reads of a suite before any submitted code runs, and the texts
it reports: discovery with the submission's modules as placeholders, decorators on the wire,
a course's `run_tests.py`, output cut to what an event carries."""
import ast
import inspect
import json
import sys
import textwrap
import types
from dataclasses import replace

from gradescope_utils.autograder_utils.decorators import weight

from autograder.grading_process import static_decorations, static_values, suite_discovery
from autograder.grading_process.decorations import decorations_of
from autograder.grading_process.reported_text import fitting
from autograder.run_tests_options import read_runner_options
from autograder.rubric import DEFAULT_TEST_PATTERN, Rubric
from autograder.sentences import OUTPUT_CUT
from autograder.wire.channel import MAX_TEXT_BYTES
from autograder.wire.decorations import Decorations, is_finite, read_decorations
from autograder.wire.worker_messages import TEXT_TAIL_CHARS
from harness_tests.faithful_suites import LOAD_TESTS_AGAIN

ARITHMETIC_ONLY = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import number, weight

    import grid
    from grid import SIZE

    CELLS = grid.SIZE * grid.SIZE + 1
    LAST = SIZE - 1
    CORNERS = [(0, LAST), (-LAST, abs(LAST)), (SIZE // 2, SIZE % 2), (SIZE ** 2, ~SIZE)]
    BIG, SAME = SIZE >= 3, grid.SIZE == grid.OTHER


    class TestGrid(unittest.TestCase):
        @weight(3)
        @number("1.1")
        def test_cells(self):
            """The board has its cells"""
            self.assertEqual(len(grid.cells()), CELLS)
    '''


def write_suite(tmp_path, files: dict[str, str]) -> str:
    (tmp_path / "tests").mkdir()
    for name, text in files.items():
        (tmp_path / "tests" / name).write_text(textwrap.dedent(text))
    return str(tmp_path / "tests")


def loaded_with_stand_in(tmp_path, monkeypatch, folder: str, hw: str, modules=("hw",)) -> list:
    """The suite in `folder` as the loader reads it once its modules load, with a stand-in
    submission `hw` (its source `hw`; `modules` forgotten first); it loads without problems."""
    (tmp_path / "stand-in").mkdir()
    (tmp_path / "stand-in" / "hw.py").write_text(hw)
    monkeypatch.syspath_prepend(str(tmp_path / "stand-in"))
    for name in modules:
        monkeypatch.delitem(sys.modules, name, raising=False)
    loaded, problems = suite_discovery.discover(folder, "test*.py", [])
    assert problems == []
    return loaded


def test_arithmetic_on_the_submissions_values_loads_as_it_is(tmp_path):
    """`CELLS = grid.SIZE * grid.SIZE` and the like give placeholders, and nothing at the
    module's top level needed a plain value: its decorators are read from the loaded module
    (such a module used to fail to load, its tests status-only)."""
    tests, problems = suite_discovery.discover(write_suite(tmp_path, {"test_grid.py": ARITHMETIC_ONLY}),
                                               "test*.py", ["grid"])
    assert problems == []
    assert [(test.id, test.name, test.weight, test.number) for test in tests] == [
        ("test_grid.TestGrid.test_cells", "The board has its cells", 3, "1.1")]


PLAIN_VALUES = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import partial_credit, weight

    import grid


    class TestGrid(unittest.TestCase):
        @weight(len(grid.CASES))
        def test_cases(self):
            pass

        @unittest.skipUnless(grid.SIZE >= 3, "a small board")
        @partial_credit(2)
        def test_half(self, set_score=None):
            """Half credit on a big board"""
            set_score(1)


    for n in range(grid.MORE):
        setattr(TestGrid, f"test_more_{n}", lambda self: None)
    '''
WAITING_LOOP = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import grid

    side = 1
    while True:
        if side * side >= grid.CELLS:
            break
        side += 1


    class TestSide(unittest.TestCase):
        @weight(4)
        def test_side(self):
            self.assertEqual(grid.side(), side)
    '''


def test_a_module_that_takes_plain_values_from_the_submission_is_read_from_its_source(tmp_path):
    """A weight computed from the submission (`len(grid.CASES)`), a skip that depends on it
    (whose wrapper would hide the partial credit), tests made in a loop over its values: what
    the loaded module shows is not what the submission's values give, so the module's literal
    decorators are read from its source, and the staff log is told. A loop that waits for one
    of its values stops (it used to hang the grading process) and is read the same way."""
    folder = write_suite(tmp_path, {"test_grid.py": PLAIN_VALUES, "test_side.py": WAITING_LOOP})
    tests, problems = suite_discovery.discover(folder, "test*.py", ["grid"])
    assert [(name, count) for name, _, count in problems] == [("test_grid", 2), ("test_side", 1)]
    assert "took 3 plain values" in problems[0][1]  # len(), bool() in skipUnless, range()
    assert f"more than {suite_discovery.MAX_PLAIN_VALUES} times" in problems[1][1]
    assert [(test.id, test.weight, test.partial_credit) for test in tests] == [
        ("test_grid.TestGrid.test_cases", None, False), ("test_grid.TestGrid.test_half", 2, True),
        ("test_side.TestSide.test_side", 4, False)]


def test_a_weight_or_number_of_zero_crosses_the_wire():
    """`@weight(0)` is a 0-point test JSONTestRunner scores 0/0, not a test with no weight."""
    wire = Decorations(weight=0, number=0, partial_credit=False, tags=()).to_wire()
    assert wire == {"weight": 0, "number": 0}
    assert read_decorations(wire) == Decorations(weight=0, number=0)


def test_a_weight_past_a_floats_range_is_no_weight_wherever_it_is_read(tmp_path):
    """`@weight(10 ** 400)` is no number JSON carries: the loaded function's, the source's
    literal and the wire's reading all give no weight, none raises."""
    huge = 10 ** 400

    @weight(huge)
    def test_huge(self):
        pass

    assert decorations_of(test_huge, unittest_method=True).weight is None
    assert not is_finite(huge) and is_finite(2 ** 60)
    folder = write_suite(tmp_path, {"test_huge.py": f'''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        import hw

        X, y = hw.load_data()


        class TestHuge(unittest.TestCase):
            @weight({huge})
            def test_huge(self):
                pass
        '''})
    tests, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [name for name, _, _ in problems] == ["test_huge"]
    assert [(test.id, test.weight) for test in tests] == [("test_huge.TestHuge.test_huge", None)]


def run_tests_beside(tmp_path, text: str) -> dict:
    (tmp_path / "tests").mkdir(parents=True)
    (tmp_path / "run_tests.py").write_text(textwrap.dedent(text))
    return read_runner_options(tmp_path / "tests")


def test_the_test_files_pattern_of_a_courses_run_tests_is_used(tmp_path):
    options = run_tests_beside(tmp_path, '''
        import unittest
        from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

        suite = unittest.defaultTestLoader.discover("tests", "*_tests.py")
        JSONTestRunner(visibility="hidden").run(suite)
        ''')
    assert options["pattern"] == "*_tests.py" and options["visibility"] == "hidden"
    assert Rubric.for_suite(tmp_path / "tests").test_pattern == "*_tests.py"


def test_a_pattern_given_by_keyword_or_not_at_all(tmp_path):
    keyword = run_tests_beside(tmp_path / "a", '''
        import unittest
        suite = unittest.TestLoader().discover(start_dir="tests", pattern="check_*.py")
        ''')
    assert keyword == {"visibility": "visible", "pattern": "check_*.py"}
    none = run_tests_beside(tmp_path / "b", 'import unittest\nunittest.defaultTestLoader.discover("tests")\n')
    assert "pattern" not in none
    assert Rubric.for_suite(tmp_path / "b" / "tests").test_pattern == DEFAULT_TEST_PATTERN


def test_a_pattern_that_is_not_a_literal_file_name_is_not_used(tmp_path, capsys):
    options = run_tests_beside(tmp_path, '''
        import sys, unittest
        unittest.defaultTestLoader.discover("tests", pattern=sys.argv[2])
        ''')
    assert "pattern" not in options
    assert "not a literal file name pattern" in capsys.readouterr().err


def test_only_the_fields_set_on_the_runner_on_the_way_to_running_it_are_written(tmp_path):
    """`runner.json_data[...]` counts in the statements that run up to `runner.run(...)`,
    through `main()`, `with` and the `__main__` block, with the literal a name holds then; not
    in a function never called, a branch, another object's `json_data` or after the run, and
    not from a name given a computed value since."""
    options = run_tests_beside(tmp_path, '''
        import unittest
        from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

        NOTE = "Graded by the course's suite."
        STALE = "an old note"


        def unused(runner):
            runner.json_data["from_unused"] = "no"


        def main():
            suite = unittest.defaultTestLoader.discover("tests")
            with open("/autograder/results/results.json", "w") as f:
                runner = JSONTestRunner(visibility="visible", stream=f)
                runner.json_data["output"] = NOTE
                runner.json_data["stale"] = STALE
                other.json_data["other"] = "no"
                if late:
                    runner.json_data["branch"] = "no"
                runner.run(suite)
                runner.json_data["after"] = "no"


        STALE = compute()
        if __name__ == "__main__":
            main()
        ''')
    assert options["json_data"] == {"output": "Graded by the course's suite."}


def test_changes_to_the_runners_fields_are_followed_or_forget_what_they_touch(tmp_path):
    """`+=` of a literal, `del` and `.update({...})` apply as they would; a change the file
    does not spell out (`.pop(...)`) forgets the fields, and so does a new runner."""
    changed = run_tests_beside(tmp_path / "a", '''
        import unittest
        from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

        if __name__ == "__main__":
            suite = unittest.defaultTestLoader.discover("tests")
            runner = JSONTestRunner(visibility="visible")
            runner.json_data["output"] = "Part 1."
            runner.json_data["output"] += " Part 2."
            runner.json_data["extra"] = "x"
            del runner.json_data["extra"]
            runner.json_data.update({"output_format": "md"})
            runner.run(suite)
        ''')
    assert changed["json_data"] == {"output": "Part 1. Part 2.", "output_format": "md"}
    for lines in ('runner.json_data.pop("output")\n',
                  'runner = JSONTestRunner(visibility="visible")\n'):
        forgotten = run_tests_beside(tmp_path / str(len(lines)), (
            "from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner\n"
            'runner = JSONTestRunner(visibility="visible")\n'
            'runner.json_data["output"] = "first"\n' + lines + "runner.run(suite)\n"))
        assert "json_data" not in forgotten


def test_output_is_cut_at_the_limit_and_marked_keeping_its_end():
    """The end of a cut output stays (a failure's message is there): a quarter of what is
    kept, at most `TEXT_TAIL_CHARS`."""
    assert fitting("short", 10) == "short"
    assert fitting("abcdefghij" * 5, 12) == f"abcdefghi\n{OUTPUT_CUT}\nhij"
    assert fitting("x" * 50, 0) == OUTPUT_CUT
    long = "".join(f"line {number}\n" for number in range(100_000)) + "Test Failed: 1 != 2\n"
    head, tail = fitting(long, 50_000).split(f"\n{OUTPUT_CUT}\n")
    assert long.startswith(head) and long.endswith(tail) and tail.endswith("Test Failed: 1 != 2\n")
    assert (len(head), len(tail)) == (50_000 - TEXT_TAIL_CHARS, TEXT_TAIL_CHARS)


def test_output_is_cut_to_what_an_event_carries_whatever_its_characters():
    """A character may take 12 bytes of an event's JSON line: the cut output always fits, as
    an event too long for its line would be lost and the test blamed for it."""
    for character in ("\U0001F600", "\x01", "é", "x"):
        text = fitting(character * 4_000_000, 10**9)
        assert len(json.dumps(text)) <= MAX_TEXT_BYTES
        assert OUTPUT_CUT in text and text.startswith(character * 1000) and text.endswith(character)


UNLOADABLE = '''
    import unittest

    from gradescope_utils.autograder_utils import decorators
    from gradescope_utils.autograder_utils.decorators import hide_errors, leaderboard, tags
    from gradescope_utils.autograder_utils.decorators import partial_credit as credit

    import hw

    X, y = hw.load_data()
    POINTS = 2


    class Mixin:
        def test_from_a_mixin(self):
            pass


    class Base(unittest.TestCase):
        @decorators.weight(1)
        def test_shared(self):
            """Shared by every subclass

            More text."""


    class TestModel(Base, Mixin):
        @credit(3)
        @decorators.number(2.5)
        @tags("model", "fit")
        def test_fit(self, set_score=None):
            pass

        @decorators.weight(POINTS)
        @hide_errors()
        def test_named_literal(self):
            pass

        @decorators.weight(max(POINTS, 3))
        def test_not_a_literal(self):
            pass

        @leaderboard(column_name="accuracy", sort_order="asc")
        def test_board(self, set_leaderboard_value=None):
            pass

        def helper(self):
            pass
    '''


def test_a_module_that_does_not_load_has_its_decorators_read_from_the_same_source(tmp_path, monkeypatch):
    """`X, y = hw.load_data()` fails with placeholders (nothing to unpack): the module's tests
    and their literal decorators come from its syntax tree, as the loader reads them once the
    module loads (here with a stand-in `hw` that gives two values), in the same order, a name
    given a literal included; a decorator whose argument the source does not fix (a call) is left
    out."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_model.py").write_text(textwrap.dedent(UNLOADABLE))
    read, problems = suite_discovery.discover(str(tmp_path / "tests"), "test*.py", ["hw"])
    assert [(name, count) for name, _, count in problems] == [("test_model", 7)]
    assert "not enough values to unpack" in problems[0][1]

    loaded = loaded_with_stand_in(tmp_path, monkeypatch, str(tmp_path / "tests"),
                                  "def load_data():\n    return 1, 2\n", ("hw", "test_model"))
    not_literal = "test_model.TestModel.test_not_a_literal"
    assert [replace(test, weight=None) if test.id == not_literal else test for test in loaded] == read
    assert [test.weight for test in loaded if test.id == not_literal] == [3]
    assert [(test.id, test.weight) for test in read] == [
        ("test_model.Base.test_shared", 1), ("test_model.TestModel.test_board", None),
        ("test_model.TestModel.test_fit", 3), ("test_model.TestModel.test_from_a_mixin", None),
        ("test_model.TestModel.test_named_literal", 2), ("test_model.TestModel.test_not_a_literal", None),
        ("test_model.TestModel.test_shared", 1)]


MANY_PLAIN_VALUES = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import hw

    for _ in range(6_000):
        bool(hw.READY)


    class Test{name}(unittest.TestCase):
        @weight(1)
        def test_{name}(self):
            pass
    '''
HIDDEN_BY_A_VALUE = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import visibility, weight

    import hw


    class TestSecret(unittest.TestCase):
        @weight(3)
        @visibility(hw.VISIBILITY)
        def test_secret(self):
            pass
    '''


def test_plain_values_are_counted_by_module_and_a_decorator_given_one_stays_hidden(tmp_path):
    """Two modules each taking 6,000 plain values stay under the limit of one module (the
    count is of the suite's own modules, not the whole process's), and a visibility given a
    value of the submission is read as hidden: a test staff meant to hide is never shown."""
    folder = write_suite(tmp_path, {"test_a.py": MANY_PLAIN_VALUES.replace("{name}", "a"),
                                    "test_b.py": MANY_PLAIN_VALUES.replace("{name}", "b"),
                                    "test_c.py": HIDDEN_BY_A_VALUE})
    tests, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [(name, count) for name, _, count in problems] == [("test_a", 1), ("test_b", 1), ("test_c", 1)]
    assert "took 6000 plain values" in problems[0][1] and "decorators were given" in problems[2][1]
    assert [(test.id, test.weight, test.visibility) for test in tests] == [
        ("test_a.Testa.test_a", 1, None), ("test_b.Testb.test_b", 1, None),
        ("test_c.TestSecret.test_secret", 3, "hidden")]


HELPERS = '''
    import hw

    PER_CASE = 1 if hw.EASY else 2
    '''
USES_HELPERS_FIRST = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import helpers


    class Shared(unittest.TestCase):
        @weight(2)
        def test_shared(self):
            pass
    '''
USES_HELPERS_LATER = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    from helpers import PER_CASE
    from test_a import Shared


    class TestB(unittest.TestCase):
        @weight(PER_CASE)
        def test_per_case(self):
            pass
    '''


def test_a_module_importing_one_that_took_plain_values_is_read_from_its_source_too(tmp_path):
    """`helpers` computes `PER_CASE` from the submission; `test_b`, which imports it after
    `test_a` did (no placeholder is asked then), is read from its source all the same: its
    computed weight is not believed, and the class it imports from `test_a` is still graded
    twice, as unittest runs it."""
    folder = write_suite(tmp_path, {"helpers.py": HELPERS, "test_a.py": USES_HELPERS_FIRST,
                                    "test_b.py": USES_HELPERS_LATER})
    tests, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [name for name, _, _ in problems] == ["test_a", "test_b"]
    assert "it imports helpers" in problems[1][1]
    assert [(test.id, test.weight) for test in tests] == [
        ("test_a.Shared.test_shared", 2), ("test_a.Shared.test_shared", 2),
        ("test_b.TestB.test_per_case", None)]


SOURCE_ONLY = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import *

    import hw

    X, y = hw.load_data()


    class Mixin(object):
        def test_not_collected_alone(self):
            pass


    class TestKinds(Mixin, unittest.TestCase):
        @weight(2)
        @weight(3)
        @visibility("hidden")
        def test_stacked(self):
            pass

        @weight(1e999)
        @hide_errors(None)
        def test_infinite(self):
            pass

        @weight(1)
        async def test_async(self):
            pass
    '''


def test_the_source_reading_follows_the_loaders_rules(tmp_path, monkeypatch):
    """`import *` of the decorators, the topmost of stacked decorators winning, `async` tests,
    a mixin on `object` that is no TestCase by itself, an infinite weight and `@hide_errors(None)`
    (neither of which the loader keeps): as the loader reads the module once it loads."""
    folder = write_suite(tmp_path, {"test_kinds.py": SOURCE_ONLY})
    read, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [name for name, _, _ in problems] == ["test_kinds"]
    loaded = loaded_with_stand_in(tmp_path, monkeypatch, folder, "def load_data():\n    return 1, 2\n")
    assert read == loaded
    assert [(test.id, test.weight, test.visibility) for test in read] == [
        ("test_kinds.TestKinds.test_async", 1, None), ("test_kinds.TestKinds.test_infinite", None, None),
        ("test_kinds.TestKinds.test_not_collected_alone", None, None),
        ("test_kinds.TestKinds.test_stacked", 2, "hidden")]


PACKAGE_LAYOUT = {
    "__init__.py": "",
    "constants.py": '''
        POINTS = 4
        LABEL = "core"
        ''',
    "constants/cases.txt": "a data folder beside the module of its name\n",
    "base.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import number, weight


        class Base(unittest.TestCase):
            @weight(1)
            @number("1")
            def test_base(self):
                pass
        ''',
    "helpers.py": '''
        from gradescope_utils.autograder_utils.decorators import *

        import hw


        class Starred(object):
            @weight(5)
            def test_starred(self):
                pass
        ''',
    "test_a.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        import hw


        def cases():
            return len(hw.CASES)


        class TestA(unittest.TestCase):
            @weight(2)
            def test_a(self):
                pass
        ''',
    "test_calls.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        import test_a

        COUNT = test_a.cases()


        class TestCalls(unittest.TestCase):
            @weight(3)
            def test_calls(self):
                pass
        ''',
    "test_pkg.py": '''
        import unittest

        import base
        import hw
        from base import Base as Plain
        from constants import LABEL, POINTS
        from helpers import *
        from tests.base import Base

        X, y = hw.load_data()
        EXTRA = 2
        EXTRA = hw.EXTRA
        Later = Plain


        class TestPkg(base.Base, Starred):
            BONUS = 3

            @weight(POINTS)
            @tags(LABEL)
            def test_imported_constant(self):
                pass

            @weight(BONUS)
            def test_class_constant(self):
                pass

            @weight(EXTRA)
            def test_reassigned(self):
                pass


        class FromSubmission(hw.Base):
            @weight(9)
            def test_not_a_test_case(self):
                pass
        ''',
    "sub/__init__.py": "",
    "sub/shared.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight


        class Shared(unittest.TestCase):
            @weight(6)
            def test_shared(self):
                pass
        ''',
    "sub/test_relative.py": '''
        from gradescope_utils.autograder_utils.decorators import weight

        import hw
        from . import shared
        from .shared import Shared

        X, y = hw.load_data()


        class TestRelative(shared.Shared):
            @weight(7)
            def test_relative(self):
                pass
        ''',
}
STAND_IN_HW = '''
    CASES = [1, 2]
    EXTRA = 7
    Base = object


    def load_data():
        return 1, 2
    '''


def test_the_source_reading_follows_imports_and_names_across_the_suite(tmp_path, monkeypatch):
    """Imports by the suite's package name, by module name, relative, `import *` through a
    helper, a module imported whole (`base.Base`), names given literals (imported, in the class
    body), a class given a second name (graded twice), a class of the submission's that is no TestCase, a data folder beside the module of
    its name: read from the source as the loader reads the modules once they load (but the
    name reassigned from the submission, which the source cannot tell), whatever module of the
    suite folder's name the process had (the harness's own `tests`), given back after. A
    module calling another test module's function that takes plain values is read from its
    source; the other is not."""
    own_tests = types.ModuleType("tests")
    monkeypatch.setitem(sys.modules, "tests", own_tests)
    (tmp_path / "tests" / "sub").mkdir(parents=True)
    (tmp_path / "tests" / "constants").mkdir()
    for name, text in PACKAGE_LAYOUT.items():
        (tmp_path / "tests" / name).write_text(textwrap.dedent(text))
    folder = str(tmp_path / "tests")
    read, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [name for name, _, _ in problems] == ["sub.test_relative", "test_calls", "test_pkg"]

    loaded = loaded_with_stand_in(tmp_path, monkeypatch, folder, textwrap.dedent(STAND_IN_HW))
    reassigned = "test_pkg.TestPkg.test_reassigned"
    assert [test.weight for test in loaded if test.id == reassigned] == [7]
    assert [replace(test, weight=None) if test.id == reassigned else test for test in loaded] == read
    assert sys.modules["tests"] is own_tests
    assert [(test.id, test.weight, test.number, test.tags) for test in read] == [
        ("sub.shared.Shared.test_shared", 6, None, ()),
        ("sub.test_relative.TestRelative.test_relative", 7, None, ()),
        ("sub.test_relative.TestRelative.test_shared", 6, None, ()),
        ("test_a.TestA.test_a", 2, None, ()),
        ("test_calls.TestCalls.test_calls", 3, None, ()),
        ("tests.base.Base.test_base", 1, "1", ()),
        ("base.Base.test_base", 1, "1", ()),
        ("base.Base.test_base", 1, "1", ()),
        ("test_pkg.TestPkg.test_base", 1, "1", ()),
        ("test_pkg.TestPkg.test_class_constant", 3, None, ()),
        ("test_pkg.TestPkg.test_imported_constant", 4, None, ("core",)),
        ("test_pkg.TestPkg.test_reassigned", None, None, ()),
        ("test_pkg.TestPkg.test_starred", 5, None, ())]


def test_a_submitted_file_named_like_a_library_module_does_not_hide_the_library(tmp_path, capsys):
    """A submission with its own `unittest.py`: the suite's `import unittest` is still the
    library's here (its TestCase classes are found), and the staff log says so."""
    folder = write_suite(tmp_path, {"test_grid.py": ARITHMETIC_ONLY})
    tests, problems = suite_discovery.discover(folder, "test*.py", ["grid", "unittest"])
    assert problems == []
    assert [(test.id, test.weight) for test in tests] == [("test_grid.TestGrid.test_cells", 3)]
    assert "the submission's unittest has the name of a library module" in capsys.readouterr().err


def test_a_load_tests_function_taking_plain_values_has_its_module_read_from_source(tmp_path):
    """unittest's loader calls `load_tests` after the module ran: the plain value it takes is
    the module's (no module's top level is running then)."""
    folder = write_suite(tmp_path, {"test_more.py": LOAD_TESTS_AGAIN})
    tests, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [(name, count) for name, _, count in problems] == [("test_more", 1)]
    assert [(test.id, test.weight) for test in tests] == [("test_more.TestA.test_a", 2)]


SECOND_LAYOUT = {
    "base.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import visibility, weight


        class Base(unittest.TestCase):
            @weight(2)
            @visibility("hidden")
            def test_base(self):
                pass
        ''',
    "helpers.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        __all__ = ["POINTS", "_HIDDEN_WEIGHT", "weight"]
        POINTS = 3
        _HIDDEN_WEIGHT = 4


        class HelperCase(unittest.TestCase):
            @weight(9)
            def test_helper(self):
                pass
        ''',
    "test_b.py": '''
        # -*- coding: utf-8 -*-
        import abc
        import unittest

        from gradescope_utils.autograder_utils.decorators import visibility

        import hw
        from helpers import *

        X, y = hw.load_data()
        secret = visibility("hidden")
        try:
            from tests.base import Base
        except ImportError:
            from base import Base


        class Bases:
            class Shared(unittest.TestCase):
                @weight(1)
                @visibility("hidden")
                def test_shared(self):
                    """Prüfung"""


        class Common(abc.ABC):
            @weight(5)
            def test_common(self):
                pass


        class TestB(Bases.Shared, Common):
            @weight(POINTS)
            def test_b(self):
                pass

            @weight(_HIDDEN_WEIGHT)
            def test_listed_weight(self):
                pass

            @secret
            @weight(2)
            def test_secret(self):
                pass

            test_again = test_b

            @weight(8)
            def test_removed(self):
                pass

            del test_removed
            test_common = None
        ''',
    "test_c.py": '''
        POINTS_C = 2
        from test_d import TestD
        ''',
    "test_d.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        import hw

        X, y = hw.load_data()
        from test_c import POINTS_C


        class TestD(unittest.TestCase):
            @weight(POINTS_C)
            def test_d(self):
                pass
        ''',
    "test_e.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import weight

        import hw

        if hw.DEBUG:
            pass


        class TestE(unittest.TestCase):
            @weight(1)
            def check(self):
                pass


        TestE.test_e = TestE.check
        ''',
}


def test_the_source_reading_follows_try_imports_nested_classes_all_and_cycles(tmp_path, monkeypatch):
    """A file with a byte-order mark and a coding line, `try: from tests.base import ...`, a
    TestCase nested in a class, a decorator given a name (`secret = visibility("hidden")`), an
    `abc.ABC` mixin, a method named twice, deleted or set to None in the class body (no TestCase), `from helpers import *`
    with `__all__`, a circular import that sees the names bound so far: read from the source
    as the loader reads them once the modules load. A test the source does not show (a method
    set on the class later) has no weight, and is hidden."""
    (tmp_path / "tests").mkdir()
    for name, text in SECOND_LAYOUT.items():
        data = textwrap.dedent(text).encode()
        (tmp_path / "tests" / name).write_bytes(b"\xef\xbb\xbf" + data if name == "test_b.py" else data)
    folder = str(tmp_path / "tests")
    read, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [(name, count) for name, _, count in problems] == [
        ("test_b", 6), ("test_c", 1), ("test_d", 1), ("test_e", 0)]
    loaded = loaded_with_stand_in(tmp_path, monkeypatch, folder,
                                  "DEBUG = False\nload_data = lambda: (1, 2)\n")
    unfollowed = "test_e.TestE.test_e"
    assert [(test.id, test.weight, test.visibility) for test in read if test.id == unfollowed] == [
        (unfollowed, None, "hidden")]
    assert [test for test in read if test.id != unfollowed] == [
        test for test in loaded if test.id != unfollowed]
    assert [(test.id, test.weight, test.visibility) for test in read][:8] == [
        ("tests.base.Base.test_base", 2, "hidden"), ("test_b.TestB.test_again", 3, None),
        ("test_b.TestB.test_b", 3, None), ("test_b.TestB.test_listed_weight", 4, None),
        ("test_b.TestB.test_secret", 2, "hidden"), ("test_b.TestB.test_shared", 1, "hidden"),
        ("test_d.TestD.test_d", 2, None), ("test_d.TestD.test_d", 2, None)]
    assert [test.name for test in read if test.id == "test_b.TestB.test_shared"] == ["Prüfung"]


def test_a_source_nested_too_deep_to_follow_is_read_as_no_tests(tmp_path):
    """Following `hw.a.a.a...` past the interpreter's recursion limit gives no tests (which
    the run then lists status-only and hidden), never an error out of the reading."""
    folder = write_suite(tmp_path, {"test_deep.py": "import hw\nDEEP = hw" + ".a" * 300 + "\n"})
    source = static_decorations.SuiteSource(folder, ["hw"])
    assert source.module("test_deep") is not None  # parsed at the usual limit
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 150)
    try:
        found = source.read_module("test_deep"), source.imported("test_deep")
    finally:
        sys.setrecursionlimit(limit)
    assert found == ([], {"hw"})


VALUES_LAYOUT = {
    "constants.py": '''
        POINTS = {"q1": 2, "q2": 3}
        TOTAL = 10
        CHANGED = 5
        TABLE = {"a": 1}
        ''',
    "course_setup.py": '''
        import constants

        constants.CHANGED = 6
        ''',
    "test_values.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import number, weight

        import constants
        import course_setup
        import hw
        from constants import POINTS, TABLE, TOTAL

        X, y = hw.load_data()
        SHARE = TOTAL / 4
        FULL = TOTAL >= 10 and not SHARE < 2
        LIMIT = 2
        TABLE.update({"a": 7})


        def configure():
            global LIMIT
            LIMIT = 3


        configure()


        class TestValues(unittest.TestCase):
            @weight(POINTS["q1"])
            def test_entry(self):
                pass

            @weight(constants.POINTS["q2"] * 2)
            def test_dotted_entry(self):
                pass

            @weight(SHARE)
            def test_share(self):
                pass

            @weight(-(-TOTAL) // 3 + 2 ** 2)
            @number("1." + "2")
            def test_arithmetic(self):
                pass

            @weight(LIMIT)
            def test_declared_global(self):
                pass

            @weight(constants.CHANGED)
            def test_set_from_another_module(self):
                pass

            @weight(TABLE["a"])
            def test_changed_table(self):
                pass

            if FULL:
                @weight(1)
                def test_full(self):
                    pass
            else:
                @weight(5)
                def test_partial(self):
                    pass


        if FULL or X:
            class TestExtra(unittest.TestCase):
                @weight(4)
                def test_extra(self):
                    pass


        class TestSkipped(unittest.TestCase):
            @weight(2)
            def test_skipped(self):
                pass


        TestSkipped = unittest.skipIf(X == 1, "not this term")(TestSkipped)
        ''',
}
NOT_FIXED_BY_THE_SOURCE = ("test_values.TestValues.test_changed_table",
                           "test_values.TestValues.test_declared_global",
                           "test_values.TestValues.test_set_from_another_module")


def test_the_source_reading_computes_constant_weights_and_distrusts_names_changed_elsewhere(
        tmp_path, monkeypatch):
    """Arithmetic on numbers, joined texts and one entry of a literal table (imported, or
    through the module) give a decorator's value, an `if` whose test the source fixes (in the
    module, in a class body) takes its branch, and a class given back by unittest's skip
    decorator keeps its tests: read from the source as the loader reads them once the module
    loads. A name a function declares global, one set on its module from another module, and a
    table changed in place have values the source does not fix: no weight."""
    folder = write_suite(tmp_path, VALUES_LAYOUT)
    read, problems = suite_discovery.discover(folder, "test*.py", ["hw"])
    assert [(name, count) for name, _, count in problems] == [("test_values", 10)]
    loaded = loaded_with_stand_in(tmp_path, monkeypatch, folder, "load_data = lambda: (2, 3)\n")
    assert [(test.id, test.weight) for test in loaded if test.id in NOT_FIXED_BY_THE_SOURCE] == [
        (NOT_FIXED_BY_THE_SOURCE[0], 7), (NOT_FIXED_BY_THE_SOURCE[1], 3), (NOT_FIXED_BY_THE_SOURCE[2], 6)]
    assert [replace(test, weight=None) if test.id in NOT_FIXED_BY_THE_SOURCE else test
            for test in loaded] == read
    assert [(test.id, test.weight, test.number) for test in read] == [
        ("test_values.TestExtra.test_extra", 4, None),
        ("test_values.TestSkipped.test_skipped", 2, None),
        ("test_values.TestValues.test_arithmetic", 7, "1.2"),
        ("test_values.TestValues.test_changed_table", None, None),
        ("test_values.TestValues.test_declared_global", None, None),
        ("test_values.TestValues.test_dotted_entry", 6, None),
        ("test_values.TestValues.test_entry", 2, None),
        ("test_values.TestValues.test_full", 1, None),
        ("test_values.TestValues.test_set_from_another_module", None, None),
        ("test_values.TestValues.test_share", 2.5, None)]


def test_a_constant_expression_too_large_or_failing_to_compute_has_no_value():
    """What the reading will not compute (a tower of powers, a text or list repeated, a
    complex root, a division by zero, a missing entry, a table inside a table) is no value,
    at once."""
    scope = {"TABLE": ("value", {"a": [1], "b": 2})}
    for text in ("10 ** 10 ** 10", "(10 ** 64) ** 64", "'ab' * 10 ** 9", "[0] * 10 ** 9",
                 "(-8) ** 0.5", "1 / 0", "TABLE['c']", "TABLE['a']", "TABLE[0]", "1 << 10 ** 9"):
        parsed = ast.parse(text, mode="eval").body
        assert static_values.evaluate(parsed, lambda name: scope[name.id][1]) is static_values.NOT_KNOWN, text
    parsed = ast.parse("TABLE['b'] ** 64 + True - 0.5", mode="eval").body
    assert static_values.evaluate(parsed, lambda name: scope[name.id][1]) == 2 ** 64 + 0.5
