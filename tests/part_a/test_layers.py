"""Grading tests for layers.py (CS231n conventions).

Forward passes are compared with closed forms, properties and the independent computations in
`tests.support.expected`; every backward pass is compared with a centred numerical gradient of
that independent forward (so a backward pass is graded on its own), in float64, on
hypothesis-drawn shapes. Submitted functions always receive copies of the test's arrays.
"""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.grading_process.grading_api import remote_type_name
from tests.support import (assert_allclose, assert_gradient_close, expected, first_hint,
                           numerical_gradient, numerical_gradient_array,
                           numerical_gradient_samplewise, show)
from tests.support.source_scan import slices_up_to_minus_a_name

GRAD_TOL = 1e-7
seeds = st.integers(0, 2**16)


def same_shape(got, want):
    return getattr(got, "shape", None) == want.shape


# ---- affine ----

@st.composite
def affine_cases(draw):
    """(x: (N, d1, ..., dk), w: (D, M), b: (M,)) with k in 1..3 and every side in 1..4."""
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    dims = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    rng = np.random.default_rng(draw(seeds))
    return (rng.standard_normal((n, *dims)), rng.standard_normal((int(np.prod(dims)), m)),
            rng.standard_normal(m))


def affine_case(x, w, b):
    return f"x: {x.shape}, w: {w.shape}, b: {b.shape}"


def affine_expected(x, w, b):
    return np.einsum("nd,dm->nm", x.reshape(len(x), -1), w) + b


def affine_dx_hint(x):
    def hint(got, _numeric):
        if x.ndim > 2 and getattr(got, "shape", None) == (len(x), x[0].size):
            return "Hint: `dx` must have `x`'s original shape: reshape it with `.reshape(x.shape)`."
        return None
    return hint


def dw_transposed_hint(got, numeric):
    got = np.asarray(got)
    if got.ndim == 2 and got.T.shape == numeric.shape and np.allclose(got.T, numeric):
        return ("Hint: `dw` looks transposed; it should be `x_flat.T @ dout`, shaped (D, M) "
                "like `w`.")
    return None


def bias_hint(name, summed_axes):
    def hint(got, numeric):
        if not hasattr(got, "shape"):
            return None
        if got.shape == numeric.shape and np.allclose(got, 0) and not np.allclose(numeric, 0):
            return f"Hint: `{name}` is all zeros: did you forget the bias gradient?"
        if got.size == numeric.size and got.shape != numeric.shape:
            return (f"Hint: `{name}` must have the bias's shape {numeric.shape}: sum `dout` over "
                    f"axes {summed_axes} without `keepdims`.")
        return None
    return hint


def test_affine_forward_cs231n_example(layers):
    x = np.linspace(-0.1, 0.5, num=240).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=360).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, _ = layers.affine_forward(x, w.copy(), b.copy())
    want = [[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]
    assert_allclose("affine_forward", out, want, affine_case(x, w, b), name="`out`",
                    rtol=1e-6, atol=1e-8)


@given(case=affine_cases())
def test_affine_forward_values(layers, case):
    x, w, b = case
    out, _ = layers.affine_forward(x.copy(), w.copy(), b.copy())
    assert_allclose("affine_forward", out, affine_expected(x, w, b), affine_case(x, w, b),
                    name="`out`")


@given(case=affine_cases(), other_seed=seeds)
def test_affine_forward_linear_in_x(layers, case, other_seed):
    x, w, b = case
    other = np.random.default_rng(other_seed).standard_normal(x.shape)

    def forward(inputs):
        return layers.affine_forward(inputs, w.copy(), b.copy())[0]

    # An affine map satisfies f(x + x') + f(0) = f(x) + f(x'); so do zeros and `x` itself,
    # so the values of f(x) count too.
    assert_allclose("affine_forward", forward(x.copy()), affine_expected(x, w, b),
                    affine_case(x, w, b), name="`out`")
    assert_allclose("affine_forward", forward(x + other) + forward(np.zeros_like(x)),
                    forward(x.copy()) + forward(other.copy()), affine_case(x, w, b),
                    name="`f(x + x') + f(0)` (should equal `f(x) + f(x')`)")


def affine_gradients(layers, case):
    """(student's (dx, dw, db), numerical (dx, dw, db)) for one affine case."""
    x, w, b = case
    dout = np.random.default_rng(1).standard_normal((len(x), w.shape[1]))
    _, cache = layers.affine_forward(x.copy(), w.copy(), b.copy())
    analytic = layers.affine_backward(dout.copy(), cache)
    numeric = tuple(numerical_gradient_array(lambda: affine_expected(x, w, b), param, dout)
                    for param in (x, w, b))
    return analytic, numeric


@given(case=affine_cases())
def test_affine_backward_dx(layers, case):
    (dx, _, _), (num_dx, _, _) = affine_gradients(layers, case)
    assert_gradient_close("dx", dx, num_dx, GRAD_TOL, "affine_backward",
                          affine_dx_hint(case[0]), affine_case(*case))


@given(case=affine_cases())
def test_affine_backward_dw(layers, case):
    (_, dw, _), (_, num_dw, _) = affine_gradients(layers, case)
    assert_gradient_close("dw", dw, num_dw, GRAD_TOL, "affine_backward", dw_transposed_hint,
                          affine_case(*case))


@given(case=affine_cases())
def test_affine_backward_db(layers, case):
    (_, _, db), (_, _, num_db) = affine_gradients(layers, case)
    assert_gradient_close("db", db, num_db, GRAD_TOL, "affine_backward", bias_hint("db", "0"),
                          affine_case(*case))


# ---- relu ----

@st.composite
def relu_inputs(draw):
    """x of 1 to 4 dimensions (sides 1..4), entries at least 1e-3 away from the kink at 0."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    x = np.random.default_rng(draw(seeds)).standard_normal(shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)


@given(x=relu_inputs())
def test_relu_forward_values(layers, x):
    x_with_zero = x.copy()
    x_with_zero.flat[0] = 0.0
    out, _ = layers.relu_forward(x_with_zero.copy())
    assert_allclose("relu_forward", out, np.maximum(x_with_zero, 0.0), f"x = {show(x_with_zero)}",
                    name="`out`", atol=0)


@given(x=relu_inputs())
def test_relu_backward(layers, x):
    dout = np.random.default_rng(2).standard_normal(x.shape)
    _, cache = layers.relu_forward(x.copy())
    dx = layers.relu_backward(dout.copy(), cache)
    numeric = numerical_gradient_array(lambda: np.maximum(x, 0.0), x, dout)

    def hint(got, _numeric):
        if not same_shape(got, dout):
            return None
        if np.allclose(got, x > 0):
            return "Hint: multiply the upstream gradient `dout` by the mask `x > 0`."
        if np.allclose(got, dout):
            return "Hint: `dx` must be zero where `x <= 0`; you passed `dout` through unchanged."
        return None

    assert_gradient_close("dx", dx, numeric, GRAD_TOL, "relu_backward", hint,
                          f"x: {x.shape}")


# ---- softmax_loss ----

@st.composite
def score_cases(draw, scale=3.0):
    """(scores: (N, C), y: (N,)) with N in 1..6, C in 2..6, scores ~ scale * N(0, 1)."""
    n, c = draw(st.integers(1, 6)), draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(seeds))
    return scale * rng.standard_normal((n, c)), rng.integers(0, c, size=n)


def scores_case(scores, y):
    return f"scores = {show(scores)}, y = {show(y)}"


def mean_hint(n):
    """Hint for a loss or gradient that is N times too large (sum) or too small (mean twice)."""
    def hint(got, want):
        if n == 1 or not same_shape(np.asarray(got, dtype=float), want):
            return None
        if np.allclose(got, n * want):
            return "Hint: the loss is the mean over the N examples: divide by N (you summed)."
        if np.allclose(got, want / n):
            return "Hint: you divided by N twice; average only once."
        return None
    return hint


@given(case=score_cases())
def test_softmax_loss_value(layers, case):
    scores, y = case
    loss, _ = layers.softmax_loss(scores.copy(), y.copy())
    assert_allclose("softmax_loss", loss, expected.cross_entropy(scores, y), scores_case(*case),
                    name="loss", hint_fn=mean_hint(len(y)))


def stability_hint(layers):
    """For a non-finite loss or gradient, which of two fixes, confirmed on the submission's own
    `softmax_loss`: equal scores of 1e4 overflow `exp` (the row's maximum is not subtracted), or
    a class 1000 below the best gets probability 0, whose log is -inf (the maximum is subtracted,
    but the loss is taken as the log of probabilities)."""
    def loss_is_finite(scores) -> bool | None:
        try:
            with np.errstate(all="ignore"):
                loss, _ = layers.softmax_loss(scores, np.array([0]))
            return bool(np.isfinite(float(loss)))
        except Exception:  # noqa: BLE001 - a probe that fails confirms nothing
            return None

    def hint(got, _want):
        if np.all(np.isfinite(np.asarray(got, dtype=float))):
            return None
        if loss_is_finite(np.full((1, 3), 1e4)) is False:
            return ("Hint: subtract each row's maximum score before exponentiating "
                    "(the softmax does not change).")
        if loss_is_finite(np.array([[0.0, 1000.0]])) is False:
            return ("Hint: you subtract each row's maximum already, but a class far below the "
                    "best gets probability 0, whose log is -inf: compute the log-probabilities "
                    "directly, `shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))` "
                    "(log-sum-exp), and take the loss from those.")
        return None
    return hint


@given(n=st.integers(1, 6), c=st.integers(2, 10), value=st.sampled_from([0.0, 1.0, -7.5, 1e4]))
def test_softmax_loss_equal_scores_is_log_c(layers, n, c, value):
    scores, y = np.full((n, c), value), np.arange(n) % c
    with np.errstate(all="ignore"):
        loss, _ = layers.softmax_loss(scores.copy(), y)
    assert_allclose("softmax_loss", loss, np.log(c),
                    f"scores of shape {scores.shape} all equal to {value:g}",
                    name="loss (should be log(C) when all scores are equal)",
                    hint_fn=first_hint(stability_hint(layers), mean_hint(n)))


@given(case=score_cases(), shift_seed=seeds)
def test_softmax_loss_invariant_to_row_shift(layers, case, shift_seed):
    scores, y = case
    shift = 100 * np.random.default_rng(shift_seed).standard_normal((len(y), 1))
    loss, dscores = layers.softmax_loss(scores.copy(), y.copy())
    # A constant is invariant to every shift: the unshifted loss counts too.
    assert_allclose("softmax_loss", loss, expected.cross_entropy(scores, y), scores_case(scores, y),
                    name="loss")
    shifted_loss, shifted_dscores = layers.softmax_loss(scores + shift, y.copy())
    where = f"{scores_case(scores, y)} plus a constant per row"
    assert_allclose("softmax_loss", shifted_loss, loss, where,
                    name="loss (adding a constant to a row of scores must not change it)")
    assert_allclose("softmax_loss", shifted_dscores, dscores, where,
                    name="`dscores` (adding a constant to a row of scores must not change it)")


def test_softmax_loss_large_scores_finite(layers):
    rng = np.random.default_rng(3)
    scores, y = rng.uniform(-1e4, 1e4, size=(3, 4)), np.array([2, 0, 3])
    with np.errstate(all="ignore"):
        loss, dscores = layers.softmax_loss(scores.copy(), y.copy())
    where = scores_case(scores, y)
    assert_allclose("softmax_loss", loss, expected.cross_entropy(scores, y), where, name="loss",
                    hint_fn=first_hint(stability_hint(layers), mean_hint(len(y))))
    dscores_expected = numerical_gradient(lambda: expected.cross_entropy(scores, y), scores)
    assert_allclose("softmax_loss", dscores, dscores_expected, where, name="`dscores`",
                    rtol=1e-5, atol=1e-8, hint_fn=first_hint(stability_hint(layers), mean_hint(len(y))))


@given(case=score_cases())
def test_softmax_loss_gradient(layers, case):
    scores, y = case
    _, dscores = layers.softmax_loss(scores.copy(), y.copy())
    numeric = numerical_gradient(lambda: expected.cross_entropy(scores, y), scores)
    assert_gradient_close("dscores", dscores, numeric, GRAD_TOL, "softmax_loss",
                          mean_hint(len(y)), scores_case(*case))


# ---- convolution ----

@st.composite
def conv_cases(draw, exact_fit=True):
    """(x, w, b, conv_param) with N 1..2, C 1..3, F 1..3, HH, WW 1..3, stride 1..3, pad 0..2
    and 1..3 output rows and columns. exact_fit: the filter lands exactly on the last padded
    row/column; otherwise (H + 2 pad - HH) may leave a remainder modulo the stride."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    hh, ww = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    sizes = []
    for filter_size in (hh, ww):
        extra = 0 if exact_fit else draw(st.integers(0, stride - 1))
        size = (draw(st.integers(1, 3)) - 1) * stride + filter_size - 2 * pad + extra
        assume(size >= 1)
        sizes.append(size)
    rng = np.random.default_rng(draw(seeds))
    return (rng.standard_normal((n, c, *sizes)), rng.standard_normal((f, c, hh, ww)),
            rng.standard_normal(f), {"stride": stride, "pad": pad})


def conv_case(x, w, b, conv_param):
    return f"x: {x.shape}, w: {w.shape}, b: {b.shape}, conv_param = {conv_param}"


def conv_forward(layers, x, w, b, conv_param):
    return layers.conv_forward_naive(x.copy(), w.copy(), b.copy(), dict(conv_param))


def conv_forward_hint(x, w, b, conv_param):
    def hint(got, want):
        if not same_shape(got, want):
            return None
        flipped = expected.conv_forward(x, w[:, :, ::-1, ::-1], b, **conv_param)
        if np.allclose(got, flipped):
            return ("Hint: CS231n's convolution is a cross-correlation: "
                    "do not flip the filter.")
        if np.allclose(got, want - b[None, :, None, None]):
            return "Hint: add the bias `b[f]` to every output of filter f."
        return None
    return hint


@given(case=conv_cases(exact_fit=False))
def test_conv_forward_output_shape(layers, case):
    x, w, _, conv_param = case
    s, p = conv_param["stride"], conv_param["pad"]
    want = (x.shape[0], w.shape[0], 1 + (x.shape[2] + 2 * p - w.shape[2]) // s,
            1 + (x.shape[3] + 2 * p - w.shape[3]) // s)
    out, _ = conv_forward(layers, *case)
    if getattr(out, "shape", None) != want:
        raise AssertionError(
            f"`conv_forward_naive` for {conv_case(*case)} returned `out` with shape "
            f"{getattr(out, 'shape', remote_type_name(out))}; expected {want} = (N, F, "
            f"1 + (H + 2 pad - HH) // stride, 1 + (W + 2 pad - WW) // stride).")
    # Zeros have the right shape too: the values where the stride does not fit count here.
    x, w, b, conv_param = case
    assert_allclose("conv_forward_naive", out, expected.conv_forward(x, w, b, **conv_param),
                    conv_case(*case), name="`out`", hint_fn=conv_forward_hint(*case))


@given(case=conv_cases())
def test_conv_forward_values(layers, case):
    out, _ = conv_forward(layers, *case)
    x, w, b, conv_param = case
    assert_allclose("conv_forward_naive", out, expected.conv_forward(x, w, b, **conv_param),
                    conv_case(*case), name="`out`", hint_fn=conv_forward_hint(*case))


def conv_gradients(layers, case, wrt: str):
    """(student's (dx, dw, db), the numerical gradient with respect to `wrt`, "x", "w" or "b")
    for one convolution case."""
    x, w, b, conv_param = case
    out_shape = expected.conv_forward(x, w, b, **conv_param).shape
    dout = np.random.default_rng(4).standard_normal(out_shape)
    _, cache = conv_forward(layers, *case)
    analytic = layers.conv_backward_naive(dout.copy(), cache)
    if wrt == "x":
        numeric = numerical_gradient_samplewise(
            lambda images: expected.conv_forward(images, w, b, **conv_param), x, dout)
    else:
        numeric = numerical_gradient_array(lambda: expected.conv_forward(x, w, b, **conv_param),
                                           {"w": w, "b": b}[wrt], dout)
    return analytic, numeric


def padded_dx_hint(x, pad):
    def hint(got, numeric):
        padded = (*x.shape[:2], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad)
        shape = getattr(got, "shape", None)
        if pad and shape == padded:
            return "Hint: `dx` still includes the padding: strip `pad` rows/columns on each side."
        if pad == 0 and shape is not None and len(shape) == 4 and 0 in shape[2:] \
                and slices_up_to_minus_a_name("layers", "conv_backward_naive"):
            return ("Hint: with `pad = 0`, `dx_pad[:, :, pad:-pad, pad:-pad]` is empty (`-0` is "
                    "`0`, so the slice is `0:0`): strip the padding with "
                    "`dx_pad[:, :, pad:pad + H, pad:pad + W]` instead.")
        return None
    return hint


@given(case=conv_cases())
def test_conv_backward_dx(layers, case):
    (dx, _, _), num_dx = conv_gradients(layers, case, "x")
    assert_gradient_close("dx", dx, num_dx, GRAD_TOL, "conv_backward_naive",
                          padded_dx_hint(case[0], case[3]["pad"]), conv_case(*case))


@given(case=conv_cases())
def test_conv_backward_dw(layers, case):
    (_, dw, _), num_dw = conv_gradients(layers, case, "w")
    assert_gradient_close("dw", dw, num_dw, GRAD_TOL, "conv_backward_naive", None,
                          conv_case(*case))


@given(case=conv_cases())
def test_conv_backward_db(layers, case):
    (_, _, db), num_db = conv_gradients(layers, case, "b")
    assert_gradient_close("db", db, num_db, GRAD_TOL, "conv_backward_naive",
                          bias_hint("db", "(0, 2, 3)"), conv_case(*case))


# ---- max pooling ----

@st.composite
def pool_cases(draw, overlapping=False):
    """(x: (N, C, H, W), pool_param) with N, C in 1..3, windows 1..3 (at least 2 entries) fitting
    exactly and distinct entries at least 0.01 apart (no ties). overlapping: stride smaller than
    the larger window side and 2..3 output rows/columns; otherwise stride = the larger window
    side (windows never share an entry) and 1..3 output rows/columns."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    assume(ph * pw > 1)
    stride = draw(st.integers(1, max(ph, pw) - 1)) if overlapping else max(ph, pw)
    outputs = st.integers(2 if overlapping else 1, 3)
    height = (draw(outputs) - 1) * stride + ph
    width = (draw(outputs) - 1) * stride + pw
    rng = np.random.default_rng(draw(seeds))
    x = 0.01 * rng.permutation(n * c * height * width).reshape(n, c, height, width) - 1.0
    return x, {"pool_height": ph, "pool_width": pw, "stride": stride}


def pool_case(x, pool_param):
    return f"x: {x.shape}, pool_param = {pool_param}"


def pool_expected(x, pool_param):
    return expected.max_pool_forward(x, pool_param["pool_height"], pool_param["pool_width"],
                                     pool_param["stride"])


def swapped_window_side_hint(layers):
    """An output size computed from the other side of the window (`W_out` from `pool_height`,
    `H_out` from `pool_width`), confirmed on the submission's own output for windows of 3 by 1
    and 1 by 3 over a 6 by 6 input, where that swap, a forgotten `1 +` and the right size all
    differ."""
    def probe_shape(ph, pw):
        try:
            out, _ = layers.max_pool_forward_naive(np.zeros((1, 1, 6, 6)),
                                                   {"pool_height": ph, "pool_width": pw, "stride": 1})
        except Exception:  # noqa: BLE001 - a probe that fails confirms nothing
            return None
        return getattr(out, "shape", None)

    def hint(got, want):
        if getattr(got, "shape", None) == want.shape:
            return None
        if probe_shape(3, 1) == (1, 1, 4, 4):  # W_out = 1 + (6 - 3) // 1, not 6
            return ("Hint: the output width comes from the window's width: "
                    "`W_out = 1 + (W - pool_width) // stride` (yours used `pool_height`).")
        if probe_shape(1, 3) == (1, 1, 4, 4):  # H_out = 1 + (6 - 3) // 1, not 6
            return ("Hint: the output height comes from the window's height: "
                    "`H_out = 1 + (H - pool_height) // stride` (yours used `pool_width`).")
        return None
    return hint


@given(case=pool_cases())
def test_max_pool_forward_values(layers, case):
    x, pool_param = case
    out, _ = layers.max_pool_forward_naive(x.copy(), dict(pool_param))
    assert_allclose("max_pool_forward_naive", out, pool_expected(x, pool_param),
                    pool_case(*case), name="`out` (each entry is the maximum of its window)",
                    hint_fn=swapped_window_side_hint(layers))


@given(case=pool_cases(overlapping=True))
def test_max_pool_forward_picks_window_member(layers, case):
    x, pool_param = case
    out, _ = layers.max_pool_forward_naive(x.copy(), dict(pool_param))
    want = pool_expected(x, pool_param)
    if not same_shape(out, want):
        assert_allclose("max_pool_forward_naive", out, want, pool_case(*case), name="`out`")
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    for index in np.ndindex(want.shape):
        n, c, i, j = index
        window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
        if not np.isclose(window, out[index], rtol=0, atol=1e-12).any():
            raise AssertionError(
                f"`max_pool_forward_naive` for {pool_case(*case)}: `out[{n}, {c}, {i}, {j}]` = "
                f"{show(out[index])} is not an entry of its window {show(window)}.")


def pool_gradients(layers, case):
    """(student's dx, numerical dx, number of windows each entry of x is the maximum of)."""
    x, pool_param = case
    want = pool_expected(x, pool_param)
    dout = np.random.default_rng(5).standard_normal(want.shape)
    _, cache = layers.max_pool_forward_naive(x.copy(), dict(pool_param))
    dx = layers.max_pool_backward_naive(dout.copy(), cache)
    numeric = numerical_gradient_samplewise(lambda images: pool_expected(images, pool_param), x, dout)
    wins = numerical_gradient_samplewise(lambda images: pool_expected(images, pool_param), x,
                                         np.ones_like(dout))
    return dx, numeric, np.rint(wins)


def spread_hint(got, numeric):
    if same_shape(got, numeric) and np.count_nonzero(got) > np.count_nonzero(numeric):
        return ("Hint: each window's gradient goes only to the position of its maximum, "
                "not to every entry of the window.")
    return None


@given(case=pool_cases())
def test_max_pool_backward(layers, case):
    dx, numeric, _ = pool_gradients(layers, case)

    assert_gradient_close("dx", dx, numeric, GRAD_TOL, "max_pool_backward_naive",
                          spread_hint, pool_case(*case))


@given(case=pool_cases(overlapping=True))
def test_max_pool_backward_overlapping_windows(layers, case):
    dx, numeric, wins = pool_gradients(layers, case)

    def overwrite_hint(got, _numeric):
        if not same_shape(got, numeric):
            return None
        wrong = ~np.isclose(got, numeric)
        if wrong.any() and np.all(wins[wrong] >= 2):
            return ("Hint: with overlapping windows one entry can be the maximum of several "
                    "windows: accumulate (`+=`) its gradients instead of overwriting them.")
        return None

    assert_gradient_close("dx", dx, numeric, GRAD_TOL, "max_pool_backward_naive",
                          first_hint(spread_hint, overwrite_hint), pool_case(*case))
