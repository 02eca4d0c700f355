"""Whether a suite applies gradescope-utils' decorators other than in a decorator list, read
from its source (for `static_decorators`): the reading believes a test's decorators only when
nothing else in the suite puts gradescope-utils' attributes on functions.

The names that stand for a decorator, in each file of the suite: gradescope-utils' own
(imported, under another name, `import ... decorators as gs` then `gs.weight`), names given
one in a plain assignment (`points = weight`, `easy = weight(1)`), a module-level function
whose body uses one other than in a decorator list (`def points(n): return weight(n)`), and
such names another file of the suite defines (`from helpers import easy`). A name a function
binds for itself (a parameter `number`, a local `weight = 0.5`) is not one. Such a name may
stand in a decorator list (`@weight(2)`, `@easy`) or be the value of a plain assignment at
module or class level; used in any other place (`weight(5)(TestA.test_a)`, `map(weight(4),
...)`, `w, v = weight, visibility`, in a method's body), or with a text or keyword naming one
of the attributes the decorators set (`setattr(f, "__weight__", 5)`,
`f.__dict__.update(__weight__=5)`, `TestA.test_a.__weight__ = 5`), the suite applies
decorators elsewhere. A function that uses them only in decorator lists decorates only the
functions it defines (a wrapper it gives back, tests it makes), never one it is given: it is
no plain wrapper, but calling it applies nothing.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Callable

from autograder.grading_process.static_names import COMPREHENSIONS, FUNCTIONS, inner_nodes, stored_names

MODULE, CLASS, METHOD = "<module>", "<class>", "<method>"  # where a use stands (or a function's name)


class AppliedElsewhere:
    """Over the suite's Python files: whether any applies gradescope-utils' decorators
    other than in a decorator list (`applied`), and the module-level functions that use
    them (`decorating`: no plain wrapper, whatever else they do)."""

    def __init__(self, files: list[Path], text: Callable[[Path], bytes], tree: Callable[[Path], ast.Module | None],
                 decorators_module: str, decorators: tuple[str, ...], attributes: tuple[str, ...]):
        self.files, self._text, self._tree = files, text, tree
        self.decorators_module, self.decorators, self.attributes = decorators_module, decorators, attributes
        self.suite_modules = {path.stem for path in files} | {path.parent.name for path in files
                                                              if path.name == "__init__.py"}
        self._scans: dict[Path, FileUses] | None = None

    @property
    def applied(self) -> bool:
        return any(scan.applied for scan in self._scanned().values())

    def decorating(self, path: Path, function: str) -> bool:
        """Whether the module-level function `function` of the file at `path` uses a
        decorator (it may put gradescope-utils' attributes on what it is given)."""
        scan = self._scanned().get(Path(os.path.realpath(path)))
        return scan is not None and function in scan.decorating | scan.applying

    def _scanned(self) -> dict[Path, FileUses]:
        """Each file that may use a decorator, scanned until the names the files give one
        another are all known."""
        if self._scans is None:
            exported: set[str] = set()
            scans: dict[Path, FileUses] = {}
            while True:
                words = [word.encode() for word in (*self.decorators, *self.attributes, *exported)]
                for path in self.files:
                    key = Path(os.path.realpath(path))
                    if (key not in scans or scans[key].imports_from_suite) and any(
                            word in self._text(path) for word in words) and (tree := self._tree(path)) is not None:
                        scans[key] = FileUses(tree, self, set(exported))
                found = set().union(*(scan.exported for scan in scans.values()))
                if found <= exported:
                    break
                exported |= found
            self._scans = scans
        return self._scans


class FileUses:
    """One file's names that stand for a decorator and the uses of them (`AppliedElsewhere`),
    given the names other files of the suite give one (`exported_elsewhere`)."""

    def __init__(self, tree: ast.Module, suite: AppliedElsewhere, exported_elsewhere: set[str]):
        self.suite, self.exported_elsewhere = suite, exported_elsewhere
        self.modules: dict[str, str] = {}  # a name an import binds to a module -> its dotted name
        self.imports_from_suite = False  # (what it finds depends on the names other files give)
        self.names: set[str] = set()
        self.decorating: set[str] = set()  # module-level functions using one
        self.applying: set[str] = set()  # those using one other than in a decorator list
        self.applied = False
        nodes = list(ast.walk(tree))
        self._imports(nodes)
        self._placed = {id(called) for node in nodes if isinstance(node, (*FUNCTIONS, ast.ClassDef))
                        for entry in node.decorator_list for called in _called(entry)}  # (`@weight(2)`)
        self._assigned = {id(called) for node in nodes if _plain_assignment(node)  # (`easy = weight(1)`)
                          for called in _called(node.value)}
        while True:  # (a name given one in terms of another: `w = weight`, then `easy = w(1)`)
            known = len(self.names)
            self._assignments(tree)
            self.applied = False
            self._visit_all(tree, frozenset(), MODULE)
            self.names |= self.applying
            if len(self.names) == known:
                break

    @property
    def exported(self) -> set[str]:
        return self.names

    def _imports(self, nodes: list) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".", 1)[0]
                    self.modules[bound] = alias.name if alias.asname else bound
                    self.imports_from_suite |= any(part in self.suite.suite_modules for part in alias.name.split("."))
            elif isinstance(node, ast.ImportFrom):
                self.imports_from_suite |= bool(node.level) or any(
                    part in self.suite.suite_modules for part in (node.module or "").split("."))
                self.names |= self._imported_names(node)
                for alias in node.names:
                    if alias.name != "*":
                        self.modules[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"

    def _imported_names(self, node: ast.ImportFrom) -> set[str]:
        """The names an import binds that stand for a decorator."""
        if node.level == 0 and node.module == self.suite.decorators_module:
            return {name for alias in node.names
                    for name in (self.suite.decorators if alias.name == "*" else
                                 [alias.asname or alias.name] if alias.name in self.suite.decorators else [])}
        if not (node.level or _last(node.module or "") in self.suite.suite_modules):
            return set()  # (`from numpy import number`)
        return {name for alias in node.names
                for name in (self.exported_elsewhere if alias.name == "*" else
                             [alias.asname or alias.name] if alias.name in self.exported_elsewhere else [])}

    def _assignments(self, tree: ast.Module) -> None:
        """Names given a decorator at module level or in a class body (`easy = weight(1)`)."""
        for node in _outside_functions(tree):
            if _plain_assignment(node) and any(self._stands_for(inner, frozenset())
                                               for inner in _called(node.value)):
                self.names.add(_target(node))

    def _stands_for(self, node: ast.expr, shadowed: frozenset) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names and node.id not in shadowed
        dotted = _dotted(node)
        if dotted is None or dotted[0] not in self.modules or dotted[0] in shadowed:
            return False
        module, _, name = ".".join([self.modules[dotted[0]], *dotted[1:]]).rpartition(".")
        if module == self.suite.decorators_module:
            return name in self.suite.decorators
        return _last(module) in self.suite.suite_modules and name in self.exported_elsewhere

    def _visit_all(self, node: ast.AST, shadowed: frozenset, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            self._visit(child, shadowed, where)

    def _visit(self, node: ast.AST, shadowed: frozenset, where: str) -> None:
        if isinstance(node, (*FUNCTIONS, ast.Lambda)):
            for outer in (*getattr(node, "decorator_list", ()), node.args, getattr(node, "returns", None)):
                if outer is not None:
                    self._visit(outer, shadowed, where)
            inside = where if where not in (MODULE, CLASS) else node.name if where == MODULE and not isinstance(
                node, ast.Lambda) else METHOD
            body = node.body if isinstance(node.body, list) else [node.body]
            local = (shadowed | self._locals(node)) - _declared_outside(body)
            for statement in body:
                self._visit(statement, local, inside)
        elif isinstance(node, ast.ClassDef):
            for outer in (*node.decorator_list, *node.bases, *node.keywords):
                self._visit(outer, shadowed, where)
            for statement in node.body:
                self._visit(statement, shadowed, CLASS if where in (MODULE, CLASS) else where)
        elif isinstance(node, COMPREHENSIONS):
            targets = {name.id for generator in node.generators for name in ast.walk(generator.target)
                       if isinstance(name, ast.Name)}
            self._visit_all(node, shadowed | targets, where)
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load) and self._stands_for(
                node, shadowed):
            self._use(node, where)
        else:
            if (isinstance(node, ast.Attribute) and node.attr in self.suite.attributes
                    or isinstance(node, ast.keyword) and node.arg in self.suite.attributes
                    or isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and self._names_an_attribute(node.value)):
                self._use(node, where, anywhere=False)
            self._visit_all(node, shadowed, where)

    def _use(self, node: ast.AST, where: str, anywhere: bool = True) -> None:
        """A decorator used, or an attribute named: in a decorator list, that decorates the
        function defined there (in a module-level function: that function decorates); in a
        module-level function, elsewhere, that function applies decorators; in a plain
        assignment outside functions, nothing more; anywhere else, the suite applies
        decorators elsewhere."""
        placed = anywhere and id(node) in self._placed
        if where not in (MODULE, CLASS, METHOD):
            (self.decorating if placed else self.applying).add(where)
        elif not (placed or anywhere and where != METHOD and id(node) in self._assigned):
            self.applied = True

    def _names_an_attribute(self, text: str) -> bool:
        """`"__weight__"`, or a piece of one (`"__" + "weight__"`)."""
        return text in self.suite.attributes or len(text) >= 3 and any(
            text.startswith("__") and attribute.startswith(text) or text.endswith("__") and attribute.endswith(text)
            for attribute in self.suite.attributes)

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
                    given_decorators |= self._imported_names(inner)
                elif _plain_assignment(inner) and any(self._stands_for(called, frozenset())
                                                      for called in _called(inner.value)):
                    given_decorators.add(_target(inner))
        return names - given_decorators


def _outside_functions(tree: ast.AST):
    """The nodes at module level and in class bodies, those in `if`s and `try`s too."""
    for node in ast.iter_child_nodes(tree):
        yield node
        if not isinstance(node, (*FUNCTIONS, ast.Lambda)):
            yield from _outside_functions(node)


def _declared_outside(body: list) -> set[str]:
    """The names a function's body declares `global` or `nonlocal`."""
    return {name for statement in body for inner in [statement, *inner_nodes(statement)]
            if isinstance(inner, (ast.Global, ast.Nonlocal)) for name in inner.names}


def _plain_assignment(node: ast.AST) -> bool:
    """`name = value`, one target that is a name."""
    if isinstance(node, ast.Assign):
        return len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    return isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None


def _target(assignment: ast.Assign | ast.AnnAssign) -> str:
    return (assignment.targets[0] if isinstance(assignment, ast.Assign) else assignment.target).id


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


def _last(module: str) -> str:
    return module.rpartition(".")[2]
