"""Independent NumPy computations for grading `deep_net.py`: a fully connected network whose
hidden layers apply one activation and whose output is a softmax, with the loss
(sum of cross-entropy + reg_lambda / 2 * sum over layers of sum(W**2)) / N.
"""
import numpy as np

ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
    "relu": lambda z: np.where(z > 0, z, 0.0),
    None: lambda z: z,
}


def layer_output(X, W, b, activation):
    """act(X @ W + b). X: (N, D), W: (D, M), b: M entries -> (N, M)."""
    return ACTIVATIONS[activation](X @ W + np.reshape(b, -1))


def network_pre_activations(weights, X, activation):
    """Inputs of every hidden activation. weights: list of (W, b) -> list of (N, H_l) arrays."""
    pre_activations, A = [], X
    for W, b in weights[:-1]:
        pre_activations.append(A @ W + np.reshape(b, -1))
        A = ACTIVATIONS[activation](pre_activations[-1])
    return pre_activations


def network_probs(weights, X, activation):
    """Softmax of the last layer's raw scores; hidden layers use `activation`. -> (N, C)."""
    A = X
    for W, b in weights[:-1]:
        A = layer_output(A, W, b, activation)
    scores = layer_output(A, *weights[-1], None)
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def summed_cross_entropy(probs, y):
    """probs: (N, C), y: (N,) ints -> sum over examples of -log(probs[n, y[n]])."""
    return float(-np.sum(np.log(probs[np.arange(len(y)), y])))


def network_penalty(weights):
    """sum over layers of sum(W**2)."""
    return float(sum(np.sum(W ** 2) for W, _ in weights))


def network_loss(weights, X, y, activation, reg_lambda):
    """(sum of cross-entropy + reg_lambda / 2 * sum over layers of sum(W**2)) / N."""
    data_loss = summed_cross_entropy(network_probs(weights, X, activation), y)
    return (data_loss + reg_lambda / 2 * network_penalty(weights)) / len(y)
