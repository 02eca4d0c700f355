"""Grading tests for run_model.py: `_train`, `_test`, `run_model` and `predict`.

Every test builds its own small linear model in the worker (`ProbeLinear`, never the
submission's models.py) on a fixed problem whose losses, accuracies and SGD steps are computed
here with NumPy. What training did is judged by the parameters it left, against an SGD run
simulated here over the batches the training set (`RecordingDataset`) says it served: a
served order that the parameters do not bear out fails. Modes are judged by what they change:
the probe adds a shift to its logits in eval mode, or while gradients are tracked, so only the
right mode gives the expected loss.
"""
import numpy as np
import pytest

from autograder.grading_process.grading_api import TensorArray, remote_type_name
from tests.support.torch_models import (FIXED_ACCURACY, FIXED_BIAS, FIXED_CASE, FIXED_PREDICTIONS,
                                          FIXED_WEIGHT, FIXED_X, FIXED_Y, OTHER_BIAS, OTHER_CASE,
                                          OTHER_WEIGHT, as_float, cross_entropy_gradient, describe,
                                          describe_output, figures, fixed_loss, layer_arrays,
                                          linear_layers, separable_problem, served_epochs,
                                          simulate_sgd, uneven_figures, unpack)
from tests.support import show
from tests.support.expected import cross_entropy
from tests.support.source_scan import argmax_without_dim

FIXED_BATCH = 4  # FIXED_X's 8 examples make 2 batches of 4
RUN_TRAIN = 'run_model(model, "train", ...)'
# Added to the probe's logits in the "wrong" mode: favours class 2, so loss and accuracy change.
SHIFT = np.array([0.0, 0.0, 4.0])


# -- building and calling -------------------------------------------------------------------
def probe(tools, weight=FIXED_WEIGHT, bias=FIXED_BIAS, **flags):
    """`ProbeLinear` in the worker (see autograder/worker/torch_tools.py)."""
    return tools.ProbeLinear(weight, bias, **flags)


def recording_set(tools, X, y):
    return tools.RecordingDataset(X, y)


def call_train(run_model, tools, model, data_loader, learning_rate):
    """run_model._train with plain SGD -> (model, loss, accuracy)."""
    optimizer = tools.sgd(model, learning_rate)
    result = unpack(run_model._train(model, data_loader, optimizer, tools.cpu()), 3, "_train",
                    "`(model, train_loss, train_accuracy)`")
    return (returned_model(tools, result[0], "_train"),
            as_float(result[1], "_train", "`train_loss`"),
            as_float(result[2], "_train", "`train_accuracy`"))


def call_test(run_model, tools, model, data_loader):
    result = unpack(run_model._test(model, data_loader, tools.cpu()), 2, "_test",
                    "`(test_loss, test_accuracy)`")
    return (as_float(result[0], "_test", "`test_loss`"),
            as_float(result[1], "_test", "`test_accuracy`"))


def call_run_model_train(run_model, tools, model, **kwargs):
    """run_model(model, "train", ..., device=cpu) -> (model, loss, acc), the model checked."""
    result = unpack(run_model.run_model(model, "train", device=tools.cpu(), **kwargs), 3,
                    RUN_TRAIN, "`(model, loss, acc)`")
    return returned_model(tools, result[0], RUN_TRAIN), result[1], result[2]


def returned_model(tools, value, function: str):
    if not tools.is_module(value):
        raise AssertionError(f"`{function}` returned `{remote_type_name(value)}` as its model; "
                             f"expected the trained `nn.Module`.")
    return value


def linear_params(tools, model, function: str) -> tuple[np.ndarray, np.ndarray]:
    """(weight, bias) of the single `nn.Linear` of a model the worker holds."""
    layers = linear_layers(describe(tools, model, function))
    assert len(layers) == 1, (f"`{function}` returned a model with {len(layers)} linear layers; "
                              f"expected the linear model it was given.")
    return layer_arrays(layers[0])


def close(weight, bias, candidate, atol=1e-5) -> bool:
    """(weight, bias) equal to candidate = (weight, bias) up to float32 rounding."""
    return (np.allclose(weight, candidate[0], atol=atol)
            and np.allclose(bias, candidate[1], atol=atol))


def epochs_recorded(loss, acc, split="train") -> int:
    """Number of epochs the `split` lists of the returned dicts describe (they must agree)."""
    for name, value in (("loss", loss), ("acc", acc)):
        assert isinstance(value, dict) and {"train", "valid"} <= set(value), (
            f"`{RUN_TRAIN}` returned `{name}` as "
            f"{sorted(value) if isinstance(value, dict) else remote_type_name(value)}; expected a "
            f"dict with keys \"train\" and \"valid\", each a list with one value per epoch.")
        assert isinstance(value[split], (list, tuple)), (
            f"`{RUN_TRAIN}` returned `{name}[\"{split}\"]` as `{remote_type_name(value[split])}`; "
            f"expected a list with one value per epoch (an empty list when there is no "
            f"validation set).")
    assert len(loss[split]) == len(acc[split]), (
        f"`{RUN_TRAIN}` returned {len(loss[split])} losses but {len(acc[split])} accuracies under "
        f"\"{split}\"; expected one of each per epoch.")
    return len(loss[split])


FLAT_ARGMAX_HINT = ("\nHint: `torch.argmax(outputs)` without `dim` gives one index into the whole "
                    "flattened batch (right only for batches of one): take "
                    "`outputs.argmax(dim=1)`, one class per example.")


def check_metrics(function, loss, accuracy, case, expected_loss=None,
                  expected_accuracy=FIXED_ACCURACY, mode_hint=None, weights=None):
    """The fixed problem's figures (by default loss = mean of the 2 batch losses, accuracy =
    62.5 %). Hints name the usual mistakes; `mode_hint` is (loss, accuracy, text) that a run in
    the wrong mode would give; `weights`, the linear model's (weight, bias) when its logits are
    plain X @ weight.T + bias in batches of 4, confirm a hint about `argmax` without `dim`."""
    expected_loss, n_batches = fixed_loss() if expected_loss is None else expected_loss, 2
    if mode_hint and np.isclose(loss, mode_hint[0], rtol=1e-5) and not np.isclose(
            mode_hint[0], expected_loss, rtol=1e-5):
        raise AssertionError(f"`{function}` on {case} returned loss {show(loss)} and accuracy "
                             f"{show(accuracy)}; expected {show(expected_loss)} and "
                             f"{show(expected_accuracy)}.\nHint: {mode_hint[2]}")
    mistakes = [
        (expected_loss * n_batches, "the batch losses are summed; average them over the batches"),
        (expected_loss / FIXED_BATCH, "the loss is divided by the number of examples; "
                                      "`nn.CrossEntropyLoss` already averages within a batch, so "
                                      "average the batch losses over the batches"),
        (expected_loss * FIXED_BATCH, "each batch loss is a sum over its examples "
                                      "(`reduction=\"sum\"`): keep `nn.CrossEntropyLoss()`'s "
                                      "default mean, or divide the summed loss by the number of "
                                      "examples"),
    ]
    if not np.isclose(loss, expected_loss, rtol=1e-5):
        hint = next((f"\nHint: {text}." for value, text in mistakes
                     if np.isclose(loss, value, rtol=1e-5)), "")
        raise AssertionError(f"`{function}` on {case} returned loss {show(loss)}; expected "
                             f"{show(expected_loss)} (the mean of the batch losses).{hint}")
    if not np.isclose(accuracy, expected_accuracy):
        hint = ""
        if np.isclose(accuracy, expected_accuracy / 100):
            hint = "\nHint: accuracies are percentages (0–100): use `100 * correct / total`."
        elif np.isclose(accuracy, expected_accuracy * len(FIXED_Y) / 100):
            hint = "\nHint: that is the number of correct examples; return `100 * correct / total`."
        elif (weights is not None and np.isclose(accuracy, uneven_figures(*weights, FIXED_BATCH)[4])
              and argmax_without_dim("run_model")):
            hint = FLAT_ARGMAX_HINT
        raise AssertionError(f"`{function}` on {case} returned accuracy {show(accuracy)}; expected "
                             f"{expected_accuracy} (percent).{hint}")


UNEVEN_BATCH = 3  # FIXED_X's 8 examples make batches of 3, 3 and 2
VALID_Y = np.roll(FIXED_Y, 1)  # a validation set: FIXED_X with other labels
UNEVEN_CASE = "another linear model `nn.Linear(2, 3)` on the same 8 examples in batches of 3, 3 and 2"


def check_uneven_epoch(function, loss, accuracy):
    """An epoch whose last batch is smaller: either definition of its loss is accepted, and its
    accuracy is over its 8 examples, never the mean of the 3 batch accuracies."""
    batch_mean, example_mean, expected_accuracy, batch_accuracy_mean, flat_argmax = uneven_figures(
        OTHER_WEIGHT, OTHER_BIAS, UNEVEN_BATCH)
    if not (np.isclose(loss, batch_mean, rtol=1e-5) or np.isclose(loss, example_mean, rtol=1e-5)):
        batches = -(-len(FIXED_Y) // UNEVEN_BATCH)
        hint = ("\nHint: the loss was summed over the examples (`loss.item() * batch size`) but "
                "divided by the number of batches; divide that sum by the number of examples "
                "(`len(data_loader.dataset)`)."
                if np.isclose(loss, example_mean * len(FIXED_Y) / batches, rtol=1e-5) else "")
        raise AssertionError(f"`{function}` on {UNEVEN_CASE} returned loss {show(loss)}; expected "
                             f"{show(batch_mean)} (the mean of the 3 batch losses) or "
                             f"{show(example_mean)} (the loss per example).{hint}")
    if not np.isclose(accuracy, expected_accuracy):
        hint = ""
        if np.isclose(accuracy, batch_accuracy_mean):
            hint = ("\nHint: that is the mean of the 3 batch accuracies, but the last batch is "
                    "smaller: count the correct examples over the whole epoch and return "
                    "`100 * correct / total`.")
        elif np.isclose(accuracy, flat_argmax) and argmax_without_dim("run_model"):
            hint = FLAT_ARGMAX_HINT
        raise AssertionError(f"`{function}` on {UNEVEN_CASE} returned accuracy {show(accuracy)}; "
                             f"expected {show(expected_accuracy)} (percent of the 8 examples)."
                             f"{hint}")


def uneven_loader(tools):
    return tools.loader(recording_set(tools, FIXED_X, FIXED_Y), UNEVEN_BATCH)


def add_gradients(first, second):
    """(dweight, dbias) + (dweight, dbias), as gradients accumulate in `.grad`."""
    return first[0] + second[0], first[1] + second[1]


# -- 9.1 _train: SGD steps ------------------------------------------------------------------
def test_train_lowers_loss(run_model, tools):
    X, y, weight, bias = separable_problem()
    before = cross_entropy(X @ weight.T + bias, y)
    data = tools.loader(recording_set(tools, X, y), 4)
    trained, _, _ = call_train(run_model, tools, probe(tools, weight, bias), data, 0.5)
    got_weight, got_bias = linear_params(tools, trained, "_train")
    after = cross_entropy(X @ got_weight.T + got_bias, y)
    assert after < 0.8 * before, (
        f"`_train` (SGD, lr=0.5, 4 batches of 4 separable 2-D points, linear model): the mean "
        f"cross-entropy went from {before:.4f} to {after:.4f}; expected it to drop below "
        f"{0.8 * before:.4f}."
        + ("\nHint: the parameters did not change: call `loss.backward()` and `optimizer.step()` "
           "for every batch." if np.isclose(after, before) else ""))


def test_train_steps_once_per_batch_with_fresh_gradients(run_model, tools):
    """Two batches, lr = 0.5: the result must be two plain SGD steps, each on its own batch's
    gradient (catches a missing `optimizer.zero_grad()`)."""
    learning_rate, first, second = 0.5, slice(0, FIXED_BATCH), slice(FIXED_BATCH, None)
    data = tools.loader(recording_set(tools, FIXED_X, FIXED_Y), FIXED_BATCH)
    trained, _, _ = call_train(run_model, tools, probe(tools), data, learning_rate)
    got_weight, got_bias = linear_params(tools, trained, "_train")

    def step(weight, bias, gradient):
        return weight - learning_rate * gradient[0], bias - learning_rate * gradient[1]

    gradient_1 = cross_entropy_gradient(FIXED_WEIGHT, FIXED_BIAS, FIXED_X[first], FIXED_Y[first])
    weight_1, bias_1 = step(FIXED_WEIGHT, FIXED_BIAS, gradient_1)
    gradient_2 = cross_entropy_gradient(weight_1, bias_1, FIXED_X[second], FIXED_Y[second])
    expected = step(weight_1, bias_1, gradient_2)
    if close(got_weight, got_bias, expected):
        return
    accumulated = step(weight_1, bias_1, add_gradients(gradient_1, gradient_2))
    gradient_2_at_start = cross_entropy_gradient(FIXED_WEIGHT, FIXED_BIAS, FIXED_X[second],
                                                 FIXED_Y[second])
    one_step = step(FIXED_WEIGHT, FIXED_BIAS, add_gradients(gradient_1, gradient_2_at_start))
    mistakes = [
        (accumulated, "the second step used the sum of both batches' gradients: call "
                      "`optimizer.zero_grad()` before every `loss.backward()`"),
        (one_step, "there was a single step after both batches: call `optimizer.step()` once "
                   "per batch"),
        ((FIXED_WEIGHT, FIXED_BIAS), "the parameters did not change: call `loss.backward()` and "
                                     "`optimizer.step()` for every batch"),
        (step(FIXED_WEIGHT, FIXED_BIAS, gradient_1), "only the first batch led to a step"),
    ]
    hint = next((f"\nHint: {text}." for candidate, text in mistakes
                 if close(got_weight, got_bias, candidate)), "")
    raise AssertionError(
        f"`_train` with `SGD(lr={learning_rate})` on {FIXED_CASE} should take one SGD step per "
        f"batch on that batch's mean cross-entropy gradient.\n"
        f"Weights after the epoch: {show(got_weight)}\nExpected: {show(expected[0])}{hint}")


# -- 9.2 _train: loss and accuracy ----------------------------------------------------------
def test_train_reports_mean_loss_and_percent_accuracy(run_model, tools):
    # Frozen models: training leaves them unchanged, so the figures do not depend on when in
    # the epoch they are measured.
    data = tools.loader(recording_set(tools, FIXED_X, FIXED_Y), FIXED_BATCH)
    _, loss, accuracy = call_train(run_model, tools, probe(tools, frozen=True), data, 0.1)
    check_metrics("_train", loss, accuracy, FIXED_CASE, weights=(FIXED_WEIGHT, FIXED_BIAS))
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS, frozen=True)
    _, loss, accuracy = call_train(run_model, tools, model, fixed_loader(tools), 0.1)
    check_metrics("_train", loss, accuracy, OTHER_CASE, *figures(OTHER_WEIGHT, OTHER_BIAS),
                  weights=(OTHER_WEIGHT, OTHER_BIAS))
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS, frozen=True)
    _, loss, accuracy = call_train(run_model, tools, model, uneven_loader(tools), 0.1)
    check_uneven_epoch("_train", loss, accuracy)


# -- 9.3 _test ------------------------------------------------------------------------------
def fixed_loader(tools):
    return tools.loader(recording_set(tools, FIXED_X, FIXED_Y), FIXED_BATCH)


def test_test_reports_mean_loss_and_percent_accuracy(run_model, tools):
    loss, accuracy = call_test(run_model, tools, probe(tools), fixed_loader(tools))
    check_metrics("_test", loss, accuracy, FIXED_CASE, weights=(FIXED_WEIGHT, FIXED_BIAS))
    loss, accuracy = call_test(run_model, tools, probe(tools, OTHER_WEIGHT, OTHER_BIAS),
                               fixed_loader(tools))
    check_metrics("_test", loss, accuracy, OTHER_CASE, *figures(OTHER_WEIGHT, OTHER_BIAS),
                  weights=(OTHER_WEIGHT, OTHER_BIAS))
    loss, accuracy = call_test(run_model, tools, probe(tools, OTHER_WEIGHT, OTHER_BIAS),
                               uneven_loader(tools))
    check_uneven_epoch("_test", loss, accuracy)


def test_test_leaves_parameters_untouched(run_model, tools):
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS)
    loss, accuracy = call_test(run_model, tools, model, fixed_loader(tools))
    check_metrics("_test", loss, accuracy, OTHER_CASE, *figures(OTHER_WEIGHT, OTHER_BIAS))
    weight, bias = linear_params(tools, model, "_test")
    assert close(weight, bias, (OTHER_WEIGHT, OTHER_BIAS), atol=0), (
        "`_test` changed the model's parameters; it must only evaluate (no `optimizer.step()`, "
        "no in-place updates).")
    frozen = tools.frozen_parameters(model)
    assert not frozen, (
        f"`_test` switched off `requires_grad` of {frozen}; leave the parameters as they are.\n"
        f"Hint: use `with torch.no_grad():` instead, which stops tracking without touching the "
        f"model.")


def test_test_runs_in_eval_mode(run_model, tools):
    """The probe, handed over in training mode, adds SHIFT to its logits in eval mode only: only
    a `_test` that switched to eval mode reports the shifted figures."""
    model = probe(tools, eval_shift=SHIFT).train()
    loss, accuracy = call_test(run_model, tools, model, fixed_loader(tools))
    expected_loss, expected_accuracy = figures(FIXED_WEIGHT, FIXED_BIAS, SHIFT)
    check_metrics("_test", loss, accuracy, f"{FIXED_CASE}, a model that behaves differently in "
                  f"eval mode", expected_loss, expected_accuracy,
                  mode_hint=(fixed_loss(), FIXED_ACCURACY,
                             "these are the figures of the model in training mode, so dropout "
                             "would still be active: call `model.eval()` before the loop."))


def test_test_disables_gradient_tracking(run_model, tools):
    """The probe adds SHIFT to its logits while gradients are tracked: `_test` under
    `torch.no_grad()` reports the plain figures."""
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS, grad_shift=SHIFT)
    loss, accuracy = call_test(run_model, tools, model, fixed_loader(tools))
    shifted_loss, shifted_accuracy = figures(OTHER_WEIGHT, OTHER_BIAS, SHIFT)
    check_metrics("_test", loss, accuracy, OTHER_CASE, *figures(OTHER_WEIGHT, OTHER_BIAS),
                  mode_hint=(shifted_loss, shifted_accuracy,
                             "the forward passes ran with gradient tracking on: wrap the "
                             "evaluation loop in `with torch.no_grad():`."))


# -- 9.4 run_model: results -----------------------------------------------------------------
def test_run_model_train_returns_per_epoch_lists(run_model, tools):
    # Frozen model: every epoch of both lists has the model's loss and accuracy, the training
    # set's under "train" and the validation set's (the same examples, other labels) under
    # "valid". stop_thr = -1: no early stopping under any reading.
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS, frozen=True)
    _, loss, acc = call_run_model_train(run_model, tools, model,
                                        train_set=recording_set(tools, FIXED_X, FIXED_Y),
                                        valid_set=recording_set(tools, FIXED_X, VALID_Y),
                                        batch_size=FIXED_BATCH, n_epochs=2, stop_thr=-1.0,
                                        shuffle=False)
    expected = {"train": figures(OTHER_WEIGHT, OTHER_BIAS),
                "valid": figures(OTHER_WEIGHT, OTHER_BIAS, labels=VALID_Y)}
    for split in ("train", "valid"):
        epochs = epochs_recorded(loss, acc, split)
        assert epochs == 2, (
            f"`run_model(..., n_epochs=2)` with a validation set returned {epochs} values under "
            f"\"{split}\"; expected 2 (one per epoch).")
        for epoch in range(2):
            got = (as_float(loss[split][epoch], "run_model", "a loss"),
                   as_float(acc[split][epoch], "run_model", "an accuracy"))
            other = "valid" if split == "train" else "train"
            for index, (figure, returned) in enumerate((("loss", "loss"), ("accuracy", "acc"))):
                if np.isclose(got[index], expected[other][index], rtol=1e-5) \
                        and not np.isclose(got[index], expected[split][index], rtol=1e-5):
                    names = {"train": "training", "valid": "validation"}
                    raise AssertionError(
                        f"`run_model` on {OTHER_CASE}, with a validation set of the same examples "
                        f"and other labels, returned the {names[other]} set's {figure} "
                        f"{show(got[index])} under `{returned}[\"{split}\"]` (epoch "
                        f"{epoch + 1}); expected the {names[split]} set's, "
                        f"{show(expected[split][index])}.\nHint: append what `_train` returns to "
                        f"the \"train\" lists and what `_test` returns on the validation set to "
                        f"the \"valid\" lists.")
            check_metrics("run_model", *got, f"{OTHER_CASE} (\"{split}\" list, epoch {epoch + 1})",
                          *expected[split])


def test_run_model_without_validation_set(run_model, tools):
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS, frozen=True)
    _, loss, acc = call_run_model_train(run_model, tools, model,
                                        train_set=recording_set(tools, FIXED_X, FIXED_Y),
                                        batch_size=FIXED_BATCH, n_epochs=1, shuffle=False)
    assert epochs_recorded(loss, acc) == 1, (
        f"`run_model(..., n_epochs=1)` without a validation set returned {len(loss['train'])} "
        f"training losses; expected 1.")
    assert epochs_recorded(loss, acc, "valid") == 0, (
        f"`run_model` without a validation set returned {len(loss['valid'])} validation losses and "
        f"{len(acc['valid'])} accuracies; expected empty lists.")
    check_metrics("run_model", as_float(loss["train"][0], "run_model", "a loss"),
                  as_float(acc["train"][0], "run_model", "an accuracy"), f"{OTHER_CASE} (epoch 1)",
                  *figures(OTHER_WEIGHT, OTHER_BIAS))


def test_run_model_test_mode(run_model, tools):
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS)
    result = run_model.run_model(model, "test", test_set=recording_set(tools, FIXED_X, FIXED_Y),
                                 batch_size=FIXED_BATCH, device=tools.cpu())
    function = "run_model(model, \"test\", ...)"
    loss, accuracy = unpack(result, 2, function, "`(test_loss, test_accuracy)`")
    check_metrics(function, as_float(loss, function, "a loss"),
                  as_float(accuracy, function, "an accuracy"), OTHER_CASE,
                  *figures(OTHER_WEIGHT, OTHER_BIAS))
    assert close(*linear_params(tools, model, function), (OTHER_WEIGHT, OTHER_BIAS), atol=0), (
        f"`{function}` changed the model's weights; test mode only evaluates.")


# -- 9.5 run_model: batches, shuffling, learning rate, modes --------------------------------
def check_training_run(tools, trained, served, X, y, weight, bias, batch_size, learning_rate,
                       call, **flags):
    """The parameters of the trained model must be those of SGD over the served batches,
    simulated here (with fresh gradients, or with gradients never zeroed: a missing
    `zero_grad` costs item 9.1, not these checks of batches, order and modes)."""
    got = linear_params(tools, trained, call)
    for accumulate in (False, True):
        expected = simulate_sgd(weight, bias, X, y, served, batch_size, learning_rate,
                                accumulate=accumulate, **flags)
        if close(*got, expected[-1] if expected else (weight, bias), atol=1e-4):
            return
    expected = simulate_sgd(weight, bias, X, y, served, batch_size, learning_rate, **flags)
    final = expected[-1] if expected else (weight, bias)
    served_sizes = [min(batch_size, len(epoch) - start) for epoch in served
                    for start in range(0, len(epoch), batch_size)]
    raise AssertionError(
        f"`{call}` served {len(served)} epoch(s) of training examples, but the parameters it "
        f"left are not those of SGD (lr={learning_rate}) on batches of sizes {served_sizes} in "
        f"that order.\nWeights after: {show(got[0])}\nExpected: {show(final[0])}\n"
        f"Hint: build the training `DataLoader` with `batch_size=batch_size` and "
        f"`shuffle=shuffle`, and give `_train` an `optim.SGD(model.parameters(), "
        f"lr=learning_rate)`.")


@pytest.mark.parametrize("batch_size", [4, 12])
def test_run_model_batch_size_and_epochs(run_model, tools, batch_size):
    X, y, weight, bias = separable_problem(n_per_class=6)
    train_set = recording_set(tools, X, y)
    call = f"run_model(..., batch_size={batch_size}, n_epochs=2, shuffle=False)"
    trained, _, _ = call_run_model_train(run_model, tools, probe(tools, weight, bias),
                                         train_set=train_set, batch_size=batch_size,
                                         learning_rate=0.5, n_epochs=2, shuffle=False)
    served = served_epochs(train_set, len(y), call)
    assert len(served) == 2, (
        f"`{call}` on {len(y)} examples trained {len(served)} epoch(s); expected 2.")
    check_training_run(tools, trained, served, X, y, weight, bias, batch_size, 0.5, call)


@pytest.mark.parametrize("shuffle", [True, False])
def test_run_model_shuffle(run_model, tools, shuffle):
    X, y, weight, bias = separable_problem(n_per_class=10)
    train_set = recording_set(tools, X, y)
    call = f"run_model(..., batch_size=5, n_epochs=2, shuffle={shuffle})"
    trained, _, _ = call_run_model_train(run_model, tools, probe(tools, weight, bias),
                                         train_set=train_set, batch_size=5, learning_rate=0.5,
                                         n_epochs=2, shuffle=shuffle)
    served = served_epochs(train_set, len(y), call)
    assert len(served) == 2, f"`{call}` trained {len(served)} epoch(s); expected 2."
    in_order = [epoch == list(range(len(y))) for epoch in served]
    if shuffle:
        assert not all(in_order), (
            f"`{call}` served the {len(y)} training examples in their original order in both "
            f"epochs.\nHint: pass `shuffle=shuffle` to the training `DataLoader`.")
    else:
        assert all(in_order), (
            f"`{call}` served the training examples in the order {served}; expected their "
            f"original order.\nHint: pass `shuffle=shuffle` to the training `DataLoader`.")
    check_training_run(tools, trained, served, X, y, weight, bias, 5, 0.5, call)


def test_run_model_learning_rate(run_model, tools):
    """One epoch on one example: exactly one SGD step with the given learning rate."""
    learning_rate, X, y = 0.3, FIXED_X[:1], FIXED_Y[:1]
    trained, _, _ = call_run_model_train(run_model, tools, probe(tools),
                                         train_set=recording_set(tools, X, y), batch_size=1,
                                         learning_rate=learning_rate, n_epochs=1)
    got = linear_params(tools, trained, RUN_TRAIN)[0]
    gradient = cross_entropy_gradient(FIXED_WEIGHT, FIXED_BIAS, X, y)[0]
    expected = FIXED_WEIGHT - learning_rate * gradient
    if np.allclose(got, expected, atol=1e-6):
        return
    used = np.sum((FIXED_WEIGHT - got) * gradient) / np.sum(gradient ** 2)  # best-fitting rate
    hint = ""
    if np.allclose(got, FIXED_WEIGHT - used * gradient, atol=1e-6):
        hint = (f"\nHint: that is a step with learning rate {used:.4g}: pass `lr=learning_rate` "
                f"to `torch.optim.SGD`.")
    raise AssertionError(
        f"`run_model(..., learning_rate={learning_rate}, n_epochs=1)` on one example should take "
        f"one SGD step `w -= {learning_rate} * grad` of the cross-entropy.\n"
        f"Weights after: {show(got)}\nExpected: {show(expected)}{hint}")


def test_run_model_trains_in_train_mode_after_validation(run_model, tools):
    """The probe arrives in eval mode and shifts its logits in eval mode: only epochs trained in
    train mode (after every validation pass too) take the SGD steps simulated here."""
    X, y, weight, bias = separable_problem()
    shift = np.array([1.5, -1.5])
    model = probe(tools, weight, bias, eval_shift=shift).eval()
    train_set = recording_set(tools, X, y)
    call = "run_model(..., n_epochs=3)"
    # stop_thr = -1: no change can be smaller, so all 3 epochs run.
    trained, _, _ = call_run_model_train(run_model, tools, model, train_set=train_set,
                                         valid_set=recording_set(tools, -X, y), batch_size=4,
                                         learning_rate=0.5, n_epochs=3, stop_thr=-1.0,
                                         shuffle=False)
    served = served_epochs(train_set, len(y), call)
    got = linear_params(tools, trained, call)
    in_train_mode = any(close(*got, simulate_sgd(weight, bias, X, y, served, 4, 0.5,
                                                 accumulate=accumulate)[-1], atol=1e-4)
                        for accumulate in (False, True))
    if len(served) == 3 and in_train_mode:
        return
    expected = simulate_sgd(weight, bias, X, y, served, 4, 0.5)[-1]
    # In eval mode the logits carry the shift: the same steps as a model whose bias has it.
    eval_weight, eval_bias = simulate_sgd(weight, bias + shift, X, y, served, 4, 0.5)[-1]
    all_in_eval_mode = close(*got, (eval_weight, eval_bias - shift), atol=1e-4)
    raise AssertionError(
        f"`{call}` with a validation set, given a model in eval mode, trained {len(served)} "
        f"epoch(s), and its parameters are not those of SGD in training mode (the model computes "
        f"something else in eval mode).\nWeights after: {show(got[0])}\nExpected: "
        f"{show(expected[0])}"
        + ("\nHint: these are the steps of the model in eval mode, in every epoch: it came in "
           "eval mode, and `_train` must put it in training mode itself (`model.train()` at its "
           "start, whatever mode the model came in)." if all_in_eval_mode else ""))


# -- 9.6 run_model: early stopping ----------------------------------------------------------
# Contract reading: with a validation set, after recording epoch e >= 2, training stops (epoch
# e is the last one run, its figures are kept) when |valid_loss[e] - valid_loss[e-1]| <
# stop_thr; epoch 1 has nothing to compare with. The decrease valid_loss[e-1] - valid_loss[e]
# < stop_thr (stop when it no longer improves) is accepted too. Each test checks the number of
# epochs run against validation losses computed here from the simulated training, in a
# scenario where the intended answer is known: a frozen model (constant loss: stop after
# epoch 2), a threshold larger than any change (stop after epoch 2), and a loss that falls by
# more than 0.005 every epoch (run all epochs). The returned validation losses are the ones
# judged; the last must be the validation loss (computed here) of the model returned.
def stopping_epochs(valid, stop_thr, n_epochs) -> set:
    """Epochs after which training should end under the accepted readings, given the
    validation losses `valid` of the epochs run."""
    readings = (lambda previous, current: abs(current - previous),
                lambda previous, current: previous - current)
    ends = set()
    for change in readings:
        ends.add(next((epoch for epoch in range(2, len(valid) + 1)
                       if change(valid[epoch - 2], valid[epoch - 1]) < stop_thr), n_epochs))
    return ends


def check_early_stopping(run_model, tools, learning_rate, stop_thr, n_epochs, intended,
                         valid=None, **flags):
    """Train on the separable problem (4 batches of 4, no shuffling), validate on `valid`
    (default: other points of the same blobs) and compare the epochs run with the rule."""
    X, y, weight, bias = separable_problem()
    if not flags.get("train_bias", True):
        bias = np.zeros_like(bias)
    X_valid, y_valid = valid if valid is not None else separable_problem(seed=1)[:2]
    call = (f"run_model(..., learning_rate={learning_rate}, n_epochs={n_epochs}, "
            f"stop_thr={stop_thr})")
    train_set = recording_set(tools, X, y)
    trained, loss, acc = call_run_model_train(
        run_model, tools, probe(tools, weight, bias, **flags), train_set=train_set,
        valid_set=recording_set(tools, X_valid, y_valid), batch_size=4,
        learning_rate=learning_rate, n_epochs=n_epochs, stop_thr=stop_thr, shuffle=False)
    epochs = epochs_recorded(loss, acc)
    served = served_epochs(train_set, len(y), call)
    assert epochs_recorded(loss, acc, "valid") == epochs == len(served), (
        f"`{call}` with a validation set trained {len(served)} epochs but returned "
        f"{epochs} training and {len(loss['valid'])} validation losses; expected one of each per "
        f"epoch trained.")
    valid_losses = [as_float(value, "run_model", "a validation loss") for value in loss["valid"]]
    final_weight, final_bias = linear_params(tools, trained, call)
    final_loss = cross_entropy(X_valid @ final_weight.T + final_bias, y_valid)
    assert np.isclose(valid_losses[-1], final_loss, rtol=1e-4, atol=1e-6), (
        f"`{call}` returned {show(valid_losses[-1])} as the last validation loss, but the model "
        f"it returned has a validation loss of {show(final_loss)}.\nHint: record, after each "
        f"epoch, the loss `_test` computes on the validation set.")
    after_epochs = simulate_sgd(weight, bias, X, y, [np.arange(len(y))] * max(n_epochs, epochs),
                                4, learning_rate, **flags)
    if check_trained_epochs(call, (final_weight, final_bias), epochs, after_epochs, (weight, bias)):
        trusted = [cross_entropy(X_valid @ w.T + b, y_valid) for w, b in after_epochs[:epochs]]
        assert np.allclose(valid_losses, trusted, rtol=1e-4, atol=1e-6), (
            f"`{call}` returned the validation losses {show(np.asarray(valid_losses))}, but the "
            f"models after each of its {epochs} epochs of SGD (computed here from the same start) "
            f"have {show(np.asarray(trusted))}.\nHint: record, after each epoch, the loss `_test` "
            f"computes on the validation set.")
    allowed = stopping_epochs(valid_losses, stop_thr, n_epochs)
    if epochs in allowed:
        return
    expected = min(allowed)
    message = (f"`{call}` ({intended}) ran {plural(epochs, 'epoch')}, with validation losses "
               f"{show(np.asarray(valid_losses))}; ")
    if epochs < expected:
        message += ("it stopped although no change of the validation loss so far was below "
                    "`stop_thr`.")
        if epochs == 1:
            message += ("\nHint: there is no previous validation loss after epoch 1; compare from "
                        "epoch 2 on.")
    elif expected == n_epochs and n_epochs not in stopping_epochs(valid_losses[:n_epochs], stop_thr, -1):
        message += (f"expected {plural(n_epochs, 'epoch')} (`n_epochs`): no change of the validation "
                    f"loss was below `stop_thr`, so nothing stops training earlier.")
    else:
        message += (f"expected to stop after epoch {expected}, the first epoch whose validation "
                    f"loss changed by less than `stop_thr` from the previous one.")
        if epochs == expected + 1:
            message += ("\nHint: stop right after the epoch whose validation loss changed by less "
                        "than `stop_thr`; do not run one more epoch.")
    raise AssertionError(message)


def check_trained_epochs(call, final, epochs, after_epochs, start) -> bool:
    """The epochs run are the worker's report (the returned lists, the batches it served); the
    parameters of the model returned back it: when they are those of k epochs of SGD computed
    here (`after_epochs`, from `start`), k must be the number of epochs reported. A run whose
    training differs from plain SGD (its own item's fault) is not judged on them. Returns
    whether the model is that of the `epochs` reported (then each epoch's model is known)."""
    matches = {k for k, params in enumerate([start, *after_epochs]) if close(*final, params)}
    if matches and epochs not in matches:
        raise AssertionError(
            f"`{call}` reported {plural(epochs, 'epoch')}, but the model it returned is the one "
            f"{plural(min(matches), 'epoch')} of SGD give (computed here from the same start).")
    return epochs in matches


def plural(count, noun) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def test_early_stopping_when_loss_is_constant(run_model, tools):
    check_early_stopping(run_model, tools, 0.5, 1e-4, 5,
                         "a model training cannot change, so the validation loss is constant",
                         frozen=True)


def test_early_stopping_with_huge_threshold(run_model, tools):
    check_early_stopping(run_model, tools, 0.5, 10.0, 5,
                         "every change of this loss is below the threshold")


def test_early_stopping_not_triggered_while_loss_changes(run_model, tools):
    check_early_stopping(run_model, tools, 0.5, 1e-4, 4,
                         "the validation loss keeps falling by more than `stop_thr`")


def test_early_stopping_watches_the_validation_loss(run_model, tools):
    # No bias and all-zero validation inputs: the validation logits stay 0 and the validation
    # loss log(2) while training changes the weights and the training loss (catches stopping on
    # the training loss).
    X, y, _, _ = separable_problem()
    check_early_stopping(run_model, tools, 0.5, 1e-4, 5,
                         "the validation loss cannot change while the training loss does",
                         valid=(np.zeros_like(X), y), train_bias=False)


def test_no_early_stopping_without_validation_set(run_model, tools):
    # Frozen model: the training loss is constant, which must not stop training.
    train_set = recording_set(tools, FIXED_X, FIXED_Y)
    model = probe(tools, OTHER_WEIGHT, OTHER_BIAS, frozen=True)
    _, loss, acc = call_run_model_train(run_model, tools, model, train_set=train_set,
                                        batch_size=FIXED_BATCH, n_epochs=4, shuffle=False)
    epochs = epochs_recorded(loss, acc)
    served = served_epochs(train_set, len(FIXED_Y), "run_model(..., n_epochs=4)")
    assert epochs == 4 == len(served), (
        f"`run_model(..., n_epochs=4)` without a validation set (constant training loss) ran "
        f"{len(served)} epochs and reported {epochs}; expected 4: without a validation set there "
        f"is no early stopping (it watches the validation loss, never the training loss).")


# -- 9.7 predict ----------------------------------------------------------------------------
def test_predict(run_model, tools):
    # Batches of 3, 3 and 2: the predictions must follow the loader's order.
    data = tools.loader(recording_set(tools, FIXED_X, FIXED_Y), 3)
    result = run_model.predict(probe(tools), data, tools.cpu())
    preds, targets = unpack(result, 2, "predict", "`(preds, targets)`")
    for name, got, expected in (("preds", preds, FIXED_PREDICTIONS), ("targets", targets, FIXED_Y)):
        is_labels = (isinstance(got, TensorArray) and got.ndim == 1
                     and np.issubdtype(got.dtype, np.integer))
        assert is_labels, (
            f"`predict` returned `{name}` as {describe_output(got)}; expected a 1-D integer tensor "
            f"with one label per example."
            + ("\nHint: take `logits.argmax(dim=1)`." if name == "preds" else ""))
        assert got.tolist() == expected.tolist(), (
            f"`predict` on {FIXED_CASE} (loader batches of 3, 3, 2, not shuffled) returned "
            f"`{name}` {got.tolist()}; expected {expected.tolist()}, in the loader's order.")
    # Another model, whose predictions are computed here only.
    data = tools.loader(recording_set(tools, FIXED_X, FIXED_Y), 3)
    preds, _ = unpack(run_model.predict(probe(tools, OTHER_WEIGHT, OTHER_BIAS), data, tools.cpu()),
                      2, "predict", "`(preds, targets)`")
    expected = np.argmax(FIXED_X @ OTHER_WEIGHT.T + OTHER_BIAS, axis=1)
    assert isinstance(preds, TensorArray) and preds.tolist() == expected.tolist(), (
        f"`predict` on {OTHER_CASE} returned `preds` {describe_output(preds)} "
        f"{preds.tolist() if isinstance(preds, TensorArray) else ''}; expected "
        f"{expected.tolist()}, the class with the largest logit of each example.")
