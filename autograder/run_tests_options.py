"""A course's own `run_tests.py`: the options it gives `JSONTestRunner`, read without running it.

Gradescope's documented `run_tests.py` builds `JSONTestRunner(visibility=..., stdout_visibility=...,
post_processor=..., failure_prefix=...)` and runs it on `unittest.defaultTestLoader.discover("tests",
pattern=...)`. The harness reads the literal options and the test files' pattern from its syntax
tree; a `post_processor` named there is taken from the file's top-level definitions alone
(imports, functions, classes and assignments, never its `if __name__ == "__main__":` block), run
as instructor code in the harness once every test's result is in. With no `run_tests.py`, the
options are those of Gradescope's sample: `JSONTestRunner(visibility="visible")`.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from autograder.rubric import is_file_name_pattern

LITERAL_OPTIONS = ("visibility", "stdout_visibility", "failure_prefix", "descriptions", "buffer",
                   "failfast")
RUNNER_FIELDS = ("tests", "leaderboard", "execution_time", "score")  # what JSONTestRunner fills
SAMPLE_OPTIONS = {"visibility": "visible"}
FILE_NAME = "run_tests.py"


def find_run_tests(tests_folder: Path) -> Path | None:
    """`run_tests.py` in the suite's folder or beside it (Gradescope's `/autograder/source`)."""
    for folder in (tests_folder, tests_folder.parent):
        if (folder / FILE_NAME).is_file():
            return folder / FILE_NAME
    return None


def read_runner_options(tests_folder: Path) -> dict:
    """The `JSONTestRunner` options of the suite's `run_tests.py` (`post_processor`: the
    function's name), or the sample's when there is none or it builds no `JSONTestRunner`;
    with `pattern`, the test files' pattern its first `discover(...)` gives, and with
    `json_data`, the top-level fields it sets on its runner."""
    path = find_run_tests(tests_folder)
    if path is None:
        return dict(SAMPLE_OPTIONS)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError as error:
        print(f"autograder: {path} does not parse ({error}); using the sample's options", file=sys.stderr)
        return dict(SAMPLE_OPTIONS)
    own = sorted({node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                  and node.name in ("JSONTestRunner", "JSONTestResult")})
    if own:
        print(f"autograder: {path} defines its own {' and '.join(own)}; the suite runs with "
              f"gradescope-utils' own, with the options read from the file", file=sys.stderr)
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)),
                   key=lambda call: (call.lineno, call.col_offset))  # in the file's order
    runner = next((call for call in calls if _called_name(call.func) == "JSONTestRunner"), None)
    options = dict(SAMPLE_OPTIONS) if runner is None else _runner_options(runner, path)
    discovers = [call for call in calls if _called_name(call.func) == "discover"]
    if len(discovers) > 1:
        print(f"autograder: {path} calls discover() {len(discovers)} times; the test files are "
              f"those of the first", file=sys.stderr)
    pattern = _discover_pattern(discovers[0], path) if discovers else None
    if pattern is not None:
        options["pattern"] = pattern
    set_fields = _json_data_fields(tree)
    if set_fields:
        options["json_data"] = set_fields
    return options


def _json_data_fields(tree: ast.Module) -> dict:
    """The top-level fields the file sets on its runner on the way to running it
    (`runner.json_data["output"] = note`), with literals or names given a literal on that way
    (JSONTestRunner writes them as they are), but those the runner fills itself. The way is
    the statements that run from the file's top until `runner.run(...)`: its
    `if __name__ == "__main__":` block, `with` and `try` blocks, and the body of a function of
    the file that it calls (`main()`); not other branches, nor other functions."""
    literals: dict[str, object] = {}
    fields: dict = {}
    runner = None
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in _run_order(tree.body, functions, set()):
        if runner is not None and _runs(node, runner):
            break
        if _applied_to_json_data(node, runner, literals, fields):
            continue
        touched = _touched_keys(node, runner, literals)
        if touched is None:
            fields.clear()  # (`.pop(...)`, a computed key: what it leaves is not known from here)
        for key in touched or ():
            fields.pop(key, None)  # (set in a branch or to a computed value, deleted)
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        for name in {inner.id for inner in ast.walk(node)
                     if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del))}:
            literals.pop(name, None)
            if name == runner:
                runner = None
                fields.clear()
        if isinstance(target, ast.Name):
            if isinstance(node.value, ast.Call) and _called_name(node.value.func) == "JSONTestRunner":
                runner = target.id
            elif _literal(node.value, literals) is not _NOT_LITERAL:
                literals[target.id] = _literal(node.value, literals)
    return fields


def _touched_keys(node, runner: str | None, literals: dict) -> set | None:
    """The fields of `runner.json_data` the statement may set or delete, by literal keys
    (`runner.json_data["output"] = ...` in a branch); None when it may change others."""
    if runner is None:
        return set()
    keys, parents = set(), {}
    for inner in ast.walk(node):
        for child in ast.iter_child_nodes(inner):
            parents[child] = inner
    for inner in ast.walk(node):
        if not _is_json_data(inner, runner):
            continue
        parent = parents.get(inner)
        if not isinstance(parent, ast.Subscript):
            return None  # `.pop(...)`, `.update(notes)`, handed to a function
        key = _literal(parent.slice, literals)
        if not isinstance(key, str):
            return None
        if isinstance(parent.ctx, (ast.Store, ast.Del)):
            keys.add(key)
    return keys


def _applied_to_json_data(node, runner: str | None, literals: dict, fields: dict) -> bool:
    """Apply `runner.json_data[k] = literal`, `runner.json_data[k] += literal` and
    `runner.json_data.update({...})` with a literal mapping to `fields` (but the fields the
    runner fills itself); whether the statement was one of them."""
    target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
    if isinstance(target, ast.Subscript) and _is_json_data(target.value, runner):
        key, value = _literal(target.slice, literals), _literal(node.value, literals)
        if isinstance(key, str) and value is not _NOT_LITERAL:
            if key not in RUNNER_FIELDS:
                fields[key] = value
            return True
    if (isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add)
            and isinstance(node.target, ast.Subscript)):
        key, more = _literal(node.target.slice, literals), _literal(node.value, literals)
        if (_is_json_data(node.target.value, runner) and key in fields
                and isinstance(more, (str, list)) and type(more) is type(fields[key])):
            fields[key] = fields[key] + more
            return True
    call = node.value if isinstance(node, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "update" and _is_json_data(call.func.value, runner)
            and len(call.args) == 1 and not call.keywords):
        return False
    given = _literal(call.args[0], literals)
    if not isinstance(given, dict):
        return False
    fields.update({key: value for key, value in given.items()
                   if isinstance(key, str) and key not in RUNNER_FIELDS})
    return True


def _run_order(body: list, functions: dict, entered: set):
    """The statements of `body` in the order they run, into the blocks that surely run
    (`if __name__ == "__main__":`, `with`, `try`, a call of one of `functions`); any other
    compound statement as one statement."""
    for node in body:
        if isinstance(node, ast.If) and _is_main_check(node.test):
            yield from _run_order(node.body, functions, entered)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield ast.Assign(targets=[item.optional_vars for item in node.items if item.optional_vars],
                             value=ast.Constant(None), lineno=node.lineno)
            yield from _run_order(node.body, functions, entered)
        elif isinstance(node, ast.Try):
            yield from _run_order(node.body + node.orelse + node.finalbody, functions, entered)
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name) and node.value.func.id in functions
              and node.value.func.id not in entered):
            entered.add(node.value.func.id)
            yield from _run_order(functions[node.value.func.id].body, functions, entered)
        else:
            yield node


def _is_main_check(test) -> bool:
    """`__name__ == "__main__"`, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = {type(side).__name__: side for side in (test.left, test.comparators[0])}
    return (getattr(sides.get("Name"), "id", None) == "__name__"
            and getattr(sides.get("Constant"), "value", None) == "__main__")


def _is_json_data(node, runner: str | None) -> bool:
    """`runner.json_data`, for the name the runner was given."""
    return (runner is not None and isinstance(node, ast.Attribute) and node.attr == "json_data"
            and isinstance(node.value, ast.Name) and node.value.id == runner)


def _runs(node, runner: str) -> bool:
    """Whether the statement calls `runner.run(...)`."""
    return any(isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
               and inner.func.attr == "run" and isinstance(inner.func.value, ast.Name)
               and inner.func.value.id == runner for inner in ast.walk(node))


_NOT_LITERAL = object()


def _literal(node, literals: dict):
    """The value of a literal, or of a name the file gave a literal before; `_NOT_LITERAL`."""
    if isinstance(node, ast.Name):
        return literals.get(node.id, _NOT_LITERAL)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return _NOT_LITERAL


def _runner_options(call: ast.Call, path: Path) -> dict:
    options = {"path": str(path)}
    for keyword in call.keywords:
        if keyword.arg in LITERAL_OPTIONS:
            value = _literal(keyword.value, {})
            if value is _NOT_LITERAL:
                print(f"autograder: {path}: {keyword.arg}= is not a literal; ignored",
                      file=sys.stderr)
            else:
                options[keyword.arg] = value
        elif keyword.arg == "post_processor" and isinstance(keyword.value, ast.Name):
            options["post_processor"] = keyword.value.id
    return options


def _discover_pattern(call: ast.Call, path: Path) -> str | None:
    """The test files' pattern of `discover(start_dir, pattern)` (its second argument, or
    `pattern=`), when it is a literal file name pattern; None for unittest's own `test*.py`."""
    given = call.args[1] if len(call.args) > 1 else next(
        (keyword.value for keyword in call.keywords if keyword.arg == "pattern"), None)
    if given is None:
        return None
    pattern = _literal(given, {})
    if not is_file_name_pattern(pattern):
        print(f"autograder: {path}: discover()'s pattern is not a literal file name pattern; "
              f"unittest's test*.py is used", file=sys.stderr)
        return None
    return pattern


def apply_post_processor(options: dict, results: dict) -> str | None:
    """Call the `run_tests.py` post-processor on `results` (in place); the problem, if any.
    Its folder is first on `sys.path` meanwhile, as when Gradescope runs the file (its
    `from utilities import ...` finds the module beside it)."""
    name = options.get("post_processor")
    if not name:
        return None
    path = Path(options["path"])
    tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    tree.body = [node for node in tree.body if isinstance(
        node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign))]
    namespace = {"__name__": "run_tests", "__file__": str(path)}
    saved_path = sys.path[:]
    sys.path.insert(0, str(path.parent))
    try:
        exec(compile(tree, str(path), "exec"), namespace)  # noqa: S102 - the instructor's code
        namespace[name](results)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - a course's code: report, go on
        return f"{path}: post_processor {name} failed: {type(error).__name__}: {error}"
    finally:
        sys.path[:] = saved_path
    return None


def _called_name(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
