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
    loss_function = nn.CrossEntropyLoss()
    model.train()
    batch_losses, n_correct, n_seen = [], 0, 0
    for features, targets in data_loader:
        features, targets = features.to(device), targets.to(device)
        optimizer.zero_grad()
        logits = model(features)
        loss = loss_function(logits, targets)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
        n_correct += (logits.argmax(dim=1) == targets).sum().item()
        n_seen += len(targets)
    return model, sum(batch_losses) / len(batch_losses), 100.0 * n_correct / n_seen


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
    loss_function = nn.CrossEntropyLoss()
    was_training = model.training
    model.eval()
    batch_losses, n_correct, n_seen = [], 0, 0
    with torch.no_grad():
        for features, targets in data_loader:
            features, targets = features.to(device), targets.to(device)
            logits = model(features)
            batch_losses.append(loss_function(logits, targets).item())
            n_correct += (logits.argmax(dim=1) == targets).sum().item()
            n_seen += len(targets)
    model.train(was_training)
    return sum(batch_losses) / len(batch_losses), 100.0 * n_correct / n_seen


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
    if device is None:
        device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    model = model.to(device)
    if running_mode == "test":
        if test_set is None:
            raise ValueError('running_mode "test" needs a test_set')
        return _test(model, DataLoader(test_set, batch_size=batch_size, shuffle=False), device)
    if running_mode != "train":
        raise ValueError(f'running_mode must be "train" or "test", got {running_mode!r}')
    if train_set is None:
        raise ValueError('running_mode "train" needs a train_set')
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=shuffle)
    valid_loader = None
    if valid_set is not None:
        valid_loader = DataLoader(valid_set, batch_size=batch_size, shuffle=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    loss, acc = {"train": [], "valid": []}, {"train": [], "valid": []}
    for _ in range(n_epochs):
        model, train_loss, train_accuracy = _train(model, train_loader, optimizer, device)
        loss["train"].append(train_loss)
        acc["train"].append(train_accuracy)
        if valid_loader is None:
            continue
        valid_loss, valid_accuracy = _test(model, valid_loader, device)
        loss["valid"].append(valid_loss)
        acc["valid"].append(valid_accuracy)
        if len(loss["valid"]) >= 2 and abs(loss["valid"][-1] - loss["valid"][-2]) < stop_thr:
            break
    return model, loss, acc


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
    was_training = model.training
    model.eval()
    preds, targets = [], []
    with torch.no_grad():
        for features, batch_targets in data_loader:
            logits = model(features.to(device))
            preds.append(logits.argmax(dim=1).cpu())
            targets.append(batch_targets.long().cpu())
    model.train(was_training)
    return torch.cat(preds), torch.cat(targets)
