"""Generate `student_template/` from `reference/`: every graded function keeps its signature and
docstring and loses its body to `raise NotImplementedError`.

A function (or method) whose `def` — or first decorator — sits right below a line `# provided`
is handed to students as it is. Imports, constants and class attributes are kept.
"""
from __future__ import annotations

import ast
from pathlib import Path

from autograder.paths import DEFAULT_RUBRIC
from autograder.rubric import Rubric, load_rubric
from autograder.staging import graded_files

PROVIDED_MARK = "# provided"
STUB = "raise NotImplementedError"


def register(subparsers) -> None:
    template = subparsers.add_parser("template", help="regenerate the student template from the reference")
    template.add_argument("--check", action="store_true", help="only report whether it is up to date")
    template.add_argument("--rubric", type=Path, default=DEFAULT_RUBRIC, help="rubric file")
    template.set_defaults(handler=template_command)


def template_command(args) -> int:
    rubric = load_rubric(args.rubric)
    stale = write_template(rubric, check_only=args.check)
    for name in stale:
        print(f"{'out of date' if args.check else 'written'}: {rubric.template}/{name}")
    if args.check and stale:
        return 1
    return 0


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
