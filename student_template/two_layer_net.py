"""A two-layer fully connected network: affine - ReLU - affine - softmax (CS231n).

With N examples of dimension D, hidden size H and C classes.
"""
import numpy as np


class TwoLayerNet:
    """Two-layer classifier whose parameters live in `self.params`:

    W1: (D, H), b1: (H,), W2: (H, C), b2: (C,).
    """

    # provided
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        """Small random weights from NumPy's global RNG (W1 first, then W2), zero biases.

        input_size: D; hidden_size: H; output_size: C; std: scale of the initial weights.
        """
        self.params = {
            "W1": std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def loss(self, X, y=None, reg=0.0):
        """Scores, or loss and gradients, for a batch (vectorised: no loop over examples).

        X: (N, D); y: (N,) int labels in [0, C), or None; reg: L2 strength.
        With y None returns scores: (N, C) (before softmax). Otherwise returns
        (loss, grads): loss = mean cross-entropy + reg * (sum(W1**2) + sum(W2**2)) (a float),
        grads: dict with the keys and shapes of `self.params`.
        """
        raise NotImplementedError

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100, batch_size=200, verbose=False):
        """Minibatch stochastic gradient descent.

        X: (N, D), y: (N,) training data; X_val: (N_val, D), y_val: (N_val,) validation data.
        Each iteration samples `batch_size` examples with replacement and steps against the
        gradient of `loss`. Once per epoch (max(N // batch_size, 1) iterations, counted from
        the first iteration) the train and validation accuracies of the current minibatch and
        of X_val are recorded and the learning rate is multiplied by `learning_rate_decay`.
        Returns {"loss_history": list of num_iters floats, "train_acc_history": list,
        "val_acc_history": list} (one accuracy entry per epoch).
        """
        raise NotImplementedError

    def predict(self, X):
        """Predicted labels: X: (N, D) -> (N,) ints, the index of the highest score."""
        raise NotImplementedError
