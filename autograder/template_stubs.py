"""Which submitted functions are still the template's stub, read from the submitted source
(never imported): the grading process fails a call into one at once, the audit replaces each
graded function by its stub.

A stub's body is its docstring and `raise NotImplementedError` (the template's, see
`autograder.tools.template`).
"""
from __future__ import annotations

import ast


def stub_functions(module: str, source: str) -> set[str]:
    """Labels of the stubs in `source`: `module.function` for functions, `Class.method` for
    methods (as calls on an instance are labelled); none for a source Python cannot parse (a
    syntax error, a NUL byte, an expression nested too deep)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_stub(node):
            found.add(f"{module}.{node.name}")
        elif isinstance(node, ast.ClassDef):
            found.update(f"{node.name}.{item.name}" for item in node.body
                         if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_stub(item))
    return found


def _is_stub(function: ast.FunctionDef) -> bool:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise):
        return False
    raised = body[0].exc
    if isinstance(raised, ast.Call):
        raised = raised.func
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
