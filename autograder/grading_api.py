"""What grading tests use to reach the submission under test.

A grading test never imports a student file by name. It asks for a fixture made by
`submission_module("activations")`; the fixture imports `activations.py` from the staged
submission folder (the folder the harness selected, with the provided files such as `data.py`
copied in) and turns every way that import can go wrong into a `SubmissionProblem` that the
harness reports to the student in plain words.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

import pytest

SUBMISSION_DIR_ENV = "AUTOGRADER_SUBMISSION_DIR"

_imported: dict[str, ModuleType] = {}
_import_failures: dict[str, "SubmissionProblem"] = {}


class SubmissionProblem(Exception):
    """A problem with the submitted files themselves (not with one function's answer).

    `str()` of it is a complete, student-readable sentence in markdown.
    """


class SubmissionFileMissing(SubmissionProblem):
    def __init__(self, filename: str):
        if filename.endswith(".py"):
            text = (f"`{filename}` was not found in your submission, so its items could not be "
                    f"graded. Upload it at the top level of your submission (or in a single folder).")
        else:
            text = (f"Not implemented yet: the trained weights `{filename}` are not in your "
                    f"submission. Train your network, save it as `{filename}` and upload it with "
                    f"your code.")
        super().__init__(text)
        self.filename = filename


class ForbiddenImport(SubmissionProblem):
    def __init__(self, filename: str, package: str, line: int):
        super().__init__(
            f"`{filename}` imports `{package}` (line {line}). This part of the assignment must be "
            f"written with NumPy only, so none of `{filename}`'s items can earn points until that "
            f"import is removed."
        )


class SubmissionImportFailed(SubmissionProblem):
    def __init__(self, filename: str, error: BaseException):
        self.filename = filename
        self.error = error
        super().__init__(describe_import_error(filename, error))


def describe_import_error(filename: str, error: BaseException) -> str:
    """One readable sentence saying where and why importing `filename` failed."""
    if isinstance(error, SyntaxError):
        where = f"line {error.lineno}" if error.lineno else "an unknown line"
        text = (error.text or "").rstrip()
        shown = f"\n\n```\n{text}\n```" if text else ""
        return f"`{filename}` has a syntax error at {where}: {error.msg}.{shown}"
    line = _last_line_in(filename, error)
    where = f" (line {line})" if line else ""
    if isinstance(error, SystemExit):
        return f"`{filename}` called `exit()` / `sys.exit()` while being imported{where}; remove it."
    return (
        f"Importing `{filename}` raised `{type(error).__name__}: {error}`{where}. "
        f"Code at the top level of a file runs on import: keep only definitions there."
    )


def _last_line_in(filename: str, error: BaseException) -> int | None:
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).name == filename:
            line = frame.lineno
    return line


def submission_dir() -> Path:
    """The staged submission folder chosen by the harness (or by `pytest --submission`)."""
    value = os.environ.get(SUBMISSION_DIR_ENV)
    if not value:
        raise RuntimeError(
            f"No submission selected: run the grading tests through `python -m autograder run` "
            f"or with `pytest tests --submission DIR`."
        )
    return Path(value)


def find_forbidden_import(source: str, forbidden: tuple[str, ...]) -> tuple[str, int] | None:
    """First `(package, line)` among `import x`, `from x import`, `__import__("x")` and
    `importlib.import_module("x")` whose top-level package is in `forbidden`."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("__import__", "import_module") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        for name in names:
            if name.split(".")[0] in forbidden:
                return name.split(".")[0], node.lineno
    return None


def import_submission(name: str, forbidden: tuple[str, ...] = ()) -> ModuleType:
    """Import `<name>.py` from the submission folder once per grading process.

    The module is registered in `sys.modules` under `name`, so the submission's own
    `import activations` inside `deep_net.py` sees the same module the tests see.
    Raises `SubmissionFileMissing` or `SubmissionImportFailed`; an import failure is
    remembered, so every item of that file reports the same reason.
    """
    if name in _imported:
        return _imported[name]
    if name in _import_failures:
        raise _import_failures[name]
    filename = f"{name}.py"
    path = submission_dir() / filename
    if not path.is_file():
        raise SubmissionFileMissing(filename)
    try:
        found = find_forbidden_import(path.read_text(encoding="utf-8", errors="replace"), forbidden)
    except SyntaxError as error:
        found, problem = None, SubmissionImportFailed(filename, error)
        _import_failures[name] = problem
        raise problem from None
    if found:
        _import_failures[name] = ForbiddenImport(filename, *found)
        raise _import_failures[name]
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:  # noqa: BLE001 - any failure, SystemExit included, is reported
        sys.modules.pop(name, None)
        problem = SubmissionImportFailed(filename, error)
        _import_failures[name] = problem
        raise problem from None
    _imported[name] = module
    return module


def submission_file(filename: str) -> Path:
    """Path of a submitted data file (e.g. `mnist.pt`); raises `SubmissionFileMissing`."""
    path = submission_dir() / filename
    if not path.is_file():
        raise SubmissionFileMissing(filename)
    return path


def submission_module(name: str, forbidden: tuple[str, ...] = (), scope: str = "session"):
    """Make a fixture that yields the submission's module `name` (e.g. `"layers"`).

    Use at module level of a test file or conftest: `layers = submission_module("layers")`.
    `forbidden`: top-level packages the file may not import (e.g. `("torch",)`).
    """

    @pytest.fixture(scope=scope, name=name)
    def _fixture():
        return import_submission(name, forbidden)

    return _fixture
