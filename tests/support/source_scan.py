"""Read submitted source, as the grading process itself holds it: loops over the examples,
and the few constructs a hint names (a slice up to `-pad`, `argmax` without `dim`).

The vectorisation items count executed lines in the worker, which is the worker's word; this
scan of the source as it was submitted (`grading_api.submitted_source`) backs it. It flags the
unambiguous forms only: a `for` over `range(N)` where N is `len(X)`, `X.shape[0]` or a name
assigned from one of them, a `for` over the data arrays themselves (`for x in X`,
`zip(X, y)`, `enumerate(y)`), and NumPy's hidden per-element loops (`np.vectorize`,
`np.apply_along_axis`, `np.frompyfunc`). The data parameters are named by position, so a
student's own names for them count.
"""
from __future__ import annotations

import ast

from autograder.grading_process.grading_api import submitted_source

HIDDEN_LOOPS = ("vectorize", "apply_along_axis", "frompyfunc")


def find_function(tree: ast.Module, qualname: str):
    """The `def` for `name` or `Class.name` in a parsed module, or None."""
    scope = tree.body
    *classes, name = qualname.split(".")
    for class_name in classes:
        found = next((node for node in scope if isinstance(node, ast.ClassDef)
                      and node.name == class_name), None)
        if found is None:
            return None
        scope = found.body
    return next((node for node in scope if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and node.name == name), None)


def example_loops(source: str, qualname: str, data_positions: tuple[int, ...]) -> list[tuple[int, str]]:
    """(line, description) of every loop over the examples in function `qualname`, whose
    positional parameters at `data_positions` hold the examples (e.g. (1, 2) for
    `loss(self, X, y)` and for `softmax_loss_vectorized(W, X, y, reg)`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    function = find_function(tree, qualname)
    if function is None:
        return []
    arguments = [argument.arg for argument in function.args.posonlyargs + function.args.args]
    data = {arguments[position] for position in data_positions if position < len(arguments)}
    sizes = _size_names(function, data)
    found = []
    for node in ast.walk(function):
        if isinstance(node, (ast.For, ast.comprehension)) and _over_examples(node.iter, data, sizes):
            found.append((getattr(node, "lineno", None) or node.iter.lineno,
                          f"a loop over `{ast.unparse(node.iter)}`"))
        elif isinstance(node, ast.Call) and _attribute_name(node.func) in HIDDEN_LOOPS:
            found.append((node.lineno, f"`{ast.unparse(node.func)}`, a hidden per-element loop"))
    return sorted(found)


def _size_names(function, data: set[str]) -> set[str]:
    """Names assigned the number of examples: `N = X.shape[0]`, `num_train = len(y)`,
    `N, D = X.shape`, `N, C = X.shape[0], W.shape[1]`."""
    names = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and _is_size(node.value, data, names):
                names.add(target.id)
            elif not (isinstance(target, ast.Tuple) and target.elts):
                continue
            elif isinstance(node.value, ast.Tuple):  # num_train, C = X.shape[0], W.shape[1]
                names.update(name.id for name, value in zip(target.elts, node.value.elts)
                             if isinstance(name, ast.Name) and _is_size(value, data, names))
            elif (isinstance(target.elts[0], ast.Name) and isinstance(node.value, ast.Attribute)
                  and node.value.attr == "shape" and _is_data(node.value.value, data)):
                names.add(target.elts[0].id)  # N, D = X.shape
    return names


def _is_data(node, data: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in data


def _is_size(node, data: set[str], sizes: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in sizes
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "len" and node.args:
        return _is_data(node.args[0], data)
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape" and _is_data(node.value.value, data)):
        index = node.slice
        return isinstance(index, ast.Constant) and index.value == 0
    return False


def _over_examples(iterable, data: set[str], sizes: set[str]) -> bool:
    if _is_data(iterable, data):
        return True
    if isinstance(iterable, ast.Call):
        called = getattr(iterable.func, "id", None)
        if called == "range" and iterable.args:
            return any(_is_size(arg, data, sizes) for arg in iterable.args)
        if called in ("zip", "enumerate"):
            return any(_is_data(arg, data) for arg in iterable.args)
    return False


def _attribute_name(node) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    return getattr(node, "id", None)


def hidden_loop_hint(module: str, qualname: str) -> str | None:
    """For code whose executed lines grow with N: the hint about NumPy's hidden per-element
    loops when the submitted `module.py`'s `qualname`, or a function or module-level name it
    calls there (e.g. `_pick = np.vectorize(...)`), calls one; else None."""
    try:
        tree = ast.parse(submitted_source(module))
    except (SyntaxError, ValueError):
        return None
    function = find_function(tree, qualname)
    top_level = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            top_level[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    top_level[target.id] = node.value
    pending, seen = [function] if function is not None else [], set()
    while pending:
        scope = pending.pop()
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            if _attribute_name(node.func) in HIDDEN_LOOPS:
                return (f"Hint: line {node.lineno} of `{module}.py` calls "
                        f"`{ast.unparse(node.func)}`, which calls Python once per element, a "
                        f"loop in disguise; use whole-array NumPy operations instead.")
            called = getattr(node.func, "id", None)
            if called in top_level and called not in seen:
                seen.add(called)
                pending.append(top_level[called])
    return None


def check_no_example_loops(module: str, qualname: str, data_positions: tuple[int, ...]) -> None:
    """Raise AssertionError naming the first loop over the examples in the submitted
    `module.py`'s `qualname` (see `example_loops`)."""
    loops = example_loops(submitted_source(module), qualname, data_positions)
    if not loops:
        return
    line, what = loops[0]
    message = f"`{qualname}` is not vectorised: line {line} of `{module}.py` has {what}."
    if "hidden" in what:
        message += ("\nHint: `np.vectorize` and its kin call Python once per element, a loop in "
                    "disguise; use whole-array NumPy operations instead.")
    else:
        message += ("\nHint: replace the loop over the examples with whole-array NumPy "
                    "operations (e.g. `scores[np.arange(N), y]` picks each example's "
                    "correct-class score).")
    raise AssertionError(message)


def slices_up_to_minus_a_name(module: str, qualname: str) -> bool:
    """Whether the submitted `qualname` slices up to `-name` (`dx_pad[:, :, pad:-pad]`), read
    here from the source as submitted."""
    try:
        function = find_function(ast.parse(submitted_source(module)), qualname)
    except (SyntaxError, ValueError):
        return False
    return function is not None and any(
        isinstance(node, ast.Slice) and isinstance(node.upper, ast.UnaryOp)
        and isinstance(node.upper.op, ast.USub) and isinstance(node.upper.operand, ast.Name)
        for node in ast.walk(function))


def argmax_without_dim(module: str) -> bool:
    """Whether the submitted `module.py` calls `torch.argmax(x)` or `x.argmax()` with no `dim`
    (read here from the source as submitted)."""
    try:
        tree = ast.parse(submitted_source(module))
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "argmax"):
            continue
        on_torch = isinstance(node.func.value, ast.Name) and node.func.value.id == "torch"
        if len(node.args) <= int(on_torch) and not any(k.arg in ("dim", "axis") for k in node.keywords):
            return True
    return False
