"""What a test method's decorators put on it, read from the suite's source (for
`static_decorations`): gradescope-utils' decorators with the values the source fixes for
their arguments, unittest's skips, and wrappers known to keep the test's attributes
(`functools.wraps`); any other decorator is one the reading does not follow."""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from autograder.grading_process import static_values
from autograder.grading_process.decorations import plain_number
from autograder.grading_process.static_names import FUNCTIONS, SCOPES, inner_nodes, name_of
from autograder.wire.decorations import Decorations

if TYPE_CHECKING:
    from autograder.grading_process.static_decorations import SuiteModule

DECORATORS_MODULE = "gradescope_utils.autograder_utils.decorators"
DECORATORS = ("weight", "number", "visibility", "tags", "leaderboard", "partial_credit", "hide_errors")
DECORATOR_ATTRIBUTES = ("__weight__", "__number__", "__visibility__", "__tags__", "__hide_errors__",
                        "__leaderboard_column__", "__leaderboard_sort_order__")  # (what they set)
HIDE_ERRORS_DEFAULT = "Test failed"  # gradescope-utils' `@hide_errors()` message
SKIPS = {f"{module}.{name}" for module in ("unittest", "unittest.case")
         for name in ("skip", "skipIf", "skipUnless", "expectedFailure")}  # (give back what they get)
WRAPPERS = {f"{module}.{name}" for module in ("unittest.mock", "mock")
            for name in ("patch", "patch.object", "patch.dict", "patch.multiple")} | {
    "timeout_decorator.timeout", "timeout_decorator.timeout_decorator.timeout"}  # (`functools.wraps`)


def decorations(method, test: str, cls: str, owner: SuiteModule, descriptions: bool
                 ) -> Decorations:
    """What the method's decorators put on it (the topmost applied last, so it wins; a
    wrapper above `@partial_credit` hides its `set_score`, as it does from JSONTestResult);
    nothing but "hidden" when the suite applies gradescope-utils' decorators elsewhere too
    (`weight(5)(TestA.test_a)`, `TestA.test_a.__weight__ = 5`)."""
    found: dict = {"unittest": True}
    scope = owner.scopes.get(method, {})
    if owner.source.applied_elsewhere.applied:
        found["visibility"] = "hidden"
    else:
        for decorator in reversed(method.decorator_list):
            how, fields = applied(decorator, owner, scope)
            if how == "wrapper":
                found.pop("partial_credit", None)
            found.update(fields)
    doc = (ast.get_docstring(method, clean=False) or "").strip()
    first = doc.splitlines()[0].strip() if doc else None
    return Decorations(**found, doc=first, id=f"{cls}.{test}",
                       name=first if descriptions and first else f"{test} ({cls}.{test})")


def applied(node: ast.expr, owner: SuiteModule, scope: dict) -> tuple[str, dict]:
    """What a method's decorator does to it: ("fields", what it puts on the test) for one of
    gradescope-utils', ("skip", {}) for unittest's skips, ("wrapper", {}) for a wrapper that
    keeps the function's attributes (`functools.wraps`: `mock.patch`, a suite's own timeout
    that wraps), ("unknown", {}) for any other (or a leaderboard whose column is not fixed)."""
    found = decorator(node, owner, scope)
    if found is not None:
        kind, args, keywords = found
        if kind == "leaderboard" and static_values.NOT_KNOWN in (*args, *keywords.values()):
            return "unknown", {}
        return "fields", _effect(kind, args, keywords)
    called = node.func if isinstance(node, ast.Call) else node
    bound = owner.resolve(called, scope)  # (UNKNOWN for what is no name)
    if bound is not None and bound[0] == "external" and bound[1] in SKIPS:
        return "skip", {}
    if bound is not None and (bound[0] == "external" and bound[1] in WRAPPERS
                              or bound[0] == "function" and _wrapper(bound[1], bound[2], node is called)):
        return "wrapper", {}
    return "unknown", {}


def _wrapper(where: SuiteModule, function: ast.FunctionDef, bare: bool) -> bool:
    """Whether a decorator the suite writes gives back a wrapper made with
    `functools.wraps` of what it is given: the function itself wraps its argument (used
    bare, `@timed`), or a function inside it does (a factory, `@timeout(5)`); and it uses
    none of gradescope-utils' decorators."""
    if where.source.applied_elsewhere.decorating(where.path, function.name):
        return False
    if bare:
        return _wraps_its_argument(function)
    makers = [inner for inner in ast.walk(function) if isinstance(inner, FUNCTIONS) and inner is not function]
    return any(_wraps_its_argument(maker) for maker in makers)


def _wraps_its_argument(function: ast.FunctionDef) -> bool:
    """Whether the function gives back, on every `return`, a function it defines wrapped
    with `functools.wraps` of its first parameter `f` and nothing else (`@wraps(f)` with no
    `assigned=`/`updated=`, or `return update_wrapper(inner, f)`): one that keeps `f`'s
    attributes."""
    parameters = [*function.args.posonlyargs, *function.args.args]
    if not parameters:
        return False
    given = parameters[0].arg
    own = [node for statement in function.body  # (its own scope's: not a nested function's returns)
           for node in [statement, *(() if isinstance(statement, SCOPES) else inner_nodes(statement))]]
    defined = {node.name: node for node in own if isinstance(node, FUNCTIONS)}
    returns = [node.value for node in own if isinstance(node, ast.Return)]

    def wraps_given(call: ast.expr, name: str, position: int) -> bool:
        return (isinstance(call, ast.Call) and name_of(call.func) == name and not call.keywords
                and len(call.args) == position + 1 and isinstance(call.args[position], ast.Name)
                and call.args[position].id == given)

    def wrapped(value) -> bool:
        if isinstance(value, ast.Name) and value.id in defined:
            entries = defined[value.id].decorator_list
            return len(entries) == 1 and wraps_given(entries[0], "wraps", 0)
        return (wraps_given(value, "update_wrapper", 1) and isinstance(value.args[0], ast.Name)
                and value.args[0].id in defined)
    return bool(returns) and all(wrapped(value) for value in returns)


def decorator(node, owner: SuiteModule, scope: dict):
    """(which of gradescope-utils' decorators, its arguments' values, its keywords' values,
    each `static_values.NOT_KNOWN` where the source does not fix it), or None for another."""
    if not isinstance(node, ast.Call):
        bound = owner.resolve(node, scope)
        return bound[1:] if bound is not None and bound[0] == "applied" else None
    bound = owner.resolve(node.func, scope)
    if bound is None or bound[0] != "decorator":
        return None
    args = tuple(owner.value(arg, scope) for arg in node.args)
    keywords = {keyword.arg: owner.value(keyword.value, scope) for keyword in node.keywords}
    return bound[1], args, keywords


def _effect(kind: str, args: tuple, keywords: dict) -> dict:
    """What the decorator `kind` called with these values puts on its test, as
    `decorations.decorations_of` would read it from the function: a value the source does not
    fix puts nothing there, but a visibility is then "hidden" and hidden errors stay hidden."""
    def argument(position: int, keyword: str, default=None):
        return args[position] if len(args) > position else keywords.get(keyword, default)

    if static_values.NOT_KNOWN in (*args, *keywords.values()):
        return ({"visibility": "hidden"} if kind == "visibility"
                else {"hide_errors": HIDE_ERRORS_DEFAULT} if kind == "hide_errors" else {})
    if kind in ("weight", "partial_credit"):
        found = {"weight": plain_number(argument(0, "val" if kind == "weight" else "weight"))}
        return {**found, "partial_credit": True} if kind == "partial_credit" else found
    if kind == "number":
        return {"number": str(argument(0, "val"))}  # (as `number` keeps it: `str(val)`)
    if kind in ("visibility", "hide_errors"):
        given = argument(0, "val", HIDE_ERRORS_DEFAULT if kind == "hide_errors" else None)
        return {kind: None if given is None else str(given)}
    if kind == "tags":
        return {"tags": tuple(str(tag) for tag in args)}
    column, order = argument(0, "column_name"), argument(1, "sort_order", "desc")
    return {"leaderboard": None if column is None else str(column),
            "order": None if column is None or order is None else str(order)}


def gives_back_a_class(called: ast.expr, owner: SuiteModule, scope: dict, bare: bool = False) -> bool:
    """Whether `called(...)` (`bare`: `called` itself) applied to a class gives it back:
    unittest's skips (`skip(why)`, `skipIf(condition, why)`), `expectedFailure`."""
    bound = owner.resolve(called, scope)
    if bound is None or bound[0] != "external" or bound[1] not in SKIPS:
        return False
    return bound[1].endswith(".expectedFailure") if bare else not bound[1].endswith(".expectedFailure")


def external(dotted: str) -> tuple:
    """The binding of a name from outside the suite (gradescope-utils' decorators known)."""
    module, _, name = dotted.rpartition(".")
    return ("decorator", name) if module == DECORATORS_MODULE and name in DECORATORS else ("external", dotted)
