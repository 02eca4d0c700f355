"""The grading environment, and errors that come from code written for another one: an older
NumPy, Python 2, or a package the grader does not have. Each is told as such, in one sentence
naming the cause, the fix and the versions the grader runs, instead of as a bug in the code.

`explain(kind, message, code)` reads an exception's type name and message (as the worker
reported them) and the source line it was raised on; it says something only when the message
is one of these errors (a NumPy name that NumPy no longer has, a Python 2 built-in, a module
the grading process itself cannot find), never as a guess.
"""
from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import platform
import re
import textwrap

# NumPy names that NumPy 2 removed, with what to write instead.
NUMPY_REPLACEMENTS = {
    "float": "`float`", "int": "`int`", "bool": "`bool`", "object": "`object`",
    "complex": "`complex`", "str": "`str`", "long": "`int`", "unicode": "`str`",
    "NaN": "`np.nan`", "NAN": "`np.nan`", "Inf": "`np.inf`", "Infinity": "`np.inf`",
    "PINF": "`np.inf`", "NINF": "`-np.inf`", "infty": "`np.inf`", "float_": "`np.float64`",
    "complex_": "`np.complex128`", "product": "`np.prod`", "cumproduct": "`np.cumprod`",
    "alltrue": "`np.all`", "sometrue": "`np.any`", "asscalar": "`a.item()`",
    "in1d": "`np.isin`", "row_stack": "`np.vstack`", "trapz": "`np.trapezoid`",
    "asfarray": "`np.asarray(a, dtype=float)`", "round_": "`np.round`", "mat": "`np.asarray`",
}
# Python 2 names, with their Python 3 spelling.
PYTHON2_NAMES = {
    "xrange": "`range`", "raw_input": "`input`", "unicode": "`str`", "basestring": "`str`",
    "long": "`int`", "unichr": "`chr`", "reduce": "`functools.reduce`", "file": "`open`",
    "execfile": "`exec(open(path).read())`", "cmp": "`(a > b) - (a < b)`",
}
PYTHON2_DICT_METHODS = {"iteritems": "`items()`", "itervalues": "`values()`",
                        "iterkeys": "`keys()`", "has_key": "`key in d`"}
PYTHON2_MODULES = {"cPickle": "pickle", "Queue": "queue", "StringIO": "io", "cStringIO": "io",
                   "urllib2": "urllib.request", "__builtin__": "builtins",
                   "ConfigParser": "configparser", "Tkinter": "tkinter"}
COMPATIBILITY_PACKAGES = {"past", "future"}
WELL_KNOWN_PACKAGES = {"torchvision", "torchaudio", "tensorflow", "keras", "jax", "sklearn", "scipy",
                       "pandas", "matplotlib", "seaborn", "cv2", "PIL", "IPython", "google",
                       "tqdm", "mlxtend", "six", "numba", "cupy"}

NO_MODULE = re.compile(r"No module named '([\w.]+)'")
NUMPY_GONE = re.compile(r"module 'numpy' has no attribute '(\w+)'|`np\.(\w+)` was removed")
NAME_UNDEFINED = re.compile(r"name '(\w+)' is not defined")
DICT_METHOD = re.compile(r"'dict' object has no attribute '(\w+)'")
FLOAT_INDEX = ("slice indices must be integers", "only integers, slices",
               "'float' object cannot be interpreted as an integer",
               "expected a sequence of integers or a single integer, got",
               "'float' object is not subscriptable")


def versions() -> str:
    """"Python 3.11.2, NumPy 2.4.6 and torch 2.13.0" (what is installed; nothing is imported)."""
    found = [f"Python {platform.python_version()}"]
    for name, label in (("numpy", "NumPy"), ("torch", "torch")):
        try:
            found.append(f"{label} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]


def explain(kind: str, message: str, code: str = "", function_source: str = "") -> str | None:
    """One sentence when `kind: message`, raised on the source line `code` of the function
    whose source is `function_source`, comes from code written for another environment; None
    otherwise."""
    cause = _cause(kind, message, code, function_source)
    return f"{cause} (The grader runs {versions()}.)" if cause else None


def enclosing_function(source: str, line: int) -> str:
    """The source of the innermost function of `source` that spans `line` ("" if none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.lineno <= line <= (node.end_lineno or node.lineno):
            if found is None or node.lineno >= found.lineno:
                found = node
    return ast.get_source_segment(source, found) or "" if found else ""


def _cause(kind: str, message: str, code: str, function_source: str) -> str | None:
    if kind in ("ModuleNotFoundError", "ImportError"):
        return _missing_module(message)
    if kind == "AttributeError":
        if found := NUMPY_GONE.search(message):
            name = found.group(1) or found.group(2)
            if name in NUMPY_REPLACEMENTS:
                return (f"`np.{name}` is gone from NumPy 2, which the grader runs: write "
                        f"{NUMPY_REPLACEMENTS[name]} instead.")
        if (found := DICT_METHOD.search(message)) and found.group(1) in PYTHON2_DICT_METHODS:
            return (f"`dict.{found.group(1)}` is Python 2: in Python 3 write "
                    f"{PYTHON2_DICT_METHODS[found.group(1)]}.")
    if kind == "NameError" and (found := NAME_UNDEFINED.search(message)):
        if found.group(1) in PYTHON2_NAMES:
            return (f"`{found.group(1)}` is Python 2: in Python 3 write "
                    f"{PYTHON2_NAMES[found.group(1)]}.")
    if kind == "TypeError" and "unexpected keyword argument 'newshape'" in message:
        return ("NumPy 2 removed `reshape`'s `newshape=` keyword: pass the shape as the second "
                "argument, `np.reshape(x, shape)`, or write `x.reshape(shape)`.")
    if kind == "TypeError" and ("only 0-dimensional arrays can be converted" in message
                                or "only length-1 arrays can be converted" in message):
        return ("NumPy 2 converts only 0-dimensional arrays to a Python number: take the element "
                "out first, e.g. `float(a.item())` or `int(a[0])`, instead of `float(a)` on an "
                "array of shape (1,).")
    if kind in ("TypeError", "IndexError") and any(text in message for text in FLOAT_INDEX) \
            and (_divides(code) or _has_true_division(function_source)):
        return ("In Python 3 `/` always gives a float, even for two ints (Python 2 rounded it "
                "down): use `//` where the result is an index, a size or a count.")
    return None


def _missing_module(message: str) -> str | None:
    found = NO_MODULE.search(message)
    if not found:
        return None
    name = found.group(1)
    top = name.partition(".")[0]
    if top == "numpy":
        return (f"NumPy 2 made `{name}` private: import what you need from `numpy` itself "
                f"(e.g. `from numpy import ...` or `np.<name>`).")
    if _installed(top):
        return None  # the grader has it: a real error, shown as it is
    if top in PYTHON2_MODULES:
        return (f"The grader has no module `{top}`, Python 2's name for `{PYTHON2_MODULES[top]}`: "
                f"import `{PYTHON2_MODULES[top]}` instead.")
    if top in COMPATIBILITY_PACKAGES:
        return (f"The grader has no package `{top}` (Python 2 compatibility); remove the import: "
                f"in Python 3, `range` is what `xrange` was and the other built-ins need no import.")
    if top in WELL_KNOWN_PACKAGES:
        return f"The grader has no package `{top}`; remove the import."
    return (f"The grader has no package `{top}`; remove the import (or, if `{top}.py` is a file "
            f"of yours, upload it with your submission).")


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _has_true_division(source: str) -> bool:
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return False
    return any(isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Div)
               for node in ast.walk(tree))


def _divides(code: str) -> bool:
    """Whether the line holds a true division (a `/` that is not part of `//` or `/=`)."""
    return bool(re.search(r"(?<![/])/(?![/=])", code.split("#", 1)[0]))
