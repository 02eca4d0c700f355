"""Whether a suite applies gradescope-utils' decorators other than in a decorator list, read
from its source (for `static_decorators`): the reading believes a test's decorators only when
nothing else in the suite puts gradescope-utils' attributes on functions.

What stands for a decorator, in each file of the suite, by kind:
- a FACTORY, whose call gives a decorator: gradescope-utils' own (imported, under another
  name, `gs.weight` with `gs` the module), an alias `points = weight`, a module-level
  function that gives one back (`def points(n): return weight(n)`);
- a DECORATOR, given by a factory (`easy = weight(1)`, in a module or a class body);
- the MODULE of gradescope-utils' decorators, under any name (`import ... as gs`,
  `gsd = gs`, a helper's `from helpers import gs`);
- APPLIES: a module-level function that uses them in any other way (`def hide(f):
  visibility("hidden")(f)`), where it may put attributes on anything.
Each is followed into the files that import it (`from helpers import easy`, `import helpers`
then `helpers.points`, star imports), by module; a name a function binds for itself (a
parameter `number`, a local `weight = 0.5`) stands for none.

The suite applies decorators elsewhere when one is used other than: in a method's decorator
list (`@weight(2)`, `@easy`; not APPLIES, not on a class); as a plain assignment at module or
class level that binds a name to one or to a factory's call (`easy = weight(1)`, `EASY, HARD
= weight(1), weight(5)`, `secret = visibility("a") if A else visibility("b")`); inside a
module-level function, which gets a kind instead (a function that uses them only in the
decorator lists of functions it defines decorates only those: it is no plain wrapper, but
calling it applies nothing, unless a decorator the reading does not know stands below them).
Besides, the attributes the decorators set named anywhere (`setattr(f, "__weight__", 5)`,
`f.__dict__.update(__weight__=5)`, `TestA.test_a.__weight__ = 5`; reading one with `getattr`
is no use), a `setattr` whose name may be a dunder, a change to a function's `__dict__`, an
`exec` of text naming a decorator, a text naming gradescope-utils' package, `functools.wraps`
of anything but a function's own parameter (these four in a file that names a decorator: a
library shipped with the suite changes its own objects), and `load_tests`, `setUpModule` or
`tearDownModule` applying decorators all count as applying them elsewhere.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Callable

from autograder.grading_process.static_names import (
    COMPREHENSIONS, FUNCTIONS, inner_nodes, name_of, on_self, stored_names)

FACTORY, DECORATOR, MODULE, APPLIES = "factory", "decorator", "module", "applies"
DECORATES = "decorates"  # a function that uses them only in decorator lists (no kind of its own)
AT_MODULE, IN_CLASS, IN_METHOD = "<module>", "<class>", "<method>"  # where a use stands (or a function's name)
CALLED_BY_UNITTEST = ("load_tests", "setUpModule", "tearDownModule")
PACKAGE_WORDS = ("gradescope_utils", "autograder_utils")
LONGEST_CHAIN = 20  # names given in terms of others, files importing from others: followed this far
WRAPS = ("wraps", "update_wrapper")


class AppliedElsewhere:
    """Over the suite's Python files: whether any applies gradescope-utils' decorators
    other than in a decorator list (`applied`), and the module-level functions that use
    them (`decorating`: no plain wrapper, whatever else they do)."""

    def __init__(self, files: list[Path], text: Callable[[Path], bytes], tree: Callable[[Path], ast.Module | None],
                 decorators_module: str, decorators: tuple[str, ...], attributes: tuple[str, ...]):
        self.files, self._text, self._tree = files, text, tree
        self.decorators_module, self.decorators, self.attributes = decorators_module, decorators, attributes
        self.suite_modules = {_stem(path) for path in files}
        self._scans: dict[Path, FileUses] | None = None
        self._followed_to_the_end = True

    @property
    def applied(self) -> bool:
        return any(scan.applied for scan in self._scanned().values()) or not self._followed_to_the_end

    def decorating(self, path: Path, function: str) -> bool:
        """Whether the module-level function `function` of the file at `path` uses a
        decorator (it may put gradescope-utils' attributes on what it is given)."""
        scan = self._scanned().get(Path(os.path.realpath(path)))
        return scan is not None and function in scan.functions

    def _scanned(self) -> dict[Path, FileUses]:
        """Each file that may use a decorator, scanned until the names the files give one
        another are all known."""
        if self._scans is None:
            exported: dict[str, dict[str, str]] = {}  # module -> name -> kind
            in_classes: dict[str, str] = {}  # a name a class body gives one -> kind
            scans: dict[Path, FileUses] = {}
            for _ in range(LONGEST_CHAIN):
                words = [word.encode() for word in (*self.decorators, *self.attributes, *PACKAGE_WORDS, *in_classes,
                                                    *(name for names in exported.values() for name in names))]
                for path in self.files:
                    key = Path(os.path.realpath(path))
                    text = self._text(path)
                    if (key not in scans or scans[key].depends_on_others) and (
                            not text.isascii() or any(word in text for word in words)) and (
                            tree := self._tree(path)) is not None:  # (`ｗｅｉｇｈｔ` is `weight`)
                        scans[key] = FileUses(tree, self, {module: dict(names) for module, names in exported.items()},
                                              dict(in_classes))
                found: dict[str, dict[str, str]] = {}
                found_in_classes: dict[str, str] = {}
                for key, scan in scans.items():
                    found.setdefault(_stem(key), {}).update(scan.exported)
                    found_in_classes.update(scan.in_classes)
                if found == exported and found_in_classes == in_classes:
                    break
                exported, in_classes = found, found_in_classes
            else:
                self._followed_to_the_end = False
            self._scans = scans
        return self._scans


class FileUses:
    """One file's names that stand for a decorator and the uses of them (`AppliedElsewhere`),
    given what other files of the suite export (`exported`: module -> name -> kind) and what
    their class bodies bind (`in_classes`)."""

    def __init__(self, tree: ast.Module, suite: AppliedElsewhere, exported: dict, in_classes: dict):
        self.suite, self.others, self.in_classes = suite, exported, in_classes
        self.modules: dict[str, str] = {}  # a name an import binds to a module -> its dotted name
        self.kinds: dict[str, str] = {}  # module-level names that stand for a decorator
        self.functions: dict[str, str] = {}  # module-level functions that use one -> kind (or DECORATES)
        self.depends_on_others = False  # (what it finds depends on what other files export)
        self.applied = False
        nodes = list(ast.walk(tree))
        self._imports(nodes)
        self._placed = {id(called): (node, index) for node in nodes if isinstance(node, (*FUNCTIONS, ast.ClassDef))
                        for index, entry in enumerate(node.decorator_list) for called in _called(entry)}
        alternatives = [alternative for node in nodes for _, value in _pairs(node) for alternative in _alternatives(value)]
        self._assigned = {id(alternative) for alternative in alternatives}  # (`points = weight`)
        self._assigned_calls = {id(alternative.func) for alternative in alternatives  # (`easy = weight(1)`)
                                if isinstance(alternative, ast.Call)}
        returned = [node.value for node in nodes if isinstance(node, ast.Return) and node.value is not None]
        self._returned = {id(value) for value in returned}  # (`return easy`)
        self._returned_calls = {id(value.func) for value in returned if isinstance(value, ast.Call)}  # (`weight(n)`)
        self._docstrings = {id(node.value) for node in nodes if isinstance(node, ast.Expr)
                            and isinstance(node.value, ast.Constant)}  # (no code: `"""Sets __weight__."""`)
        self._read_with_getattr = {id(node.args[1]) for node in nodes if isinstance(node, ast.Call)
                                   and name_of(node.func) in ("getattr", "hasattr") and len(node.args) > 1}
        for _ in range(LONGEST_CHAIN):  # (a name given one in terms of another: `w = weight`, then `easy = w(1)`)
            known = (dict(self.kinds), dict(self.functions), dict(self.in_classes))
            self._assignments(tree.body, in_class=False)
            self.applied = False
            self._function_uses: dict[str, set[str]] = {}
            self._visit_all(tree, frozenset(), AT_MODULE)
            self.functions = {name: _function_kind(uses) for name, uses in self._function_uses.items()}
            self.applied |= any(self.functions.get(name) == APPLIES for name in CALLED_BY_UNITTEST)
            if (self.kinds, self.functions, self.in_classes) == known:
                break
        else:
            self.applied = True  # (not followed to the end: not believed)

    @property
    def exported(self) -> dict[str, str]:
        return {**self.kinds, **{name: kind for name, kind in self.functions.items() if kind in (FACTORY, APPLIES)}}

    # what stands for a decorator

    def _imports(self, nodes: list) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".", 1)[0]
                    self.modules[bound] = alias.name if alias.asname else bound
                    if alias.asname and alias.name == self.suite.decorators_module:
                        self.kinds[bound] = MODULE
                    self.depends_on_others |= any(part in self.suite.suite_modules for part in alias.name.split("."))
            elif isinstance(node, ast.ImportFrom):
                self.depends_on_others |= bool(node.level) or any(
                    part in self.suite.suite_modules for part in (node.module or "").split("."))
                self.kinds.update(self._imported_kinds(node))
                for alias in node.names:
                    if alias.name != "*":
                        self.modules[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"

    def _imported_kinds(self, node: ast.ImportFrom) -> dict[str, str]:
        """The names an import binds that stand for a decorator, with their kinds."""
        if node.level == 0 and node.module == self.suite.decorators_module:
            offered = dict.fromkeys(self.suite.decorators, FACTORY)
        elif node.level == 0 and f"{node.module}.decorators" == self.suite.decorators_module:
            offered = {"decorators": MODULE}  # (`from gradescope_utils.autograder_utils import decorators`)
        elif node.level or _last(node.module or "") in self.suite.suite_modules:
            offered = self.others.get(_last(node.module or ""), {})
        else:
            return {}  # (`from numpy import number`)
        if any(alias.name == "*" for alias in node.names):
            return dict(offered)
        return {alias.asname or alias.name: offered[alias.name] for alias in node.names if alias.name in offered}

    def _assignments(self, body: list, in_class: bool) -> None:
        """Names given a decorator at module level or in a class body (`easy = weight(1)`)."""
        for node in body:
            if isinstance(node, ast.ClassDef):
                self._assignments(node.body, in_class=True)
            elif isinstance(node, FUNCTIONS):
                continue
            for target, value in _pairs(node):
                kinds = [self._given(alternative) for alternative in _alternatives(value)]
                kind = next((kind for kind in kinds if kind is not None), None)
                if kind is not None:
                    (self.in_classes if in_class else self.kinds)[target] = kind
            for statements in _inner_bodies(node):
                self._assignments(statements, in_class)

    def _given(self, value: ast.expr) -> str | None:
        """The kind a plain assignment of `value` gives its name."""
        if isinstance(value, ast.Call):
            return DECORATOR if self._kind(value.func, frozenset()) == FACTORY else None
        return self._kind(value, frozenset())

    def _kind(self, node: ast.expr, shadowed: frozenset) -> str | None:
        """What a name or dotted name stands for (FACTORY, DECORATOR, MODULE, APPLIES), if
        anything."""
        if isinstance(node, ast.Name):
            if node.id in shadowed:
                return None
            found = self.kinds.get(node.id) or self.functions.get(node.id)
            return found if found != DECORATES else None
        if not isinstance(node, ast.Attribute):
            return None
        dotted = _dotted(node)
        if dotted is not None and dotted[0] not in shadowed:
            if self.kinds.get(dotted[0]) == MODULE and len(dotted) == 2:
                return FACTORY if dotted[1] in self.suite.decorators else None
            if dotted[0] in self.modules:
                full = ".".join([self.modules[dotted[0]], *dotted[1:]])
                module, _, name = full.rpartition(".")
                if full == self.suite.decorators_module:
                    return MODULE
                if module == self.suite.decorators_module:
                    return FACTORY if name in self.suite.decorators else None
                if _last(module) in self.suite.suite_modules and name in self.others.get(_last(module), {}):
                    return self.others[_last(module)][name]
        return self.in_classes.get(node.attr)  # (`Marks.five`, a class body's `five = weight(5)`)

    # where they are used

    def _visit_all(self, node: ast.AST, shadowed: frozenset, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            self._visit(child, shadowed, where)

    def _visit(self, node: ast.AST, shadowed: frozenset, where: str) -> None:
        if isinstance(node, (*FUNCTIONS, ast.Lambda)):
            for outer in (*getattr(node, "decorator_list", ()), node.args, getattr(node, "returns", None)):
                if outer is not None:
                    self._visit(outer, shadowed, where)
            inside = where if where not in (AT_MODULE, IN_CLASS) else node.name if where == AT_MODULE and not isinstance(
                node, ast.Lambda) else IN_METHOD
            body = node.body if isinstance(node.body, list) else [node.body]
            local = (shadowed | self._locals(node)) - _declared_outside(body)
            for statement in body:
                self._visit(statement, local, inside)
        elif isinstance(node, ast.ClassDef):
            for outer in (*node.decorator_list, *node.bases, *node.keywords):
                self._visit(outer, shadowed, where)
            for statement in node.body:
                self._visit(statement, shadowed, IN_CLASS if where in (AT_MODULE, IN_CLASS) else where)
        elif isinstance(node, COMPREHENSIONS):  # (its first iterable is the enclosing scope's)
            targets = {name.id for generator in node.generators for name in ast.walk(generator.target)
                       if isinstance(name, ast.Name)}
            self._visit(node.generators[0].iter, shadowed, where)
            for child in ast.iter_child_nodes(node):
                if child is not node.generators[0]:
                    self._visit(child, shadowed | targets, where)
            self._visit(node.generators[0].target, shadowed | targets, where)
            for condition in node.generators[0].ifs:
                self._visit(condition, shadowed | targets, where)
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load) and (
                kind := self._kind(node, shadowed)) is not None:
            self._use(node, kind, shadowed, where)
        else:
            if self._applies_otherwise(node, shadowed):
                self._use(node, APPLIES, shadowed, where, named=True)
            self._visit_all(node, shadowed, where)

    def _applies_otherwise(self, node: ast.AST, shadowed: frozenset) -> bool:
        """Whether `node` may put a decorator's attributes on a function without naming a
        decorator."""
        attributes = self.suite.attributes
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            return node.attr in attributes
        if isinstance(node, ast.keyword):
            return node.arg in attributes
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in self._docstrings:
            return (id(node) not in self._read_with_getattr and _names_one_of(node.value, attributes)
                    or any(word in node.value for word in PACKAGE_WORDS))
        if not self.kinds:  # (the rest, in a file that names no decorator: a library's own business)
            return False
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            return _holds_attributes(node.value)  # `f.__dict__["__weight__"] = 5`
        if not isinstance(node, ast.Call):
            return False
        called = name_of(node.func)
        if isinstance(node.func, ast.Attribute) and called in ("update", "setdefault", "__setitem__"):
            return _holds_attributes(node.func.value)
        if called in ("setattr", "__setattr__") and len(node.args) > 1 and not on_self(node.args[0]):
            return not _plain_attribute_name(node.args[1])
        if called in ("exec", "eval", "compile"):
            return any(isinstance(text, ast.Constant) and isinstance(text.value, str) and any(
                word in text.value for word in (*self.suite.decorators, *attributes)) for text in node.args[:1])
        if called in WRAPS:  # (`wraps(f)`, `update_wrapper(wrapper, f)`: f a parameter)
            wrapped = node.args[0 if called == "wraps" else 1] if len(node.args) > (called != "wraps") else None
            return not (isinstance(wrapped, ast.Name) and wrapped.id in shadowed)
        return False

    def _use(self, node: ast.AST, kind: str, shadowed: frozenset, where: str, named: bool = False) -> None:
        """A decorator used (of `kind`), or an attribute named."""
        placed = None if named else self._placed.get(id(node))
        if where not in (AT_MODULE, IN_CLASS, IN_METHOD):  # (in a module-level function)
            self._function_uses.setdefault(where, set()).add(self._in_function(node, kind, placed, shadowed))
        elif placed is not None:
            decorated, _ = placed
            self.applied |= isinstance(decorated, ast.ClassDef) or kind in (APPLIES, MODULE)
        elif named or where == IN_METHOD or not (
                id(node) in self._assigned or id(node) in self._assigned_calls and kind == FACTORY):
            self.applied = True
        # else: a plain assignment (`easy = weight(1)`, `points = weight`), whose name is followed

    def _in_function(self, node: ast.AST, kind: str, placed, shadowed: frozenset) -> str:
        """What a use inside a module-level function makes of it: DECORATES in decorator
        lists above only decorators known to keep the function's attributes, FACTORY when it
        gives back a decorator (`return weight(n)`), else APPLIES."""
        if placed is not None:
            decorated, index = placed
            below = decorated.decorator_list[index + 1:]
            if kind in (FACTORY, DECORATOR) and all(self._keeps_attributes(entry, shadowed) for entry in below):
                return DECORATES
            return APPLIES
        if id(node) in self._returned and kind in (FACTORY, DECORATOR) or (
                id(node) in self._returned_calls and kind == FACTORY):  # (a decorator given back)
            return FACTORY
        return APPLIES

    def _keeps_attributes(self, entry: ast.expr, shadowed: frozenset) -> bool:
        if isinstance(entry, ast.Call) and name_of(entry.func) == "wraps":
            return len(entry.args) == 1 and not entry.keywords and isinstance(entry.args[0], ast.Name) and (
                entry.args[0].id in shadowed)
        called = entry.func if isinstance(entry, ast.Call) else entry
        return self._kind(called, shadowed) in (FACTORY, DECORATOR)

    def _locals(self, function: ast.AST) -> set[str]:
        """The names a function binds for itself: its parameters, and what its body binds
        other than to a decorator (`from ... decorators import weight` inside it: not its own)."""
        arguments = function.args
        names = {arg.arg for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                     arguments.vararg, arguments.kwarg) if arg is not None}
        given_decorators = set()
        for statement in function.body if isinstance(function.body, list) else ():
            names |= stored_names(statement)
            for inner in [statement, *inner_nodes(statement)]:
                if isinstance(inner, ast.ImportFrom):
                    given_decorators |= set(self._imported_kinds(inner))
                for target, value in _pairs(inner):
                    if any(self._given(alternative) for alternative in _alternatives(value)):
                        given_decorators.add(target)
        return names - given_decorators


def _function_kind(uses: set[str]) -> str:
    return APPLIES if APPLIES in uses else FACTORY if FACTORY in uses else DECORATES


def _pairs(node: ast.AST) -> list[tuple[str, ast.expr]]:
    """(name, value) for a plain assignment: `name = value`, `A, B = a, b`."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return [(node.target.id, node.value)]
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
        return []
    target, value = node.targets[0], node.value
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts) and all(isinstance(name, ast.Name) for name in target.elts)):
        return [(name.id, given) for name, given in zip(target.elts, value.elts)]
    return []


def _alternatives(value: ast.expr) -> list[ast.expr]:
    """The values an expression may take: each branch of `a if test else b`."""
    if isinstance(value, ast.IfExp):
        return _alternatives(value.body) + _alternatives(value.orelse)
    return [value]


def _inner_bodies(node: ast.AST) -> list[list]:
    """The statement lists inside a compound statement (not a function's or a class's)."""
    if isinstance(node, (*FUNCTIONS, ast.ClassDef)) or not isinstance(node, ast.stmt):
        return []
    bodies = [getattr(node, field) for field in ("body", "orelse", "finalbody") if getattr(node, field, None)]
    bodies += [handler.body for handler in getattr(node, "handlers", ())]
    bodies += [case.body for case in getattr(node, "cases", ())]
    return bodies


def _declared_outside(body: list) -> set[str]:
    """The names a function's body declares `global` or `nonlocal`."""
    return {name for statement in body for inner in [statement, *inner_nodes(statement)]
            if isinstance(inner, (ast.Global, ast.Nonlocal)) for name in inner.names}


def _names_one_of(text: str, attributes: tuple[str, ...]) -> bool:
    """`"__weight__"`, or a piece of one (`"__" + "weight__"`)."""
    return text in attributes or len(text) >= 3 and any(
        text.startswith("__") and attribute.startswith(text) or text.endswith("__") and attribute.endswith(text)
        for attribute in attributes)


def _plain_attribute_name(name: ast.expr) -> bool:
    """A `setattr` name that is spelled out, or an f-string that cannot make a dunder
    (`f"test_{n}"`)."""
    if isinstance(name, ast.Constant):
        return isinstance(name.value, str)
    return (isinstance(name, ast.JoinedStr) and bool(name.values) and isinstance(name.values[0], ast.Constant)
            and isinstance(name.values[0].value, str) and not name.values[0].value.startswith("_"))


def _holds_attributes(node: ast.expr) -> bool:
    """`f.__dict__` (not `self`'s), `vars(f)`: a function's attributes."""
    if isinstance(node, ast.Attribute):
        return node.attr == "__dict__" and not on_self(node.value)
    return isinstance(node, ast.Call) and name_of(node.func) == "vars" and bool(node.args) and not on_self(node.args[0])


def _called(node: ast.expr) -> list[ast.expr]:
    """The expression itself, and what it calls when it is a call (`weight(2)`: `weight`)."""
    return [node, node.func] if isinstance(node, ast.Call) else [node]


def _dotted(node: ast.expr) -> list[str] | None:
    """`gs.weight` -> ["gs", "weight"]; None for what is no dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) and parts else None


def _stem(path: Path) -> str:
    """The last part of the module a file is (a package's `__init__.py`: the package)."""
    return path.parent.name if path.name == "__init__.py" else path.stem


def _last(module: str) -> str:
    return module.rpartition(".")[2]
