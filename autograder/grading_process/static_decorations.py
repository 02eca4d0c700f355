"""A test module's gradescope-utils decorators read from its source alone.

For the faithful suite mode's reading of a suite (`suite_discovery`): a test module whose
top-level code needs the submission's real values (`X, y = hw.load_data()`, `@weight(len(hw.CASES))`)
does not load with placeholders, or loads showing what the placeholders gave; yet its tests'
weights must be known before any submitted code runs. Its syntax tree gives them: each class
with a base (a TestCase, or a class of the suite that has one) that the module defines or
imports from another module of the suite, its `test*` methods and those it inherits from
classes of the suite, in the order unittest's loader takes them (classes by the name the
module gives them, then methods, by name), and the decorators whose arguments are literals.
A visibility that is not a literal is read as "hidden": a test staff meant to hide stays
hidden. Tests the tree cannot show (methods inherited from a class outside the suite) are
left to the run, which reports them as tests nobody listed.
"""
from __future__ import annotations

import ast
from pathlib import Path

from autograder.grading_process.decorations import plain_number
from autograder.wire.decorations import Decorations

DECORATORS_MODULE = "gradescope_utils.autograder_utils.decorators"
DECORATORS = ("weight", "number", "visibility", "tags", "leaderboard", "partial_credit", "hide_errors")
TEST_PREFIX = "test"  # unittest.TestLoader.testMethodPrefix
HIDE_ERRORS_DEFAULT = "Test failed"  # gradescope-utils' `@hide_errors()` message
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class SuiteModule:
    """One module of the suite, parsed: its classes by name, the decorator names it imports."""

    def __init__(self, name: str, tree: ast.Module):
        self.name = name
        self.tree = tree
        self.classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
        self.decorators = _decorator_names(tree)


def parse(path: Path, name: str) -> SuiteModule | None:
    try:
        return SuiteModule(name, ast.parse(path.read_text(encoding="utf-8", errors="replace")))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def source_of(start_dir: str, module: str) -> Path:
    """Where the suite module `module` (named from the suite's folder) is written."""
    path = Path(start_dir, *module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def read_module(path: Path, module: str, start_dir: str, descriptions: bool = True) -> list[Decorations]:
    """One `Decorations` (with unittest's id and JSONTestRunner's name) per test of the module
    `module` whose source is `path`; [] when it cannot be read or parsed."""
    parsed = parse(path, module)
    if parsed is None:
        return []
    tests = []
    for _, owner, node in sorted(_test_classes(parsed, start_dir), key=lambda found: found[0]):
        methods = _methods(node, owner, set())
        for method in sorted(methods):
            if method.startswith(TEST_PREFIX):
                function, where = methods[method]
                tests.append(_decorations(function, f"{owner.name}.{node.name}", where.decorators,
                                          descriptions))
    return tests


def imported_modules(path: Path) -> set[str]:
    """The modules the file at `path` imports by absolute name (and their parent packages)."""
    parsed = parse(path, "")
    if parsed is None:
        return set()
    names = set()
    for node in ast.walk(parsed.tree):
        found = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                 else [])
        for name in found:
            parts = name.split(".")
            names.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return names


def _test_classes(parsed: SuiteModule, start_dir: str):
    """(the name the module gives it, the module defining it, its node) for each class the
    module defines or imports from another module of the suite that may be a TestCase."""
    found = [(name, parsed, node) for name, node in parsed.classes.items()]
    for node in parsed.tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            other = parse(source_of(start_dir, node.module), node.module)
            for alias in node.names if other is not None else ():
                if alias.name in other.classes:
                    found.append((alias.asname or alias.name, other, other.classes[alias.name]))
    return [(name, owner, node) for name, owner, node in found
            if _may_be_test_case(node, owner.classes, set())]


def _decorator_names(tree: ast.Module) -> dict[str, str]:
    """The names a module gives gradescope-utils' decorators (`from ... import weight as w`,
    or all of them with `import *`)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == DECORATORS_MODULE:
            for alias in node.names:
                if alias.name == "*":
                    names.update({name: name for name in DECORATORS})
                elif alias.name in DECORATORS:
                    names[alias.asname or alias.name] = alias.name
    return names


def _may_be_test_case(node: ast.ClassDef, classes: dict, seen: set) -> bool:
    """Whether the class has a base from outside its module other than `object` (unittest's
    TestCase, a helper's base class), directly or through classes of the module."""
    seen.add(node.name)
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id == "object":
            continue
        inner = classes.get(base.id) if isinstance(base, ast.Name) else None
        if inner is None or (inner.name not in seen and _may_be_test_case(inner, classes, seen)):
            return True
    return False


def _methods(node: ast.ClassDef, owner: SuiteModule, seen: set) -> dict[str, tuple]:
    """The class's methods by name, each with the module that writes it, with those it
    inherits from classes of its module (its own win, then its first base's)."""
    seen.add(node.name)
    found: dict[str, tuple] = {}
    for base in reversed(node.bases):
        inner = owner.classes.get(base.id) if isinstance(base, ast.Name) else None
        if inner is not None and inner.name not in seen:
            found.update(_methods(inner, owner, seen))
    found.update({item.name: (item, owner) for item in node.body if isinstance(item, FUNCTIONS)})
    return found


def _decorations(method, cls: str, names: dict[str, str], descriptions: bool) -> Decorations:
    """What the method's decorators put on it (the topmost applied last, so it wins)."""
    found: dict = {"unittest": True}
    for decorator in reversed(method.decorator_list):
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
    another decorator or one whose arguments are not literals (a visibility then "hidden")."""
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
        return (kind, ("hidden",), {}) if kind == "visibility" else (None, (), {})
    return kind, args, keywords


def _effect(kind: str, args: tuple, keywords: dict) -> dict:
    """What the decorator `kind` called with these literals puts on its test, as
    `decorations.decorations_of` would read it from the function."""
    def argument(position: int, keyword: str, default=None):
        return args[position] if len(args) > position else keywords.get(keyword, default)

    if kind in ("weight", "partial_credit"):
        found = {"weight": plain_number(argument(0, "val" if kind == "weight" else "weight"))}
        return {**found, "partial_credit": True} if kind == "partial_credit" else found
    if kind in ("number", "visibility"):
        given = argument(0, "val")
        return {kind: str(given)} if given is not None else {}
    if kind == "tags":
        return {"tags": tuple(str(tag) for tag in args)}
    if kind == "hide_errors":
        message = argument(0, "val", HIDE_ERRORS_DEFAULT)
        return {"hide_errors": str(message)} if message is not None else {}
    column = argument(0, "column_name")
    if column is None:
        return {}
    return {"leaderboard": str(column), "order": str(argument(1, "sort_order", "desc"))}
