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
        hidden = sigmoid(X @ self.W1 + self.b1)
        return hidden, sigmoid(hidden @ self.W2 + self.b2)

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
        X = np.asarray(X, dtype=float)
        T = np.asarray(T, dtype=float).reshape(len(X), self.n_outputs)
        for _ in range(iterations):
            hidden, outputs = self._forward(X)
            delta_out = outputs - T  # (N, n_outputs)
            delta_hidden = (delta_out @ self.W2.T) * hidden * (1 - hidden)  # (N, n_hidden)
            self.W2 -= eta * hidden.T @ delta_out
            self.b2 -= eta * delta_out.sum(axis=0)
            self.W1 -= eta * X.T @ delta_hidden
            self.b1 -= eta * delta_hidden.sum(axis=0)
        return self

    def test(self, X):
        """Network outputs for X: (N, n_inputs) -> (N, n_outputs), each in (0, 1)."""
        return self._forward(np.asarray(X, dtype=float))[1]

    def save(self, path):
        """Write the sizes and the weights to `path` (a pickled dict)."""
        state = {name: getattr(self, name) for name in
                 ("n_inputs", "n_hidden", "n_outputs", "W1", "b1", "W2", "b2")}
        with open(path, "wb") as file:
            pickle.dump(state, file)

    def load(self, path):
        """Replace sizes and weights by those saved at `path` by `save`; returns self."""
        with open(path, "rb") as file:
            state = pickle.load(file)
        for name, value in state.items():
            setattr(self, name, value)
        return self
