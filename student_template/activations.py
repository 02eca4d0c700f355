"""Elementwise activation functions and their derivatives.

Every function takes an array `z` of any shape and returns an array of the same shape.
"""
import numpy as np


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)).

    z: array of any shape. Returns an array of the same shape with values in [0, 1].
    Never overflows: exp is only ever taken of -|z| <= 0.
    """
    raise NotImplementedError


def sigmoid_grad(z):
    """Derivative of `sigmoid` at `z`: sigmoid(z) * (1 - sigmoid(z)). Same shape as `z`."""
    raise NotImplementedError


def tanh(z):
    """Hyperbolic tangent. z: array of any shape; returns the same shape, values in [-1, 1]."""
    raise NotImplementedError


def tanh_grad(z):
    """Derivative of `tanh` at `z`: 1 - tanh(z)**2. Same shape as `z`."""
    raise NotImplementedError


def relu(z):
    """Rectified linear unit max(0, z). Same shape as `z`."""
    raise NotImplementedError


def relu_grad(z):
    """Derivative of `relu` at `z`: 1 where z > 0, else 0 (so relu_grad(0) == 0). Same shape."""
    raise NotImplementedError


_ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}


def _lookup(kind):
    """(function, derivative) for `kind` ("tanh", "sigmoid" or "relu", any case).

    Raises ValueError for any other kind.
    """
    raise NotImplementedError


def act_fun(z, kind):
    """Activation `kind` ("tanh", "sigmoid" or "relu", case-insensitive) applied to `z`.

    z: array of any shape; returns the same shape. Raises ValueError for an unknown kind.
    """
    raise NotImplementedError


def diff_act_fun(z, kind):
    """Derivative of activation `kind` (as in `act_fun`) evaluated at `z`. Same shape as `z`.

    Raises ValueError for an unknown kind.
    """
    raise NotImplementedError
