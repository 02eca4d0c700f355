"""Linear softmax classifier: loss and gradient, naive and vectorised.

Both functions compute loss = mean cross-entropy of softmax(X @ W) + reg * sum(W**2).
"""
import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient with explicit loops over examples and classes.

    W: (D, C) weights; X: (N, D) examples; y: (N,) int labels in [0, C); reg: L2 strength.
    Returns loss (float) and dW: (D, C).
    """
    raise NotImplementedError


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient without loops; same inputs and outputs as `softmax_loss_naive`.

    W: (D, C); X: (N, D); y: (N,); reg: float. Returns loss (float) and dW: (D, C).
    """
    raise NotImplementedError
