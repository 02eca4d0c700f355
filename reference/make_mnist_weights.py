"""Train the reference `mnist.pt`: a MultiLayerPerceptron on the provided MNIST training split.

Run from anywhere: `python make_mnist_weights.py`. Deterministic (fixed seeds, one thread);
writes `mnist.pt` (the model's state_dict) next to this file and prints its accuracy on the
held-out test split, measured on the file reloaded with `models.load_classifier`.
"""
from pathlib import Path

import numpy as np
import torch

import data
import models
import run_model

HIDDEN_SIZES = [256, 128]
N_VALID = 250  # examples carved out of the 2,500 training images for early stopping
BATCH_SIZE = 16
LEARNING_RATE = 0.1
N_EPOCHS = 60
STOP_THR = 1e-3
WEIGHTS_PATH = Path(__file__).resolve().parent / "mnist.pt"


def main():
    """Train, save and report (see the module docstring)."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    X, y = data.load_mnist("train")
    order = np.random.default_rng(0).permutation(len(y))
    valid_rows, train_rows = order[:N_VALID], order[N_VALID:]
    model = models.MultiLayerPerceptron(X.shape[1], HIDDEN_SIZES, 10)
    model, loss, acc = run_model.run_model(
        model, "train",
        train_set=data.MyDataset(X[train_rows], y[train_rows]),
        valid_set=data.MyDataset(X[valid_rows], y[valid_rows]),
        batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE, n_epochs=N_EPOCHS,
        stop_thr=STOP_THR, device=torch.device("cpu"),
    )
    print(f"{len(loss['train'])} epochs: train accuracy {acc['train'][-1]:.2f}%, "
          f"validation accuracy {acc['valid'][-1]:.2f}%, validation loss {loss['valid'][-1]:.4f}")
    torch.save(model.state_dict(), WEIGHTS_PATH)

    X_test, y_test = data.load_mnist("test")
    reloaded = models.load_classifier(WEIGHTS_PATH)
    test_loss, test_accuracy = run_model.run_model(
        reloaded, "test", test_set=data.MyDataset(X_test, y_test), batch_size=500,
        device=torch.device("cpu"),
    )
    print(f"saved {WEIGHTS_PATH.name}: test accuracy {test_accuracy:.2f}% "
          f"({len(y_test)} held-out images), test loss {test_loss:.4f}")


if __name__ == "__main__":
    main()
