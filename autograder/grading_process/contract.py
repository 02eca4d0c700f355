"""The signatures the assignment gives its functions, read (never imported) from the template
students receive, so that a call the submitted definition cannot take is explained with the
signature the grader calls.

The grading process reads the template's files from its own folder (`configure`); a
function's label is `module.function` or `Class.method`, as calls are labelled.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from autograder.grading_process import session

# Python's own words for a module without a name the test looks up.
MISSING_NAME = re.compile(r"^module '(?P<module>\w+)' has no attribute '(?P<name>\w+)'$")
# Python's own words for a call whose arguments the definition does not accept.
SIGNATURE_ERROR = re.compile(
    r"^(?P<name>[\w.]+)\(\) (takes|got an unexpected keyword argument|missing \d+ required"
    r"|got multiple values for argument)")



def configure(folder: str | None) -> None:
    """Read the contract from the template's `.py` files in `folder` (None: there is none)."""
    session.current().contract_dir = folder or None


def _folder() -> Path | None:
    folder = session.current().contract_dir
    return Path(folder) if folder else None


def signature_hint(label: str, message: str, submitted: dict[str, str]) -> str | None:
    """For a `TypeError` `message` raised by the grader's call of `label` itself (not deeper in
    the student's code: the caller checks that no submitted frame ran): the assignment's
    signature and the submitted one, when Python's words say the call did not fit the
    definition and the two signatures' parameters differ (confirmed on the submitted source of
    `label`'s own module or class, in `submitted`: module name -> source); else None."""
    matched = SIGNATURE_ERROR.match(message)
    name = label.rsplit(".", 1)[-1]
    folder = _folder()
    if not matched or matched.group("name").rsplit(".", 1)[-1] != name or folder is None:
        return None
    contract = {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))}
    expected, submitted_def = _definition(contract, label), _definition(submitted, label)
    if expected is None or submitted_def is None or _parameters(expected) == _parameters(submitted_def):
        return None
    return (f"The grader calls `{name}` as the assignment defines it, `{_shown(expected)}`, but "
            f"yours is `{_shown(submitted_def)}`: keep the assignment's parameters, in its order.")


def missing_function_hint(message: str, submitted: dict[str, str]) -> str | None:
    """For "module 'models' has no attribute 'load_classifier'": which file lacks which
    function the assignment defines there, when the submitted `models.py` (in `submitted`,
    module name -> source) indeed defines no such name; else None."""
    matched = MISSING_NAME.match(message)
    folder = _folder()
    if not matched or folder is None:
        return None
    module, name = matched.group("module"), matched.group("name")
    template = folder / f"{module}.py"
    source = submitted.get(module)
    if source is None or not template.is_file() or _defines(source, name):
        return None
    expected = _function_in(_parsed(template.read_text(encoding="utf-8")), name)
    if expected is None:
        return None
    return (f"Your `{module}.py` has no `{name}`, which the assignment asks for there: "
            f"`def {_shown(expected)}`.")


def _defines(source: str, name: str) -> bool:
    """Whether `source` binds `name` at its top level (a def, a class, an assignment, an import)."""
    tree = _parsed(source)
    for node in tree.body if tree else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)):
            targets = ([alias.asname or alias.name.split(".")[0] for alias in node.names]
                       if isinstance(node, (ast.Import, ast.ImportFrom)) else
                       [t.id for t in ast.walk(node) if isinstance(t, ast.Name)])
            if name in targets:
                return True
    return False


def _definition(sources: dict[str, str], label: str):
    """The `def` a label names: `module.function` in `module.py`, `Class.method` in the one
    module that defines `Class`; None if there is none."""
    owner, _, name = label.rpartition(".")
    if owner in sources:
        return _function_in(_parsed(sources[owner]), name)
    for source in sources.values():
        tree = _parsed(source)
        for node in tree.body if tree else ():
            if isinstance(node, ast.ClassDef) and node.name == owner:
                return _function_in(node, name)
    return None


def _function_in(scope, name: str):
    for node in getattr(scope, "body", ()):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _parsed(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _parameters(function) -> tuple:
    """What a call can pass: the parameter names by kind (annotations and defaults aside)."""
    arguments = function.args
    return ([a.arg for a in arguments.posonlyargs], [a.arg for a in arguments.args],
            arguments.vararg is not None, [a.arg for a in arguments.kwonlyargs],
            arguments.kwarg is not None)


def _shown(function) -> str:
    return f"{function.name}({ast.unparse(function.args)})"
