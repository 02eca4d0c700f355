"""Grading tests for deep_net.py: Layer, DeepNeuralNetwork (feedforward, calculate_loss,
backprop, fit_model, predict).

Expected values come from an independent NumPy forward pass over the network's own layer
weights (tests/support/deep_net_math.py); gradients are compared with centred numerical
gradients of that independent loss, perturbing each layer's W and b in place.
"""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.support import (assert_allclose, assert_gradient_close, describe_shape,
                           numerical_gradient, numerical_gradient_array, rel_error, show)
from tests.support.deep_net_math import (layer_output, network_loss, network_penalty,
                                         network_pre_activations, network_probs,
                                         summed_cross_entropy)

# Random draws have near-zero gradient entries whose centred differences carry ~1e-10 of
# rounding noise, so the per-entry relative error is bounded at 1e-5 (typical bugs give > 1e-2).
GRAD_TOL = 1e-5
MATCH_TOL = 1e-6  # how closely an answer must match a known mistake for the hint to apply
KINK_MARGIN = 1e-3  # ReLU inputs closer than this to 0 make numerical gradients meaningless


def hidden_sizes_strategy():
    return st.lists(st.integers(1, 5), min_size=1, max_size=2)


def build_network(deep_net, layer_sizes, activation, reg_lambda, seed, num_examples):
    """A DeepNeuralNetwork with random non-zero biases, plus data X: (N, D), y: (N,)."""
    net = deep_net.DeepNeuralNetwork(layer_sizes, activation=activation, reg_lambda=reg_lambda,
                                     seed=seed)
    check_layers(net, layer_sizes)
    rng = np.random.default_rng(seed + 1)
    for layer in net.layers:
        layer.b[...] = 0.5 * rng.standard_normal(np.shape(layer.b))
    X = 2 * rng.standard_normal((num_examples, layer_sizes[0]))
    y = rng.integers(layer_sizes[-1], size=num_examples)
    return net, X, y


def check_layers(net, layer_sizes):
    layers = getattr(net, "layers", None)
    assert isinstance(layers, (list, tuple)) and len(layers) == len(layer_sizes) - 1, (
        f"`DeepNeuralNetwork({layer_sizes})` has `layers` = {type(layers).__name__} of "
        f"{len(layers) if hasattr(layers, '__len__') else 'no'} entries; expected a list of "
        f"{len(layer_sizes) - 1} `Layer`s, one per pair of consecutive sizes.")
    for index, (layer, n_in, n_out) in enumerate(zip(layers, layer_sizes[:-1], layer_sizes[1:])):
        assert getattr(layer.W, "shape", None) == (n_in, n_out) and np.size(layer.b) == n_out, (
            f"`DeepNeuralNetwork({layer_sizes}).layers[{index}]` has W of shape "
            f"{describe_shape(layer.W)} and b of shape {describe_shape(layer.b)}; expected W: "
            f"({n_in}, {n_out}) and b with {n_out} entries. The constructor is provided: keep it as given.")


def weights_of(net):
    """The network's own (W, b) arrays, layer by layer (perturbing them changes the net)."""
    return [(layer.W, layer.b) for layer in net.layers]


def describe_net(layer_sizes, activation, reg_lambda, num_examples):
    return (f"layer_sizes={layer_sizes}, activation={activation!r}, reg_lambda={reg_lambda}, "
            f"N={num_examples} examples, random non-zero biases")


def assume_away_from_kinks(net, X, activation):
    if activation == "relu":
        pre = network_pre_activations(weights_of(net), X, activation)
        assume(all(np.abs(z).min() > KINK_MARGIN for z in pre))


def first_matching_hint(analytic, numeric, candidates):
    """The text of the first (candidate, text) that the answer matches and the truth does not."""
    for candidate, text in candidates:
        if candidate is None:
            continue
        if (np.shape(candidate) == np.shape(analytic) and rel_error(candidate, numeric) > 10 * MATCH_TOL
                and rel_error(analytic, candidate) < MATCH_TOL):
            return text
    return None


# -- 5.1 Layer ------------------------------------------------------------------------------
layer_cases = dict(
    num_examples=st.integers(1, 6), input_dim=st.integers(1, 6), output_dim=st.integers(1, 6),
    activation=st.sampled_from(["tanh", "sigmoid", "relu", None]), seed=st.integers(0, 2**32 - 1))


def build_layer(deep_net, num_examples, input_dim, output_dim, activation, seed):
    """A Layer with random W and b (set in place) and an input X: (N, input_dim)."""
    layer = deep_net.Layer(input_dim, output_dim, activation)
    assert getattr(layer.W, "shape", None) == (input_dim, output_dim) \
        and np.size(layer.b) == output_dim, (
            f"`Layer({input_dim}, {output_dim}, {activation!r})` has W of shape "
            f"{describe_shape(layer.W)} and b of shape {describe_shape(layer.b)}; expected W: "
            f"({input_dim}, {output_dim}) and b with {output_dim} entries.")
    rng = np.random.default_rng(seed)
    layer.W[...] = rng.standard_normal(layer.W.shape)
    layer.b[...] = 0.5 * rng.standard_normal(np.shape(layer.b))
    X = rng.standard_normal((num_examples, input_dim))
    return layer, X


@given(**layer_cases)
def test_layer_feedforward(deep_net, num_examples, input_dim, output_dim, activation, seed):
    layer, X = build_layer(deep_net, num_examples, input_dim, output_dim, activation, seed)
    expected = layer_output(X, layer.W, layer.b, activation)
    case = (f"`Layer({input_dim}, {output_dim}, {activation!r})` with random W, b and "
            f"X of shape {X.shape}")

    def hint(got, expected):
        raw = layer_output(X, layer.W, layer.b, None)
        if activation is not None and np.shape(got) == raw.shape and np.allclose(got, raw):
            return f"Hint: the activation {activation!r} is not applied (`act_fun(Z, activation)`)."
        return None

    assert_allclose("Layer.feedforward", layer.feedforward(X), expected, case=case,
                    name="the output", hint_fn=hint)


@given(**layer_cases)
def test_layer_backprop(deep_net, num_examples, input_dim, output_dim, activation, seed):
    layer, X = build_layer(deep_net, num_examples, input_dim, output_dim, activation, seed)
    if activation == "relu":
        assume(np.abs(X @ layer.W + np.reshape(layer.b, -1)).min() > KINK_MARGIN)
    dA = np.random.default_rng(seed + 1).standard_normal((num_examples, output_dim))
    layer.feedforward(X)
    dX = layer.backprop(dA)
    dW, db = np.array(layer.dW, dtype=np.float64), np.array(layer.db, dtype=np.float64)
    outputs = lambda: layer_output(X, layer.W, layer.b, activation)  # noqa: E731
    numeric = {
        "self.dW": numerical_gradient_array(outputs, layer.W, dA),
        "returned dX": numerical_gradient_array(outputs, X, dA),
        "self.db": numerical_gradient_array(outputs, layer.b, dA),
    }
    case = (f"`Layer({input_dim}, {output_dim}, {activation!r})` with random W, b, "
            f"X of shape {X.shape} and dA of shape {dA.shape}")
    raw_dW = X.T @ dA
    answers = {"self.dW": dW, "returned dX": np.asarray(dX, dtype=np.float64), "self.db": db}
    for name, analytic in answers.items():
        expected = numeric[name]
        if name == "self.db" and analytic.size == expected.size:
            analytic = analytic.reshape(expected.shape)

        def hint(got, want, name=name):
            return first_matching_hint(got, want, [
                (want / num_examples, f"Hint: `{name}` is N = {num_examples} times too small; `Layer.backprop` returns the gradient of the scalar that `dA` is the gradient of, without averaging."),
                (raw_dW if name == "self.dW" else None, "Hint: `dW` ignores the activation's derivative; multiply `dA` by `diff_act_fun(Z, activation)` first."),
            ])

        try:
            assert_gradient_close(name, analytic, expected, GRAD_TOL, "Layer.backprop", hint)
        except AssertionError as error:
            raise AssertionError(f"{error}\nInput: {case}.") from None


# -- 5.2 DeepNeuralNetwork.feedforward ------------------------------------------------------
network_cases = dict(
    input_dim=st.integers(1, 4), hidden=hidden_sizes_strategy(), num_classes=st.integers(2, 4),
    num_examples=st.integers(1, 6), activation=st.sampled_from(["tanh", "sigmoid", "relu"]),
    reg_lambda=st.sampled_from([0.0, 0.01, 0.5]), seed=st.integers(0, 2**32 - 1))


@given(**network_cases)
def test_network_feedforward(deep_net, input_dim, hidden, num_classes, num_examples,
                             activation, reg_lambda, seed):
    sizes = [input_dim, *hidden, num_classes]
    net, X, _ = build_network(deep_net, sizes, activation, reg_lambda, seed, num_examples)
    probs = net.feedforward(X)
    expected = network_probs(weights_of(net), X, activation)
    case = describe_net(sizes, activation, reg_lambda, num_examples)

    def hint(got, expected):
        if np.shape(got) != expected.shape:
            return None
        if not np.allclose(np.sum(got, axis=1), 1.0):
            return "Hint: each row must sum to 1: apply the softmax to the last layer's raw scores."
        return None

    assert_allclose("DeepNeuralNetwork.feedforward", probs, expected, case=case,
                    name="probabilities", hint_fn=hint)


# -- 5.3 DeepNeuralNetwork.calculate_loss ---------------------------------------------------
@given(**network_cases)
def test_calculate_loss(deep_net, input_dim, hidden, num_classes, num_examples, activation,
                        reg_lambda, seed):
    sizes = [input_dim, *hidden, num_classes]
    net, X, y = build_network(deep_net, sizes, activation, reg_lambda, seed, num_examples)
    loss = net.calculate_loss(X, y)
    assert np.ndim(loss) == 0, (
        f"`DeepNeuralNetwork.calculate_loss(X, y)` returned shape {describe_shape(loss)}; "
        f"expected one number.")
    weights = weights_of(net)
    expected = network_loss(weights, X, y, activation, reg_lambda)
    if abs(float(loss) - expected) <= 1e-9 * max(1.0, abs(expected)):
        return
    data = summed_cross_entropy(network_probs(weights, X, activation), y)
    penalty = reg_lambda * network_penalty(weights)
    N = num_examples
    mistakes = [
        (data + penalty / 2, "the total is not divided by N"),
        (data / N, "the regularisation term `reg_lambda / 2 * sum(W**2)` is missing"),
        ((data + penalty) / N, "the regularisation term lacks its factor 1/2"),
        (data / N + penalty / 2, "the regularisation term must be divided by N too"),
    ]
    message = (f"`DeepNeuralNetwork.calculate_loss(X, y)` for "
               f"{describe_net(sizes, activation, reg_lambda, N)} returned {float(loss):.10g}; "
               f"expected {expected:.10g} = (sum of cross-entropy + reg_lambda / 2 * sum of "
               f"sum(W**2)) / N.")
    for value, text in mistakes:
        if abs(float(loss) - value) <= 1e-9 * max(1.0, abs(value)) and abs(value - expected) > 1e-6:
            message += f"\nHint: {text}."
            break
    raise AssertionError(message)


# -- 5.4 DeepNeuralNetwork.backprop ---------------------------------------------------------
def check_backprop_structure(gradients, net, case):
    count = len(net.layers)
    assert isinstance(gradients, (list, tuple)) and len(gradients) == count, (
        f"`DeepNeuralNetwork.backprop(X, y)` ({case}) returned "
        f"{type(gradients).__name__} of {len(gradients) if hasattr(gradients, '__len__') else 'no'} "
        f"entries; expected a list of {count} `(dW, db)` pairs, one per layer.")
    for index, (pair, layer) in enumerate(zip(gradients, net.layers)):
        dW, db = pair
        if getattr(dW, "shape", None) == layer.W.shape and np.size(db) == np.size(layer.b):
            continue
        message = (f"`DeepNeuralNetwork.backprop(X, y)` ({case}) returned, for layer {index}, dW of "
                   f"shape {describe_shape(dW)} and db of shape {describe_shape(db)}; expected "
                   f"{layer.W.shape} and {np.shape(layer.b)}, the shapes of that layer's W and b.")
        shapes = [layer.W.shape for layer in net.layers]
        if [np.shape(pair[0]) for pair in gradients] == shapes[::-1]:
            message += "\nHint: return the pairs in layer order (first layer first), not in the order backprop visits them."
        elif getattr(dW, "shape", None) != layer.W.shape and getattr(dW, "shape", None) == layer.W.shape[::-1]:
            message += "\nHint: dW looks transposed; the layer's input, transposed, comes first (`X.T @ dZ`)."
        elif np.size(db) != np.size(layer.b):
            message += "\nHint: db sums the gradient over the examples (axis 0)."
        raise AssertionError(message)


def backprop_hint(name, param, reg_lambda, num_examples):
    is_weight = name == "dW"
    reg_grad = reg_lambda / num_examples * param if is_weight else np.zeros_like(param)

    def hint(analytic, numeric):
        data_grad = numeric - reg_grad
        return first_matching_hint(analytic, numeric, [
            (numeric * num_examples, f"Hint: `{name}` is N = {num_examples} times too large: `backprop` returns the gradient of the MEAN loss `calculate_loss`; `fit_model` multiplies the step by N."),
            (data_grad * num_examples + reg_grad * num_examples, f"Hint: `{name}` is N = {num_examples} times too large: `backprop` returns the gradient of the MEAN loss `calculate_loss`."),
            (data_grad, "Hint: dW lacks the regularisation term `reg_lambda / N * W`."),
            (data_grad + 2 * reg_grad, "Hint: the regularisation term of dW is twice too large; the loss has `reg_lambda / 2 * sum(W**2)`, whose gradient (divided by N) is `reg_lambda / N * W`."),
            (data_grad + reg_lambda * param, "Hint: the regularisation term of dW must be divided by N, like the loss: `reg_lambda / N * W`."),
        ])

    return hint


@given(**network_cases)
def test_network_backprop(deep_net, input_dim, hidden, num_classes, num_examples, activation,
                          reg_lambda, seed):
    sizes = [input_dim, *hidden, num_classes]
    net, X, y = build_network(deep_net, sizes, activation, reg_lambda, seed, num_examples)
    assume_away_from_kinks(net, X, activation)
    case = describe_net(sizes, activation, reg_lambda, num_examples)
    gradients = net.backprop(X, y)
    check_backprop_structure(gradients, net, case)
    weights = weights_of(net)
    loss = lambda: network_loss(weights, X, y, activation, reg_lambda)  # noqa: E731
    for index, ((dW, db), (W, b)) in enumerate(zip(gradients, weights)):
        for name, analytic, param in (("dW", dW, W), ("db", db, b)):
            analytic = np.array(analytic, dtype=np.float64).reshape(np.shape(param))
            numeric = numerical_gradient(loss, param)
            try:
                assert_gradient_close(name, analytic, numeric, GRAD_TOL, "DeepNeuralNetwork.backprop",
                                      backprop_hint(name, param.copy(), reg_lambda, num_examples))
            except AssertionError as error:
                raise AssertionError(f"{error}\nThis is the pair for `layers[{index}]`; input: {case}.") from None


# -- 5.5 fit_model and predict --------------------------------------------------------------
def test_fit_model_on_moons(deep_net, data, item_config):
    X, y = data.make_moons(200, noise=0.20, random_state=0)
    net = deep_net.DeepNeuralNetwork([2, 3, 2], activation="tanh")
    net.fit_model(X, y)
    predicted = net.predict(X)
    assert getattr(predicted, "shape", None) == y.shape, (
        f"`DeepNeuralNetwork.predict(X)` with X of shape {X.shape} returned shape "
        f"{describe_shape(predicted)}; expected {y.shape}.")
    accuracy = float(np.mean(predicted == y))
    target = item_config["min_accuracy"]
    assert accuracy >= target, (
        f"`DeepNeuralNetwork([2, 3, 2], activation='tanh')` after `fit_model(X, y)` with the "
        f"default epsilon and num_passes on `make_moons(200, noise=0.20, random_state=0)` "
        f"classifies {accuracy:.1%} of the training set correctly; expected at least {target:.0%}.\n"
        f"Hint: once `backprop` passes its gradient check, make sure each pass steps every W and "
        f"b by `-epsilon * N * gradient` (the gradient of the summed loss).")


@given(**network_cases)
def test_predict_is_argmax(deep_net, input_dim, hidden, num_classes, num_examples, activation,
                           reg_lambda, seed):
    sizes = [input_dim, *hidden, num_classes]
    net, X, _ = build_network(deep_net, sizes, activation, reg_lambda, seed, num_examples)
    probs = network_probs(weights_of(net), X, activation)
    top_two = np.sort(probs, axis=1)[:, -2:]
    assume(np.all(top_two[:, 1] - top_two[:, 0] > 1e-9))  # no ties
    expected = np.argmax(probs, axis=1)
    predicted = net.predict(X)
    assert getattr(predicted, "shape", None) == expected.shape \
        and np.array_equal(predicted, expected), (
            f"`DeepNeuralNetwork.predict(X)` for {describe_net(sizes, activation, reg_lambda, num_examples)} "
            f"returned {show(predicted)} (shape {describe_shape(predicted)}); expected "
            f"{show(expected)}, the most probable class of each row.")
