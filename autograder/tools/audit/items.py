"""Which rubric items can see a file of the submission, read from the sources (never run):
the items an edit of that file is judged on, and the items a grading must include for the
harness to stage the files their modules import."""
from __future__ import annotations

import ast
from pathlib import Path

from autograder.rubric import Rubric


def importers(reference: Path, module: str) -> set[str]:
    """`module` and every module of the reference that imports it, directly or not."""
    imports = {path.stem: _imported_names(path) for path in reference.glob("*.py")}
    found, grew = {module}, True
    while grew:
        grew = False
        for name, imported in imports.items():
            if name not in found and imported & found:
                found.add(name)
                grew = True
    return found


def _imported_names(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def fixtures_of_items(rubric: Rubric) -> dict[str, set[str]]:
    """Item id -> the argument names (fixtures) of its test functions, e.g. {"layers"}."""
    arguments: dict[str, dict[str, set[str]]] = {}
    result = {}
    for item in rubric.items:
        used = set()
        for test in item.tests:
            filename, _, function = test.partition("::")
            if filename not in arguments:
                arguments[filename] = _test_arguments(rubric.root / rubric.tests_dir / filename)
            used |= arguments[filename].get(function, set())
        result[item.id] = used
    return result


def _test_arguments(path: Path) -> dict[str, set[str]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    return {node.name: {arg.arg for arg in node.args.args} for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def items_seeing(rubric: Rubric, filename: str, fixtures: dict[str, set[str]]) -> set[str]:
    """Items graded on `filename` or whose tests use a module that imports it."""
    modules = importers(rubric.root / rubric.reference, Path(filename).stem)
    return {item.id for item in rubric.items
            if item.file == filename or fixtures.get(item.id, set()) & modules}


def whole_test_files(rubric: Rubric, item_ids: set[str]) -> set[str]:
    """`item_ids` plus every item sharing a test file with them (a test file is collected whole)."""
    files = {test.partition("::")[0] for item in rubric.items if item.id in item_ids for test in item.tests}
    return {item.id for item in rubric.items if any(t.partition("::")[0] in files for t in item.tests)}


def with_imported_files(rubric: Rubric, item_ids: set[str], fixtures: dict[str, set[str]]) -> set[str]:
    """`item_ids` plus the items of every file their modules import (the harness stages only
    the files of the items it grades), as whole test files."""
    reference = rubric.root / rubric.reference
    modules = {path.stem for path in reference.glob("*.py")}
    used = set()
    for item in rubric.items:
        if item.id in item_ids:
            used |= fixtures.get(item.id, set()) & modules
            used |= {Path(item.file).stem} if item.file and item.file.endswith(".py") else set()
    needed = set().union(*(imported_modules(reference, module) for module in used)) if used else set()
    extra = {item.id for item in rubric.items if item.file and Path(item.file).stem in needed}
    return whole_test_files(rubric, item_ids | extra)


def imported_modules(reference: Path, module: str) -> set[str]:
    """`module` and every module of the reference it imports, directly or not."""
    found, todo = set(), [module]
    while todo:
        name = todo.pop()
        path = reference / f"{name}.py"
        if name in found or not path.is_file():
            continue
        found.add(name)
        todo.extend(_imported_names(path))
    return found
