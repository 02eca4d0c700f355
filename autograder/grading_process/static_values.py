"""The values of a suite's constant expressions, read from its source without running it.

For `static_decorations`: a decorator's argument is believed when the source alone fixes it:
a literal, a name the module gave one (`POINTS = 4`), arithmetic on numbers (`TOTAL / 4`,
`-1`), joined texts, one entry of a literal table (`POINTS["q1"]`, `WEIGHTS[2]`), and
comparisons, `not`, `and` and `or` on them (for an `if` the source decides). What code
elsewhere in the suite may change is not believed (`ChangedElsewhere`): a name a function
declares `global`, one set on a module from outside (`constants.POINTS = 9`,
`setattr(constants, "POINTS", 9)`, `globals().update(...)`), and a table the suite uses other
than by reading one entry (`POINTS.update(...)`, `POINTS["q1"] += 1`, `for key in POINTS`),
under any name it is imported as. The same reading tells what the suite sets on its classes
after them (`TestA.test_b = None`).
"""
from __future__ import annotations

import ast
import operator
import os
from pathlib import Path

from autograder.grading_process.static_names import on_self

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
LARGEST_TABLE = 10_000  # entries
TABLES = (dict, list, tuple)
CHANGEABLE_TABLES = (dict, list)
SCALARS = (bool, int, float, str, type(None))


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
    if len(getattr(node, "elts", None) or getattr(node, "keys", None) or ()) > LARGEST_TABLE:
        return NOT_KNOWN  # (a suite's data shipped as a literal: no decorator's value)
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return NOT_KNOWN
    return NOT_KNOWN if isinstance(value, int) and not _is_number(value) else value


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
    too_long = isinstance(value, int) and not _is_number(value)
    return value if isinstance(value, SCALARS) and not too_long else NOT_KNOWN


class ChangedElsewhere:
    """What the suite's code may change other than by a module's own top-level assignments,
    read from every Python file in the suite's folder that names it (a file that never
    names a thing cannot change it, but through `globals()`, `vars()`, `exec`, `setattr`,
    `__dict__`, which make a file count for every name)."""

    def __init__(self, folder: Path):
        self.files = sorted(Path(where) / name for where, _, files in os.walk(folder)  # (links to
                            for name in files if name.endswith(".py"))  # folders not followed)
        self._texts: dict[Path, bytes] = {}
        self._trees: dict[Path, ast.Module | None] = {}
        self._changes: dict[Path, FileChanges] = {}

    def believed(self, name: str, value) -> bool:
        """Whether the value a module gave `name` is still its value when read."""
        changeable = isinstance(value, CHANGEABLE_TABLES)
        return not any(changes.rebinds(name) or (changeable and name in changes.used)
                       for changes in self._naming(name))

    def set_later(self, name: str) -> bool:
        """Whether the suite may set or delete an attribute `name` on some object (a class's
        method: `TestA.test_b = None`, `del TestA.test_b`)."""
        return any(changes.any_attribute or name in changes.set_on_objects
                   or name.startswith(changes.prefixes_set) for changes in self._naming(name))

    def text(self, path: Path) -> bytes:
        """A file of the suite's source, read once (b"" for one that cannot be read)."""
        if path not in self._texts:
            try:
                self._texts[path] = path.read_bytes()
            except OSError:
                self._texts[path] = b""
        return self._texts[path]

    def tree(self, path: Path) -> ast.Module | None:
        """A file of the suite parsed, once (None for one Python would refuse)."""
        if path not in self._trees:
            self._trees[path] = _parsed(self.text(path))
        return self._trees[path]

    def _naming(self, *words: str):
        tokens = [word.encode() for word in words] + list(ANY_NAME_WORDS)
        for path in self.files:
            text = self.text(path)
            if not text.isascii() or any(token in text for token in tokens):  # (`ＰＯＩＮＴＳ` is `POINTS`)
                if path not in self._changes:
                    self._changes[path] = FileChanges(self.tree(path))
                yield self._changes[path]


ANY_NAME_WORDS = (b"globals", b"vars", b"exec", b"eval", b"__dict__", b"setattr", b"delattr")
ANY_NAME_CALLS = ("globals", "vars", "exec", "eval")


class FileChanges:
    """What one file of the suite may change: names it declares `global`, attributes it sets
    or deletes on objects other than `self`/`cls`, tables it uses other than by reading one
    entry or rebinding the name (`used`), whether it can change any name (`anything`), and
    whether it can set any attribute (`any_attribute`); a name it imports under another
    (`from constants import POINTS as W`) counts as the first."""

    def __init__(self, tree: ast.Module | None):
        self.declared_global: set[str] = set()
        self.set_on_objects: set[str] = set()
        self.prefixes_set: tuple[str, ...] = ()  # (`setattr(TestA, f"test_case_{n}", ...)`)
        self.used: set[str] = set()
        self.anything = False
        self.any_attribute = False  # (`setattr(obj, name, value)` with a name not spelled out)
        if tree is not None:
            nodes = list(ast.walk(tree))
            self._aliases = {alias.asname: alias.name for node in nodes if isinstance(node, ast.ImportFrom)
                             for alias in node.names if alias.asname}
            self._scan(nodes)

    def rebinds(self, name: str) -> bool:
        return (self.anything or name in self.declared_global or name in self.set_on_objects
                or name.startswith(self.prefixes_set))

    def _named(self, name: str) -> set[str]:
        return {name, self._aliases.get(name, name)}

    def _scan(self, nodes: list) -> None:
        entries_read = {id(node.value) for node in nodes
                        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                        and isinstance(node.value, (ast.Name, ast.Attribute))}
        entries_read -= {id(node.value.value) for node in nodes  # (an entry's own entries,
                         if isinstance(node, (ast.Subscript, ast.Attribute))  # methods)
                         and isinstance(node.value, ast.Subscript)}
        changed_in_place = {id(node.target) for node in nodes if isinstance(node, ast.AugAssign)}
        for node in nodes:
            if isinstance(node, ast.Global):
                self.declared_global.update(*map(self._named, node.names))
            elif (isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load)
                  and not on_self(node.value)):
                self.set_on_objects.update(self._named(node.attr))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                self._scan_call(node)
            self.anything |= (isinstance(node, ast.Attribute) and node.attr == "__dict__"
                              and not on_self(node.value))
            if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in entries_read and not (
                    isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
                    and id(node) not in changed_in_place):
                self.used.update(self._named(node.id if isinstance(node, ast.Name) else node.attr))

    def _scan_call(self, node: ast.Call) -> None:
        if node.func.id in ANY_NAME_CALLS:
            self.anything = True  # (module names; not the attributes of classes the suite defines)
        elif node.func.id in ("setattr", "delattr") and len(node.args) > 1 and not on_self(node.args[0]):
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                self.set_on_objects.update(self._named(name.value))
            elif (isinstance(name, ast.JoinedStr) and name.values and isinstance(name.values[0], ast.Constant)
                  and name.values[0].value):
                self.prefixes_set += (name.values[0].value,)
            else:
                self.anything = self.any_attribute = True

def parse_file(path: Path) -> ast.Module | None:
    try:
        return _parsed(path.read_bytes())
    except OSError:
        return None


def _parsed(source: bytes) -> ast.Module | None:
    try:
        return ast.parse(source)  # (honours a BOM and a coding line, as Python does)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
