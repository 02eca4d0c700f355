"""Training and evaluation loops for Part B.

Conventions (as in the course handout):
- the loss is `nn.CrossEntropyLoss()` on the model's raw logits;
- an epoch's loss is the mean of its per-batch losses;
- accuracies are percentages, from 0 to 100.
A data set is anything a `torch.utils.data.DataLoader` accepts, e.g. `data.MyDataset(X, y)`,
whose items are (features float32 tensor, target long tensor).
"""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader


def _train(model, data_loader, optimizer, device=torch.device("cpu")):
    """One epoch of training: one optimizer step per batch of `data_loader`.

    Puts the model in training mode, and for each batch (features, targets): moves both to
    `device`, computes the logits and `nn.CrossEntropyLoss()`, backpropagates, and steps.

    Inputs:
    - model: an `nn.Module` already on `device`.
    - data_loader: yields (features (B, ...), targets (B,)) batches.
    - optimizer: e.g. `torch.optim.SGD(model.parameters(), lr=...)`.
    - device: where to compute.

    Returns a tuple of:
    - model: the trained model (the same object).
    - train_loss: float, mean of the batch losses.
    - train_accuracy: float, percentage (0-100) of the epoch's examples whose logits' argmax
      was the target (computed from the logits before each step).
    """
    raise NotImplementedError


def _test(model, data_loader, device=torch.device("cpu")):
    """Evaluate the model on every batch of `data_loader`, without changing it.

    Runs under `torch.no_grad()` with the model in eval mode (so dropout is off), then puts
    the model back in the mode it was in. Parameters are not modified.

    Inputs:
    - model: an `nn.Module` already on `device`.
    - data_loader: yields (features (B, ...), targets (B,)) batches.
    - device: where to compute.

    Returns a tuple of:
    - test_loss: float, mean over the batches of `nn.CrossEntropyLoss()`.
    - test_accuracy: float, percentage (0-100) of examples classified correctly.
    """
    raise NotImplementedError


def run_model(model, running_mode="train", train_set=None, valid_set=None, test_set=None,
              batch_size=1, learning_rate=0.01, n_epochs=1, stop_thr=1e-4, shuffle=True,
              device=None):
    """Train a model with SGD, or evaluate it.

    Inputs:
    - model: an `nn.Module`; it is moved to `device`.
    - running_mode: "train" or "test".
    - train_set, valid_set, test_set: data sets (e.g. `MyDataset`); "train" needs
      `train_set` (`valid_set` is optional), "test" needs `test_set`.
    - batch_size: examples per batch of every DataLoader.
    - learning_rate: the learning rate of `torch.optim.SGD`.
    - n_epochs: the largest number of training epochs.
    - stop_thr: early-stopping threshold on the validation loss (see below).
    - shuffle: whether the training DataLoader reshuffles every epoch (the validation and
      test loaders never shuffle).
    - device: where to compute; None picks "cuda:0" when available, else "cpu".

    "train": epochs 1, 2, ... run one after the other; each epoch is one `_train` pass over
    `train_set` followed, if `valid_set` is given, by one `_test` pass over `valid_set`, and
    its figures are appended to the lists. With a validation set, after recording epoch
    e >= 2, if |valid_loss[e] - valid_loss[e-1]| < stop_thr, training stops (epoch e is the
    last one run). Otherwise it stops after n_epochs epochs.
    Returns (model, loss, acc), where `loss` and `acc` are dicts of per-epoch lists
    {"train": [...], "valid": [...]} (losses as in `_train`/`_test`, accuracies in percent;
    "valid" is empty without a validation set).

    "test": returns (test_loss, test_accuracy) of `_test` on `test_set`.
    """
    raise NotImplementedError


def predict(model, data_loader, device=torch.device("cpu")):
    """Predicted and true labels of every example of `data_loader`, e.g. for a confusion matrix.

    Runs like `_test` (no gradient, eval mode, the model's mode restored afterwards).

    Inputs:
    - model: an `nn.Module` already on `device`.
    - data_loader: yields (features (B, ...), targets (B,)) batches.
    - device: where to compute.

    Returns a tuple of:
    - preds: (N,) int64 CPU tensor, argmax of the logits for each example, in loader order.
    - targets: (N,) int64 CPU tensor, the true labels in the same order.
    """
    raise NotImplementedError
