"""The faithful suite mode's reading of a gradescope-utils suite, before any submitted code runs.

Runs in the suite's grading process on the harness's private copy of the suite: unittest's own
discovery (the suite folder on `sys.path`, its helper modules importable), with every module of
the submission answered by an inert placeholder, so that nothing submitted is ever imported
here. Imports resolve as under Gradescope's `run_tests.py` in `/autograder/source`: the suite's
folder is also a package of its own name (`from tests.helpers import ...`), and nothing of the
harness's own folder is importable. What each test's decorators say (weight, number,
visibility, tags, leaderboard, partial credit) and its name as `JSONTestRunner` writes it are
read then, and are the only source of those fields: the worker that later runs the suite is
believed only about outcomes.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
import unittest
from dataclasses import replace
from pathlib import Path

from autograder.grading_process import static_decorations
from autograder.grading_process.decorations import decorations_of
from autograder.paths import without_harness_folder


class Placeholder:
    """Whatever a test module takes from the submission while it loads: any attribute, call,
    item, operator or base class, doing nothing. Arithmetic and comparisons give placeholders
    (`CELLS = grid.SIZE * grid.SIZE` loads); where Python needs a plain value it gets a neutral
    one: false, 0, 0.0, an empty iteration, no member."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Placeholder()

    def _placeholder(self, *args, **kwargs):
        return Placeholder()

    __call__ = __getitem__ = _placeholder
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _placeholder
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _placeholder
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __divmod__ = __rdivmod__ = _placeholder
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _placeholder
    __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = _placeholder
    __neg__ = __pos__ = __abs__ = __invert__ = __round__ = _placeholder
    __lt__ = __le__ = __gt__ = __ge__ = _placeholder
    __hash__ = object.__hash__

    def __bool__(self):
        return False

    def __len__(self):
        return 0

    def __index__(self):
        return 0

    __int__ = __index__

    def __float__(self):
        return 0.0

    def __contains__(self, item):
        return False

    def __format__(self, spec):
        return ""

    def __iter__(self):
        return iter(())

    def __mro_entries__(self, bases):
        return (object,)


class PlaceholderModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Placeholder()


class PlaceholderFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on `sys.meta_path`: the submission's module names (and their submodules) that
    nothing else provides become placeholders."""

    def __init__(self, names: list[str]):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".", 1)[0] not in self.names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = PlaceholderModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        return None


class SuiteFolderFinder(importlib.abc.MetaPathFinder):
    """First on `sys.meta_path`: the suite's folder as the package of its name, found in the
    folder holding it (Gradescope's `/autograder/source`, on `sys.path` there as the folder of
    `run_tests.py`), whatever else on `sys.path` has that name."""

    def __init__(self, folder: str):
        self.folder = Path(folder)

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.folder.name:
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, [str(self.folder.parent)])


def discover(start_dir: str, pattern: str, submitted: list[str], descriptions: bool = True):
    """(tests, problems): one `Decorations` per test in discovery order, with its id and
    name, and the test modules that failed to load here, as (name, error text, how many tests
    `static_decorations` read from its source instead)."""
    finder, folder = PlaceholderFinder(submitted), SuiteFolderFinder(start_dir)
    saved_path = sys.path[:]
    sys.path[:] = without_harness_folder(sys.path)
    sys.meta_path.insert(0, folder)
    sys.meta_path.append(finder)
    try:
        suite = unittest.TestLoader().discover(start_dir, pattern=pattern)
    finally:
        sys.meta_path.remove(finder)
        sys.meta_path.remove(folder)
        sys.path[:] = saved_path
    tests, problems = [], []
    for test in _tests_of(suite):
        if isinstance(test, unittest.loader._FailedTest):
            module = test._testMethodName
            read = static_decorations.read_module(
                Path(start_dir, *module.split(".")).with_suffix(".py"), module, descriptions)
            tests.extend(read)
            problems.append((module, str(getattr(test, "_exception", ""))[-3000:], len(read)))
            continue
        method = getattr(test, test._testMethodName, None)
        doc = test.shortDescription()
        tests.append(replace(decorations_of(method, unittest_method=True), id=test.id(),
                             name=doc if descriptions and doc else str(test)))
    return tests, problems


def _tests_of(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _tests_of(test)
        else:
            yield test
