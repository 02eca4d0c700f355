"""A fully connected network of any depth with a softmax output, trained by full-batch
gradient descent (after the course's "neural network from scratch" starter code).

With N examples, layer sizes [D, H1, ..., C].
"""
import numpy as np

from activations import act_fun, diff_act_fun


def softmax(scores):
    """Row-wise softmax. scores: (N, C) -> probabilities (N, C), each row summing to 1."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


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
        self.X = X
        self.Z = X @ self.W + self.b
        return self.Z if self.activation is None else act_fun(self.Z, self.activation)

    def backprop(self, dA):
        """Backward pass of the last `feedforward`.

        dA: (N, output_dim), gradient of some scalar with respect to this layer's output.
        Stores self.dW: (input_dim, output_dim) and self.db: (output_dim,), the gradients of
        that scalar with respect to W and b, and returns dX: (N, input_dim).
        """
        dZ = dA if self.activation is None else dA * diff_act_fun(self.Z, self.activation)
        self.dW = self.X.T @ dZ
        self.db = dZ.sum(axis=0)
        return dZ @ self.W.T


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
        A = X
        for layer in self.layers:
            A = layer.feedforward(A)
        return softmax(A)

    def calculate_loss(self, X, y):
        """(sum of cross-entropy + reg_lambda / 2 * sum over layers of sum(W**2)) / N.

        X: (N, D); y: (N,) int labels. Returns a float.
        """
        num_examples = X.shape[0]
        probs = self.feedforward(X)
        data_loss = -np.sum(np.log(probs[np.arange(num_examples), y]))
        reg_loss = self.reg_lambda / 2 * sum(np.sum(layer.W ** 2) for layer in self.layers)
        return float((data_loss + reg_loss) / num_examples)

    def backprop(self, X, y):
        """Exact gradient of `calculate_loss(X, y)`.

        X: (N, D); y: (N,) int labels. Returns a list with one (dW, db) per layer, in layer
        order, shaped like that layer's (W, b).
        """
        num_examples = X.shape[0]
        delta = self.feedforward(X)
        delta[np.arange(num_examples), y] -= 1
        delta /= num_examples
        for layer in reversed(self.layers):
            delta = layer.backprop(delta)
        return [(layer.dW + self.reg_lambda / num_examples * layer.W, layer.db)
                for layer in self.layers]

    def fit_model(self, X, y, epsilon=0.01, num_passes=20000, print_loss=False):
        """Full-batch gradient descent on X: (N, D), y: (N,).

        Each pass steps every W and b by -epsilon times the gradient of the summed loss
        N * calculate_loss(X, y). With print_loss, prints the loss every 1000 passes.
        Returns self.
        """
        num_examples = X.shape[0]
        for i in range(num_passes):
            for layer, (dW, db) in zip(self.layers, self.backprop(X, y)):
                layer.W -= epsilon * num_examples * dW
                layer.b -= epsilon * num_examples * db
            if print_loss and i % 1000 == 0:
                print(f"Loss after iteration {i}: {self.calculate_loss(X, y):f}")
        return self

    def predict(self, X):
        """X: (N, D) -> (N,) int labels, the most probable class."""
        return np.argmax(self.feedforward(X), axis=1)
