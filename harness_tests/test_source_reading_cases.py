"""The faithful mode's source reading of a suite on what course code does beyond plain
decorators: wrappers, decorators applied elsewhere, names changed elsewhere, scopes, tables
shared under two names. Each case's reading is compared with unittest's loader once the module
runs: a value the reading gives is the loader's, or one the reading says it does not know (no
weight, "hidden", no test listed), never another."""
import importlib
import sys
import textwrap
import unittest

import pytest

from autograder.grading_process import static_decorations
from autograder.grading_process.decorations import decorations_of

HEADER = '''
    import functools
    import unittest
    from unittest import TestCase, mock

    from gradescope_utils.autograder_utils.decorators import (
        hide_errors, leaderboard, number, partial_credit, visibility, weight)
    '''
CASES = {
    "a wrapper keeps the attributes only with functools.wraps": ({"test_case.py": HEADER + '''
        def slow(test):
            def run(self):
                return test(self)
            return run


        def timed(test):
            @functools.wraps(test)
            def run(self, *args, **kwargs):
                return test(self, *args, **kwargs)
            return run


        class TestA(TestCase):
            @slow
            @weight(3)
            def test_unwrapped(self):
                pass

            @timed
            @weight(2)
            def test_wrapped(self):
                pass

            @property
            def test_property(self):
                pass
        '''}, [("test_case.TestA.test_wrapped", 2, None, False)]),
    "a wrapper above partial credit hides set_score": ({"test_case.py": HEADER + '''
        class TestA(TestCase):
            @mock.patch("builtins.input", return_value="1")
            @partial_credit(4)
            def test_patched(self, given, set_score=None):
                pass

            @partial_credit(2)
            def test_partial(self, set_score=None):
                pass
        '''}, [("test_case.TestA.test_partial", 2, None, True),
               ("test_case.TestA.test_patched", 4, None, False)]),
    "decorators applied after the class": ({"test_case.py": HEADER + '''
        class TestA(TestCase):
            @weight(1)
            def test_a(self):
                pass


        for name, points in {"test_a": 5}.items():
            weight(points)(getattr(TestA, name))
        '''}, [("test_case.TestA.test_a", None, "hidden", False)]),
    "a course's own decorators and gradescope-utils' under other names": ({
        "grading.py": '''
            from gradescope_utils.autograder_utils.decorators import weight as scaled


            def weight(points):
                return scaled(points * 10)
            ''',
        "test_case.py": HEADER + '''
            import grading
            from gradescope_utils.autograder_utils import decorators as gs

            hide = gs.visibility


            class TestA(TestCase):
                @grading.weight(2)
                def test_scaled(self):
                    pass

                @hide("hidden")
                @gs.weight(3)
                def test_hidden(self):
                    pass
            '''}, [("test_case.TestA.test_hidden", 3, "hidden", False)]),
    "class decorators, metaclasses and __init_subclass__": ({"test_case.py": HEADER + '''
        def hide_all(cls):
            for name in dir(cls):
                if name.startswith("test"):
                    visibility("hidden")(getattr(cls, name))
            return cls


        @hide_all
        class TestA(TestCase):
            @weight(3)
            def test_a(self):
                pass


        class Private(TestCase):
            def __init_subclass__(cls):
                cls.test_c = weight(1)(lambda self: None)


        class TestC(Private):
            @weight(4)
            def test_c(self):
                pass


        @unittest.skipIf(False, "every term")
        class TestB(TestCase):
            @number("2.1")
            def test_b(self):
                pass
        '''}, [("test_case.TestB.test_b", None, "hidden", False)]),  # (hide_all applies one)
    "names changed elsewhere in the suite": ({
        "constants.py": '''
            POINTS = DEFAULTS = {"q1": 1}
            TABLE = {"q2": 2}
            ORDER = {"q3": 3}
            CLEAN = {"q4": 4}
            SET = 5
            globals().update({"GLOBAL": 6})
            GLOBAL = 1
            ''',
        "overrides.py": '''
            import constants
            from constants import DEFAULTS, ORDER
            from constants import TABLE as T

            DEFAULTS["q1"] = 6
            T["q2"] = 7
            ORDER |= {"q3": 8}
            setattr(constants, "SET", 9)
            ''',
        "test_case.py": HEADER + '''
            import overrides
            from constants import CLEAN, GLOBAL, ORDER, POINTS, SET, TABLE


            class TestA(TestCase):
                @weight(POINTS["q1"])
                def test_chained(self):
                    pass

                @weight(TABLE["q2"])
                def test_aliased(self):
                    pass

                @weight(ORDER["q3"])
                def test_in_place(self):
                    pass

                @weight(SET)
                def test_set(self):
                    pass

                @weight(GLOBAL)
                def test_globals(self):
                    pass
            '''}, [("test_case.TestA.test_aliased", None, None, False),
                   ("test_case.TestA.test_chained", None, None, False),
                   ("test_case.TestA.test_globals", None, None, False),
                   ("test_case.TestA.test_in_place", None, None, False),
                   ("test_case.TestA.test_set", None, None, False)]),
    "clean tables, unpacked names, a name a comprehension binds": ({
        "constants.py": 'CLEAN = {"q4": 4}\n',
        "test_case.py": HEADER + '''
            from constants import CLEAN

            EASY, (HARD, SECRET) = 1, (5, "hidden")
            [LAST := n for n in (2, 3)]


            class TestA(TestCase):
                @weight(CLEAN["q4"])
                def test_clean(self):
                    pass

                @weight(EASY)
                def test_easy(self):
                    pass

                @weight(HARD)
                @visibility(SECRET)
                def test_hard(self):
                    pass

                @weight(LAST)
                def test_last(self):
                    pass
            '''}, [("test_case.TestA.test_clean", 4, None, False),
                   ("test_case.TestA.test_easy", 1, None, False),
                   ("test_case.TestA.test_hard", 5, "hidden", False),
                   ("test_case.TestA.test_last", None, None, False)]),
    "a try whose handler binds otherwise, a class in a class": ({"test_case.py": HEADER + '''
        POINTS = 1
        try:
            from hw_bonus import bonus
            BONUS = 5
        except ImportError:
            BONUS = 0


        class Outer:
            POINTS = 5

            class TestInner(TestCase):
                @weight(POINTS)
                def test_inner(self):
                    pass


        TestInner = Outer.TestInner


        class TestBonus(TestCase):
            @weight(BONUS)
            def test_bonus(self):
                pass
        '''}, [("test_case.TestBonus.test_bonus", None, None, False),
               ("test_case.Outer.TestInner.test_inner", 1, None, False)]),
    "methods removed or hidden after the class, a base from elsewhere first": ({
        "test_case.py": HEADER + '''
            from string import Formatter


            class TestA(TestCase):
                @weight(1)
                def test_a(self):
                    pass

                @weight(2)
                def test_b(self):
                    pass


            class TestMixed(Formatter, TestA):
                pass


            del TestA.test_b
            '''}, [("test_case.TestA.test_a", 1, None, False)]),
    "a later decorator given None": ({"test_case.py": HEADER + '''
        class TestA(TestCase):
            @visibility(None)
            @visibility("hidden")
            def test_shown(self):
                pass

            @hide_errors(None)
            @hide_errors("no details")
            def test_errors(self):
                pass

            @leaderboard("time", None)
            def test_board(self, set_leaderboard_value=None):
                pass
        '''}, [("test_case.TestA.test_board", None, None, False),
               ("test_case.TestA.test_errors", None, None, False),
               ("test_case.TestA.test_shown", None, None, False)]),
    "a course's decorator that applies gradescope-utils' inside it, one used bare": ({
        "helpers.py": HEADER + '''
            def hidden_points(points):
                def decorate(test):
                    @visibility("hidden")
                    @weight(points)
                    @functools.wraps(test)
                    def run(*args, **kwargs):
                        return test(*args, **kwargs)
                    return run
                return decorate


            def timeout(seconds=5):
                def decorate(test):
                    @functools.wraps(test)
                    def run(*args, **kwargs):
                        return test(*args, **kwargs)
                    return run
                return decorate
            ''',
        "test_case.py": HEADER + '''
            from helpers import hidden_points, timeout


            class TestA(TestCase):
                @hidden_points(5)
                @weight(2)
                def test_hidden(self):
                    pass

                @timeout
                @weight(5)
                def test_bare_factory(self):
                    pass

                @timeout(3)
                @weight(1)
                def test_timed(self):
                    pass
            '''}, [("test_case.TestA.test_timed", 1, None, False)]),
    "what a function binds for itself is no decorator": ({
        "helpers.py": '''
            import numpy as np
            from numpy import number

            def is_numeric(values):
                return np.issubdtype(np.asarray(values).dtype, number)
            ''',
        "test_case.py": HEADER + '''
            import numpy as np
            from helpers import is_numeric

            hidden = visibility("hidden")
            points = weight


            def scaled(weight, number=2):
                return weight * number


            class TestA(TestCase):
                @hidden
                @points(scaled(1) and 3)
                def test_aliases(self):
                    for number in range(3):
                        self.assertTrue(is_numeric([number]))
                    weight = 0.5
                    self.assertEqual(np.float64(weight).dtype.kind, "f")
                    self.assertTrue([visibility for visibility in "ab"])
            '''}, [("test_case.TestA.test_aliases", None, "hidden", False)]),
    "tests a factory makes with decorators of their own": ({"test_case.py": HEADER + '''
        def make_test(answer):
            @weight(1)
            def test(self):
                self.assertEqual(answer, answer)
            return test


        class TestA(TestCase):
            @weight(2)
            def test_fixed(self):
                pass


        for n in range(3):
            setattr(TestA, f"test_generated_{n}", make_test(n))
        '''}, [("test_case.TestA.test_fixed", 2, None, False)]),
    "reading the attributes, a fixture's own names, plain wrappers, a library's objects": ({
        "fixtures.py": "weight = [[1.0, 2.0]]\n",
        "vendored.py": '''
            import functools


            def configure(options, given):
                options.__dict__.update(given)
                return functools.update_wrapper(options, given)
            ''',
        "test_case.py": HEADER + '''
            import fixtures

            EASY, HARD = weight(1), weight(5)


            def timed(test):
                def run(self):
                    return test(self)
                return functools.update_wrapper(run, test)


            class TestA(TestCase):
                @EASY
                def test_easy(self):
                    self.assertEqual(fixtures.weight[0][0], 1.0)

                @timed
                @HARD
                def test_hard(self):
                    pass


            TOTAL = sum(getattr(getattr(TestA, name), "__weight__", 0) for name in dir(TestA)
                        if name.startswith("test"))
            '''}, [("test_case.TestA.test_easy", 1, None, False), ("test_case.TestA.test_hard", 5, None, False)]),
    "values swapped in one assignment": ({"test_case.py": HEADER + '''
        EASY, HARD = 1, 5
        EASY, HARD = HARD, EASY


        class TestA(TestCase):
            @weight(EASY)
            def test_easy(self):
                pass

            @weight(HARD)
            def test_hard(self):
                pass
        '''}, [("test_case.TestA.test_easy", 5, None, False), ("test_case.TestA.test_hard", 1, None, False)]),
}
APPLIED_ELSEWHERE = {
    "setattr with the attribute's name": 'setattr(TestA.test_a, "__weight__", 5)',
    "the attribute's name pieced together": 'TestA.test_a.__dict__["__" + "weight__"] = 5',
    "the function's __dict__": "TestA.test_a.__dict__.update(__weight__=5)",
    "an attribute set": "TestA.test_a.__weight__ = 5",
    "a decorator called on a test": "weight(5)(TestA.test_a)",
    "an applier from another file": "from helpers import easy\neasy(TestA.test_a)",
    "a factory from another file": "import helpers\nhelpers.points(5)(TestA.test_a)",
    "a table of decorators": "DECORATORS = {'hard': weight(10)}\nDECORATORS['hard'](TestA.test_a)",
    "decorators unpacked": "w, v = weight, visibility\nw(3)(TestA.test_a)",
    "a decorator mapped": "list(map(weight(4), [TestA.test_a]))",
    "a decorator in a lambda": "apply = lambda test: weight(4)(test)\napply(TestA.test_a)",
    "a decorator in a method's body": "class Later(TestCase):\n    def test_b(self):\n        weight(4)(TestA.test_a)",
    "getattr on the decorators module": "from gradescope_utils.autograder_utils import decorators\n"
                                        "getattr(decorators, 'weight')(5)(TestA.test_a)",
    "the module by its name in a text": "import importlib\nimportlib.import_module("
                                        "'gradescope_utils.autograder_utils.decorators').weight(5)(TestA.test_a)",
    "the module under a helper's name": "from helpers import gs\ngs.weight(5)(TestA.test_a)",
    "a decorator kept in a class": "class Marks:\n    five = weight(5)\n\n\nMarks.five(TestA.test_a)",
    "a decorator called in an assignment": "five = weight(5)\n_ = five(TestA.test_a)",
    "a class decorator that applies": "def points(n):\n    def apply(cls):\n        weight(n)(cls.test_a)\n"
                                      "        return cls\n    return apply\n\n\n@points(5)\nclass TestB(TestA):\n    pass",
    "a decorator that applies to another test": "def shares(f):\n    weight(5)(TestA.test_a)\n    return f\n\n\n"
                                                "class TestB(TestCase):\n    @shares\n    def test_b(self):\n"
                                                "        pass",
    "attributes copied from a template": "@weight(5)\ndef template():\n    pass\n\n\n"
                                         "functools.update_wrapper(TestA.test_a, template)",
    "a setattr name that may be a dunder": "for field in ['weight']:\n    setattr(TestA.test_a, f'__{field}__', 5)",
    "an exec": "exec('TestA.test_a.__weight__ = 5')",
    "load_tests": "def load_tests(loader, tests, pattern):\n    weight(5)(TestA.test_a)\n    return tests",
    "the first iterable of a comprehension": "[None for weight in [weight(5)(TestA.test_a)]]",
}
HELPERS = HEADER + '''
    from gradescope_utils.autograder_utils import decorators as gs

    easy = weight(3)


    def points(n):
        return weight(n)
    '''
NOT_KNOWN = {"weight": None, "number": None, "visibility": "hidden", "tags": (), "partial_credit": False,
             "leaderboard": None, "order": None, "hide_errors": "Test failed"}


def source(text: str) -> str:
    """A case's file, its header and its own lines each dedented."""
    header = textwrap.dedent(HEADER) if text.startswith(HEADER) else ""
    return header + textwrap.dedent(text[len(HEADER):] if header else text)


def loaded_decorations(folder, module: str) -> dict:
    """id -> Decorations of every test unittest's loader finds in the module once it runs."""
    sys.path.insert(0, str(folder))
    try:
        found = unittest.TestLoader().loadTestsFromModule(importlib.import_module(module))
    finally:
        sys.path.remove(str(folder))
        for name in [name for name, loaded in sys.modules.items()
                     if str(getattr(loaded, "__file__", None) or "").startswith(str(folder))]:
            del sys.modules[name]
    return {test.id(): decorations_of(getattr(test, test._testMethodName), unittest_method=True)
            for suite in found for test in suite}


@pytest.mark.parametrize("case", list(CASES))
def test_the_reading_gives_the_loaders_values_or_says_it_does_not_know(tmp_path, case):
    files, expected = CASES[case]
    for name, text in files.items():
        (tmp_path / "tests" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "tests" / name).write_text(source(text))
    read = static_decorations.SuiteSource(str(tmp_path / "tests")).read_module("test_case")
    assert [(test.id, test.weight, test.visibility, test.partial_credit) for test in read] == expected
    loaded = loaded_decorations(tmp_path / "tests", "test_case")
    for test in read:
        for field, unknown in NOT_KNOWN.items():
            value = getattr(test, field)
            assert value in (getattr(loaded[test.id], field), unknown), (test.id, field, value)


@pytest.mark.parametrize("case", list(APPLIED_ELSEWHERE))
def test_a_suite_applying_decorators_elsewhere_has_every_test_read_hidden_with_no_weight(tmp_path, case):
    """However the suite puts gradescope-utils' attributes on a test other than in a decorator
    list, the reading does not believe any test's decorators: each is hidden, with no weight."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "helpers.py").write_text(source(HELPERS))
    (tmp_path / "tests" / "test_case.py").write_text(source(HEADER + '''
        class TestA(TestCase):
            @weight(1)
            def test_a(self):
                pass
        ''') + "\n" + APPLIED_ELSEWHERE[case] + "\n")
    read = static_decorations.SuiteSource(str(tmp_path / "tests")).read_module("test_case")
    assert "test_case.TestA.test_a" in [test.id for test in read]
    assert {(test.weight, test.visibility) for test in read} == {(None, "hidden")}
    if "method" not in case:  # (the run applies it)
        assert loaded_decorations(tmp_path / "tests", "test_case")["test_case.TestA.test_a"].weight != 1


def test_a_source_the_reading_cannot_follow_gives_no_tests_and_says_so(tmp_path, capsys):
    """A number too long to write as text, a base that is a table holding a list: no tests
    (the run lists them status-only), never an error out of the reading; the staff log says
    which module."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_odd.py").write_text(source(HEADER + f'''
        BASES = (1, [2])


        class TestOdd(BASES[1], TestCase):
            @number(0x{"f" * 4000})
            def test_long(self):
                pass
        '''))
    read = static_decorations.SuiteSource(str(tmp_path / "tests")).read_module("test_odd")
    assert [(test.id, test.number) for test in read] in ([], [("test_odd.TestOdd.test_long", None)])
