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
import os
import sys
import sysconfig
import types
import unittest
from dataclasses import replace
from pathlib import Path

from autograder.grading_process import static_decorations
from autograder.grading_process.decorations import decorations_of
from autograder.paths import SUITE_ARGV, without_harness_folder
from autograder.wire.decorations import Decorations


LIBRARY_FOLDERS = tuple({Path(sysconfig.get_paths()[key]).resolve()
                         for key in ("stdlib", "platstdlib", "purelib", "platlib")})
MAX_PLAIN_VALUES = 10_000  # plain values one module may take (past it: a loop waiting on one)


class PlaceholderLoop(RuntimeError):
    """A test module kept asking placeholders for plain values, as a loop that waits for one
    of the submission's values would (`while True: ... if side * side >= grid.CELLS: break`)."""


class PlainValues:
    """Which modules of the suite took a plain value (a truth value, a length, a number, a
    text, an iteration, an equality) from a placeholder while they loaded. What they computed
    from it may differ from what the submission's values give (a weight, a skip, tests made in
    a loop), so discovery reads their decorators from their source instead. Counted only while
    the suite loads (`counting`), for the suite's own files (`root`)."""

    def __init__(self, start_dir: str):
        self.roots = tuple({os.path.join(os.path.abspath(start_dir), ""),
                            os.path.join(os.path.realpath(start_dir), "")})
        self.counts: dict[str, int] = {}
        self.counting = True

    def asked(self) -> None:
        """Record a plain value for every module of the suite whose top-level code is
        running now (a module importing another is running too; a class body runs in its
        module's), or, when none is (unittest's `load_tests` calls a function of the module),
        for the outermost of the suite's frames; `PlaceholderLoop` past `MAX_PLAIN_VALUES`
        for one module. A function of another module that the loading one calls is not
        counted: its own module's top level did not ask."""
        if not self.counting:
            return
        running, outermost, frame = set(), None, sys._getframe(2)
        while frame is not None:
            module = frame.f_globals.get("__name__")
            if isinstance(module, str) and frame.f_code.co_filename.startswith(self.roots):
                outermost = module
                if frame.f_code.co_name == "<module>":
                    running.add(module)
            frame = frame.f_back
        for module in running or ({outermost} if outermost else set()):
            self.counts[module] = self.counts.get(module, 0) + 1
            if self.counts[module] > MAX_PLAIN_VALUES:
                raise PlaceholderLoop(f"{module} asked the submission's values for plain "
                                      f"values more than {MAX_PLAIN_VALUES} times")


class Placeholder:
    """Whatever a test module takes from the submission while it loads: any attribute, call,
    item, operator or base class, doing nothing. Arithmetic and comparisons give placeholders
    (`CELLS = grid.SIZE * grid.SIZE` loads as it is); where Python needs a plain value it gets
    a neutral one (false, 0, an empty text or iteration), and `PlainValues` notes the module."""

    __slots__ = ("_plain",)

    def __init__(self, plain: PlainValues):
        object.__setattr__(self, "_plain", plain)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Placeholder(self._plain)

    def _placeholder(self, *args, **kwargs):
        return Placeholder(self._plain)

    __call__ = __getitem__ = _placeholder
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _placeholder
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _placeholder
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __divmod__ = __rdivmod__ = _placeholder
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _placeholder
    __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = _placeholder
    __neg__ = __pos__ = __abs__ = __invert__ = __round__ = _placeholder
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _placeholder
    __hash__ = object.__hash__  # (defining __eq__ would take it away)

    def __setattr__(self, name, value):  # `hw.config.size = 3` loads too
        return None

    def __bool__(self):
        self._plain.asked()
        return False

    def __len__(self):
        self._plain.asked()
        return 0

    def __index__(self):  # int(), float(), range(), slices
        self._plain.asked()
        return 0

    def __contains__(self, item):
        self._plain.asked()
        return False

    def __str__(self):
        self._plain.asked()
        return ""

    __repr__ = __str__

    def __format__(self, spec):
        self._plain.asked()
        return ""

    def __iter__(self):
        self._plain.asked()
        return iter(())

    def __mro_entries__(self, bases):
        return (object,)


class PlaceholderModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Placeholder(self.__spec__.loader.plain)


class PlaceholderFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on `sys.meta_path`: the submission's module names (and their submodules) that
    nothing else provides become placeholders."""

    def __init__(self, names: list[str], start_dir: str):
        self.names = set(names)
        self.plain = PlainValues(start_dir)

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
    name, and the test modules that failed to load here or took plain values from a
    placeholder, as (name, why, how many tests `static_decorations` read from its source
    instead)."""
    finder, folder = PlaceholderFinder(submitted, start_dir), SuiteFolderFinder(start_dir)
    saved_path, saved_argv = sys.path[:], sys.argv[:]
    package = Path(start_dir).name  # the suite folder's own package name
    set_aside = finder.names | {package}  # (and the submission's names)
    set_aside_before = {name: sys.modules.pop(name) for name in list(sys.modules)
                        if name.split(".", 1)[0] in set_aside and not _is_library(sys.modules[name])}
    shadowing = sorted({name.split(".", 1)[0] for name in sys.modules} & finder.names)
    if shadowing:
        print(f"autograder: the submission's {', '.join(shadowing)} has the name of a library "
              f"module; the suite's imports of that name read the library here",
              file=sys.stderr)
    loaded_before = set(sys.modules)
    try:
        sys.argv[:] = SUITE_ARGV
        return _read(start_dir, pattern, descriptions, finder, folder)
    finally:
        sys.path[:], sys.argv[:] = saved_path, saved_argv
        for name in set(sys.modules) - loaded_before:  # the suite's modules, read and done with
            if _from_suite(sys.modules[name], start_dir) or name.split(".", 1)[0] == package:
                del sys.modules[name]
        sys.modules.update(set_aside_before)  # (what the process had under those names)


def _read(start_dir: str, pattern: str, descriptions: bool, finder: "PlaceholderFinder",
          folder: "SuiteFolderFinder"):
    """`discover`'s work, with the finders in place while unittest's loader runs."""
    sys.path[:] = without_harness_folder(sys.path)
    sys.meta_path.insert(0, folder)
    sys.meta_path.append(finder)
    try:
        suite = unittest.TestLoader().discover(start_dir, pattern=pattern)
    finally:
        finder.plain.counting = False
        sys.meta_path.remove(finder)
        sys.meta_path.remove(folder)
    loaded = list(_tests_of(suite))
    source = static_decorations.SuiteSource(start_dir, finder.names)
    flagged = _flagged(finder.plain.counts, loaded, source)
    tests, problems, read = [], [], {}
    for test in loaded:
        if isinstance(test, unittest.loader._FailedTest):
            module = test._testMethodName
            found = source.read_module(module, descriptions=descriptions)
            tests.extend(found)
            problems.append((module, str(getattr(test, "_exception", ""))[-3000:], len(found)))
            continue
        module, doc = type(test).__module__, test.shortDescription()
        name = doc if descriptions and doc else str(test)
        if module in flagged:
            if module not in read:
                read[module] = {found.id: found for found in source.read_module(
                    module, _file_of(module), descriptions)}
                problems.append((module, flagged[module], len(read[module])))
            found = read[module].get(test.id(), Decorations(unittest=True, doc=doc or None,
                                                            visibility="hidden"))
        else:
            found = decorations_of(getattr(test, test._testMethodName, None), unittest_method=True)
        tests.append(replace(found, id=test.id(), name=name))
    return tests, problems


def _flagged(counts: dict[str, int], loaded: list, source: "static_decorations.SuiteSource"
             ) -> dict[str, str]:
    """The suite's modules whose loaded tests cannot be believed, with why: they took plain
    values from placeholders, their decorators hold one, or they import such a module of the
    suite (`from helpers import POINTS`, where helpers computed POINTS from one)."""
    flagged = {module: f"its top-level code took {count} plain values (truth values, lengths, "
                       f"numbers, texts) from the submission's modules, which are not known "
                       f"before the submission runs" for module, count in counts.items()}
    for test in loaded:
        if _holds_placeholder(getattr(test, getattr(test, "_testMethodName", ""), None)):
            flagged.setdefault(type(test).__module__,
                               "its decorators were given values of the submission's modules")
    modules = {type(test).__module__ for test in loaded} | set(flagged)
    imports = {module: source.imported(module, _file_of(module)) for module in modules}
    changed = True
    while changed:
        changed = False
        for module in modules - set(flagged):
            reached = sorted(imports[module] & set(flagged))
            if reached:
                flagged[module] = f"it imports {reached[0]}, which could not be read either"
                changed = True
    return flagged


def _holds_placeholder(function) -> bool:
    """Whether a decorator put a placeholder (or a tuple holding one) on `function`."""
    values = vars(function).values() if hasattr(function, "__dict__") else ()
    return any(isinstance(value, Placeholder) or (isinstance(value, tuple) and any(
        isinstance(item, Placeholder) for item in value)) for value in values)


def _file_of(module: str) -> Path | None:
    file = getattr(sys.modules.get(module), "__file__", None)
    return Path(file) if isinstance(file, str) else None


def _is_library(module) -> bool:
    """A module of Python's own or of an installed package (the process's, kept: a
    `unittest.py` of the submission's must not take unittest's place here)."""
    if isinstance(module, PlaceholderModule):
        return False
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        return any(Path(file).resolve().is_relative_to(folder) for folder in LIBRARY_FOLDERS)
    return getattr(getattr(module, "__spec__", None), "origin", None) in ("built-in", "frozen")


def _from_suite(module, start_dir: str) -> bool:
    """A module of the suite's folder or a placeholder (not a library the suite imported:
    NumPy's extension modules, for one, cannot be imported twice in a process)."""
    if isinstance(module, PlaceholderModule):
        return True
    file = getattr(module, "__file__", None)
    return isinstance(file, str) and Path(file).resolve().is_relative_to(Path(start_dir).resolve())


def _tests_of(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _tests_of(test)
        else:
            yield test
