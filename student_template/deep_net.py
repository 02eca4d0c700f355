"""A fully connected network of any depth with a softmax output, trained by full-batch
gradient descent (after the course's "neural network from scratch" starter code).

With N examples, layer sizes [D, H1, ..., C].
"""
import numpy as np

from activations import act_fun, diff_act_fun


def softmax(scores):
    """Row-wise softmax. scores: (N, C) -> probabilities (N, C), each row summing to 1."""
    raise NotImplementedError


class Layer:
    """One fully connected layer A = act(X @ W + b), with W: (input_dim, output_dim) and
    b: (output_dim,). `activation` is a kind accepted by `act_fun`, or None for raw scores.
    """

    # provided
    def __init__(self, input_dim, output_dim, activation, rng=None):
        """W drawn from `rng` (a np.random.Generator; default_rng(0) when None), scaled by
        1 / sqrt(input_dim); b zero.
        """
        rng = np.random.default_rng(0) if rng is None else rng
        self.activation = activation
        self.W = rng.standard_normal((input_dim, output_dim)) / np.sqrt(input_dim)
        self.b = np.zeros(output_dim)

    def feedforward(self, X):
        """X: (N, input_dim) -> A: (N, output_dim). Remembers X and the pre-activation Z
        for `backprop`.
        """
        raise NotImplementedError

    def backprop(self, dA):
        """Backward pass of the last `feedforward`.

        dA: (N, output_dim), gradient of some scalar with respect to this layer's output.
        Stores self.dW: (input_dim, output_dim) and self.db: (output_dim,), the gradients of
        that scalar with respect to W and b, and returns dX: (N, input_dim).
        """
        raise NotImplementedError


class DeepNeuralNetwork:
    """Hidden layers with activation `activation`, then a linear layer and softmax."""

    # provided
    def __init__(self, layer_sizes, activation="tanh", reg_lambda=0.01, seed=0):
        """layer_sizes: [D, H1, ..., C]; every layer's weights come from
        np.random.default_rng(seed), drawn in layer order.
        """
        rng = np.random.default_rng(seed)
        self.reg_lambda = reg_lambda
        last = len(layer_sizes) - 2
        self.layers = [
            Layer(n_in, n_out, None if index == last else activation, rng)
            for index, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]))
        ]

    def feedforward(self, X):
        """X: (N, D) -> class probabilities (N, C)."""
        raise NotImplementedError

    def calculate_loss(self, X, y):
        """(sum of cross-entropy + reg_lambda / 2 * sum over layers of sum(W**2)) / N.

        X: (N, D); y: (N,) int labels. Returns a float.
        """
        raise NotImplementedError

    def backprop(self, X, y):
        """Exact gradient of `calculate_loss(X, y)`.

        X: (N, D); y: (N,) int labels. Returns a list with one (dW, db) per layer, in layer
        order, shaped like that layer's (W, b).
        """
        raise NotImplementedError

    def fit_model(self, X, y, epsilon=0.01, num_passes=20000, print_loss=False):
        """Full-batch gradient descent on X: (N, D), y: (N,).

        Each pass steps every W and b by -epsilon times the gradient of the summed loss
        N * calculate_loss(X, y). With print_loss, prints the loss every 1000 passes.
        Returns self.
        """
        raise NotImplementedError

    def predict(self, X):
        """X: (N, D) -> (N,) int labels, the most probable class."""
        raise NotImplementedError
