"""Grading tests for softmax.py: the linear softmax classifier's loss and gradient.

Both `softmax_loss_naive` and `softmax_loss_vectorized` are graded on their own against
loss = mean cross-entropy of softmax(X @ W) + reg * sum(W**2) (computed independently in
`tests.support.expected`), its centred numerical gradient and two properties; item 3.3 checks
that they agree with each other, and the vectorised one must not loop over examples.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.support import (assert_allclose, assert_gradient_close, describe_shape, expected,
                           numerical_gradient, show)
from tests.support.cpu_time import LARGE_BATCH, assert_vectorised, check_loss_of_pair
from tests.support.source_scan import check_no_example_loops, hidden_loop_hint

GRAD_TOL = 1e-7


@st.composite
def classifier_cases(draw, regs=(0.0, 0.1, 1.5)):
    """(W: (D, C), X: (N, D), y: (N,), reg) with N in 1..6, D in 1..5, C in 2..5."""
    n, d, c = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(2, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return (0.5 * rng.standard_normal((d, c)), rng.standard_normal((n, d)),
            rng.integers(0, c, size=n), draw(st.sampled_from(regs)))


def describe(W, X, y, reg):
    return f"W: {W.shape}, X: {X.shape}, y: {y.tolist()}, reg = {reg}"


def expected_loss(W, X, y, reg):
    return expected.cross_entropy(X @ W, y) + reg * np.sum(W ** 2)


def call(softmax, function, W, X, y, reg):
    """The submission's `function(W, X, y, reg)` on copies of the inputs."""
    return getattr(softmax, function)(W.copy(), X.copy(), y.copy(), reg)


def loss_hint(W, X, y, reg):
    """Hint for a loss that forgot the regularisation, halved it, or summed instead of averaged."""
    data, penalty, n = expected.cross_entropy(X @ W, y), reg * np.sum(W ** 2), len(y)
    mistakes = [
        (data, reg > 0, "the loss must include the regularisation term `reg * np.sum(W**2)`."),
        (data + penalty / 2, reg > 0, "the contract's penalty is `reg * np.sum(W**2)`, "
                                      "with no factor 1/2."),
        (n * data + penalty, n > 1, "average the cross-entropy over the N examples "
                                    "(you summed it)."),
        (data / n + penalty, n > 1, "you divided the cross-entropy by N twice."),
    ]

    def hint(got, _want):
        for value, applies, advice in mistakes:
            if applies and np.ndim(got) == 0 and np.isclose(float(got), value):
                return f"Hint: {advice}"
        return None
    return hint


def gradient_hint(W, X, y, reg):
    """Hint for dW missing or mis-scaling the regularisation gradient, or not averaged."""
    n = len(y)

    def hint(got, numeric):
        got = np.asarray(got, dtype=float)
        if got.shape == numeric.T.shape and got.shape != numeric.shape:
            return "Hint: `dW` must have `W`'s shape (D, C); yours looks transposed."
        if got.shape != numeric.shape:
            return None
        data = numeric - 2 * reg * W
        if reg > 0 and np.allclose(got, data):
            return "Hint: add the regularisation gradient `2 * reg * W` to `dW`."
        if reg > 0 and np.allclose(got, data + reg * W):
            return "Hint: the gradient of `reg * np.sum(W**2)` is `2 * reg * W`, not `reg * W`."
        if n > 1 and np.allclose(got, n * data + 2 * reg * W):
            return "Hint: average the data gradient over the N examples (divide by N)."
        return None
    return hint


def check_loss(softmax, function, case):
    loss, _ = call(softmax, function, *case)
    assert_allclose(function, loss, expected_loss(*case), describe(*case), name="loss",
                    hint_fn=loss_hint(*case))


def check_gradient(softmax, function, case):
    W, X, y, reg = case
    _, dW = call(softmax, function, *case)
    numeric = numerical_gradient(lambda: expected_loss(W, X, y, reg), W)
    assert_gradient_close("dW", dW, numeric, GRAD_TOL, function, gradient_hint(*case),
                          describe(*case))


def check_zero_weights(softmax, function, n, d, c):
    """With W = 0 every score is 0, so the loss is log(C) whatever reg is."""
    rng = np.random.default_rng(n * 100 + d * 10 + c)
    case = (np.zeros((d, c)), rng.standard_normal((n, d)), rng.integers(0, c, size=n), 0.5)
    loss, _ = call(softmax, function, *case)
    assert_allclose(function, loss, np.log(c), describe(*case),
                    name="loss (with W = 0 it should be log(C))", hint_fn=loss_hint(*case))


def check_row_shift_invariance(softmax, function, case, shift):
    """Adding `shift` to every weight adds shift * sum(X[i]) to every score of example i,
    which changes neither the probabilities nor (with reg = 0) the loss and gradient. The
    unshifted loss must be right too: a constant answer is invariant to everything."""
    W, X, y, _ = case
    loss, dW = call(softmax, function, W, X, y, 0.0)
    assert_allclose(function, loss, expected_loss(W, X, y, 0.0), describe(W, X, y, 0.0),
                    name="loss", hint_fn=loss_hint(W, X, y, 0.0))
    shifted_loss, shifted_dW = call(softmax, function, W + shift, X, y, 0.0)
    where = f"{describe(W, X, y, 0.0)}, every weight shifted by {shift}"
    assert_allclose(function, shifted_loss, loss, where,
                    name="loss (a constant added to each example's scores must not change it)")
    assert_allclose(function, shifted_dW, dW, where,
                    name="`dW` (a constant added to each example's scores must not change it)")


# ---- 3.1 softmax_loss_naive ----

@given(case=classifier_cases())
def test_naive_loss(softmax, case):
    check_loss(softmax, "softmax_loss_naive", case)


@given(case=classifier_cases())
def test_naive_gradient(softmax, case):
    check_gradient(softmax, "softmax_loss_naive", case)


@given(n=st.integers(1, 6), d=st.integers(1, 5), c=st.integers(2, 6))
def test_naive_zero_weights_loss_is_log_c(softmax, n, d, c):
    check_zero_weights(softmax, "softmax_loss_naive", n, d, c)


@given(case=classifier_cases(regs=(0.0,)), shift=st.sampled_from([-3.0, 0.5, 10.0]))
def test_naive_invariant_to_score_shift(softmax, case, shift):
    check_row_shift_invariance(softmax, "softmax_loss_naive", case, shift)


# ---- 3.2 softmax_loss_vectorized ----

@given(case=classifier_cases())
def test_vectorized_loss(softmax, case):
    check_loss(softmax, "softmax_loss_vectorized", case)


@given(case=classifier_cases())
def test_vectorized_gradient(softmax, case):
    check_gradient(softmax, "softmax_loss_vectorized", case)


@given(n=st.integers(1, 6), d=st.integers(1, 5), c=st.integers(2, 6))
def test_vectorized_zero_weights_loss_is_log_c(softmax, n, d, c):
    check_zero_weights(softmax, "softmax_loss_vectorized", n, d, c)


@given(case=classifier_cases(regs=(0.0,)), shift=st.sampled_from([-3.0, 0.5, 10.0]))
def test_vectorized_invariant_to_score_shift(softmax, case, shift):
    check_row_shift_invariance(softmax, "softmax_loss_vectorized", case, shift)


def test_vectorized_has_no_loop_over_examples(softmax):
    """No loop over the examples in the submitted source (read here), and on a large batch no
    more CPU time in the worker (read here from /proc) than a small multiple of a vectorised
    computation of the same loss done here; each timed call returns that loss."""
    check_no_example_loops("softmax", "softmax_loss_vectorized", (1, 2))
    rng = np.random.default_rng(6)
    W = rng.standard_normal((5, 3))
    X, y = rng.standard_normal((LARGE_BATCH, 5)), rng.integers(0, 3, size=LARGE_BATCH)
    softmax.softmax_loss_vectorized(W.copy(), X[:4], y[:4], 0.0)  # warm-up
    # reg=0: a mistake in the regularisation costs `test_vectorized_loss`, not this check too.
    assert_vectorised(
        "softmax_loss_vectorized", lambda: (softmax.softmax_loss_vectorized, W.copy(), X, y, 0.0),
        lambda: expected_loss(W, X, y, 0.0),
        "Hint: compute all scores at once with `X @ W` and use array operations.",
        check_loss_of_pair("softmax_loss_vectorized", expected_loss(W, X, y, 0.0),
                           f"a batch of N={LARGE_BATCH} random examples, reg=0"),
        work_ratio=2,  # (their loss and gradient against our loss alone)
        hidden_loop=hidden_loop_hint("softmax", "softmax_loss_vectorized"))


# ---- 3.3 naive and vectorised agree ----

@given(case=classifier_cases())
def test_naive_and_vectorized_agree(softmax, case):
    W, X, y, reg = case
    naive_loss, naive_dW = call(softmax, "softmax_loss_naive", *case)
    loss, dW = call(softmax, "softmax_loss_vectorized", *case)
    correct = expected_loss(*case)
    if not np.isclose(float(loss), float(naive_loss), rtol=1e-9, atol=1e-12):
        raise AssertionError(
            f"For {describe(*case)} the two functions disagree on the loss: "
            f"`softmax_loss_naive` returned {show(naive_loss)}, `softmax_loss_vectorized` "
            f"returned {show(loss)} (the correct loss is {show(correct)}).")
    if getattr(dW, "shape", None) != W.shape or getattr(naive_dW, "shape", None) != W.shape:
        raise AssertionError(
            f"For {describe(*case)} `dW` must have `W`'s shape {W.shape}: `softmax_loss_naive` "
            f"returned {describe_shape(naive_dW)}, `softmax_loss_vectorized` "
            f"{describe_shape(dW)}.")
    if not np.allclose(dW, naive_dW, rtol=1e-9, atol=1e-12):
        raise AssertionError(
            f"For {describe(*case)} the two functions return different `dW`:\n"
            f"`softmax_loss_naive`: {show(naive_dW)}\n`softmax_loss_vectorized`: {show(dW)}")
