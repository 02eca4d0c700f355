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
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    """Backward pass of `affine_forward`.

    dout: (N, M); cache: (x, w, b) from `affine_forward`.
    Returns dx: (N, d1, ..., dk) (x's shape), dw: (D, M), db: (M,).
    """
    x, w, _ = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """Elementwise max(0, x). x: any shape. Returns out (x's shape) and cache = x."""
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    """Backward pass of `relu_forward`. dout: x's shape; returns dx: x's shape (0 where x <= 0)."""
    x = cache
    return dout * (x > 0)


def softmax_loss(scores, y):
    """Mean softmax cross-entropy loss and its gradient.

    scores: (N, C) raw class scores; y: (N,) int labels in [0, C).
    Returns loss (float) and dscores: (N, C). Stays finite for scores of any magnitude
    (the row maximum is subtracted before exponentiating).
    """
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    return float(loss), dscores / n


def conv_forward_naive(x, w, b, conv_param):
    """Convolution (cross-correlation) with zero padding, written with loops.

    x: (N, C, H, W); w: (F, C, HH, WW); b: (F,)
    conv_param: {"stride": s, "pad": p}
    Returns out: (N, F, H_out, W_out) with H_out = 1 + (H + 2p - HH) // s and
    W_out = 1 + (W + 2p - WW) // s, and cache = (x, w, b, conv_param).
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    n, _, height, width = x.shape
    f, _, hh, ww = w.shape
    h_out = 1 + (height + 2 * pad - hh) // stride
    w_out = 1 + (width + 2 * pad - ww) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((n, f, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride, j * stride
            window = x_pad[:, :, top:top + hh, left:left + ww]  # (N, C, HH, WW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    """Backward pass of `conv_forward_naive`.

    dout: (N, F, H_out, W_out); cache: (x, w, b, conv_param).
    Returns dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,).
    """
    x, w, _, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, hh, ww = w.shape
    _, _, h_out, w_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride, j * stride
            window = x_pad[:, :, top:top + hh, left:left + ww]  # (N, C, HH, WW)
            d = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(d, window, axes=([0], [0]))
            dx_pad[:, :, top:top + hh, left:left + ww] += np.tensordot(d, w, axes=([1], [0]))
    dx = dx_pad[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Max pooling, written with loops.

    x: (N, C, H, W); pool_param: {"pool_height": ph, "pool_width": pw, "stride": s}.
    Returns out: (N, C, 1 + (H - ph) // s, 1 + (W - pw) // s) and cache = (x, pool_param).
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    n, c, height, width = x.shape
    h_out = 1 + (height - ph) // stride
    w_out = 1 + (width - pw) // stride
    out = np.zeros((n, c, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride, j * stride
            out[:, :, i, j] = x[:, :, top:top + ph, left:left + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """Backward pass of `max_pool_forward_naive`.

    dout: (N, C, H_out, W_out); cache: (x, pool_param).
    Returns dx: (N, C, H, W); each window's gradient goes to its (first) maximum.
    """
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    n, c, h_out, w_out = dout.shape
    dx = np.zeros_like(x, dtype=float)
    rows, channels = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride, j * stride
            window = x[:, :, top:top + ph, left:left + pw].reshape(n, c, -1)
            di, dj = np.unravel_index(window.argmax(axis=2), (ph, pw))
            dx[rows, channels, top + di, left + dj] += dout[:, :, i, j]
    return dx
