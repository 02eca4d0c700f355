"""A one-hidden-layer network of sigmoid units trained by backpropagation: XOR, then digits.

With N patterns of n_inputs values and n_outputs targets in [0, 1].
"""
import pickle

import numpy as np

from activations import sigmoid

# An output at or above THRESHOLD counts as "yes" (for the 2-not-2 digits net: "it is a 2").
THRESHOLD = 0.5


class Backprop:
    """n_inputs -> n_hidden sigmoid units -> n_outputs sigmoid units, every unit with a bias.

    W1: (n_inputs, n_hidden), b1: (n_hidden,), W2: (n_hidden, n_outputs), b2: (n_outputs,).
    """

    # provided
    def __init__(self, n_inputs, n_hidden, n_outputs=1):
        """Weights uniform in [-1, 1] / sqrt(fan-in), drawn from NumPy's global RNG (W1 first,
        then W2); biases zero.
        """
        self.n_inputs, self.n_hidden, self.n_outputs = n_inputs, n_hidden, n_outputs
        self.W1 = np.random.uniform(-1, 1, (n_inputs, n_hidden)) / np.sqrt(n_inputs)
        self.b1 = np.zeros(n_hidden)
        self.W2 = np.random.uniform(-1, 1, (n_hidden, n_outputs)) / np.sqrt(n_hidden)
        self.b2 = np.zeros(n_outputs)

    def _forward(self, X):
        """X: (N, n_inputs) -> (hidden: (N, n_hidden), outputs: (N, n_outputs)) activations."""
        raise NotImplementedError

    def train(self, X, T, iterations=10000, eta=0.5):
        """Full-batch gradient descent, vectorised over the patterns.

        X: (N, n_inputs) patterns; T: (N, n_outputs) targets in [0, 1].
        Each of the `iterations` steps moves every weight and bias by -eta times the gradient
        of the cross-entropy summed over all N patterns and outputs,
        E = -sum(T * log(Y) + (1 - T) * log(1 - Y)), whose output deltas are simply Y - T.
        (Summing, not averaging, makes one step on N patterns as large as N per-pattern steps;
        train on minibatches by calling train(X_batch, T_batch, iterations=1, eta).)
        Returns self.
        """
        raise NotImplementedError

    def test(self, X):
        """Network outputs for X: (N, n_inputs) -> (N, n_outputs), each in (0, 1)."""
        raise NotImplementedError

    def save(self, path):
        """Write the sizes and the weights to `path` (a pickled dict)."""
        raise NotImplementedError

    def load(self, path):
        """Replace sizes and weights by those saved at `path` by `save`; returns self."""
        raise NotImplementedError
