"""Train the reference digit networks and write their weights next to this file.

Run from the repository root:

    python reference/make_weights.py

It writes `reference/digits_2not2.pkl` (196 inputs, 1 output: "is it a 2?") and
`reference/digits_10.pkl` (196 inputs, 10 one-hot outputs), both made with `xor_net.Backprop`
and its `save`. Training uses only `data.load_digits196("train")`, enlarged with copies shifted
by one pixel up, down, left and right; minibatch gradient descent calls `Backprop.train` on one
minibatch at a time. Every random draw is seeded, so a rerun writes the same weights; it takes
well under a minute. Finally it prints how the saved networks do on the held-out "test" split,
the figures the grader measures (the test split is never used for training).
"""
from pathlib import Path

import numpy as np

import data
from confusion import confusion_matrix
from xor_net import THRESHOLD, Backprop

HERE = Path(__file__).resolve().parent
SEED = 0
N_HIDDEN = 100
EPOCHS = 30
BATCH_SIZE = 10
ETA = 0.1


def with_shifted_copies(X, y):
    """X: (N, 196) 14x14 images, y: (N,) -> (5N, 196), (5N,): the images plus copies shifted
    by one pixel in each of the four directions (the vacated row or column is zero)."""
    padded = np.pad(X.reshape(-1, 14, 14), ((0, 0), (1, 1), (1, 1)))
    shifts = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]
    images = [padded[:, 1 + dy:15 + dy, 1 + dx:15 + dx].reshape(-1, 196) for dy, dx in shifts]
    return np.concatenate(images), np.tile(y, len(shifts))


def train_minibatches(net, X, T, rng):
    """Train `net` on X: (N, 196), T: (N, n_outputs) for EPOCHS epochs of shuffled minibatches."""
    for _ in range(EPOCHS):
        order = rng.permutation(len(X))
        for start in range(0, len(X), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            net.train(X[batch], T[batch], iterations=1, eta=ETA)
    return net


def train_net(X, T):
    """A seeded Backprop(196, N_HIDDEN, T.shape[1]) trained on X: (N, 196), T: (N, n_outputs)."""
    np.random.seed(SEED)
    net = Backprop(X.shape[1], N_HIDDEN, T.shape[1])
    return train_minibatches(net, X, T, np.random.default_rng(SEED))


def report(net_2not2, net_10):
    """Print the saved networks' results on the held-out test split."""
    X_test, y_test = data.load_digits196("test")
    said_two = net_2not2.test(X_test)[:, 0] >= THRESHOLD
    is_two = y_test == 2
    print(f"2-not-2: accuracy {np.mean(said_two == is_two):.4f}, "
          f"misses {np.sum(is_two & ~said_two)} of {np.sum(is_two)}, "
          f"false positives {np.sum(said_two & ~is_two)} of {np.sum(~is_two)}")
    predicted = net_10.test(X_test).argmax(axis=1)
    print(f"10 digits: accuracy {np.mean(predicted == y_test):.4f}")
    print(confusion_matrix(y_test, predicted, 10))


def main():
    X, y = with_shifted_copies(*data.load_digits196("train"))
    net_2not2 = train_net(X, (y == 2).astype(float)[:, None])
    net_2not2.save(HERE / "digits_2not2.pkl")
    net_10 = train_net(X, np.eye(10)[y])
    net_10.save(HERE / "digits_10.pkl")
    report(Backprop(196, 1, 1).load(HERE / "digits_2not2.pkl"),
           Backprop(196, 1, 10).load(HERE / "digits_10.pkl"))


if __name__ == "__main__":
    main()
