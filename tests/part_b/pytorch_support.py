"""Helpers for the Part B grading tests.

- Finding a model's layers by behaviour (the order data flows through its `nn.Linear`s), not
  by attribute names, and an independent NumPy forward pass through them.
- Small fixed classification problems with known losses and accuracies.
- `RecordingLinear`, a model that records how it is called (mode, gradient tracking, inputs).
- An independent NumPy gradient of the mean cross-entropy of a linear model, for SGD checks.
"""
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from tests.support.expected import cross_entropy

CPU = torch.device("cpu")

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


def describe_sizes(sizes) -> str:
    """[784, 128, 10] -> "784 → 128 → 10"."""
    return " → ".join(str(size) for size in sizes)


def linear_layers(model) -> list:
    """Every `nn.Linear` of `model`, in registration order."""
    return [module for module in model.modules() if isinstance(module, nn.Linear)]


def describe_linear_layers(model) -> str:
    layers = linear_layers(model)
    if not layers:
        return "no `nn.Linear` layers"
    return ", ".join(f"`Linear({layer.in_features}, {layer.out_features})`" for layer in layers)


def linear_chain(model, input_size) -> tuple[list, list]:
    """The model's `nn.Linear` layers in the order data flows through them.

    Starting from `input_size` features, repeatedly takes the first (in registration order)
    unused layer whose `in_features` equals the current width. Returns (chain, unused layers).
    """
    remaining = linear_layers(model)
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


def parameter_count(model) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def layer_arrays(layer) -> tuple[np.ndarray, np.ndarray]:
    """(weight (out, in), bias (out,)) of an `nn.Linear` as float64 arrays."""
    weight = layer.weight.detach().double().numpy()
    bias = (layer.bias.detach().double().numpy() if layer.bias is not None
            else np.zeros(layer.out_features))
    return weight, bias


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
    if isinstance(value, torch.Tensor):
        return f"a {str(value.dtype).removeprefix('torch.')} tensor of shape {tuple(value.shape)}"
    return f"a `{type(value).__name__}`"


def as_float(value, function: str, name: str) -> float:
    """One number returned by `function` (Python/NumPy number or one-element tensor)."""
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        raise AssertionError(
            f"`{function}` returned {name} of type `{type(value).__name__}`; expected one number."
        ) from None


def unpack(result, count: int, function: str, names: str):
    """`result` checked to be a tuple of `count` values, e.g. names="`(model, loss, acc)`"."""
    if not isinstance(result, (tuple, list)) or len(result) != count:
        got = (f"a {type(result).__name__} of length {len(result)}"
               if isinstance(result, (tuple, list)) else f"`{type(result).__name__}`")
        raise AssertionError(f"`{function}` returned {got}; expected a tuple {names}.")
    return result


def returned_model(value, function: str) -> nn.Module:
    if not isinstance(value, nn.Module):
        raise AssertionError(f"`{function}` returned `{type(value).__name__}` as its model; "
                             f"expected the trained `nn.Module`.")
    return value


def dataset(X, y) -> TensorDataset:
    """Items (float32 features, int64 target), like `data.MyDataset`."""
    return TensorDataset(torch.as_tensor(X, dtype=torch.float32),
                         torch.as_tensor(y, dtype=torch.long))


def loader(X, y, batch_size) -> DataLoader:
    return DataLoader(dataset(X, y), batch_size=batch_size, shuffle=False)


def linear_model(weight, bias) -> nn.Linear:
    """`nn.Linear` holding the given float64 weight (out, in) and bias (out,)."""
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight))
        layer.bias.copy_(torch.as_tensor(bias))
    return layer


def fixed_model() -> nn.Linear:
    return linear_model(FIXED_WEIGHT, FIXED_BIAS)


def fixed_loss() -> float:
    """Mean cross-entropy of the fixed model on the fixed examples."""
    return cross_entropy(FIXED_X @ FIXED_WEIGHT.T + FIXED_BIAS, FIXED_Y)


def separable_problem(n_per_class=8, seed=0):
    """Two well separated Gaussian blobs and a poor starting point for a linear classifier.

    Returns (X (2n, 2), y (2n,), weight (2, 2), bias (2,)); `seed` draws other points.
    """
    rng = np.random.default_rng(seed)
    centres = np.repeat(np.array([[1.5, 1.0], [-1.5, -1.0]]), n_per_class, axis=0)
    X = centres + 0.5 * rng.standard_normal(centres.shape)
    y = np.repeat([0, 1], n_per_class)
    return X, y, np.array([[-0.4, 0.2], [0.3, -0.1]]), np.array([0.1, -0.1])


def indexed_problem(n):
    """n examples whose first feature is the example's index, to recover the order a
    DataLoader served them in. Returns (X (n, 2), y (n,), weight (2, 2), bias (2,))."""
    X = np.stack([np.arange(n), np.ones(n)], axis=1).astype(np.float64)
    return X, np.arange(n) % 2, np.array([[0.01, 0.0], [0.0, 0.01]]), np.zeros(2)


def cross_entropy_gradient(weight, bias, X, y):
    """Gradient of the mean cross-entropy of logits X @ weight.T + bias: (dweight, dbias)."""
    dscores = softmax(X @ weight.T + bias)
    dscores[np.arange(len(y)), y] -= 1
    dscores /= len(y)
    return dscores.T @ X, dscores.sum(axis=0)


@dataclass
class ForwardCall:
    training: bool       # the model's mode during the call
    grad_enabled: bool   # torch.is_grad_enabled() during the call
    inputs: torch.Tensor


class RecordingLinear(nn.Module):
    """A linear model that records every forward call (see `ForwardCall`) in `self.calls`.

    frozen=True: the logits are the same, but their gradient with respect to every parameter
    is exactly 0, so training (any learning rate, batching or number of steps) leaves the
    model, and hence every loss and accuracy, unchanged.
    """

    def __init__(self, weight, bias, frozen=False):
        super().__init__()
        self.linear = linear_model(weight, bias)
        self.frozen = frozen
        self.calls: list[ForwardCall] = []

    def forward(self, inputs):
        self.calls.append(ForwardCall(self.training, torch.is_grad_enabled(),
                                      inputs.detach().cpu().clone()))
        logits = self.linear(inputs)
        return logits.detach() + 0.0 * logits if self.frozen else logits

    def training_calls(self, train_X) -> list[ForwardCall]:
        """The training passes: calls with gradient tracking on whose input rows all come from
        `train_X` (N, D), in call order (the tests validate on other examples)."""
        rows = torch.as_tensor(train_X, dtype=torch.float32)
        return [call for call in self.calls
                if call.grad_enabled and len(call.inputs) and bool(
                    (call.inputs[:, None, :] == rows[None]).all(dim=2).any(dim=1).all())]
