"""Grading tests for activations.py: sigmoid, tanh, relu, their derivatives and the dispatchers.

Expected values are closed forms (e.g. sigmoid(z) = (1 + tanh(z / 2)) / 2) and properties
(sigmoid(-z) = 1 - sigmoid(z), tanh odd, relu idempotent).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from autograder.grading_process.grading_api import call_options, remote_type_name
from tests.support import assert_allclose, show

KINDS = ("sigmoid", "tanh", "relu")


def z_arrays(bound=30.0):
    """float64 arrays of 1 to 3 dimensions (sides 1..5) with entries in [-bound, bound]."""
    return arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(-bound, bound, allow_subnormal=False))


def expected_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(z / 2.0))


def expected_tanh(z):
    return np.tanh(z)


def expected_relu(z):
    return np.where(z > 0, z, 0.0)


EXPECTED = {"sigmoid": expected_sigmoid, "tanh": expected_tanh, "relu": expected_relu}
EXPECTED_GRAD = {
    "sigmoid": lambda z: expected_sigmoid(z) * expected_sigmoid(-z),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(np.float64),
}


def case(z):
    return f"z = {show(z)}"


def derivative_of_output_hint(kind, z):
    """Hint for a derivative that treats `z` as the activation's output (e.g. z * (1 - z))."""
    wrong = {"sigmoid": z * (1 - z), "tanh": 1 - z ** 2}[kind]
    formula = {"sigmoid": "s * (1 - s)", "tanh": "1 - t**2"}[kind]

    def hint(got, expected):
        if (getattr(got, "shape", None) == expected.shape and np.allclose(got, wrong)
                and not np.allclose(wrong, expected)):
            return (f"Hint: `{kind}_grad(z)` receives the pre-activation `z`; you applied "
                    f"`{formula}` to `z` itself instead of to `{kind}(z)`.")
        return None

    return hint


# ---- 1.1 sigmoid ----

@given(z=z_arrays())
def test_sigmoid_values(activations, z):
    assert_allclose("sigmoid", activations.sigmoid(z.copy()), expected_sigmoid(z), case(z),
                    atol=1e-12)


@given(z=z_arrays())
def test_sigmoid_symmetry(activations, z):
    """Symmetry on its own holds for a constant 0.5 too: it counts only with the values at `-z`."""
    assert_allclose("sigmoid", activations.sigmoid(-z), expected_sigmoid(-z), case(-z), atol=1e-12)
    left, right = activations.sigmoid(-z), 1.0 - activations.sigmoid(z.copy())
    assert_allclose("sigmoid", left, right, case(z), name="`sigmoid(-z)` (should equal "
                    "`1 - sigmoid(z)`)", atol=1e-12)


def test_sigmoid_large_inputs_no_overflow(activations):
    z = np.array([-1e3, -800.0, -40.0, 0.0, 40.0, 800.0, 1e3])
    # Underflow (exp of a very negative number becoming 0) is harmless, so it is allowed.
    errors = dict(over="raise", divide="raise", invalid="raise", under="ignore")
    with call_options(errstate=errors, warnings="error"):
        try:
            got = activations.sigmoid(z)
        except (FloatingPointError, RuntimeWarning) as problem:
            raise AssertionError(
                f"`sigmoid` overflowed or warned for z = {show(z)}: `{problem}`.\n"
                f"Hint: only ever exponentiate non-positive numbers, e.g. `np.exp(-np.abs(z))`"
                f" (`np.where` computes both of its branches for every entry)."
            ) from None
    assert_allclose("sigmoid", got, expected_sigmoid(z), case(z), atol=1e-12)


# ---- 1.2 tanh ----

@given(z=z_arrays(bound=20.0))
def test_tanh_values(activations, z):
    assert_allclose("tanh", activations.tanh(z.copy()), expected_tanh(z), case(z), atol=1e-12)


@given(z=z_arrays(bound=20.0))
def test_tanh_is_odd(activations, z):
    """Oddness on its own holds for zeros too: it counts only with the values at `-z`."""
    assert_allclose("tanh", activations.tanh(-z), expected_tanh(-z), case(-z), atol=1e-12)
    assert_allclose("tanh", activations.tanh(-z), -activations.tanh(z.copy()), case(z),
                    name="`tanh(-z)` (should equal `-tanh(z)`)", atol=1e-12)


# ---- 1.3 relu ----

@given(z=z_arrays())
def test_relu_values(activations, z):
    assert_allclose("relu", activations.relu(z.copy()), expected_relu(z), case(z), atol=0)


@given(z=z_arrays())
def test_relu_is_idempotent(activations, z):
    """Idempotence on its own holds for the identity too: it counts only with the values of
    `relu(z)`."""
    once = activations.relu(z.copy())
    assert_allclose("relu", once, expected_relu(z), case(z), atol=0)
    assert_allclose("relu", activations.relu(np.array(once, dtype=np.float64)), once, case(z),
                    name="`relu(relu(z))` (should equal `relu(z)`)", atol=0)


# ---- 1.4 derivatives ----

@given(z=z_arrays())
def test_sigmoid_grad(activations, z):
    assert_allclose("sigmoid_grad", activations.sigmoid_grad(z.copy()),
                    EXPECTED_GRAD["sigmoid"](z), case(z), atol=1e-12,
                    hint_fn=derivative_of_output_hint("sigmoid", z))


@given(z=z_arrays(bound=20.0))
def test_tanh_grad(activations, z):
    assert_allclose("tanh_grad", activations.tanh_grad(z.copy()), EXPECTED_GRAD["tanh"](z),
                    case(z), atol=1e-12, hint_fn=derivative_of_output_hint("tanh", z))


@given(z=z_arrays())
def test_relu_grad(activations, z):
    assert_allclose("relu_grad", activations.relu_grad(z.copy()), EXPECTED_GRAD["relu"](z),
                    case(z), atol=0)


def test_relu_grad_at_zero(activations):
    z = np.array([-1.0, 0.0, 1.0])
    assert_allclose("relu_grad", activations.relu_grad(z), [0.0, 0.0, 1.0], case(z), atol=0,
                    hint_fn=lambda got, _: "Hint: the contract fixes `relu_grad(0) == 0` "
                    "(use `z > 0`, not `z >= 0`).")


# ---- 1.5 act_fun / diff_act_fun ----

def check_dispatch(activations, function, kind, expected_by_kind):
    """`function(z, kind)` must equal the closed form for `kind.lower()`."""
    z = np.linspace(-3.0, 3.0, 12).reshape(3, 4)
    try:
        got = getattr(activations, function)(z.copy(), kind)
    except ValueError as error:
        raise AssertionError(
            f"`{function}(z, {kind!r})` raised `ValueError: {error}`; kinds are "
            f"case-insensitive, so {kind!r} means {kind.lower()!r}.\n"
            f"Hint: compare `kind.lower()` with the known names.") from None
    assert_allclose(function, got, expected_by_kind[kind.lower()](z),
                    f"kind = {kind!r}, {case(z)}", atol=1e-12)


@pytest.mark.parametrize("kind", [*KINDS, "Sigmoid", "TANH", "ReLU"])
def test_act_fun_dispatch(activations, kind):
    check_dispatch(activations, "act_fun", kind, EXPECTED)


@pytest.mark.parametrize("kind", [*KINDS, "Sigmoid", "TANH", "ReLU"])
def test_diff_act_fun_dispatch(activations, kind):
    check_dispatch(activations, "diff_act_fun", kind, EXPECTED_GRAD)


@pytest.mark.parametrize("function", ["act_fun", "diff_act_fun"])
@pytest.mark.parametrize("kind", ["softplus", "", "relu6"])
def test_unknown_kind_raises_value_error(activations, function, kind):
    z = np.array([-1.0, 0.5, 2.0])
    try:
        result = getattr(activations, function)(z, kind)
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - any other exception is the reported mistake
        raise AssertionError(f"`{function}(z, {kind!r})` raised `{remote_type_name(error)}: {error}`; "
                             f"an unknown kind must raise `ValueError`.") from None
    raise AssertionError(f"`{function}(z, {kind!r})` returned {show(result)} instead of raising "
                         f"`ValueError` for an unknown kind.")
