"""Independent NumPy computations for grading `two_layer_net.py` (affine - ReLU - affine -
softmax, loss = mean cross-entropy + reg * (sum(W1**2) + sum(W2**2)), no factor 1/2).
"""
import numpy as np


def two_layer_scores(params, X):
    """params: {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}; X: (N, D) -> (N, C)."""
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def hidden_pre_activations(params, X):
    """X: (N, D) -> the ReLU's inputs (N, H)."""
    return X @ params["W1"] + params["b1"]


def mean_cross_entropy(scores, y):
    """scores: (N, C), y: (N,) ints -> mean softmax cross-entropy (a float)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def weight_penalty(params):
    """sum(W1**2) + sum(W2**2)."""
    return float(np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))


def two_layer_loss(params, X, y, reg):
    """The contract's loss: mean cross-entropy + reg * (sum(W1**2) + sum(W2**2))."""
    return mean_cross_entropy(two_layer_scores(params, X), y) + reg * weight_penalty(params)


def sgd_steps(params, gradients_at, learning_rate, steps, momentum=0.0):
    """`steps` gradient steps from `params` (not changed), `gradients_at(params)` giving each
    step's gradients: plain SGD `p -= learning_rate * grad`, or with `momentum` the classic
    `v = momentum * v - learning_rate * grad; p += v`. Returns the new parameters."""
    params = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    velocity = {name: np.zeros_like(value) for name, value in params.items()}
    for _ in range(steps):
        for name, grad in gradients_at(params).items():
            velocity[name] = momentum * velocity[name] - learning_rate * grad
            params[name] = params[name] + velocity[name]
    return params
