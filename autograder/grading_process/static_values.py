"""The values of a suite's constant expressions, read from its source without running it.

For `static_decorations`: a decorator's argument is believed when the source alone fixes it:
a literal, a name the module gave one (`POINTS = 4`), arithmetic on numbers (`TOTAL / 4`,
`-1`), joined texts, one entry of a literal table (`POINTS["q1"]`, `WEIGHTS[2]`), and
comparisons, `not`, `and` and `or` on them (for an `if` the source decides). What code
elsewhere in the suite may change is not believed: a name a function declares `global`, one
set on a module from outside (`constants.POINTS = 9`, `setattr(constants, "POINTS", 9)`), and
a table the suite uses other than by reading one entry (`POINTS.update(...)`,
`POINTS["q1"] += 1`, `for key in POINTS`).
"""
from __future__ import annotations

import ast
import operator
import os
from pathlib import Path

NOT_KNOWN = object()  # what the source does not fix
NUMBER_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv,
                    ast.Mod: operator.mod, ast.Pow: operator.pow}
UNARY_OPERATORS = {ast.USub: operator.neg, ast.UAdd: operator.pos}
COMPARISONS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
               ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
LARGEST_EXPONENT = 64  # (`10 ** 10 ** 10` is not computed)
LARGEST_INT_BITS = 4096
LONGEST_TEXT = 10_000
TABLES = (dict, list, tuple)
CHANGEABLE_TABLES = (dict, list)
SCALARS = (bool, int, float, str, type(None))
ANY_NAME = object()  # `setattr(module, name, value)` with a name the source does not fix


def evaluate(node: ast.expr, named):
    """The value of `node`, with `named(expr)` giving a name's or a dotted name's value (or
    NOT_KNOWN); NOT_KNOWN for anything else or anything too large to compute."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return named(node)
    if isinstance(node, ast.BinOp) and type(node.op) in NUMBER_OPERATORS:
        return _binary(node.op, evaluate(node.left, named), evaluate(node.right, named))
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY_OPERATORS:
        operand = evaluate(node.operand, named)
        return UNARY_OPERATORS[type(node.op)](operand) if _is_number(operand) else NOT_KNOWN
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = evaluate(node.operand, named)
        return not operand if isinstance(operand, SCALARS) else NOT_KNOWN
    if isinstance(node, ast.BoolOp):  # (the value that decides, as Python gives it)
        for operand in node.values:
            value = evaluate(operand, named)
            if not isinstance(value, SCALARS):
                return NOT_KNOWN
            if bool(value) is isinstance(node.op, ast.Or):
                return value
        return value
    if isinstance(node, ast.Compare) and all(type(op) in COMPARISONS for op in node.ops):
        return _compared([evaluate(value, named) for value in [node.left, *node.comparators]], node.ops)
    if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Name, ast.Attribute)):
        return _entry(named(node.value), evaluate(node.slice, named))
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return NOT_KNOWN


def _binary(op: ast.operator, left, right):
    if isinstance(op, ast.Add) and isinstance(left, str) and isinstance(right, str):
        return left + right if len(left) + len(right) <= LONGEST_TEXT else NOT_KNOWN
    if not (_is_number(left) and _is_number(right)):
        return NOT_KNOWN
    if isinstance(op, ast.Pow) and not (isinstance(right, (int, float)) and abs(right) <= LARGEST_EXPONENT):
        return NOT_KNOWN
    try:
        value = NUMBER_OPERATORS[type(op)](left, right)
    except (ArithmeticError, ValueError):  # (the module would fail to import: no value)
        return NOT_KNOWN
    if isinstance(value, complex) or (isinstance(value, int) and value.bit_length() > LARGEST_INT_BITS):
        return NOT_KNOWN
    return value


def _compared(values: list, ops: list):
    """`a < b <= c` on numbers or on texts."""
    if not (all(map(_is_number, values)) or all(isinstance(value, str) for value in values)):
        return NOT_KNOWN
    return all(COMPARISONS[type(op)](left, right) for op, left, right in zip(ops, values, values[1:]))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not (
        isinstance(value, int) and value.bit_length() > LARGEST_INT_BITS)


def _entry(table, key):
    """One entry of a literal table, when it is a plain value (no table inside a table)."""
    if not isinstance(table, TABLES) or key is NOT_KNOWN:
        return NOT_KNOWN
    try:
        value = table[key]
    except (KeyError, IndexError, TypeError):
        return NOT_KNOWN
    return value if isinstance(value, SCALARS) else NOT_KNOWN


class ChangedElsewhere:
    """The names the suite's code may change other than by a module's own top-level
    assignments: `rebound` (scalars and tables), `used` (tables: any use but reading one
    entry or rebinding the name), read once from every Python file in the suite's folder."""

    def __init__(self, folder: Path):
        self.rebound: set = set()  # (names, and ANY_NAME)
        self.used: set[str] = set()
        for where, _, files in sorted(os.walk(folder)):  # (links to folders not followed)
            for file in sorted(name for name in files if name.endswith(".py")):
                tree = parse_file(Path(where) / file)
                if tree is not None:
                    self._scan(tree)

    def believed(self, name: str, value) -> bool:
        """Whether the value the module gave `name` is still its value when read."""
        changeable = isinstance(value, CHANGEABLE_TABLES)
        return not ({name, ANY_NAME} & self.rebound) and not (changeable and name in self.used)

    def _scan(self, tree: ast.Module) -> None:
        entries_read = {id(node.value) for node in ast.walk(tree)
                        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                        and isinstance(node.value, (ast.Name, ast.Attribute))}
        entries_read -= {id(node.value.value) for node in ast.walk(tree)  # (an entry's own
                         if isinstance(node, (ast.Subscript, ast.Attribute))  # entries, methods)
                         and isinstance(node.value, ast.Subscript)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                self.rebound.update(node.names)
            elif (isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load)
                  and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                self.rebound.add(node.attr)  # (`self.points = 2` changes no module's name)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("setattr", "delattr") and len(node.args) > 1):
                name = node.args[1]
                self.rebound.add(name.value if isinstance(name, ast.Constant) else ANY_NAME)
            if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in entries_read and not (
                    isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)):
                self.used.add(node.id if isinstance(node, ast.Name) else node.attr)


def parse_file(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes())  # (honours a BOM and a coding line, as Python does)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
