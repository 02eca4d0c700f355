"""Generate `student_template/` from `reference/`: every graded function keeps its signature and
docstring and loses its body to `raise NotImplementedError`.

A function (or method) whose `def` — or first decorator — sits right below a line `# provided`
is handed to students as it is. Imports, constants and class attributes are kept.
"""
from __future__ import annotations

import ast

from autograder.rubric import Rubric
from autograder.submission import graded_files

PROVIDED_MARK = "# provided"
STUB = "raise NotImplementedError"


def stub_source(source: str) -> str:
    """The template version of a reference module's source."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        functions += [node for node in cls.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for function in sorted(functions, key=lambda f: f.lineno, reverse=True):
        first_line = min([function.lineno] + [d.lineno for d in function.decorator_list])
        if first_line >= 2 and lines[first_line - 2].strip() == PROVIDED_MARK:
            continue
        body = function.body
        has_docstring = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                         and isinstance(body[0].value.value, str))
        start = body[1].lineno if has_docstring and len(body) > 1 else (None if has_docstring else body[0].lineno)
        indent = " " * body[-1].col_offset if not has_docstring else " " * body[0].col_offset
        if start is None:
            lines.insert(function.end_lineno, f"{indent}{STUB}\n")
            continue
        lines[start - 1: function.end_lineno] = [f"{indent}{STUB}\n"]
    return "".join(lines)


def write_template(rubric: Rubric, check_only: bool = False) -> list[str]:
    """Regenerate (or with `check_only` only compare) the template's graded `.py` files.

    Returns the names of the files that were out of date.
    """
    reference = rubric.root / rubric.reference
    template = rubric.root / rubric.template
    stale = []
    for name in graded_files(rubric):
        if not name.endswith(".py") or not (reference / name).is_file():
            continue
        wanted = stub_source((reference / name).read_text(encoding="utf-8"))
        target = template / name
        if not target.is_file() or target.read_text(encoding="utf-8") != wanted:
            stale.append(name)
            if not check_only:
                target.write_text(wanted, encoding="utf-8")
    return stale
