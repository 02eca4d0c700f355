"""Grading tests for run_model.py: `_train`, `_test`, `run_model` and `predict`.

Every test builds its own small linear model (never the submission's models.py) on a fixed
problem whose loss, accuracy and SGD steps are computed independently with NumPy. A
`RecordingLinear` model records each forward call (mode, gradient tracking, inputs), which
shows how many batches of which size were served, in which order, in which mode.
"""
import numpy as np
import pytest
import torch

from tests.part_b.pytorch_support import (CPU, FIXED_ACCURACY, FIXED_BIAS, FIXED_CASE,
                                          FIXED_PREDICTIONS, FIXED_WEIGHT, FIXED_X, FIXED_Y,
                                          RecordingLinear, as_float, cross_entropy_gradient,
                                          dataset, describe_output, fixed_loss, fixed_model,
                                          indexed_problem, layer_arrays, linear_layers,
                                          linear_model, loader, returned_model,
                                          separable_problem, unpack)
from tests.support import show
from tests.support.expected import cross_entropy

FIXED_BATCH = 4  # FIXED_X's 8 examples make 2 batches of 4
RUN_TRAIN = 'run_model(model, "train", ...)'


def call_train(run_model, model, data_loader, learning_rate):
    """run_model._train with plain SGD -> (model, loss, accuracy)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    result = unpack(run_model._train(model, data_loader, optimizer, CPU), 3, "_train",
                    "`(model, train_loss, train_accuracy)`")
    return (returned_model(result[0], "_train"), as_float(result[1], "_train", "`train_loss`"),
            as_float(result[2], "_train", "`train_accuracy`"))


def call_test(run_model, model, data_loader):
    result = unpack(run_model._test(model, data_loader, CPU), 2, "_test",
                    "`(test_loss, test_accuracy)`")
    return (as_float(result[0], "_test", "`test_loss`"),
            as_float(result[1], "_test", "`test_accuracy`"))


def call_run_model_train(run_model, model, **kwargs):
    """run_model(model, "train", ..., device=cpu) -> (model, loss, acc), the model checked."""
    result = unpack(run_model.run_model(model, "train", device=CPU, **kwargs), 3, RUN_TRAIN,
                    "`(model, loss, acc)`")
    return returned_model(result[0], RUN_TRAIN), result[1], result[2]


def epochs_recorded(loss, acc, split="train") -> int:
    """Number of epochs the `split` lists of the returned dicts describe (they must agree)."""
    for name, value in (("loss", loss), ("acc", acc)):
        assert isinstance(value, dict) and {"train", "valid"} <= set(value), (
            f"`{RUN_TRAIN}` returned `{name}` as "
            f"{sorted(value) if isinstance(value, dict) else type(value).__name__}; expected a "
            f"dict with keys \"train\" and \"valid\", each a list with one value per epoch.")
        assert isinstance(value[split], (list, tuple)), (
            f"`{RUN_TRAIN}` returned `{name}[\"{split}\"]` as `{type(value[split]).__name__}`; "
            f"expected a list with one value per epoch (an empty list when there is no "
            f"validation set).")
    assert len(loss[split]) == len(acc[split]), (
        f"`{RUN_TRAIN}` returned {len(loss[split])} losses but {len(acc[split])} accuracies under "
        f"\"{split}\"; expected one of each per epoch.")
    return len(loss[split])


def check_metrics(function, loss, accuracy, case):
    """The fixed problem's figures: loss = mean of the 2 batch losses, accuracy = 62.5 (%).
    Hints name the usual mistakes."""
    expected_loss, n_batches = fixed_loss(), len(FIXED_Y) // FIXED_BATCH
    mistakes = [
        (expected_loss * n_batches, "the batch losses are summed; average them over the batches"),
        (expected_loss / FIXED_BATCH, "the loss is divided by the number of examples; "
                                      "`nn.CrossEntropyLoss` already averages within a batch, so "
                                      "average the batch losses over the batches"),
    ]
    if not np.isclose(loss, expected_loss, rtol=1e-5):
        hint = next((f"\nHint: {text}." for value, text in mistakes
                     if np.isclose(loss, value, rtol=1e-5)), "")
        raise AssertionError(f"`{function}` on {case} returned loss {show(loss)}; expected "
                             f"{show(expected_loss)} (the mean of the batch losses).{hint}")
    if not np.isclose(accuracy, FIXED_ACCURACY):
        hint = ""
        if np.isclose(accuracy, FIXED_ACCURACY / 100):
            hint = "\nHint: accuracies are percentages (0–100): use `100 * correct / total`."
        elif np.isclose(accuracy, FIXED_ACCURACY * len(FIXED_Y) / 100):
            hint = "\nHint: that is the number of correct examples; return `100 * correct / total`."
        raise AssertionError(f"`{function}` on {case} returned accuracy {show(accuracy)}; expected "
                             f"{FIXED_ACCURACY} (percent).{hint}")


def add_gradients(first, second):
    """(dweight, dbias) + (dweight, dbias), as gradients accumulate in `.grad`."""
    return first[0] + second[0], first[1] + second[1]


def parameters_of(model):
    return [parameter.detach().clone() for parameter in model.parameters()]


def affine(model, X):
    """Logits of a linear model (its single nn.Linear) on X, in float64."""
    layers = linear_layers(model)
    assert len(layers) == 1, (f"`_train` returned a model with {len(layers)} linear layers; "
                              f"expected the linear model it was given.")
    weight, bias = layer_arrays(layers[0])
    return X @ weight.T + bias


# -- 9.1 _train: SGD steps ------------------------------------------------------------------
def test_train_lowers_loss(run_model):
    X, y, weight, bias = separable_problem()
    before = cross_entropy(X @ weight.T + bias, y)
    trained, _, _ = call_train(run_model, linear_model(weight, bias), loader(X, y, 4), 0.5)
    after = cross_entropy(affine(trained, X), y)
    assert after < 0.8 * before, (
        f"`_train` (SGD, lr=0.5, 4 batches of 4 separable 2-D points, linear model): the mean "
        f"cross-entropy went from {before:.4f} to {after:.4f}; expected it to drop below "
        f"{0.8 * before:.4f}."
        + ("\nHint: the parameters did not change: call `loss.backward()` and `optimizer.step()` "
           "for every batch." if np.isclose(after, before) else ""))


def test_train_steps_once_per_batch_with_fresh_gradients(run_model):
    """Two batches, lr = 0.5: the result must be two plain SGD steps, each on its own batch's
    gradient (catches a missing `optimizer.zero_grad()`)."""
    learning_rate, first, second = 0.5, slice(0, FIXED_BATCH), slice(FIXED_BATCH, None)
    trained, _, _ = call_train(run_model, fixed_model(), loader(FIXED_X, FIXED_Y, FIXED_BATCH),
                               learning_rate)
    got_weight, got_bias = layer_arrays(linear_layers(trained)[0])

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


def close(weight, bias, candidate) -> bool:
    """(weight, bias) equal to candidate = (weight, bias) up to float32 rounding."""
    return (np.allclose(weight, candidate[0], atol=1e-5)
            and np.allclose(bias, candidate[1], atol=1e-5))


# -- 9.2 _train: loss and accuracy ----------------------------------------------------------
def test_train_reports_mean_loss_and_percent_accuracy(run_model):
    # A frozen model: training leaves it unchanged, so the figures do not depend on when in
    # the epoch they are measured.
    _, loss, accuracy = call_train(run_model, frozen_fixed_model(),
                                   loader(FIXED_X, FIXED_Y, FIXED_BATCH), 0.1)
    check_metrics("_train", loss, accuracy, FIXED_CASE)


def frozen_fixed_model() -> RecordingLinear:
    """The fixed model, with zero gradients: training does not change it."""
    return RecordingLinear(FIXED_WEIGHT, FIXED_BIAS, frozen=True)


# -- 9.3 _test ------------------------------------------------------------------------------
def test_test_reports_mean_loss_and_percent_accuracy(run_model):
    loss, accuracy = call_test(run_model, fixed_model(), loader(FIXED_X, FIXED_Y, FIXED_BATCH))
    check_metrics("_test", loss, accuracy, FIXED_CASE)


def test_test_leaves_parameters_untouched(run_model):
    model = fixed_model()
    before = parameters_of(model)
    call_test(run_model, model, loader(FIXED_X, FIXED_Y, FIXED_BATCH))
    changed = [not torch.equal(old, new) for old, new in zip(before, parameters_of(model))]
    assert not any(changed), (
        "`_test` changed the model's parameters; it must only evaluate (no `optimizer.step()`, "
        "no in-place updates).")
    frozen = [name for name, parameter in model.named_parameters() if not parameter.requires_grad]
    assert not frozen, (
        f"`_test` switched off `requires_grad` of {frozen}; leave the parameters as they are.\n"
        f"Hint: use `with torch.no_grad():` instead, which stops tracking without touching the "
        f"model.")


def test_test_runs_in_eval_mode(run_model):
    model = RecordingLinear(FIXED_WEIGHT, FIXED_BIAS).train()
    call_test(run_model, model, loader(FIXED_X, FIXED_Y, FIXED_BATCH))
    modes = [call.training for call in model.calls]
    assert modes and not any(modes), (
        f"`_test` ran {sum(modes)} of its {len(modes)} forward passes in training mode, so dropout "
        f"would still be active.\nHint: call `model.eval()` before the loop.")


def test_test_disables_gradient_tracking(run_model):
    model = RecordingLinear(FIXED_WEIGHT, FIXED_BIAS)
    call_test(run_model, model, loader(FIXED_X, FIXED_Y, FIXED_BATCH))
    tracked = [call.grad_enabled for call in model.calls]
    assert tracked and not any(tracked), (
        f"`_test` ran {sum(tracked)} of its {len(tracked)} forward passes with gradient tracking "
        f"on.\nHint: wrap the evaluation loop in `with torch.no_grad():`.")


# -- 9.4 run_model: results -----------------------------------------------------------------
def test_run_model_train_returns_per_epoch_lists(run_model):
    # Frozen model, validation set = training set: every epoch of both lists has the fixed
    # model's loss and accuracy. stop_thr = -1: no early stopping under any reading.
    data = dataset(FIXED_X, FIXED_Y)
    _, loss, acc = call_run_model_train(run_model, frozen_fixed_model(), train_set=data,
                                        valid_set=data, batch_size=FIXED_BATCH, n_epochs=2,
                                        stop_thr=-1.0, shuffle=False)
    for split in ("train", "valid"):
        epochs = epochs_recorded(loss, acc, split)
        assert epochs == 2, (
            f"`run_model(..., n_epochs=2)` with a validation set returned {epochs} values under "
            f"\"{split}\"; expected 2 (one per epoch).")
        for epoch in range(2):
            check_metrics("run_model", as_float(loss[split][epoch], "run_model", "a loss"),
                          as_float(acc[split][epoch], "run_model", "an accuracy"),
                          f"{FIXED_CASE} (\"{split}\" list, epoch {epoch + 1})")


def test_run_model_without_validation_set(run_model):
    _, loss, acc = call_run_model_train(run_model, frozen_fixed_model(),
                                        train_set=dataset(FIXED_X, FIXED_Y),
                                        batch_size=FIXED_BATCH, n_epochs=1, shuffle=False)
    assert epochs_recorded(loss, acc) == 1, (
        f"`run_model(..., n_epochs=1)` without a validation set returned {len(loss['train'])} "
        f"training losses; expected 1.")
    assert epochs_recorded(loss, acc, "valid") == 0, (
        f"`run_model` without a validation set returned {len(loss['valid'])} validation losses and "
        f"{len(acc['valid'])} accuracies; expected empty lists.")


def test_run_model_test_mode(run_model):
    model = fixed_model()
    result = run_model.run_model(model, "test", test_set=dataset(FIXED_X, FIXED_Y),
                                 batch_size=FIXED_BATCH, device=CPU)
    function = "run_model(model, \"test\", ...)"
    loss, accuracy = unpack(result, 2, function, "`(test_loss, test_accuracy)`")
    check_metrics(function, as_float(loss, function, "a loss"),
                  as_float(accuracy, function, "an accuracy"), FIXED_CASE)
    assert np.array_equal(layer_arrays(model)[0], FIXED_WEIGHT), (
        f"`{function}` changed the model's weights; test mode only evaluates.")


# -- 9.5 run_model: batches, shuffling, learning rate, modes --------------------------------
def training_calls(trained, given, train_X) -> list:
    """The training passes recorded by the RecordingLinear `given` (or by the model
    `run_model` returned, if it trained a copy)."""
    model = trained if isinstance(trained, RecordingLinear) and trained.calls else given
    return model.training_calls(train_X)


@pytest.mark.parametrize("batch_size", [4, 12])
def test_run_model_batch_size_and_epochs(run_model, batch_size):
    X, y, weight, bias = indexed_problem(12)
    model = RecordingLinear(weight, bias, frozen=True)
    trained, _, _ = call_run_model_train(run_model, model, train_set=dataset(X, y),
                                         batch_size=batch_size, n_epochs=2, shuffle=False)
    sizes = [len(call.inputs) for call in training_calls(trained, model, X)]
    expected = [batch_size] * (2 * 12 // batch_size)
    assert sizes == expected, (
        f"`run_model(..., batch_size={batch_size}, n_epochs=2)` on 12 examples trained on batches "
        f"of sizes {sizes}; expected {expected} ({12 // batch_size} batches per epoch, 2 epochs).")


@pytest.mark.parametrize("shuffle", [True, False])
def test_run_model_shuffle(run_model, shuffle):
    n, batch_size = 20, 5
    X, y, weight, bias = indexed_problem(n)
    model = RecordingLinear(weight, bias, frozen=True)
    trained, _, _ = call_run_model_train(run_model, model, train_set=dataset(X, y),
                                         batch_size=batch_size, n_epochs=2, shuffle=shuffle)
    calls = training_calls(trained, model, X)
    order = [int(row[0].round()) for call in calls for row in call.inputs]
    epochs = [order[:n], order[n:]]
    assert len(order) == 2 * n and all(sorted(epoch) == list(range(n)) for epoch in epochs), (
        f"`run_model(..., n_epochs=2, shuffle={shuffle})` on {n} examples: each epoch should "
        f"train on every example exactly once; the examples served were {order}.")
    in_order = [epoch == list(range(n)) for epoch in epochs]
    if shuffle:
        assert not all(in_order), (
            f"`run_model(..., shuffle=True)` served the {n} training examples in their original "
            f"order in both epochs.\nHint: pass `shuffle=shuffle` to the training `DataLoader`.")
    else:
        assert all(in_order), (
            f"`run_model(..., shuffle=False)` served the training examples in the order {order}; "
            f"expected their original order.\nHint: pass `shuffle=shuffle` to the training "
            f"`DataLoader`.")


def test_run_model_learning_rate(run_model):
    """One epoch on one example: exactly one SGD step with the given learning rate."""
    learning_rate, X, y = 0.3, FIXED_X[:1], FIXED_Y[:1]
    trained, _, _ = call_run_model_train(run_model, fixed_model(), train_set=dataset(X, y),
                                         batch_size=1, learning_rate=learning_rate, n_epochs=1)
    got = layer_arrays(linear_layers(trained)[0])[0]
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


def test_run_model_trains_in_train_mode_after_validation(run_model):
    """Handed a model in eval mode, and after every validation pass, training epochs must run
    in train mode (dropout on)."""
    model = frozen_fixed_model()
    model.eval()
    # stop_thr = -1: no change can be smaller, so all 3 epochs run.
    trained, _, _ = call_run_model_train(run_model, model, train_set=dataset(FIXED_X, FIXED_Y),
                                         valid_set=dataset(-FIXED_X, FIXED_Y),
                                         batch_size=FIXED_BATCH, n_epochs=3, stop_thr=-1.0,
                                         shuffle=False)
    passes = training_calls(trained, model, FIXED_X)
    seen = sum(len(call.inputs) for call in passes)
    in_eval = sum(not call.training for call in passes)
    assert seen == 3 * len(FIXED_Y) and in_eval == 0, (
        f"`run_model(..., n_epochs=3)` with a validation set ran {in_eval} of its {len(passes)} "
        f"training forward passes in eval mode, on {seen} training examples; expected 3 epochs "
        f"of {len(FIXED_Y)} examples, all in train mode.\n"
        f"Hint: the model may arrive in eval mode and `_test` switches it to eval mode; call "
        f"`model.train()` at the start of every training epoch.")


# -- 9.6 run_model: early stopping ----------------------------------------------------------
# Contract reading: with a validation set, after recording epoch e >= 2, training stops (epoch
# e is the last one run, its figures are kept) when |valid_loss[e] - valid_loss[e-1]| <
# stop_thr; epoch 1 has nothing to compare with. The decrease valid_loss[e-1] - valid_loss[e]
# < stop_thr (stop when it no longer improves) is accepted too. Each test checks the number of
# epochs run against the submission's own validation losses, in a scenario where the intended
# answer is known: a frozen model (constant loss: stop after epoch 2), a threshold larger than
# any change (stop after epoch 2), and a loss that falls by more than 0.005 every epoch (run
# all epochs).
def stopping_epochs(valid, stop_thr, n_epochs) -> set:
    """Epochs after which training should end under the accepted readings, given the recorded
    validation losses `valid`."""
    readings = (lambda previous, current: abs(current - previous),
                lambda previous, current: previous - current)
    ends = set()
    for change in readings:
        ends.add(next((epoch for epoch in range(2, len(valid) + 1)
                       if change(valid[epoch - 2], valid[epoch - 1]) < stop_thr), n_epochs))
    return ends


def check_early_stopping(run_model, model, learning_rate, stop_thr, n_epochs, intended, valid=None):
    """Train on the separable problem (4 batches of 4, no shuffling), validate on `valid`
    (default: other points of the same blobs) and compare the epochs run with the rule."""
    X, y, _, _ = separable_problem()
    X_valid, y_valid = valid if valid is not None else separable_problem(seed=1)[:2]
    call = (f"run_model(..., learning_rate={learning_rate}, n_epochs={n_epochs}, "
            f"stop_thr={stop_thr})")
    trained, loss, acc = call_run_model_train(run_model, model, train_set=dataset(X, y),
                                              valid_set=dataset(X_valid, y_valid), batch_size=4,
                                              learning_rate=learning_rate, n_epochs=n_epochs,
                                              stop_thr=stop_thr, shuffle=False)
    epochs = epochs_recorded(loss, acc)
    trained_epochs = sum(len(call.inputs) for call in training_calls(trained, model, X)) / len(y)
    assert epochs_recorded(loss, acc, "valid") == epochs == trained_epochs, (
        f"`{call}` with a validation set trained {trained_epochs:g} epochs but returned "
        f"{epochs} training and {len(loss['valid'])} validation losses; expected one of each per "
        f"epoch trained.")
    valid = [as_float(value, "run_model", "a validation loss") for value in loss["valid"]]
    allowed = stopping_epochs(valid, stop_thr, n_epochs)
    if epochs in allowed:
        return
    expected = min(allowed)
    message = (f"`{call}` ({intended}) ran {plural(epochs, 'epoch')}, with validation losses "
               f"{show(np.asarray(valid))}; ")
    if epochs < expected:
        message += (f"it stopped although no change of the validation loss so far was below "
                    f"`stop_thr`.")
        if epochs == 1:
            message += ("\nHint: there is no previous validation loss after epoch 1; compare from "
                        "epoch 2 on.")
    else:
        message += (f"expected to stop after epoch {expected}, the first epoch whose validation "
                    f"loss changed by less than `stop_thr` from the previous one.")
        if epochs == expected + 1:
            message += ("\nHint: stop right after the epoch whose validation loss changed by less "
                        "than `stop_thr`; do not run one more epoch.")
    raise AssertionError(message)


def plural(count, noun) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def test_early_stopping_when_loss_is_constant(run_model):
    _, _, weight, bias = separable_problem()
    check_early_stopping(run_model, RecordingLinear(weight, bias, frozen=True), 0.5, 1e-4, 5,
                         "a model training cannot change, so the validation loss is constant")


def test_early_stopping_with_huge_threshold(run_model):
    _, _, weight, bias = separable_problem()
    check_early_stopping(run_model, RecordingLinear(weight, bias), 0.5, 10.0, 5,
                         "every change of this loss is below the threshold")


def test_early_stopping_not_triggered_while_loss_changes(run_model):
    _, _, weight, bias = separable_problem()
    check_early_stopping(run_model, RecordingLinear(weight, bias), 0.5, 1e-4, 4,
                         "the validation loss keeps falling by more than `stop_thr`")


def test_early_stopping_watches_the_validation_loss(run_model):
    # No bias and all-zero validation inputs: the validation logits stay 0 and the validation
    # loss log(2) while training changes the weights and the training loss (catches stopping on
    # the training loss).
    X, y, weight, bias = separable_problem()
    model = RecordingLinear(weight, np.zeros_like(bias))
    model.linear.bias.requires_grad_(False)
    check_early_stopping(run_model, model, 0.5, 1e-4, 5,
                         "the validation loss cannot change while the training loss does",
                         valid=(np.zeros_like(X), y))


def test_no_early_stopping_without_validation_set(run_model):
    # Frozen model: the training loss is constant, which must not stop training.
    _, loss, acc = call_run_model_train(run_model, frozen_fixed_model(),
                                        train_set=dataset(FIXED_X, FIXED_Y),
                                        batch_size=FIXED_BATCH, n_epochs=4, shuffle=False)
    epochs = epochs_recorded(loss, acc)
    assert epochs == 4, (
        f"`run_model(..., n_epochs=4)` without a validation set (constant training loss) ran "
        f"{epochs} epochs; expected 4: early stopping looks at the validation loss only.")


# -- 9.7 predict ----------------------------------------------------------------------------
def test_predict(run_model):
    # Batches of 3, 3 and 2: the predictions must follow the loader's order.
    result = run_model.predict(fixed_model(), loader(FIXED_X, FIXED_Y, 3), CPU)
    preds, targets = unpack(result, 2, "predict", "`(preds, targets)`")
    for name, got, expected in (("preds", preds, FIXED_PREDICTIONS), ("targets", targets, FIXED_Y)):
        is_labels = (isinstance(got, torch.Tensor) and got.ndim == 1
                     and not got.dtype.is_floating_point and got.dtype != torch.bool)
        assert is_labels, (
            f"`predict` returned `{name}` as {describe_output(got)}; expected a 1-D integer tensor "
            f"with one label per example."
            + ("\nHint: take `logits.argmax(dim=1)`." if name == "preds" else ""))
        assert got.tolist() == expected.tolist(), (
            f"`predict` on {FIXED_CASE} (loader batches of 3, 3, 2, not shuffled) returned "
            f"`{name}` {got.tolist()}; expected {expected.tolist()}, in the loader's order.")
