"""Grading tests for two_layer_net.py: TwoLayerNet scores, loss, gradients, vectorisation,
training and prediction.

Fixed figures (toy scores, toy loss) are the contract's literals, each checked together with a
case the contract does not publish (so hard-coding the literals earns nothing); gradients are
compared with centred numerical gradients of an independent NumPy loss
(tests/support/two_layer_net_math.py) evaluated on a copy of the network's own parameters,
perturbed in place here.
"""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.grading_process.grading_api import fill, remote_type_name, seed_numpy
from tests.support import (assert_allclose, assert_gradient_close, describe_shape,
                           numerical_gradient, show)
from tests.support.cpu_time import LARGE_BATCH, assert_vectorised, check_loss_of_pair
from tests.support.known_mistakes import matching_hint
from tests.support.source_scan import check_no_example_loops, hidden_loop_hint
from tests.support.two_layer_net_math import (hidden_pre_activations, mean_cross_entropy, sgd_steps,
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
GRAD_TOL = 1e-8
KINK_MARGIN = 1e-3  # ReLU inputs closer than this to 0 make numerical gradients meaningless


def make_toy_net(two_layer_net):
    """The contract's toy network: 4 inputs, 10 hidden units, 3 classes (`np.random.seed(0)`
    in the worker first)."""
    seed_numpy(two_layer_net, 0)
    return two_layer_net.TwoLayerNet(4, 10, 3, std=1e-1)


def make_toy_data():
    """The contract's toy data: X: (5, 4), y: (5,)."""
    np.random.seed(1)
    return 10 * np.random.randn(5, 4), np.array([0, 1, 2, 2, 1])


def check_param_shapes(net, D, H, C):
    expected = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    params = net.params
    for name, shape in expected.items():
        got = params.get(name) if isinstance(params, dict) else None
        if getattr(got, "shape", None) != shape:
            raise AssertionError(
                f"`TwoLayerNet({D}, {H}, {C})` has `params[{name!r}]` with shape "
                f"{describe_shape(got)}; expected {shape}. The constructor is provided: keep it "
                f"as given.")


def call_loss(net, X, y, reg):
    """net.loss(X, y, reg=reg), checked to be a (number, grads) pair."""
    result = net.loss(X, y, reg=reg)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(
            f"`TwoLayerNet.loss(X, y, reg={reg})` returned {remote_type_name(result)}; expected a "
            f"pair `(loss, grads)` when labels `y` are given.")
    loss, grads = result
    if np.ndim(loss) != 0:
        raise AssertionError(
            f"`TwoLayerNet.loss` returned a loss with shape {describe_shape(loss)}; expected one "
            f"number (the mean over the batch).")
    return float(loss), grads


def check_grads_structure(params, grads, case):
    """grads must have the keys of `params` (the net's, as read from the worker), each shaped
    like its parameter."""
    if not (isinstance(grads, dict) and set(grads) == set(params)):
        keys = sorted(grads) if isinstance(grads, dict) else remote_type_name(grads)
        raise AssertionError(
            f"`TwoLayerNet.loss` on {case} returned grads with keys {keys}; expected the keys "
            f"of `params`: {sorted(params)}.")
    for name, param in params.items():
        shape = getattr(grads[name], "shape", None)
        if shape == param.shape:
            continue
        message = (f"`TwoLayerNet.loss` on {case} returned `grads[{name!r}]` with shape "
                   f"{describe_shape(grads[name])}; expected {param.shape}, the shape of "
                   f"`params[{name!r}]`.")
        if param.ndim == 2 and shape == param.shape[::-1]:
            message += ("\nHint: it looks transposed; the layer's input, transposed, comes first "
                        "(`X.T @ dout`).")
        elif param.ndim == 1:
            message += "\nHint: a bias gradient sums the upstream gradient over the examples (axis 0)."
        raise AssertionError(message)


def gradient_hint(name, param, reg, num_examples):
    """hint_fn for assert_gradient_close: recognise typical mistakes in grads[name]."""
    reg_grad = 2 * reg * param if name.startswith("W") else np.zeros_like(param)
    grad = f"`grads[{name!r}]`"
    averaged_twice = (f"Hint: {grad} is N = {num_examples} times too small: the mean over the "
                      f"batch is taken twice.")

    def hint(analytic, numeric):
        data_grad = numeric - reg_grad
        if name.startswith("W"):
            regularisation = [
                (data_grad,
                 f"Hint: {grad} lacks the regularisation term; the gradient of "
                 f"`reg * sum({name}**2)` is `2 * reg * {name}`."),
                (data_grad + reg * param,
                 f"Hint: {grad} uses `reg * {name}`, the gradient of `0.5 * reg * "
                 f"sum({name}**2)`; this loss has no factor 1/2, so use `2 * reg * {name}`."),
            ]
        else:
            regularised = (f"Hint: {grad} has a regularisation term; biases are never "
                           f"regularised (the loss penalises `W1` and `W2` only): drop it.")
            regularisation = [(numeric + 2 * reg * param, regularised),
                              (numeric + reg * param, regularised)]
        return matching_hint(analytic, numeric, [
            (np.zeros_like(numeric),
             f"Hint: {grad} is all zeros; a bias gradient is the upstream gradient summed over "
             f"the examples."),
            *regularisation,
            (data_grad / num_examples + reg_grad, averaged_twice),
            (numeric / num_examples, averaged_twice),
            (data_grad * num_examples + reg_grad,
             f"Hint: {grad} is N = {num_examples} times too large: the data loss is the MEAN over "
             f"the batch."),
            (numeric.T,
             f"Hint: {grad} looks transposed; the layer's input, transposed, comes first "
             f"(`X.T @ dout`)."),
        ])

    return hint


def check_gradients(net, X, y, reg, case):
    """Every grads[name] of net.loss vs the numerical gradient of the contract's loss, evaluated
    on a copy of the net's own parameters (perturbed in place here)."""
    _, grads = call_loss(net, X, y, reg)
    params = net.params
    check_grads_structure(params, grads, case)
    for name in PARAM_NAMES:
        param = params[name]
        analytic = np.array(grads[name], dtype=np.float64)
        numeric = numerical_gradient(lambda: two_layer_loss(params, X, y, reg), param)
        assert_gradient_close(f"grads[{name!r}]", analytic, numeric, GRAD_TOL, "TwoLayerNet.loss",
                              gradient_hint(name, param.copy(), reg, len(y)), case=case)


# -- 4.1 scores -----------------------------------------------------------------------------
UNPUBLISHED_CASE = ("a `TwoLayerNet(6, 7, 4, std=1e-1)` with random non-zero biases on 8 random "
                    "examples (figures the contract does not publish)")


def make_unpublished_case(two_layer_net):
    """A net and data whose answers are not in the contract: (net, X: (8, 6), y: (8,))."""
    seed_numpy(two_layer_net, 3)
    net = two_layer_net.TwoLayerNet(6, 7, 4, std=1e-1)
    check_param_shapes(net, 6, 7, 4)
    rng = np.random.default_rng(3)
    fill(net, ("params", "b1"), 0.1 * rng.standard_normal(7))
    fill(net, ("params", "b2"), 0.1 * rng.standard_normal(4))
    return net, 5 * rng.standard_normal((8, 6)), rng.integers(4, size=8)


def check_scores(net, X, expected, case):
    """net.loss(X) must be the scores `expected` (the contract's, or computed here from the
    net's parameters)."""
    scores = net.loss(X)
    params = net.params
    linear = X @ params["W1"] @ params["W2"] + params["b1"] @ params["W2"] + params["b2"]

    def hint(got, expected):
        if isinstance(got, tuple):
            return "Hint: with `y=None`, `loss` returns only the scores, an (N, C) array."
        probabilities = np.exp(expected) / np.exp(expected).sum(axis=1, keepdims=True)
        return matching_hint(got, expected, [
            (probabilities,
             "Hint: these are softmax probabilities; return the scores before the softmax."),
            (linear, "Hint: the hidden layer's ReLU (`np.maximum(0, ...)`) seems to be missing."),
        ])

    assert_allclose("TwoLayerNet.loss(X)", scores, expected, case=case, name="scores",
                    rtol=0, atol=1e-7, hint_fn=hint)


def test_toy_scores(two_layer_net):
    X, _ = make_toy_data()
    check_scores(make_toy_net(two_layer_net), X, TOY_SCORES, TOY_CASE)
    net, X, _ = make_unpublished_case(two_layer_net)
    check_scores(net, X, two_layer_scores(net.params, X), UNPUBLISHED_CASE)


# -- 4.2 loss -------------------------------------------------------------------------------
def check_loss(net, X, y, reg, expected, case):
    """net.loss(X, y, reg)[0] must be `expected` (the contract's, or computed here)."""
    loss, _ = call_loss(net, X, y, reg)
    if abs(loss - expected) < 1e-10:
        return
    params = net.params
    data_loss = mean_cross_entropy(two_layer_scores(params, X), y)
    reg_W1 = reg * np.sum(params["W1"] ** 2)
    penalty = reg * weight_penalty(params)
    hint = matching_hint(loss, expected, [
        (data_loss, "Hint: the regularisation term `reg * (sum(W1**2) + sum(W2**2))` is missing."),
        (data_loss + 0.5 * penalty,
         "Hint: the regularisation has a factor 1/2; this loss uses `reg * sum(W**2)` without it."),
        (len(y) * data_loss + penalty,
         "Hint: the cross-entropy is summed over the batch; it should be the mean."),
        (data_loss + penalty - reg_W1, "Hint: only `W2` is regularised; `W1` is too."),
        (data_loss + reg_W1, "Hint: only `W1` is regularised; `W2` is too."),
    ], rtol=1e-9)
    message = (f"`TwoLayerNet.loss(X, y, reg={reg})` on {case} returned loss {loss:.11f}; "
               f"expected {expected:.11f}.")
    raise AssertionError(f"{message}\n{hint}" if hint else message)


def test_toy_loss(two_layer_net):
    X, y = make_toy_data()
    check_loss(make_toy_net(two_layer_net), X, y, TOY_REG, TOY_LOSS, TOY_CASE)
    net, X, y = make_unpublished_case(two_layer_net)
    check_loss(net, X, y, 0.3, two_layer_loss(net.params, X, y, 0.3), UNPUBLISHED_CASE)


# -- 4.3 gradients --------------------------------------------------------------------------
def test_toy_gradients(two_layer_net):
    net = make_toy_net(two_layer_net)
    X, y = make_toy_data()
    check_gradients(net, X, y, TOY_REG, f"{TOY_CASE}, reg={TOY_REG}")


@given(num_examples=st.integers(1, 6), input_size=st.integers(1, 6),
       hidden_size=st.integers(1, 6), num_classes=st.integers(2, 6),
       reg=st.sampled_from([0.0, 0.05, 0.3]), seed=st.integers(0, 2**32 - 1))
def test_random_net_gradients(two_layer_net, num_examples, input_size, hidden_size,
                              num_classes, reg, seed):
    seed_numpy(two_layer_net, seed)
    net = two_layer_net.TwoLayerNet(input_size, hidden_size, num_classes, std=1e-1)
    check_param_shapes(net, input_size, hidden_size, num_classes)
    rng = np.random.default_rng(seed)
    fill(net, ("params", "b1"), 0.1 * rng.standard_normal(hidden_size))
    fill(net, ("params", "b2"), 0.1 * rng.standard_normal(num_classes))
    X = 10 * rng.standard_normal((num_examples, input_size))
    y = rng.integers(num_classes, size=num_examples)
    assume(np.abs(hidden_pre_activations(net.params, X)).min() > KINK_MARGIN)
    case = (f"a random net with D={input_size}, H={hidden_size}, C={num_classes}, non-zero "
            f"biases, N={num_examples} examples, reg={reg}")
    check_gradients(net, X, y, reg, case)


# -- 4.4 vectorisation ----------------------------------------------------------------------
def test_loss_is_vectorised(two_layer_net):
    """The submitted source has no loop over the examples (read here), and `loss` on a large
    batch costs the worker's process no more CPU time (read here from /proc, whatever the
    worker does to hide a loop: threads, `exec`, tracing off, padding small batches) than a
    small multiple of a vectorised computation of the same loss done here; each timed call
    returns that loss."""
    check_no_example_loops("two_layer_net", "TwoLayerNet.loss", (1, 2))
    net = make_toy_net(two_layer_net)
    rng = np.random.default_rng(4)
    X = rng.standard_normal((LARGE_BATCH, 4))
    y = rng.integers(3, size=LARGE_BATCH)
    params = net.params
    net.loss(X[:5], y[:5], reg=0.0)  # warm-up: lazy imports or caches do not count
    # reg=0: a mistake in the regularisation costs 4.2's and 4.3's checks, not this one too.
    assert_vectorised(
        "TwoLayerNet.loss(X, y)", lambda: (net.loss, X, y, 0.0),
        lambda: two_layer_loss(params, X, y, 0.0),
        "Hint: replace the loop over examples with whole-array NumPy operations (e.g. "
        "`scores[np.arange(N), y]` picks each example's correct-class score).",
        check_loss_of_pair("TwoLayerNet.loss", two_layer_loss(params, X, y, 0.0),
                           f"the toy net on a batch of N={LARGE_BATCH} random examples, reg=0"),
        work_ratio=3,  # (their forward and backward passes against our forward pass)
        hidden_loop=hidden_loop_hint("two_layer_net", "TwoLayerNet.loss"))


# -- 4.5 train ------------------------------------------------------------------------------
def train_toy(two_layer_net, seed, num_iters=100):
    """Seed NumPy, build a toy-sized net and train it on the toy data as the contract says."""
    X, y = make_toy_data()
    seed_numpy(two_layer_net, seed)
    net = two_layer_net.TwoLayerNet(4, 10, 3, std=1e-1)
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=num_iters,
                      verbose=False)
    return net, stats


def test_train_returns_histories(two_layer_net):
    """The three histories, with 7 finite losses; and the loss recorded is the minibatch's,
    checked here on data where every minibatch has the same loss (one unpublished example,
    repeated): a shape alone is what zeros have too."""
    _, stats = train_toy(two_layer_net, seed=0, num_iters=7)
    keys = {"loss_history", "train_acc_history", "val_acc_history"}
    if not (isinstance(stats, dict) and keys <= set(stats)):
        got = sorted(stats) if isinstance(stats, dict) else remote_type_name(stats)
        raise AssertionError(
            f"`TwoLayerNet.train` returned {got}; expected a dict with keys {sorted(keys)}.")
    history = np.asarray(stats["loss_history"], dtype=np.float64)
    if not (history.shape == (7,) and np.all(np.isfinite(history))):
        raise AssertionError(
            f"`TwoLayerNet.train(..., num_iters=7)` returned a `loss_history` of shape "
            f"{history.shape}: {show(history)}; expected 7 finite losses, one per iteration.")
    net = make_toy_net(two_layer_net)
    initial = net.params
    X = np.tile(10 * np.random.default_rng(11).standard_normal(4), (5, 1))
    y = np.full(5, 2)
    # reg=0: a mistake in the regularisation costs 4.2's checks, not this one too.
    first = np.asarray(net.train(X, y, X, y, learning_rate=1e-1, reg=0.0, num_iters=1,
                                 verbose=False)["loss_history"], dtype=np.float64)
    assert_allclose("TwoLayerNet.train", first[:1], [two_layer_loss(initial, X, y, 0.0)],
                    "the toy net on one example repeated 5 times (every minibatch has the loss "
                    "of that example), reg=0, num_iters=1", name="`loss_history`", rtol=1e-6)


def test_train_reaches_low_toy_loss(two_layer_net, item_config):
    seeds, min_passing = item_config["seeds"], item_config["min_passing"]
    target = item_config["max_final_loss"]
    X, y = make_toy_data()
    # The loss of the trained parameters, computed here (not the loss history it reports).
    final = {seed: two_layer_loss(train_toy(two_layer_net, seed)[0].params, X, y, 5e-6)
             for seed in seeds}
    passing = [seed for seed, loss in final.items() if loss <= target]
    if len(passing) < min_passing:
        report = ", ".join(f"seed {seed}: {loss:.4f}" for seed, loss in final.items())
        raise AssertionError(
            f"`TwoLayerNet.train` on the toy data (`learning_rate=1e-1, reg=5e-6, "
            f"num_iters=100`, `np.random.seed(s)` before building the net) left parameters whose "
            f"loss on the toy data is <= {target} for {len(passing)} of {len(seeds)} seeds; at least {min_passing} must.\n"
            f"Final losses: {report}.\n"
            f"Hint: once `loss` passes its gradient checks, make sure each iteration steps "
            f"against the gradient (`params[k] -= learning_rate * grads[k]`) on a minibatch "
            f"sampled with replacement (`np.random.choice(N, batch_size)`).")


def test_train_steps_are_plain_sgd(two_layer_net):
    """Six copies of one example, so that every minibatch is the same whatever is sampled: three
    iterations must be three plain SGD steps `params[k] -= learning_rate * grads[k]`. The steps
    are taken here, each on the gradients the submitted `loss` gives at that point (a wrong
    `loss` costs its own items, not this one)."""
    X, y = np.repeat([[1.0, -2.0, 0.5, 3.0]], 6, axis=0), np.full(6, 2)
    seed_numpy(two_layer_net, 3)
    net = two_layer_net.TwoLayerNet(4, 5, 3, std=1e-1)
    start = {name: np.array(value, dtype=np.float64) for name, value in net.params.items()}
    net.train(X, y, X, y, learning_rate=0.5, learning_rate_decay=1.0, reg=0.01, num_iters=3,
              batch_size=6, verbose=False)
    got = {name: np.asarray(value, dtype=np.float64) for name, value in net.params.items()}
    gradients_at = submitted_gradients(two_layer_net, X, y, 0.01)
    expected = sgd_steps(start, gradients_at, 0.5, 3)
    if all(np.allclose(got.get(name), value, atol=1e-6) for name, value in expected.items()):
        return
    momentum = sgd_steps(start, gradients_at, 0.5, 3, momentum=0.9)
    hint = ("\nHint: these are steps with momentum (0.9); the contract asks for plain SGD: "
            "`params[k] -= learning_rate * grads[k]`, nothing carried over between steps."
            if all(np.allclose(got.get(name), value, atol=1e-6) for name, value in momentum.items())
            else "")
    worst = max(expected, key=lambda name: float(np.max(np.abs(got[name] - expected[name])))
                if name in got and got[name].shape == expected[name].shape else np.inf)
    raise AssertionError(
        f"`TwoLayerNet.train(X, y, X, y, learning_rate=0.5, learning_rate_decay=1.0, reg=0.01, "
        f"num_iters=3, batch_size=6)` on 6 copies of one example, from the parameters of "
        f"`TwoLayerNet(4, 5, 3, std=1e-1)` after `np.random.seed(3)`: `params[\"{worst}\"]` "
        f"became {show(got.get(worst))}; expected {show(expected[worst])}, three plain SGD "
        f"steps on the gradients your `loss` gives.{hint}")


def submitted_gradients(two_layer_net, X, y, reg):
    """A function: parameters -> the gradients the submitted `loss` returns there (asked of a
    second net whose parameters are set to them)."""
    probe = two_layer_net.TwoLayerNet(4, 5, 3, std=1e-1)

    def gradients(params):
        for name, value in params.items():
            fill(probe, ("params", name), value)
        _, grads = call_loss(probe, X, y, reg)
        if not (isinstance(grads, dict) and set(params) <= set(grads)):
            raise AssertionError("`TwoLayerNet.loss` did not return a gradient for every parameter "
                                 "(see item 4.3), so its training steps cannot be checked.")
        return {name: np.asarray(grads[name], dtype=np.float64) for name in params}

    return gradients


# -- 4.6 predict ----------------------------------------------------------------------------
def test_predict_is_argmax_of_scores(two_layer_net):
    net, _ = train_toy(two_layer_net, seed=0, num_iters=20)
    X = 10 * np.random.randn(12, 4)
    expected = np.argmax(two_layer_scores(net.params, X), axis=1)
    predicted = net.predict(X)
    if getattr(predicted, "shape", None) != (12,):
        raise AssertionError(
            f"`TwoLayerNet.predict(X)` with X of shape (12, 4) returned shape "
            f"{describe_shape(predicted)}; expected (12,), one label per example.")
    if not np.issubdtype(predicted.dtype, np.integer):
        raise AssertionError(
            f"`TwoLayerNet.predict(X)` returned dtype {predicted.dtype}; expected integer labels.")
    if not np.array_equal(predicted, expected):
        raise AssertionError(
            f"`TwoLayerNet.predict(X)` (X: (12, 4)) returned {show(predicted)}; expected "
            f"{show(expected)}, the index of each row's highest score.")
