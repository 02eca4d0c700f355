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
left to the run, which reports them as tests nobody listed.
"""
from __future__ import annotations

import ast
import builtins
import sys
from pathlib import Path

from autograder.grading_process import static_values
from autograder.grading_process.decorations import plain_number
from autograder.wire.decorations import Decorations

DECORATORS_MODULE = "gradescope_utils.autograder_utils.decorators"
DECORATORS = ("weight", "number", "visibility", "tags", "leaderboard", "partial_credit", "hide_errors")
DECORATOR_ATTRIBUTES = ("__weight__", "__number__", "__visibility__", "__tags__", "__hide_errors__",
                        "__leaderboard_column__", "__leaderboard_sort_order__")  # (what they set)
TEST_PREFIX = "test"  # unittest.TestLoader.testMethodPrefix
HIDE_ERRORS_DEFAULT = "Test failed"  # gradescope-utils' `@hide_errors()` message
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
FUNCTION_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = FUNCTION_SCOPES + COMPREHENSIONS  # whose inner names are not the module's

NOT_TEST_CASE_MODULES = ("abc", "typing", "enum", "collections", "dataclasses", "numbers")
NO_TEST_METHODS = {"unittest.TestCase", "unittest.case.TestCase", "unittest.IsolatedAsyncioTestCase",
                   "unittest.async_case.IsolatedAsyncioTestCase"}  # (bases with no `test*` names)
SKIPS = {f"{module}.{name}" for module in ("unittest", "unittest.case")
         for name in ("skip", "skipIf", "skipUnless", "expectedFailure")}  # (give back what they get)
WRAPPERS = {f"{module}.{name}" for module in ("unittest.mock", "mock")
            for name in ("patch", "patch.object", "patch.dict", "patch.multiple")} | {
    "timeout_decorator.timeout", "timeout_decorator.timeout_decorator.timeout"}  # (`functools.wraps`)
UNKNOWN = ("unknown",)  # a name bound to something the source does not tell
SUBMITTED = ("submitted",)  # a module of the submission, or a name taken from one


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
            for target in targets:
                for bound, value in _pairs(target, node.value):  # (`EASY, HARD = 1, 5` too)
                    given = self._given(value, names) if bound is not None else UNKNOWN
                    shared = len(targets) > 1 or isinstance(value, (ast.Name, ast.Attribute))
                    if given[0] == "value" and shared and isinstance(given[1], static_values.CHANGEABLE_TABLES):
                        given = UNKNOWN  # (one table under two names: `A = B = {...}`, `A = B`)
                    for name in stored_names(target) if bound is None else [bound]:
                        names[name] = self._believed(name, given) if bound is not None else UNKNOWN
        elif isinstance(node, ast.If) and self._branch(node, names) is not None:
            for inner in self._branch(node, names):  # (`if FULL_CREDIT:`, the name a literal)
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
            for inner in () if isinstance(node, SCOPES) else _inner_nodes(node):
                if isinstance(inner, ast.ImportFrom) and inner.module == DECORATORS_MODULE:
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
        if module == DECORATORS_MODULE:
            for alias in node.names:
                if alias.name == "*":
                    names.update({kind: ("decorator", kind) for kind in DECORATORS})
                elif alias.name in DECORATORS:
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
        applied = _decorator(node, self, names)
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
        if not (_gives_back_a_class(called.func, self, names) if isinstance(called, ast.Call)
                else _gives_back_a_class(called, self, names, bare=True)):
            return None
        given = (self.resolve(node.args[0], names) if isinstance(node.args[0], (ast.Name, ast.Attribute))
                 else None)
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
                return _external(f"{owner[1]}.{node.attr}")
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

    @property
    def changed_elsewhere(self) -> static_values.ChangedElsewhere:
        """The names code of the suite may change beyond a module's own assignments."""
        if self._changed_elsewhere is None:
            self._changed_elsewhere = static_values.ChangedElsewhere(
                self.start_dir, DECORATORS, DECORATOR_ATTRIBUTES)
        return self._changed_elsewhere

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
        return SUBMITTED if module.split(".", 1)[0] in self.submitted else _external(f"{module}.{name}")

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
        for _, (_, owner, node) in sorted(_test_classes(parsed), key=lambda found: found[0]):
            methods = _methods(owner, node)
            for method in sorted(methods):
                if method.startswith(TEST_PREFIX):
                    function, where = methods[method]
                    cls = f"{owner.name}.{owner.qualnames.get(node, node.name)}"
                    tests.append(_decorations(function, method, cls, where, descriptions))
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


def stored_names(node: ast.AST) -> set[str]:
    """The names a statement or target binds in its own scope (not in the functions,
    classes and comprehensions inside it, but their own names)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    names = set()
    for inner in [node, *_inner_nodes(node)]:
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
            names.update(found.target.id for found in _inner_nodes(inner, FUNCTION_SCOPES)
                         if isinstance(found, ast.NamedExpr))
    return names


def _inner_nodes(node: ast.AST, scopes: tuple = None):
    """The nodes inside `node` that are in its scope (a nested scope's own body left out)."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, scopes or SCOPES):
            yield from _inner_nodes(child, scopes)


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


def _test_classes(parsed: SuiteModule) -> list[tuple[str, tuple]]:
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


def _methods(owner: SuiteModule, node: ast.ClassDef) -> dict[str, tuple]:
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
        not (isinstance(decorator, ast.Call) and _gives_back_a_class(decorator.func, owner, scope)
             or _gives_back_a_class(decorator, owner, scope, bare=True))
        for decorator in node.decorator_list) or any(
        isinstance(item, FUNCTIONS) and item.name == "__init_subclass__"
        for item in owner.class_bodies.get(node, node.body))


def _gives_back_a_class(called: ast.expr, owner: SuiteModule, scope: dict, bare: bool = False) -> bool:
    """Whether `called(...)` (`bare`: `called` itself) applied to a class gives it back:
    unittest's skips (`skip(why)`, `skipIf(condition, why)`), `expectedFailure`."""
    bound = owner.resolve(called, scope) if isinstance(called, (ast.Name, ast.Attribute)) else None
    if bound is None or bound[0] != "external" or bound[1] not in SKIPS:
        return False
    return bound[1].endswith(".expectedFailure") if bare else not bound[1].endswith(".expectedFailure")


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
            known = all(_applied(decorator, owner, owner.scopes.get(item, {}))[0] != "unknown"
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


def _decorations(method, test: str, cls: str, owner: SuiteModule, descriptions: bool
                 ) -> Decorations:
    """What the method's decorators put on it (the topmost applied last, so it wins; a
    wrapper above `@partial_credit` hides its `set_score`, as it does from JSONTestResult);
    nothing but "hidden" when the suite applies gradescope-utils' decorators elsewhere too
    (`weight(5)(TestA.test_a)`, `TestA.test_a.__weight__ = 5`)."""
    found: dict = {"unittest": True}
    scope = owner.scopes.get(method, {})
    if owner.source.changed_elsewhere.decorators_applied:
        found["visibility"] = "hidden"
    else:
        for decorator in reversed(method.decorator_list):
            how, fields = _applied(decorator, owner, scope)
            if how == "wrapper":
                found.pop("partial_credit", None)
            found.update(fields)
    doc = (ast.get_docstring(method, clean=False) or "").strip()
    first = doc.splitlines()[0].strip() if doc else None
    return Decorations(**found, doc=first, id=f"{cls}.{test}",
                       name=first if descriptions and first else f"{test} ({cls}.{test})")


def _applied(node: ast.expr, owner: SuiteModule, scope: dict) -> tuple[str, dict]:
    """What a method's decorator does to it: ("fields", what it puts on the test) for one of
    gradescope-utils', ("skip", {}) for unittest's skips, ("wrapper", {}) for a wrapper that
    keeps the function's attributes (`functools.wraps`: `mock.patch`, a suite's own timeout
    that wraps), ("unknown", {}) for any other (or a leaderboard whose column is not fixed)."""
    found = _decorator(node, owner, scope)
    if found is not None:
        kind, args, keywords = found
        if kind == "leaderboard" and static_values.NOT_KNOWN in (*args, *keywords.values()):
            return "unknown", {}
        return "fields", _effect(kind, args, keywords)
    called = node.func if isinstance(node, ast.Call) else node
    bound = owner.resolve(called, scope) if isinstance(called, (ast.Name, ast.Attribute)) else None
    if bound is not None and bound[0] == "external" and bound[1] in SKIPS:
        return "skip", {}
    if bound is not None and (bound[0] == "external" and bound[1] in WRAPPERS
                              or bound[0] == "function" and _wraps(bound[2])):
        return "wrapper", {}
    return "unknown", {}


def _wraps(function: ast.AST) -> bool:
    """Whether a decorator the suite writes wraps with `functools.wraps`."""
    return any(isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Name) and node.func.id == "wraps"
        or isinstance(node.func, ast.Attribute) and node.func.attr == "wraps") for node in ast.walk(function))


def _decorator(node, owner: SuiteModule, scope: dict):
    """(which of gradescope-utils' decorators, its arguments' values, its keywords' values,
    each `static_values.NOT_KNOWN` where the source does not fix it), or None for another."""
    if not isinstance(node, ast.Call):
        bound = owner.resolve(node, scope) if isinstance(node, (ast.Name, ast.Attribute)) else None
        return bound[1:] if bound is not None and bound[0] == "applied" else None
    bound = owner.resolve(node.func, scope) if isinstance(node.func, (ast.Name, ast.Attribute)) else None
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


def _external(dotted: str) -> tuple:
    """The binding of a name from outside the suite (gradescope-utils' decorators known)."""
    module, _, name = dotted.rpartition(".")
    return ("decorator", name) if module == DECORATORS_MODULE and name in DECORATORS else ("external", dotted)
