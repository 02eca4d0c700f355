"""Numerical gradients (centred differences) and a student-readable gradient comparison.

Conventions follow CS231n's gradient_check.py: the input array is perturbed IN PLACE, so `f`
closes over it and takes no arguments, e.g.
    numerical_gradient_array(lambda: layers.relu_forward(x)[0], x, dout)
Always use float64 arrays.
"""
import numpy as np

from autograder.grading_process.grading_api import remote_type_name

from .messages import show


def numerical_gradient(f, x, h=1e-5):
    """Gradient of the scalar `f()` with respect to the array `x` (same shape as `x`).

    Each entry of `x` is perturbed by +-h in place and restored afterwards.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = float(f())
        x[index] = original - h
        minus = float(f())
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of `sum(f() * dout)` with respect to `x`, for an array-valued `f()`.

    This is the backward pass a layer should compute for upstream gradient `dout`.
    """
    return numerical_gradient(lambda: np.sum(np.asarray(f()) * dout), x, h)


def numerical_gradient_samplewise(f, x, dout, h=1e-5):
    """Gradient of `sum(f(x) * dout)` with respect to `x`, for an `f` that treats the samples
    of `x` (its first axis) apart, as a layer's forward pass does: `f(x)[n]` depends on `x[n]`
    only. The same centred differences as `numerical_gradient_array`, each entry perturbed by
    +-h, but every perturbed copy is evaluated in one call of `f`, stacked along the first
    axis; entry i of every sample is perturbed at once, since no sample sees another's.

    x: (N, *S) float64; f: (K, *S) -> (K, *T) for any K; dout: (N, *T). Returns (N, *S).
    """
    count, shape = x.shape[0], x.shape[1:]
    entries = int(np.prod(shape))
    steps = (h * np.eye(entries)).reshape((entries, 1) + shape)          # (E, 1, *S)
    stacked = np.concatenate([x[None] + steps, x[None] - steps])         # (2E, N, *S)
    out = np.asarray(f(stacked.reshape((2 * entries * count,) + shape)), dtype=np.float64)
    out = out.reshape((2, entries, count) + dout.shape[1:])
    change = ((out[0] - out[1]) * dout[None]).reshape(entries, count, -1).sum(axis=2)  # (E, N)
    return (change.T / (2 * h)).reshape(x.shape)


def relative_errors(analytic, numeric):
    """Entrywise |a - n| / max(1e-8, |a| + |n|)."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    return np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))


def rel_error(analytic, numeric):
    """Maximum entrywise relative error between two arrays of the same shape."""
    errors = relative_errors(analytic, numeric)
    return float(errors.max()) if errors.size else 0.0


def assert_gradient_close(name, analytic, numeric, tol, function, hint_fn=None, case="",
                          atol=1e-8):
    """Raise AssertionError unless `analytic` matches `numeric` to max relative error < `tol`.

    Entries within `atol` of the numerical value are accepted whatever their relative error:
    with h = 1e-5 a centred difference carries absolute rounding noise of about
    eps * |f| / h (up to ~1e-9 for the layers graded here), which dominates the relative
    error of entries near zero.

    name: the gradient's name as the student knows it (e.g. "dw"); function: the function that
    returned it (e.g. "affine_backward"). hint_fn(analytic, numeric) -> str | None may return a
    one-sentence "Hint: ..." explaining a recognisable mistake; it is called only when the
    check fails, and `analytic` may then have a wrong shape. case: a short description of the
    input (e.g. "x: (2, 3), w: (3, 4)"), shown to the student.
    """
    where = f" (input {case})" if case else ""
    numeric = np.asarray(numeric, dtype=np.float64)
    if not hasattr(analytic, "shape"):
        _fail(f"`{function}`{where} returned a `{remote_type_name(analytic)}` as `{name}`; "
              f"expected an array of shape {numeric.shape}.", hint_fn, analytic, numeric)
    if analytic.shape != numeric.shape:
        _fail(f"`{function}`{where} returned `{name}` with shape {analytic.shape}; "
              f"expected {numeric.shape}.", hint_fn, analytic, numeric)
    analytic = np.asarray(analytic, dtype=np.float64)
    if not np.all(np.isfinite(analytic)):
        raise AssertionError(f"`{function}`{where} returned `{name}` with non-finite entries: "
                             f"{show(analytic)}")
    errors = np.where(np.abs(analytic - numeric) > atol, relative_errors(analytic, numeric), 0.0)
    if errors.size == 0 or errors.max() < tol:
        return
    worst = np.unravel_index(np.argmax(errors), errors.shape)
    message = (
        f"`{function}`{where}: gradient `{name}` does not match the numerical gradient "
        f"(max relative error {errors[worst]:.3g}, allowed {tol:g}).\n"
        f"Worst entry `{name}[{', '.join(map(str, worst))}]`: yours {analytic[worst]:.8g}, "
        f"numerical {numeric[worst]:.8g}.\n"
        f"Yours: {show(analytic)}\nNumerical: {show(numeric)}"
    )
    _fail(message, hint_fn, analytic, numeric)


def _fail(message, hint_fn, analytic, numeric):
    hint = hint_fn(analytic, numeric) if hint_fn else None
    raise AssertionError(f"{message}\n{hint}" if hint else message)
