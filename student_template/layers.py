"""Neural-network layers, CS231n conventions.

Each `*_forward` returns `(out, cache)`; the matching `*_backward(dout, cache)` returns the
gradients of the upstream scalar with respect to the forward inputs, `dout` having `out`'s shape.
"""
import numpy as np


def affine_forward(x, w, b):
    """Fully connected layer out = x_flat @ w + b.

    x: (N, d1, ..., dk), flattened to (N, D) with D = d1 * ... * dk
    w: (D, M)
    b: (M,)
    Returns out: (N, M) and cache = (x, w, b).
    """
    raise NotImplementedError


def affine_backward(dout, cache):
    """Backward pass of `affine_forward`.

    dout: (N, M); cache: (x, w, b) from `affine_forward`.
    Returns dx: (N, d1, ..., dk) (x's shape), dw: (D, M), db: (M,).
    """
    raise NotImplementedError


def relu_forward(x):
    """Elementwise max(0, x). x: any shape. Returns out (x's shape) and cache = x."""
    raise NotImplementedError


def relu_backward(dout, cache):
    """Backward pass of `relu_forward`. dout: x's shape; returns dx: x's shape (0 where x <= 0)."""
    raise NotImplementedError


def softmax_loss(scores, y):
    """Mean softmax cross-entropy loss and its gradient.

    scores: (N, C) raw class scores; y: (N,) int labels in [0, C).
    Returns loss (float) and dscores: (N, C). Stays finite for scores of any magnitude
    (the row maximum is subtracted before exponentiating).
    """
    raise NotImplementedError


def conv_forward_naive(x, w, b, conv_param):
    """Convolution (cross-correlation) with zero padding, written with loops.

    x: (N, C, H, W); w: (F, C, HH, WW); b: (F,)
    conv_param: {"stride": s, "pad": p}
    Returns out: (N, F, H_out, W_out) with H_out = 1 + (H + 2p - HH) // s and
    W_out = 1 + (W + 2p - WW) // s, and cache = (x, w, b, conv_param).
    """
    raise NotImplementedError


def conv_backward_naive(dout, cache):
    """Backward pass of `conv_forward_naive`.

    dout: (N, F, H_out, W_out); cache: (x, w, b, conv_param).
    Returns dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,).
    """
    raise NotImplementedError


def max_pool_forward_naive(x, pool_param):
    """Max pooling, written with loops.

    x: (N, C, H, W); pool_param: {"pool_height": ph, "pool_width": pw, "stride": s}.
    Returns out: (N, C, 1 + (H - ph) // s, 1 + (W - pw) // s) and cache = (x, pool_param).
    """
    raise NotImplementedError


def max_pool_backward_naive(dout, cache):
    """Backward pass of `max_pool_forward_naive`.

    dout: (N, C, H_out, W_out); cache: (x, pool_param).
    Returns dx: (N, C, H, W); each window's gradient goes to its (first) maximum.
    """
    raise NotImplementedError
