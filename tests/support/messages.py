"""What a student reads when a check fails: values and shapes shown briefly, closeness checks
that say where and by how much they differ, and the first hint that applies."""
import numpy as np

from autograder.grading_process.grading_api import remote_type_name


def show(value, threshold=20) -> str:
    """A short, readable rendering of an array (or scalar) for a feedback message; arrays with
    more than `threshold` entries are summarised."""
    array = np.asarray(value)
    if array.ndim == 0 and np.issubdtype(array.dtype, np.floating):
        return np.format_float_positional(float(array), precision=6, trim="-")
    if array.ndim == 0:
        return str(array.item())
    return np.array2string(array, precision=6, threshold=threshold, edgeitems=2,
                           suppress_small=True)


def describe_shape(value) -> str:
    """`(4, 3)`-style shape of `value`, or its type name when it is not array-like."""
    shape = getattr(value, "shape", None)
    return str(tuple(shape)) if shape is not None else f"a `{remote_type_name(value)}`"


def assert_allclose(function, got, expected, case="", name="result", rtol=1e-7, atol=1e-10,
                    hint_fn=None):
    """Raise AssertionError unless `got` has `expected`'s shape and values (np.isclose).

    function: the graded function's name; case: a short description of the input shown to the
    student; name: what `got` is (e.g. "`out`"); hint_fn(got, expected) -> "Hint: ..." or None is
    consulted on failure (`got` may then have a wrong shape). A scalar `expected` accepts a
    Python or NumPy number.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if expected.ndim == 0 and isinstance(got, (int, float, np.number)):
        got = np.asarray(got)
    problem = _mismatch(got, expected, name, rtol, atol)
    if problem is None:
        return
    where = f" for {case}" if case else ""
    hint = hint_fn(got, expected) if hint_fn else None
    message = f"`{function}`{where} {problem}"
    raise AssertionError(f"{message}\n{hint}" if hint else message)


def _mismatch(got, expected, name, rtol, atol):
    """How `got` differs from `expected` ("returned ..."), or None when they match."""
    if not hasattr(got, "shape"):
        return (f"returned a `{remote_type_name(got)}` as its {name}; expected an array of shape "
                f"{expected.shape}.")
    if got.shape != expected.shape:
        return f"returned its {name} with shape {got.shape}; expected shape {expected.shape}."
    values = np.asarray(got, dtype=np.float64)
    close = np.isclose(values, expected, rtol=rtol, atol=atol)
    if close.all():
        return None
    if expected.ndim == 0:
        return f"returned {name} {show(values)}; expected {show(expected)}."
    worst = np.unravel_index(np.argmax(np.abs(values - expected) * ~close), close.shape)
    return (f"returned a wrong {name}: entry [{', '.join(map(str, worst))}] is "
            f"{show(values[worst])}, expected {show(expected[worst])}.\n"
            f"Yours: {show(values)}\nExpected: {show(expected)}")


def first_hint(*hint_fns):
    """Combine hint functions: the first non-empty hint among them (or None)."""
    def hint(got, want):
        return next((text for text in (fn(got, want) for fn in hint_fns) if text), None)
    return hint
