"""Small helpers for writing student-facing assertion messages."""
import numpy as np


def show(value, threshold=20) -> str:
    """A short, readable rendering of an array (or scalar) for a feedback message; arrays with
    more than `threshold` entries are summarised."""
    array = np.asarray(value)
    if array.ndim == 0:
        return np.format_float_positional(float(array), precision=6, trim="-") \
            if np.issubdtype(array.dtype, np.floating) else str(array.item())
    return np.array2string(array, precision=6, threshold=threshold, edgeitems=2,
                           suppress_small=True)


def describe_shape(value) -> str:
    """`(4, 3)`-style shape of `value`, or its type name when it is not array-like."""
    shape = getattr(value, "shape", None)
    return str(tuple(shape)) if shape is not None else f"a `{type(value).__name__}`"


def assert_allclose(function, got, expected, case="", name="result", rtol=1e-7, atol=1e-10,
                    hint_fn=None):
    """Raise AssertionError unless `got` has `expected`'s shape and values (np.isclose).

    function: the graded function's name; case: a short description of the input shown to the
    student; name: what `got` is (e.g. "`out`"); hint_fn(got, expected) -> "Hint: ..." or None is
    consulted on failure (`got` may then have a wrong shape). A scalar `expected` accepts a
    Python or NumPy number.
    """
    expected = np.asarray(expected, dtype=np.float64)
    where = f" for {case}" if case else ""
    if expected.ndim == 0 and isinstance(got, (int, float, np.number)):
        got = np.asarray(got)
    if not hasattr(got, "shape"):
        message = (f"`{function}`{where} returned a `{type(got).__name__}` as its {name}; "
                   f"expected an array of shape {expected.shape}.")
    elif got.shape != expected.shape:
        message = (f"`{function}`{where} returned its {name} with shape {got.shape}; "
                   f"expected shape {expected.shape}.")
    else:
        got_values = np.asarray(got, dtype=np.float64)
        close = np.isclose(got_values, expected, rtol=rtol, atol=atol)
        if close.all():
            return
        if expected.ndim == 0:
            message = f"`{function}`{where} returned {name} {show(got_values)}; expected {show(expected)}."
        else:
            worst = np.unravel_index(np.argmax(np.abs(got_values - expected) * ~close), close.shape)
            message = (f"`{function}`{where} returned a wrong {name}: entry [{', '.join(map(str, worst))}] "
                       f"is {show(got_values[worst])}, expected {show(expected[worst])}.\n"
                       f"Yours: {show(got_values)}\nExpected: {show(expected)}")
    hint = hint_fn(got, expected) if hint_fn else None
    raise AssertionError(f"{message}\n{hint}" if hint else message)


def first_hint(*hint_fns):
    """Combine hint functions: the first non-empty hint among them (or None)."""
    def hint(got, want):
        return next((text for text in (fn(got, want) for fn in hint_fns) if text), None)
    return hint
