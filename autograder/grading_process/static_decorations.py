"""A test module's gradescope-utils decorators read from its source alone.

For the faithful suite mode's reading of a suite (`suite_discovery`): a test module whose
top-level code needs the submission's real values (`X, y = hw.load_data()`) does not load with
placeholders, yet its tests' weights must still be known before any submitted code runs. Its
syntax tree gives them: each top-level class with a base (a TestCase, or a class of the module
that has one), its `test*` methods and those it inherits from classes of the module, in the
order unittest's loader takes them (classes, then methods, by name), and the decorators whose
arguments are literals. Tests the tree cannot show (methods inherited from another module) are
left to be reported by the run as tests nobody listed.
"""
from __future__ import annotations

import ast
from pathlib import Path

from autograder.wire.decorations import Decorations

DECORATORS_MODULE = "gradescope_utils.autograder_utils.decorators"
DECORATORS = ("weight", "number", "visibility", "tags", "leaderboard", "partial_credit", "hide_errors")
TEST_PREFIX = "test"  # unittest.TestLoader.testMethodPrefix
HIDE_ERRORS_DEFAULT = "Test failed"  # gradescope-utils' `@hide_errors()` message


def read_module(path: Path, module: str, descriptions: bool = True) -> list[Decorations]:
    """One `Decorations` (with unittest's id and JSONTestRunner's name) per test of the module
    `module` whose source is `path`; [] when it cannot be read or parsed."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    names = _decorator_names(tree)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    tests = []
    for name in sorted(classes):
        if not _may_be_test_case(classes[name], classes, set()):
            continue
        methods = _methods(classes[name], classes, set())
        for method in sorted(methods):
            if method.startswith(TEST_PREFIX):
                tests.append(_decorations(methods[method], f"{module}.{name}", names, descriptions))
    return tests


def _decorator_names(tree: ast.Module) -> dict[str, str]:
    """The names this module gives gradescope-utils' decorators (`from ... import weight as w`)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == DECORATORS_MODULE:
            names.update({alias.asname or alias.name: alias.name
                          for alias in node.names if alias.name in DECORATORS})
    return names


def _may_be_test_case(node: ast.ClassDef, classes: dict, seen: set) -> bool:
    """Whether the class has a base from outside the module (unittest's TestCase, a helper's
    base class), directly or through classes of the module: a class with none cannot be one."""
    seen.add(node.name)
    for base in node.bases:
        inner = classes.get(base.id) if isinstance(base, ast.Name) else None
        if inner is None or (inner.name not in seen and _may_be_test_case(inner, classes, seen)):
            return True
    return False


def _methods(node: ast.ClassDef, classes: dict, seen: set) -> dict[str, ast.FunctionDef]:
    """The class's methods by name, with those it inherits from classes of the module (its
    own win, then its first base's over the later ones')."""
    seen.add(node.name)
    found: dict[str, ast.FunctionDef] = {}
    for base in reversed(node.bases):
        inner = classes.get(base.id) if isinstance(base, ast.Name) else None
        if inner is not None and inner.name not in seen:
            found.update(_methods(inner, classes, seen))
    found.update({item.name: item for item in node.body if isinstance(item, ast.FunctionDef)})
    return found


def _decorations(method: ast.FunctionDef, cls: str, names: dict[str, str],
                 descriptions: bool) -> Decorations:
    found: dict = {"unittest": True}
    for decorator in method.decorator_list:
        kind, args, keywords = _decorator(decorator, names)
        if kind is not None:
            found.update(_effect(kind, args, keywords))
    doc = (ast.get_docstring(method, clean=False) or "").strip()
    first = doc.splitlines()[0].strip() if doc else None
    test = method.name
    return Decorations(**found, doc=first, id=f"{cls}.{test}",
                       name=first if descriptions and first else f"{test} ({cls}.{test})")


def _decorator(node, names: dict[str, str]):
    """(which decorator, its literal arguments, its literal keywords), or (None, ...) for
    another decorator or one whose arguments are not literals."""
    if not isinstance(node, ast.Call):
        return None, (), {}
    called = node.func
    kind = (names.get(called.id) if isinstance(called, ast.Name)
            else called.attr if isinstance(called, ast.Attribute) and called.attr in DECORATORS
            else None)
    try:
        args = tuple(ast.literal_eval(arg) for arg in node.args)
        keywords = {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.keywords}
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return None, (), {}
    return kind, args, keywords


def _effect(kind: str, args: tuple, keywords: dict) -> dict:
    """What the decorator `kind` called with these literals puts on its test, as
    `decorations.decorations_of` would read it from the function."""
    def argument(position: int, keyword: str, default=None):
        return args[position] if len(args) > position else keywords.get(keyword, default)

    if kind in ("weight", "partial_credit"):
        points = argument(0, "val" if kind == "weight" else "weight")
        found = {"weight": points if type(points) in (int, float) else None}
        return {**found, "partial_credit": True} if kind == "partial_credit" else found
    if kind in ("number", "visibility"):
        given = argument(0, "val")
        return {kind: str(given)} if given is not None else {}
    if kind == "tags":
        return {"tags": tuple(str(tag) for tag in args)}
    if kind == "hide_errors":
        return {"hide_errors": str(argument(0, "val", HIDE_ERRORS_DEFAULT))}
    column = argument(0, "column_name")
    if column is None:
        return {}
    return {"leaderboard": str(column), "order": str(argument(1, "sort_order", "desc"))}
