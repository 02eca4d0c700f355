"""Which classes of a suite module are TestCases and the test methods each has, read from the
suite's source as Python would give them (for `static_decorations`): bases in Python's method
order (C3), class bodies as they leave their names, what the reading cannot follow left out."""
from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING

from autograder.grading_process import static_decorators
from autograder.grading_process.static_names import FUNCTIONS, SUBMITTED, stored_names

if TYPE_CHECKING:
    from autograder.grading_process.static_decorations import SuiteModule

NOT_TEST_CASE_MODULES = ("abc", "typing", "enum", "collections", "dataclasses", "numbers")
NO_TEST_METHODS = {"unittest.TestCase", "unittest.case.TestCase", "unittest.IsolatedAsyncioTestCase",
                   "unittest.async_case.IsolatedAsyncioTestCase"}  # (bases with no `test*` names)


def test_classes(parsed: SuiteModule) -> list[tuple[str, tuple]]:
    """(the name the module gives it, its binding) for each class the module binds that may
    be a TestCase."""
    return [(name, bound) for name, bound in parsed.bindings().items()
            if bound[0] == "class" and _may_be_test_case(bound[1], bound[2], set())]


def _may_be_test_case(owner: SuiteModule, node: ast.ClassDef, seen: set) -> bool:
    """Whether the class has a base from outside the suite other than `object` and the
    submission's classes (a placeholder's class is an `object`): unittest's TestCase, a
    helper's base class; directly or through classes of the suite."""
    seen.add(node)
    scope = owner.scopes.get(node, {})
    for base in node.bases:
        bound = owner.resolve(base, scope)
        if bound is None and isinstance(base, ast.Name) and hasattr(builtins, base.id):
            continue  # object, Exception, dict: no TestCase
        if bound is SUBMITTED or (bound is not None and bound[0] == "external"
                                  and bound[1].split(".", 1)[0] in NOT_TEST_CASE_MODULES):
            continue
        if bound is None or bound[0] != "class":
            return True
        if bound[2] not in seen and _may_be_test_case(bound[1], bound[2], seen):
            return True
    return False


def methods(owner: SuiteModule, node: ast.ClassDef) -> dict[str, tuple]:
    """The class's methods by name, each with the module that writes it, looked up as Python
    looks up an attribute: along the class's method resolution order, the first class whose
    body leaves the name bound wins (a name bound there to what is no method hides the
    bases'; after a base from outside the suite that may have `test*` methods of its own, none
    is known). {} when Python would refuse the class's bases."""
    found: dict[str, tuple | None] = {}
    shadowed = False  # (by a base whose methods the source does not show)
    order = _method_order(owner, node, ()) or []
    if any(entry[0] == "class" and _reshaped(entry[1], entry[2]) for entry in order):
        return {}
    for entry in order:
        if entry[0] == "class":
            for name, method in _class_namespace(entry[1], entry[2]).items():
                found.setdefault(name, None if shadowed else method)
        elif entry[0] != "builtin" and not (entry[0] == "external" and (
                entry[1] in NO_TEST_METHODS or entry[1].split(".", 1)[0] in NOT_TEST_CASE_MODULES)):
            shadowed = True
    return {name: method for name, method in found.items() if method is not None}


def _method_order(owner: SuiteModule, node: ast.ClassDef, below: tuple) -> list | None:
    """The class's linearization (C3, as `type.mro`), each entry ("class", module, node) for
    a class of the suite, ("external", dotted name) or ("builtin", name) for one from
    elsewhere, ("opaque", its source) for any other base (whose methods the source does not
    show); None for bases Python refuses (listed twice, in no consistent order) or that the
    source cannot order (a class its own base, through a cycle of imports)."""
    if node in owner.method_orders:
        return owner.method_orders[node]
    if node in below:
        return None
    scope = owner.scopes.get(node, {})
    orders, bases = [], []
    for base in node.bases:
        bound = owner.resolve(base, scope)
        if bound is not None and bound[0] == "class":
            order = _method_order(bound[1], bound[2], (*below, node))
            if order is None:
                return None
            entry = ("class", bound[1], bound[2])
        else:
            entry = (bound if bound is not None and bound[0] == "external"
                     else ("builtin", base.id) if bound is None and isinstance(base, ast.Name)
                     and hasattr(builtins, base.id) else ("opaque", ast.dump(base)))
            order = [entry]
        orders.append(order)
        bases.append(entry)
    merged = _c3_merge([*orders, bases]) if len(set(map(_entry_key, bases))) == len(bases) else None
    owner.method_orders[node] = None if merged is None else [("class", owner, node), *merged]
    return owner.method_orders[node]


def _reshaped(owner: SuiteModule, node: ast.ClassDef) -> bool:
    """Whether code the source does not follow may change the class's methods: a class
    decorator other than unittest's skips, a metaclass, an `__init_subclass__`."""
    scope = owner.scopes.get(node, {})
    return bool(node.keywords) or any(
        not (isinstance(decorator, ast.Call)
             and static_decorators.gives_back_a_class(decorator.func, owner, scope)
             or static_decorators.gives_back_a_class(decorator, owner, scope, bare=True))
        for decorator in node.decorator_list) or any(
        isinstance(item, FUNCTIONS) and item.name == "__init_subclass__"
        for item in owner.class_bodies.get(node, node.body))


def _entry_key(entry: tuple):
    return entry[2] if entry[0] == "class" else entry


def _c3_merge(orders: list[list]) -> list | None:
    """C3's merge: repeatedly the first head that is in no other order's tail."""
    entries = {_entry_key(entry): entry for order in orders for entry in order}
    keys = [[_entry_key(entry) for entry in order] for order in orders]
    merged = []
    while any(keys):
        head = next((order[0] for order in keys if order
                     and not any(order[0] in other[1:] for other in keys)), None)
        if head is None:
            return None
        merged.append(entries[head])
        keys = [order[1:] if order and order[0] == head else order for order in keys]
    return merged


def _class_namespace(owner: SuiteModule, node: ast.ClassDef) -> dict[str, tuple | None]:
    """The names the class body leaves bound, in order: a method as (function, module), or
    None for a name bound to what the source does not show to be one (`test_base = None`,
    a name set under an `if`, a method with a decorator the reading does not know, a name the
    suite sets on some object elsewhere); `del` unbinds a name (the bases' show through
    again)."""
    names: dict[str, tuple | None] = {}
    for item in owner.class_bodies.get(node, node.body):
        if isinstance(item, FUNCTIONS):  # (one whose decorators the source cannot follow: None)
            known = all(static_decorators.applied(decorator, owner, owner.scopes.get(item, {}))[0] != "unknown"
                        for decorator in item.decorator_list)
            names[item.name] = (item, owner) if known else None
        elif isinstance(item, ast.Delete) and all(isinstance(target, ast.Name) for target in item.targets):
            for target in item.targets:
                names.pop(target.id, None)
        else:
            aliased = isinstance(item, ast.Assign) and isinstance(item.value, ast.Name)
            method = names.get(item.value.id) if aliased else None  # `test_c = test_b`
            plain = ({target.id for target in item.targets if isinstance(target, ast.Name)}
                     if aliased else set())
            for name in stored_names(item):
                names[name] = method if name in plain else None
    changed = owner.source.changed_elsewhere  # (`TestA.test_b = None` after the class)
    return {name: None if changed.set_later(name) else method for name, method in names.items()}
