"""A test module's gradescope-utils decorators read from its source alone.

For the faithful suite mode's reading of a suite (`suite_discovery`): a test module whose
top-level code needs the submission's real values (`X, y = hw.load_data()`, `@weight(len(hw.CASES))`)
does not load with placeholders, or loads showing what the placeholders gave; yet its tests'
weights must be known before any submitted code runs. The syntax trees of the suite's modules
give them, with the names each module binds at its top level followed as Python binds them:
its classes and those it imports from other modules of the suite (`from base import Base`,
`from tests.base import Base`, `from .base import Base`, `from base import *`, `import base`
then `base.Base`), the decorators it imports (directly, aliased, with `import *`, or through a
helper of the suite), the values the source fixes for their arguments (`static_values`:
`POINTS = 4`, then `@weight(POINTS)`, in the class body too; `@weight(TOTAL / 4)`,
`@weight(POINTS["q1"])`) and other names (`Alias = TestCalc`, `TestA = skipIf(...)(TestA)`),
each as it stands when the decorator runs. Each class with a base (a TestCase, or a class of
the suite that has one; not a class of the submission) gives its `test*` methods, inherited
ones from classes of the suite included, looked up along Python's method order (C3), in the
order unittest's loader takes them (classes by the name the module gives them, then methods,
by name). Other decorators are followed only when known to keep the test's attributes
(unittest's skips, `mock.patch`, a suite's own that uses `functools.wraps`). A visibility the
source does not fix is read as "hidden": a test staff meant to hide stays hidden. Tests the
trees cannot show (methods inherited from a class outside the suite, or under any other
decorator, or of a class a class decorator, metaclass or `__init_subclass__` may change) are
left to the run, which reports them as tests nobody listed. Its parts: `static_names` (what a
statement binds), `static_values` (the values the source fixes, what the suite changes
elsewhere), `static_classes` (the TestCases and their methods), `static_decorators` (what a
method's decorators put on its test).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from autograder.grading_process import static_applied, static_classes, static_decorators, static_values
from autograder.grading_process.static_names import (
    FUNCTIONS, SCOPES, SUBMITTED, UNKNOWN, inner_nodes, stored_names)
from autograder.wire.decorations import Decorations

TEST_PREFIX = "test"  # unittest.TestLoader.testMethodPrefix


class SuiteModule:
    """One module of the suite, parsed, by the name discovery imports it under: what each of
    its top-level names is bound to once it has run (`bindings()`), and what the names were
    where each class and each method is defined (`scopes`, by node)."""

    def __init__(self, source: "SuiteSource", name: str, path: Path, tree: ast.Module):
        self.source = source
        self.name = name
        self.path = path
        self.tree = tree
        self.package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        self.scopes: dict[ast.AST, dict] = {}
        self.qualnames: dict[ast.ClassDef, str] = {}  # a class inside a class: `Bases.Shared`
        self.class_bodies: dict[ast.ClassDef, list] = {}  # (an `if` the source decides: its branch)
        self.method_orders: dict[ast.ClassDef, list | None] = {}
        self._bindings: dict | None = None
        self._binding_now: dict | None = None  # the names bound so far, while they are found

    def bindings(self) -> dict:
        """Name -> ("class", module, node) | ("module", name) | ("decorator", kind) |
        ("applied", kind, args, keywords) | ("value", value) | ("external", dotted name) |
        UNKNOWN | SUBMITTED, for the module's top-level names once it
        ran; those bound so far while they are being found (a circular import sees a module
        half run)."""
        if self._bindings is None:
            if self._binding_now is not None:
                return self._binding_now
            names: dict = {}
            self._binding_now = names
            for node in self.tree.body:
                self._bind(node, names)
            self._bindings, self._binding_now = names, None
        return self._bindings

    def _bind(self, node: ast.stmt, names: dict) -> None:
        if isinstance(node, ast.ClassDef):
            self.qualnames.setdefault(node, node.name)
            self.scopes[node] = dict(names)
            self._bind_class_body(node, names)
            names[node.name] = ("class", self, node)
        elif isinstance(node, FUNCTIONS):
            names[node.name] = ("function", self, node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".", 1)[0]
                names[bound] = self.source.module_binding(alias.name if alias.asname else bound)
        elif isinstance(node, ast.ImportFrom):
            self._bind_import_from(node, names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound_now = {}  # (every value worked out before any name is bound: `A, B = B, A`)
            for target in targets:
                for bound, value in _pairs(target, node.value):  # (`EASY, HARD = 1, 5` too)
                    if bound is None:
                        bound_now.update(dict.fromkeys(stored_names(target), UNKNOWN))
                        continue
                    given = self._given(value, names)
                    shared = len(targets) > 1 or isinstance(value, (ast.Name, ast.Attribute))
                    if given[0] == "value" and shared and isinstance(given[1], static_values.CHANGEABLE_TABLES):
                        given = UNKNOWN  # (one table under two names: `A = B = {...}`, `A = B`)
                    bound_now[bound] = self._believed(bound, given)
            names.update(bound_now)
        elif isinstance(node, ast.If) and (taken := self._branch(node, names)) is not None:
            for inner in taken:  # (`if FULL_CREDIT:`, the name a literal)
                self._bind(inner, names)
        elif isinstance(node, ast.Try):  # its body runs (`try: from tests.base import Base`)
            before = dict(names)
            for inner in node.body + node.orelse:
                self._bind(inner, names)
            for handler in node.handlers:  # (a name a handler binds otherwise: not known)
                handled = dict(before)
                for inner in handler.body:
                    self._bind(inner, handled)
                for name, bound in handled.items():
                    if not _same(names.get(name), bound):
                        names[name] = UNKNOWN
            for inner in node.finalbody:
                self._bind(inner, names)
        else:  # an if, a loop, a def: what they bind is not known from here
            for inner in () if isinstance(node, SCOPES) else inner_nodes(node):
                if isinstance(inner, ast.ImportFrom) and inner.module == static_decorators.DECORATORS_MODULE:
                    self._bind_import_from(inner, names)
            for bound in stored_names(node):
                if bound not in names or names[bound][0] != "decorator":
                    names[bound] = UNKNOWN

    def _bind_class_body(self, node: ast.ClassDef, names: dict) -> None:
        """The scope each method's decorators see: the class body's names so far, then the
        module's as they were at the class statement; and the body's statements that run."""
        self.class_bodies[node] = self._class_statements(node, node.body, dict(names), names)

    def _class_statements(self, node: ast.ClassDef, body: list, inside: dict, module_names: dict
                          ) -> list:
        """The statements of the class body that run, its names bound as they go (a class in
        the body sees the module's names, as Python's scopes give them, not the body's)."""
        ran = []
        for item in body:
            taken = self._branch(item, inside) if isinstance(item, ast.If) else None
            if taken is not None:
                ran += self._class_statements(node, taken, inside, module_names)
                continue
            ran.append(item)
            if isinstance(item, ast.ClassDef):
                self.qualnames[item] = f"{self.qualnames[node]}.{item.name}"
                self.scopes[item] = dict(inside)  # (its bases and decorators: the body's names)
                self.class_bodies[item] = self._class_statements(item, item.body, dict(module_names),
                                                                 module_names)
                inside[item.name] = ("class", self, item)
            elif isinstance(item, FUNCTIONS):
                self.scopes[item] = dict(inside)
                inside[item.name] = UNKNOWN
            else:
                self._bind(item, inside)
        return ran

    def _branch(self, node: ast.If, names: dict) -> list | None:
        """The statements of the branch an `if` takes, when the source fixes its test."""
        test = self.value(node.test, names)
        return None if test is static_values.NOT_KNOWN else node.body if test else node.orelse

    def _bind_import_from(self, node: ast.ImportFrom, names: dict) -> None:
        module = self.absolute(node)
        if module == static_decorators.DECORATORS_MODULE:
            for alias in node.names:
                if alias.name == "*":
                    names.update({kind: ("decorator", kind) for kind in static_decorators.DECORATORS})
                elif alias.name in static_decorators.DECORATORS:
                    names[alias.asname or alias.name] = ("decorator", alias.name)
                else:
                    names[alias.asname or alias.name] = UNKNOWN
            return
        other = self.source.module(module) if module else None
        for alias in node.names:
            if alias.name == "*":
                if other is not None:
                    names.update(_public(other.bindings()))
                continue
            bound = alias.asname or alias.name
            names[bound] = self._believed(bound, self.source.attribute(module, alias.name))

    def _given(self, node: ast.expr, names: dict) -> tuple:
        """What a name assigned `node` is bound to (`Alias = TestCalc`, `points = weight`:
        the same; `hidden = visibility("hidden")`: that decorator applied)."""
        value = self.value(node, names)
        if value is not static_values.NOT_KNOWN:
            return ("value", value)
        applied = static_decorators.decorator(node, self, names)
        if applied is not None:
            return ("applied", *applied)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.resolve(node, names) or UNKNOWN
        return self._skipped_class(node, names) or UNKNOWN

    def _believed(self, name: str, bound: tuple) -> tuple:
        """The binding, or UNKNOWN for a value other code of the suite may change."""
        if bound[0] == "value" and not self.source.changed_elsewhere.believed(name, bound[1]):
            return UNKNOWN
        return bound

    def _skipped_class(self, node: ast.expr, names: dict):
        """What `TestA = unittest.skipIf(cond, why)(TestA)` binds: unittest's skip decorators
        give back the class they are given; None for any other call."""
        if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords):
            return None
        called = node.func  # (`skipIf(condition, why)(TestA)`, `expectedFailure(TestA)`)
        if not (static_decorators.gives_back_a_class(called.func, self, names) if isinstance(called, ast.Call)
                else static_decorators.gives_back_a_class(called, self, names, bare=True)):
            return None
        given = self.resolve(node.args[0], names)
        return given if given is not None and given[0] == "class" else None

    def value(self, node: ast.expr, scope: dict):
        """The value the source fixes for `node` in `scope` (`static_values.evaluate`)."""
        def named(name: ast.expr):
            bound = self.resolve(name, scope)
            return bound[1] if bound is not None and bound[0] == "value" else static_values.NOT_KNOWN
        return static_values.evaluate(node, named)

    def absolute(self, node: ast.ImportFrom) -> str | None:
        """The module an import names, a relative one resolved from this module's package;
        None for a relative import past the top (Python's ImportError)."""
        if node.level == 0:
            return node.module
        parts = self.package.split(".") if self.package else []
        if node.level - 1 >= len(parts):
            return None
        base = parts[:len(parts) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def resolve(self, node: ast.expr, scope: dict):
        """What a name or a dotted name (`base.Base`) in `scope` is bound to; None for a
        name the module never binds (a builtin)."""
        if isinstance(node, ast.Name):
            return scope.get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self.resolve(node.value, scope)
            if owner is not None and owner[0] == "module":
                return self.source.attribute(owner[1], node.attr)
            if owner is not None and owner[0] == "class":  # `Bases.Shared`, as the body left it
                inner = None
                for item in owner[1].class_bodies.get(owner[2], owner[2].body):
                    if node.attr in stored_names(item):
                        inner = item if isinstance(item, ast.ClassDef) else None
                return ("class", owner[1], inner) if inner is not None else UNKNOWN
            if owner is not None and owner[0] == "external":
                return static_decorators.external(f"{owner[1]}.{node.attr}")
            return SUBMITTED if owner is SUBMITTED else UNKNOWN
        return UNKNOWN


class SuiteSource:
    """The suite's modules found and parsed by the names discovery imports them under: the
    suite's folder first on `sys.path`, and the folder itself the package of its own name
    (`tests.base`); a name of the submission's that the suite does not have is SUBMITTED."""

    def __init__(self, start_dir: str, submitted=()):
        self.start_dir = Path(start_dir)
        self.submitted = set(submitted)
        self._modules: dict[str, SuiteModule | None] = {}
        self._changed_elsewhere: static_values.ChangedElsewhere | None = None
        self._applied_elsewhere: static_applied.AppliedElsewhere | None = None

    @property
    def changed_elsewhere(self) -> static_values.ChangedElsewhere:
        """The names code of the suite may change beyond a module's own assignments."""
        if self._changed_elsewhere is None:
            self._changed_elsewhere = static_values.ChangedElsewhere(self.start_dir)
        return self._changed_elsewhere

    @property
    def applied_elsewhere(self) -> static_applied.AppliedElsewhere:
        """Where the suite uses gradescope-utils' decorators other than in decorator lists."""
        if self._applied_elsewhere is None:
            files = self.changed_elsewhere
            self._applied_elsewhere = static_applied.AppliedElsewhere(
                files.files, files.text, files.tree, static_decorators.DECORATORS_MODULE,
                static_decorators.DECORATORS, static_decorators.DECORATOR_ATTRIBUTES)
        return self._applied_elsewhere

    def path_of(self, module: str) -> Path | None:
        """The file that is the suite's module `module`, as Python's path finder takes it (a
        package before a module of the same name); None when the suite has none."""
        parts = module.split(".")
        if parts[0] == self.start_dir.name:
            folder, parts = self.start_dir, parts[1:]
            if not parts:
                return _file(folder / "__init__.py")
        else:
            folder = self.start_dir
        for part in parts[:-1]:
            folder = folder / part
            if not folder.is_dir():
                return None
        package = folder / parts[-1] / "__init__.py"
        return _file(package) or _file(folder / f"{parts[-1]}.py")

    def module(self, name: str, path: Path | None = None) -> SuiteModule | None:
        """The suite's module `name` (its source at `path` when given), parsed once."""
        if name not in self._modules:
            path = path or self.path_of(name)
            tree = static_values.parse_file(path) if path is not None else None
            self._modules[name] = None if tree is None else SuiteModule(self, name, path, tree)
        return self._modules[name]

    def has(self, module: str) -> bool:
        """Whether the suite has the module `module` (a namespace package's folder counts)."""
        parts = module.split(".")
        folder = self.start_dir.joinpath(*parts[1:] if parts[0] == self.start_dir.name else parts)
        return self.path_of(module) is not None or folder.is_dir()

    def module_binding(self, name: str):
        """What `import name` binds a name to."""
        if self.has(name):
            return ("module", name)
        return SUBMITTED if name.split(".", 1)[0] in self.submitted else ("external", name)

    def attribute(self, module: str | None, name: str):
        """What `from module import name` gives: a top-level name of a suite module, or its
        submodule."""
        if module is None:
            return UNKNOWN
        other = self.module(module)
        if other is not None and name in other.bindings():
            return other.bindings()[name]
        if self.has(f"{module}.{name}"):
            return ("module", f"{module}.{name}")
        in_suite = other is not None or self.has(module)
        if in_suite:
            return UNKNOWN
        if module.split(".", 1)[0] in self.submitted:
            return SUBMITTED
        return static_decorators.external(f"{module}.{name}")

    def read_module(self, name: str, path: Path | None = None, descriptions: bool = True
                    ) -> list[Decorations]:
        """One `Decorations` (with unittest's id and JSONTestRunner's name) per test of the
        module `name`; [] when it cannot be found, parsed or followed (nested too deep, or a
        form the reading does not expect: the staff log names it)."""
        try:
            return self._read_module(name, path, descriptions)
        except Exception as error:  # noqa: BLE001 - a suite's source never stops the grading
            _unread(name, error)
            return []

    def _read_module(self, name: str, path: Path | None, descriptions: bool) -> list[Decorations]:
        parsed = self.module(name, path)
        if parsed is None:
            return []
        tests = []
        for _, (_, owner, node) in sorted(static_classes.test_classes(parsed), key=lambda found: found[0]):
            methods = static_classes.methods(owner, node)
            for method in sorted(methods):
                if method.startswith(TEST_PREFIX):
                    function, where = methods[method]
                    cls = f"{owner.name}.{owner.qualnames.get(node, node.name)}"
                    tests.append(static_decorators.decorations(function, method, cls, where, descriptions))
        return tests

    def imported(self, name: str, path: Path | None = None) -> set[str]:
        """The modules the module `name` imports anywhere in its source (relative imports
        resolved), with their parent packages."""
        try:
            return self._imported(name, path)
        except Exception as error:  # noqa: BLE001 - as in `read_module`
            _unread(name, error)
            return set()

    def _imported(self, name: str, path: Path | None) -> set[str]:
        parsed = self.module(name, path)
        if parsed is None:
            return set()
        found = set()
        for node in ast.walk(parsed.tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and parsed.absolute(node):
                module = parsed.absolute(node)
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
        return {".".join(parts[:end]) for parts in (name.split(".") for name in found)
                for end in range(1, len(parts) + 1)}


def _file(path: Path) -> Path | None:
    return path if path.is_file() else None


def _unread(module: str, error: Exception) -> None:
    print(f"autograder: the source of the suite's {module} could not be followed ({type(error).__name__}: "
          f"{str(error)[:200]}); its tests are listed as the run finds them, with no points",
          file=sys.stderr)


def _public(names: dict) -> dict:
    """What `from module import *` takes of a module's names: its literal `__all__`, else
    those not starting with `_` (not known which, when `__all__` is not a literal)."""
    listed = names.get("__all__")
    if listed is not None and listed[0] == "value" and isinstance(listed[1], (list, tuple)):
        return {name: names.get(name, UNKNOWN) for name in listed[1] if isinstance(name, str)}
    public = {name: bound for name, bound in names.items() if not name.startswith("_")}
    return public if listed is None else dict.fromkeys(public, UNKNOWN)  # (`__all__ += [...]`)


def _pairs(target: ast.expr, value: ast.expr) -> list[tuple]:
    """(name, value) for each name an assignment binds to a value it spells out (`A = 1`,
    `EASY, HARD = 1, 5`); [(None, value)] for a target the reading does not pair."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(node, ast.Starred) for node in (*target.elts, *value.elts))):
        return [pair for inner, given in zip(target.elts, value.elts) for pair in _pairs(inner, given)]
    return [(None, value)]


def _same(bound, other) -> bool:
    """Whether two bindings are the same thing (a class of the same file, imported under two
    names: `tests.base` and `base`)."""
    if bound == other:
        return True
    return (bound is not None and other is not None and bound[0] == other[0] == "class"
            and bound[1].path == other[1].path and bound[2].lineno == other[2].lineno
            and bound[2].name == other[2].name)
