"""Linear softmax classifier: loss and gradient, naive and vectorised.

Both functions compute loss = mean cross-entropy of softmax(X @ W) + reg * sum(W**2).
"""
import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient with explicit loops over examples and classes.

    W: (D, C) weights; X: (N, D) examples; y: (N,) int labels in [0, C); reg: L2 strength.
    Returns loss (float) and dW: (D, C).
    """
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        scores = X[i] @ W
        scores = scores - scores.max()
        total = 0.0
        for c in range(num_classes):
            total += np.exp(scores[c])
        loss += np.log(total) - scores[y[i]]
        for c in range(num_classes):
            prob = np.exp(scores[c]) / total
            dW[:, c] += (prob - (c == y[i])) * X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient without loops; same inputs and outputs as `softmax_loss_naive`.

    W: (D, C); X: (N, D); y: (N,); reg: float. Returns loss (float) and dW: (D, C).
    """
    num_train = X.shape[0]
    scores = X @ W
    scores -= scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(num_train), y].mean() + reg * np.sum(W * W)
    dscores = np.exp(log_probs)
    dscores[np.arange(num_train), y] -= 1
    dW = X.T @ dscores / num_train + 2 * reg * W
    return float(loss), dW
