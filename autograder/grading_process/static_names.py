"""The names a suite module's statements bind, and what the source reading binds them to
when it cannot tell (for `static_decorations`, `static_classes`, `static_decorators`)."""
from __future__ import annotations

import ast

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
FUNCTION_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = FUNCTION_SCOPES + COMPREHENSIONS  # whose inner names are not the module's
UNKNOWN = ("unknown",)  # a name bound to something the source does not tell
SUBMITTED = ("submitted",)  # a module of the submission, or a name taken from one


def stored_names(node: ast.AST) -> set[str]:
    """The names a statement or target binds in its own scope (not in the functions,
    classes and comprehensions inside it, but their own names)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    names = set()
    for inner in [node, *inner_nodes(node)]:
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
            names.add(inner.id)
        elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(inner.name)
        elif isinstance(inner, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name.split(".", 1)[0]
                         for alias in inner.names if alias.name != "*")
        elif isinstance(inner, ast.ExceptHandler) and inner.name:
            names.add(inner.name)
        elif isinstance(inner, (ast.MatchAs, ast.MatchStar)) and inner.name:
            names.add(inner.name)
        elif isinstance(inner, ast.MatchMapping) and inner.rest:
            names.add(inner.rest)
        elif isinstance(inner, COMPREHENSIONS):  # (`[y := f(x) for x in xs]` binds y here)
            names.update(found.target.id for found in inner_nodes(inner, FUNCTION_SCOPES)
                         if isinstance(found, ast.NamedExpr))
    return names


def name_of(node: ast.expr) -> str | None:
    """The last name of a name or a dotted name (`functools.wraps`: "wraps"); None for another."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def on_self(node: ast.expr) -> bool:
    """Whether the expression is a method's own `self` or `cls`."""
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def inner_nodes(node: ast.AST, scopes: tuple = None):
    """The nodes inside `node` that are in its scope (a nested scope's own body left out)."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, scopes or SCOPES):
            yield from inner_nodes(child, scopes)
