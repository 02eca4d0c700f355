"""Elementwise activation functions and their derivatives.

Every function takes an array `z` of any shape and returns an array of the same shape.
"""
import numpy as np


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)).

    z: array of any shape. Returns an array of the same shape with values in [0, 1].
    Never overflows: exp is only ever taken of -|z| <= 0.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    """Derivative of `sigmoid` at `z`: sigmoid(z) * (1 - sigmoid(z)). Same shape as `z`."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent. z: array of any shape; returns the same shape, values in [-1, 1]."""
    return np.tanh(np.asarray(z, dtype=float))


def tanh_grad(z):
    """Derivative of `tanh` at `z`: 1 - tanh(z)**2. Same shape as `z`."""
    return 1.0 - tanh(z) ** 2


def relu(z):
    """Rectified linear unit max(0, z). Same shape as `z`."""
    return np.maximum(0.0, np.asarray(z, dtype=float))


def relu_grad(z):
    """Derivative of `relu` at `z`: 1 where z > 0, else 0 (so relu_grad(0) == 0). Same shape."""
    return (np.asarray(z) > 0).astype(float)


_ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}


def _lookup(kind):
    """(function, derivative) for `kind` ("tanh", "sigmoid" or "relu", any case).

    Raises ValueError for any other kind.
    """
    key = kind.lower() if isinstance(kind, str) else None
    if key not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {kind!r}; expected one of {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[key]


def act_fun(z, kind):
    """Activation `kind` ("tanh", "sigmoid" or "relu", case-insensitive) applied to `z`.

    z: array of any shape; returns the same shape. Raises ValueError for an unknown kind.
    """
    function, _ = _lookup(kind)
    return function(z)


def diff_act_fun(z, kind):
    """Derivative of activation `kind` (as in `act_fun`) evaluated at `z`. Same shape as `z`.

    Raises ValueError for an unknown kind.
    """
    _, derivative = _lookup(kind)
    return derivative(z)
