"""Helpers for the Part B grading tests: the submission's torch objects live in the student
worker, so everything here works on what the worker reports, checked against computations
made here.

- `describe`: a model's `nn.Linear`/`nn.Conv2d` layers with their weights, as the worker reads
  them; `linear_chain` follows them in the order data flows; `affine_chain_forward` is an
  independent NumPy forward pass through them.
- Small fixed classification problems with known losses and accuracies.
- `simulate_sgd`: an independent NumPy run of SGD on a linear model over the batches a
  `RecordingDataset` says it served, for checking what training did to the parameters.
"""
from dataclasses import dataclass

import numpy as np

from autograder.grading_process.grading_api import TensorArray, remote_type_name
from tests.support.expected import cross_entropy

# Three classes, logits = x @ FIXED_WEIGHT.T + FIXED_BIAS = [x0, x1, 0.5 - x0 - x1]: every argmax
# wins by a margin of at least 2, and 5 of the 8 labels are predicted (62.5 %, not 0.625).
FIXED_X = np.array([[2, 0], [0, 2], [-2, -1], [3, 1], [1, 3], [2, -1], [-1, 2], [-1, -2]],
                   dtype=np.float64)
FIXED_Y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
FIXED_WEIGHT = np.array([[1, 0], [0, 1], [-1, -1]], dtype=np.float64)
FIXED_BIAS = np.array([0, 0, 0.5])
FIXED_PREDICTIONS = np.array([0, 1, 2, 0, 1, 0, 1, 2])
FIXED_ACCURACY = 62.5
FIXED_CASE = ("a linear model `nn.Linear(2, 3)` with fixed weights on 8 fixed examples "
              "(2 batches of 4; 5 of 8 classified correctly)")
# A second linear model on the same examples, whose figures are computed here only: reported
# figures must come from computing, not from the published ones.
OTHER_WEIGHT = np.array([[0.3, -0.8], [-0.6, 0.4], [0.9, 0.2]])
OTHER_BIAS = np.array([0.2, -0.1, 0.05])
OTHER_CASE = "another linear model `nn.Linear(2, 3)` on the same 8 examples (2 batches of 4)"


@dataclass
class Layer:
    """One `nn.Linear` or `nn.Conv2d` as the worker reported it; weight and bias float64."""

    kind: str
    path: str
    in_features: int
    out_features: int
    weight: np.ndarray
    bias: np.ndarray | None
    padding: object = None


@dataclass
class Described:
    layers: list
    parameters: int
    training: bool


def describe(tools, model, name: str) -> Described:
    """What the worker says `model`'s layers are (checked for shape, not for truth)."""
    if not tools.is_module(model):
        raise AssertionError(f"`{name}` is a `{remote_type_name(model)}`; expected an `nn.Module`.")
    report = tools.describe(model)
    layers = []
    for entry in report["layers"]:
        weight = float64(entry["weight"])
        bias = None if entry["bias"] is None else float64(entry["bias"])
        layers.append(Layer(str(entry["kind"]), str(entry["path"]), int(entry["in"]),
                            int(entry["out"]), weight, bias, entry.get("padding")))
    return Described(layers, int(report["parameters"]), bool(report["training"]))


def float64(value) -> np.ndarray:
    """A tensor's (or any number array's) values as a plain float64 array."""
    return np.array(value, dtype=np.float64).view(np.ndarray)


def describe_sizes(sizes) -> str:
    """[784, 128, 10] -> "784 → 128 → 10"."""
    return " → ".join(str(size) for size in sizes)


def linear_layers(described: Described) -> list:
    return [layer for layer in described.layers if layer.kind == "Linear"]


def conv_layers(described: Described) -> list:
    return [layer for layer in described.layers if layer.kind == "Conv2d"]


def describe_linear_layers(described: Described) -> str:
    layers = linear_layers(described)
    if not layers:
        return "no `nn.Linear` layers"
    return ", ".join(f"`Linear({layer.in_features}, {layer.out_features})`" for layer in layers)


def linear_chain(described: Described, input_size) -> tuple[list, list]:
    """The model's `nn.Linear` layers in the order data flows through them.

    Starting from `input_size` features, repeatedly takes the first (in registration order)
    unused layer whose `in_features` equals the current width. Returns (chain, unused layers).
    """
    remaining = linear_layers(described)
    chain, width = [], input_size
    while True:
        following = next((layer for layer in remaining if layer.in_features == width), None)
        if following is None:
            return chain, remaining
        chain.append(following)
        remaining.remove(following)
        width = following.out_features


def chain_sizes(chain, input_size) -> list:
    return [input_size] + [layer.out_features for layer in chain]


def dense_parameter_count(sizes) -> int:
    """Weights and biases of fully connected layers sizes[0] -> sizes[1] -> ..."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def layer_arrays(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """(weight (out, in), bias (out,)) of a reported `nn.Linear`."""
    return layer.weight, layer.bias if layer.bias is not None else np.zeros(layer.out_features)


def affine_chain_forward(chain, x, hidden=lambda h: np.maximum(h, 0)) -> np.ndarray:
    """x: (N, D) -> (N, C): affine layers of `chain`, `hidden` applied between them (not after
    the last one)."""
    h = np.asarray(x, dtype=np.float64)
    for position, layer in enumerate(chain):
        weight, bias = layer_arrays(layer)
        h = h @ weight.T + bias
        if position < len(chain) - 1:
            h = hidden(h)
    return h


def softmax(scores) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def output_mistake_hint(got, expected, chain=None, x=None) -> str | None:
    """Recognise a typical mistake in a model's output `got` (N, C) whose correct value is
    `expected` (raw logits). `chain`, `x`: the layers and input, to test for missing ReLUs."""
    candidates = [
        (softmax(expected), "the output is softmax probabilities; return the raw logits "
                            "(`nn.CrossEntropyLoss` applies log-softmax itself)"),
        (np.log(softmax(expected)), "the output is log-softmax; return the raw logits "
                                    "(`nn.CrossEntropyLoss` applies log-softmax itself)"),
        (np.maximum(expected, 0), "a ReLU is applied to the output layer; the last layer "
                                  "returns raw logits, ReLU goes only between layers"),
    ]
    if chain is not None:
        candidates.append((affine_chain_forward(chain, x, hidden=lambda h: h),
                           "the ReLUs between the layers seem to be missing"))
    for candidate, text in candidates:
        if candidate.shape == got.shape and np.allclose(got, candidate, rtol=1e-4, atol=1e-5):
            return f"Hint: {text}."
    return None


def describe_output(value) -> str:
    """"a float32 tensor of shape (5, 10)", or the type name of a non-tensor."""
    if isinstance(value, TensorArray):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return f"a `{remote_type_name(value)}`"


def as_float(value, function: str, name: str) -> float:
    """One number returned by `function` (Python/NumPy number or one-element tensor)."""
    try:
        return float(value.item() if isinstance(value, TensorArray) else value)
    except (TypeError, ValueError, RuntimeError):
        raise AssertionError(
            f"`{function}` returned {name} of type `{remote_type_name(value)}`; expected one number."
        ) from None


def unpack(result, count: int, function: str, names: str):
    """`result` checked to be a tuple of `count` values, e.g. names="`(model, loss, acc)`"."""
    if not isinstance(result, (tuple, list)) or len(result) != count:
        got = (f"a {type(result).__name__} of length {len(result)}"
               if isinstance(result, (tuple, list)) else f"`{remote_type_name(result)}`")
        raise AssertionError(f"`{function}` returned {got}; expected a tuple {names}.")
    return result


def fixed_loss() -> float:
    """Mean cross-entropy of the fixed model on the fixed examples."""
    return cross_entropy(FIXED_X @ FIXED_WEIGHT.T + FIXED_BIAS, FIXED_Y)


def figures(weight, bias, shift=0.0, labels=FIXED_Y) -> tuple[float, float]:
    """(mean cross-entropy, accuracy %) of logits X @ weight.T + bias + shift on the fixed
    examples with `labels` (2 equal batches: the two definitions of an epoch's loss agree)."""
    logits = FIXED_X @ weight.T + bias + shift
    return cross_entropy(logits, labels), 100.0 * float(np.mean(logits.argmax(axis=1) == labels))


def uneven_figures(weight, bias, batch_size: int) -> tuple[float, float, float, float, float]:
    """The fixed examples in batches of `batch_size` (the last one smaller), logits X @ weight.T
    + bias: (mean of the batch losses, loss per example, accuracy % over the examples, mean of
    the batch accuracies %, the accuracy % that `argmax` over each whole batch gives: one index
    into the flattened (B, C) logits, compared with every label, right only at batch size 1)."""
    logits = FIXED_X @ weight.T + bias
    batches = [slice(start, start + batch_size) for start in range(0, len(FIXED_Y), batch_size)]
    batch_losses = [cross_entropy(logits[batch], FIXED_Y[batch]) for batch in batches]
    correct = logits.argmax(axis=1) == FIXED_Y
    flat_argmax_correct = sum(int(np.sum(FIXED_Y[batch] == logits[batch].argmax())) for batch in batches)
    return (float(np.mean(batch_losses)), cross_entropy(logits, FIXED_Y),
            100.0 * float(np.mean(correct)), 100.0 * float(np.mean([np.mean(correct[batch])
                                                                    for batch in batches])),
            100.0 * flat_argmax_correct / len(FIXED_Y))


def separable_problem(n_per_class=8, seed=0):
    """Two well separated Gaussian blobs and a poor starting point for a linear classifier.

    Returns (X (2n, 2), y (2n,), weight (2, 2), bias (2,)); `seed` draws other points.
    """
    rng = np.random.default_rng(seed)
    centres = np.repeat(np.array([[1.5, 1.0], [-1.5, -1.0]]), n_per_class, axis=0)
    X = centres + 0.5 * rng.standard_normal(centres.shape)
    y = np.repeat([0, 1], n_per_class)
    return X, y, np.array([[-0.4, 0.2], [0.3, -0.1]]), np.array([0.1, -0.1])


def cross_entropy_gradient(weight, bias, X, y):
    """Gradient of the mean cross-entropy of logits X @ weight.T + bias: (dweight, dbias)."""
    dscores = softmax(X @ weight.T + bias)
    dscores[np.arange(len(y)), y] -= 1
    dscores /= len(y)
    return dscores.T @ X, dscores.sum(axis=0)


def simulate_sgd(weight, bias, X, y, epochs_order, batch_size, learning_rate, frozen=False,
                 train_bias=True, accumulate=False) -> list:
    """SGD on logits X @ weight.T + bias with the mean cross-entropy of each batch; each epoch
    takes the examples in the order of its list of indices, `batch_size` at a time. Returns
    (weight, bias) after each epoch.
    accumulate: the gradients are never zeroed (each step uses the sum of all so far), as when
    `optimizer.zero_grad()` is missing."""
    weight, bias = np.array(weight, dtype=np.float64), np.array(bias, dtype=np.float64)
    after_epochs = []
    total = (np.zeros_like(weight), np.zeros_like(bias))
    for order in epochs_order:
        for start in range(0, len(order), batch_size):
            batch = np.asarray(order[start:start + batch_size])
            if frozen:
                continue
            dweight, dbias = cross_entropy_gradient(weight, bias, X[batch], y[batch])
            if accumulate:
                total = (total[0] + dweight, total[1] + dbias)
                dweight, dbias = total
            weight = weight - learning_rate * dweight
            if train_bias:
                bias = bias - learning_rate * dbias
        after_epochs.append((weight, bias))
    return after_epochs


def served_epochs(dataset, n: int, function: str) -> list:
    """The indices the worker's `RecordingDataset` served, cut into epochs of `n` (checked to
    be whole epochs, each a permutation of range(n))."""
    served = dataset.served
    if not (isinstance(served, list) and all(type(i) is int for i in served)):
        raise AssertionError(f"`{function}`: the training set's record of served examples is "
                             f"unreadable.")
    epochs = [served[start:start + n] for start in range(0, len(served), n)]
    assert all(sorted(epoch) == list(range(n)) for epoch in epochs), (
        f"`{function}` on {n} training examples: each epoch should train on every example exactly "
        f"once; the examples served were {served}.")
    return epochs
