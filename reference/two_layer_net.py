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
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        num_train = X.shape[0]

        hidden_in = X @ W1 + b1  # (N, H)
        hidden = np.maximum(0, hidden_in)
        scores = hidden @ W2 + b2  # (N, C)
        if y is None:
            return scores

        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(num_train)
        loss = -log_probs[rows, y].mean() + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        dscores = np.exp(log_probs)
        dscores[rows, y] -= 1
        dscores /= num_train
        dhidden = (dscores @ W2.T) * (hidden_in > 0)
        grads = {
            "W1": X.T @ dhidden + 2 * reg * W1,
            "b1": dhidden.sum(axis=0),
            "W2": hidden.T @ dscores + 2 * reg * W2,
            "b2": dscores.sum(axis=0),
        }
        return float(loss), grads

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
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)
        loss_history, train_acc_history, val_acc_history = [], [], []

        for it in range(num_iters):
            batch = np.random.choice(num_train, batch_size, replace=True)
            X_batch, y_batch = X[batch], y[batch]
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)
            for name, grad in grads.items():
                self.params[name] -= learning_rate * grad

            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")
            if it % iterations_per_epoch == 0:
                train_acc_history.append(float((self.predict(X_batch) == y_batch).mean()))
                val_acc_history.append(float((self.predict(X_val) == y_val).mean()))
                learning_rate *= learning_rate_decay

        return {
            "loss_history": loss_history,
            "train_acc_history": train_acc_history,
            "val_acc_history": val_acc_history,
        }

    def predict(self, X):
        """Predicted labels: X: (N, D) -> (N,) ints, the index of the highest score."""
        return np.argmax(self.loss(X), axis=1)
