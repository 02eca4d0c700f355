"""Grading tests for two_layer_net.py: TwoLayerNet scores, loss, gradients, vectorisation,
training and prediction.

Fixed figures (toy scores, toy loss) are the contract's literals; gradients are compared with
centred numerical gradients of an independent NumPy loss (tests/support/two_layer_net_math.py)
evaluated on the network's own parameters.
"""
from pathlib import Path

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.support import (assert_allclose, assert_gradient_close, describe_shape,
                           numerical_gradient, rel_error, show)
from tests.support.linecount import count_executed_lines
from tests.support.two_layer_net_math import (hidden_pre_activations, mean_cross_entropy,
                                              two_layer_loss, two_layer_scores, weight_penalty)

TOY_SCORES = np.array([[-0.81233741, -1.27654624, -0.70335995],
                       [-0.17129677, -1.18803311, -0.47310444],
                       [-0.51590475, -1.01354314, -0.8504215],
                       [-0.15419291, -0.48629638, -0.52901952],
                       [-0.00618733, -0.12435261, -0.15226949]])
TOY_LOSS = 1.30378789133
TOY_REG = 0.05
TOY_CASE = "the toy net and data (`TwoLayerNet(4, 10, 3, std=1e-1)` after `np.random.seed(0)`)"
PARAM_NAMES = ("W1", "b1", "W2", "b2")
TOY_GRAD_TOL = 1e-8
# Random draws have near-zero gradient entries whose centred differences carry ~1e-10 of
# rounding noise, so their per-entry relative error is bounded more loosely than the toy's.
RANDOM_GRAD_TOL = 1e-5
MATCH_TOL = 1e-6  # how closely an answer must match a known mistake for the hint to apply


def make_toy_net(two_layer_net):
    """The contract's toy network: 4 inputs, 10 hidden units, 3 classes."""
    np.random.seed(0)
    return two_layer_net.TwoLayerNet(4, 10, 3, std=1e-1)


def make_toy_data():
    """The contract's toy data: X: (5, 4), y: (5,)."""
    np.random.seed(1)
    return 10 * np.random.randn(5, 4), np.array([0, 1, 2, 2, 1])


def expected_shapes(D, H, C):
    return {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}


def check_param_shapes(net, D, H, C):
    for name, shape in expected_shapes(D, H, C).items():
        got = net.params.get(name) if isinstance(net.params, dict) else None
        assert getattr(got, "shape", None) == shape, (
            f"`TwoLayerNet({D}, {H}, {C})` has `params[{name!r}]` with shape "
            f"{describe_shape(got)}; expected {shape}. The constructor is provided: keep it as given.")


def call_loss(net, X, y, reg):
    """net.loss(X, y, reg) checked to be a (float, dict) pair."""
    result = net.loss(X, y, reg=reg)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"`TwoLayerNet.loss(X, y, reg={reg})` returned {type(result).__name__}; expected a pair "
        f"`(loss, grads)` when labels `y` are given.")
    loss, grads = result
    assert np.ndim(loss) == 0, (
        f"`TwoLayerNet.loss` returned a loss with shape {describe_shape(loss)}; expected one number "
        f"(the mean over the batch).")
    return float(loss), grads


def check_grads_structure(net, grads, case):
    """grads must have the keys of `params`, each shaped like its parameter."""
    assert isinstance(grads, dict) and set(grads) == set(net.params), (
        f"`TwoLayerNet.loss` ({case}) returned grads with keys "
        f"{sorted(grads) if isinstance(grads, dict) else type(grads).__name__}; "
        f"expected the keys of `params`: {sorted(net.params)}.")
    for name, param in net.params.items():
        got = grads[name]
        if getattr(got, "shape", None) == param.shape:
            continue
        message = (f"`TwoLayerNet.loss` ({case}) returned `grads[{name!r}]` with shape "
                   f"{describe_shape(got)}; expected {param.shape}, the shape of `params[{name!r}]`.")
        if param.ndim == 2 and getattr(got, "shape", None) == param.shape[::-1]:
            message += f"\nHint: `grads[{name!r}]` looks transposed; the input of the layer, transposed, comes first (`X.T @ dout`)."
        elif param.ndim == 1:
            message += "\nHint: a bias gradient sums the upstream gradient over the examples (axis 0)."
        raise AssertionError(message)


def gradient_hint(name, param, reg, num_examples):
    """hint_fn for assert_gradient_close: recognise typical mistakes in grads[name]."""
    is_weight = name.startswith("W")

    def hint(analytic, numeric):
        reg_grad = 2 * reg * param if is_weight else np.zeros_like(param)
        data_grad = numeric - reg_grad
        candidates = [
            (np.zeros_like(numeric), f"Hint: `grads[{name!r}]` is all zeros; the bias gradient is the upstream gradient summed over the examples."),
            (data_grad, f"Hint: `grads[{name!r}]` lacks the regularisation term; the gradient of `reg * sum({name}**2)` is `2 * reg * {name}`."),
            (data_grad + reg * param, f"Hint: `grads[{name!r}]` uses `reg * {name}`, the gradient of `0.5 * reg * sum({name}**2)`; this loss has no factor 1/2, so use `2 * reg * {name}`."),
            (data_grad / num_examples + reg_grad, f"Hint: `grads[{name!r}]` is {num_examples} (= N) times too small: the mean over the batch is taken twice."),
            (numeric / num_examples, f"Hint: `grads[{name!r}]` is {num_examples} (= N) times too small: the mean over the batch is taken twice."),
            (data_grad * num_examples + reg_grad, f"Hint: `grads[{name!r}]` is N = {num_examples} times too large: the data loss is the MEAN over the batch."),
            (numeric.T, f"Hint: `grads[{name!r}]` looks transposed; the layer's input, transposed, comes first (`X.T @ dout`)."),
        ]
        for candidate, text in candidates:
            if (candidate.shape == analytic.shape and rel_error(candidate, numeric) > 10 * MATCH_TOL
                    and rel_error(analytic, candidate) < MATCH_TOL):
                return text
        return None

    return hint


def check_gradients(net, X, y, reg, tol, case):
    """Every grads[name] of net.loss vs the numerical gradient of the contract's loss."""
    _, grads = call_loss(net, X, y, reg)
    check_grads_structure(net, grads, case)
    for name in PARAM_NAMES:
        param = net.params[name]
        analytic = np.array(grads[name], dtype=np.float64)
        numeric = numerical_gradient(lambda: two_layer_loss(net.params, X, y, reg), param)
        try:
            assert_gradient_close(f"grads[{name!r}]", analytic, numeric, tol, "TwoLayerNet.loss",
                                  gradient_hint(name, param.copy(), reg, len(y)))
        except AssertionError as error:
            raise AssertionError(f"{error}\nInput: {case}.") from None


# -- 4.1 scores -----------------------------------------------------------------------------
def test_params_shapes(two_layer_net):
    np.random.seed(0)
    net = two_layer_net.TwoLayerNet(4, 10, 3, std=1e-1)
    check_param_shapes(net, 4, 10, 3)


def test_toy_scores(two_layer_net):
    net = make_toy_net(two_layer_net)
    X, _ = make_toy_data()
    scores = net.loss(X)

    def hint(got, expected):
        got = np.asarray(got, dtype=np.float64)
        if got.shape != expected.shape:
            return "Hint: with `y=None`, `loss` returns only the scores, shape (N, C)." \
                if isinstance(scores, tuple) else None
        if np.allclose(got.sum(axis=1), 1) and np.all(got >= 0):
            return "Hint: these look like softmax probabilities; return the scores before the softmax."
        params = net.params
        linear = X @ params["W1"] @ params["W2"] + params["b1"] @ params["W2"] + params["b2"]
        if np.allclose(got, linear, atol=1e-7):
            return "Hint: the hidden layer's ReLU (`np.maximum(0, ...)`) seems to be missing."
        return None

    assert_allclose("TwoLayerNet.loss(X)", scores, TOY_SCORES, case=TOY_CASE, name="scores",
                    rtol=0, atol=1e-7, hint_fn=hint)


# -- 4.2 loss -------------------------------------------------------------------------------
def test_toy_loss(two_layer_net):
    net = make_toy_net(two_layer_net)
    X, y = make_toy_data()
    loss, _ = call_loss(net, X, y, TOY_REG)
    if abs(loss - TOY_LOSS) < 1e-10:
        return
    data_loss = mean_cross_entropy(two_layer_scores(net.params, X), y)
    penalty = TOY_REG * weight_penalty(net.params)
    mistakes = [
        (data_loss, "the regularisation term `reg * (sum(W1**2) + sum(W2**2))` is missing"),
        (data_loss + 0.5 * penalty, "the regularisation has a factor 1/2; this loss uses `reg * sum(W**2)` without it"),
        (len(y) * data_loss + penalty, "the cross-entropy is summed over the batch; it should be the mean"),
        (data_loss + TOY_REG * np.sum(net.params["W2"] ** 2), "only `W2` is regularised; `W1` is too"),
        (data_loss + TOY_REG * np.sum(net.params["W1"] ** 2), "only `W1` is regularised; `W2` is too"),
    ]
    message = (f"`TwoLayerNet.loss(X, y, reg={TOY_REG})` on {TOY_CASE} returned loss {loss:.11f}; "
               f"expected {TOY_LOSS}.")
    for value, text in mistakes:
        if abs(loss - value) < 1e-9:
            message += f"\nHint: {text}."
            break
    raise AssertionError(message)


# -- 4.3 gradients --------------------------------------------------------------------------
def test_grads_keys_and_shapes(two_layer_net):
    net = make_toy_net(two_layer_net)
    X, y = make_toy_data()
    _, grads = call_loss(net, X, y, TOY_REG)
    check_grads_structure(net, grads, TOY_CASE)


def test_toy_gradients(two_layer_net):
    net = make_toy_net(two_layer_net)
    X, y = make_toy_data()
    check_gradients(net, X, y, TOY_REG, TOY_GRAD_TOL, f"{TOY_CASE}, reg={TOY_REG}")


@given(num_examples=st.integers(1, 6), input_size=st.integers(1, 6),
       hidden_size=st.integers(1, 6), num_classes=st.integers(2, 6),
       reg=st.sampled_from([0.0, 0.05, 0.3]), seed=st.integers(0, 2**32 - 1))
def test_random_net_gradients(two_layer_net, num_examples, input_size, hidden_size,
                              num_classes, reg, seed):
    np.random.seed(seed)
    net = two_layer_net.TwoLayerNet(input_size, hidden_size, num_classes, std=1e-1)
    check_param_shapes(net, input_size, hidden_size, num_classes)
    net.params["b1"][...] = 0.1 * np.random.randn(hidden_size)
    net.params["b2"][...] = 0.1 * np.random.randn(num_classes)
    X = 10 * np.random.randn(num_examples, input_size)
    y = np.random.randint(num_classes, size=num_examples)
    # Keep the ReLU inputs away from its kink, where the numerical gradient is meaningless.
    assume(np.abs(hidden_pre_activations(net.params, X)).min() > 1e-3)
    case = (f"N={num_examples}, D={input_size}, H={hidden_size}, C={num_classes}, reg={reg}, "
            f"random weights and non-zero biases")
    check_gradients(net, X, y, reg, RANDOM_GRAD_TOL, case)


# -- 4.4 vectorisation ----------------------------------------------------------------------
def test_loss_is_vectorised(two_layer_net):
    np.random.seed(0)
    net = two_layer_net.TwoLayerNet(4, 10, 3, std=1e-1)
    folder = Path(two_layer_net.__file__).parent
    counts = {}
    for num_examples in (5, 50):
        X = np.random.randn(num_examples, 4)
        y = np.random.randint(3, size=num_examples)
        net.loss(X, y, reg=0.1)  # warm-up: lazy imports or caches do not count
        _, counts[num_examples] = count_executed_lines(lambda: net.loss(X, y, reg=0.1), folder)
    assert counts[50] <= counts[5], (
        f"`TwoLayerNet.loss(X, y)` is not vectorised: your code executed {counts[5]} Python lines "
        f"for a batch of N=5 examples but {counts[50]} for N=50.\n"
        f"Hint: replace the loop over examples with whole-array NumPy operations "
        f"(e.g. `scores[np.arange(N), y]` picks each example's correct-class score).")


# -- 4.5 train ------------------------------------------------------------------------------
def train_toy(two_layer_net, seed, num_iters=100):
    """Seed NumPy, build a toy-sized net and train it on the toy data as the contract says."""
    X, y = make_toy_data()
    np.random.seed(seed)
    net = two_layer_net.TwoLayerNet(4, 10, 3, std=1e-1)
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=num_iters,
                      verbose=False)
    return net, stats


def test_train_returns_histories(two_layer_net):
    _, stats = train_toy(two_layer_net, seed=0, num_iters=7)
    keys = {"loss_history", "train_acc_history", "val_acc_history"}
    assert isinstance(stats, dict) and keys <= set(stats), (
        f"`TwoLayerNet.train` returned "
        f"{sorted(stats) if isinstance(stats, dict) else type(stats).__name__}; expected a dict "
        f"with keys {sorted(keys)}.")
    history = stats["loss_history"]
    assert len(history) == 7 and np.all(np.isfinite(np.asarray(history, dtype=np.float64))), (
        f"`TwoLayerNet.train(..., num_iters=7)` returned a `loss_history` of {len(history)} "
        f"entries: {show(np.asarray(history, dtype=np.float64))}; expected 7 finite losses, one per iteration.")


def test_train_reaches_low_toy_loss(two_layer_net, item_config):
    seeds, min_passing, target = item_config["seeds"], item_config["min_passing"], item_config["max_final_loss"]
    final = {}
    for seed in seeds:
        _, stats = train_toy(two_layer_net, seed)
        final[seed] = float(stats["loss_history"][-1])
    passing = [seed for seed, loss in final.items() if loss <= target]
    report = ", ".join(f"seed {seed}: {loss:.4f}" for seed, loss in final.items())
    assert len(passing) >= min_passing, (
        f"`TwoLayerNet.train` on the toy data (`learning_rate=1e-1, reg=5e-6, num_iters=100`, "
        f"`np.random.seed(s)` before building the net) reached a final loss <= {target} for "
        f"{len(passing)} of {len(seeds)} seeds; at least {min_passing} must.\n"
        f"Final losses: {report}.\n"
        f"Hint: once `loss` passes its gradient checks, make sure each iteration steps against "
        f"the gradient (`params[k] -= learning_rate * grads[k]`) on a minibatch sampled with "
        f"replacement (`np.random.choice(N, batch_size)`).")


# -- 4.6 predict ----------------------------------------------------------------------------
def test_predict_is_argmax_of_scores(two_layer_net):
    net, _ = train_toy(two_layer_net, seed=0, num_iters=20)
    np.random.seed(3)
    X = 10 * np.random.randn(12, 4)
    expected = np.argmax(two_layer_scores(net.params, X), axis=1)
    predicted = net.predict(X)
    assert getattr(predicted, "shape", None) == (12,), (
        f"`TwoLayerNet.predict(X)` with X of shape (12, 4) returned shape "
        f"{describe_shape(predicted)}; expected (12,), one label per example.")
    assert np.issubdtype(predicted.dtype, np.integer), (
        f"`TwoLayerNet.predict(X)` returned dtype {predicted.dtype}; expected integer labels.")
    assert np.array_equal(predicted, expected), (
        f"`TwoLayerNet.predict(X)` (X: (12, 4)) returned {show(predicted)}; expected "
        f"{show(expected)}, the index of each row's highest score.")
