"""A catalogue of what real students write: each pattern is a bug (or code written for another
environment) in the style students write it, applied to the reference and graded through the
real entrypoint. Each must lose exactly the points of its items and get its hint, so that no
hint regresses; every other item graded in the same run keeps its points.

Patterns that touch different functions share one grading run (one submission, several edits).
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.rubric import load_rubric
from harness_tests.conftest import PROJECT, read_results, run_entrypoint


@dataclass(frozen=True)
class Pattern:
    """`find` (once in `file` of the reference) becomes `replace`; `lost` maps the items that
    must lose points to a piece of the feedback each must show."""

    name: str
    file: str
    find: str
    replace: str
    lost: dict[str, str]


PART_A = [
    Pattern("numpy 1 reshape keyword", "layers.py",
            "dx = (dout @ w.T).reshape(x.shape)",
            "dx = np.reshape(dout @ w.T, newshape=x.shape)",
            {"affine_backward": "NumPy 2 removed `reshape`'s `newshape=` keyword"}),
    Pattern("python 2 division for a size", "layers.py",
            "h_out = 1 + (height - ph) // stride",
            "h_out = 1 + (height - ph) / stride",
            {"max_pool_forward_naive": "In Python 3 `/` always gives a float",
             "max_pool_backward_naive": "In Python 3 `/` always gives a float"}),
    Pattern("numpy 1 alias", "activations.py",
            "return (np.asarray(z) > 0).astype(float)",
            "return (np.asarray(z) > 0).astype(np.float)",
            {"activation_derivatives": "`np.float` is gone from NumPy 2, which the grader runs: "
                                       "write `float` instead."}),
    Pattern("python 2 compatibility import", "softmax.py",
            "import numpy as np",
            "import numpy as np\nfrom past.builtins import xrange",
            {item: "The grader has no package `past` (Python 2 compatibility); remove the import"
             for item in ("softmax_loss_naive", "softmax_loss_vectorized",
                          "softmax_naive_vectorized_agree")}),
    Pattern("python 2 range", "deep_net.py",
            "for i in range(num_passes):",
            "for i in xrange(num_passes):",
            {"deep_net_fit_model": "`xrange` is Python 2: in Python 3 write `range`."}),
    Pattern("regularised biases", "two_layer_net.py",
            '"b1": dhidden.sum(axis=0),',
            '"b1": dhidden.sum(axis=0) + 2 * reg * b1,',
            {"two_layer_net_gradients": "has a regularisation term; biases are never regularised"}),
    Pattern("momentum instead of plain SGD", "two_layer_net.py",
            "self.params[name] -= learning_rate * grad",
            "self.velocity = getattr(self, 'velocity', {})\n"
            "                self.velocity[name] = 0.9 * self.velocity.get(name, 0.0) - learning_rate * grad\n"
            "                self.params[name] += self.velocity[name]",
            {"two_layer_net_train": "these are steps with momentum (0.9); the contract asks for "
                                    "plain SGD"}),
    Pattern("log of probabilities after subtracting the maximum", "layers.py",
            "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
            "    loss = -log_probs[np.arange(n), y].mean()",
            "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
            "    log_probs = np.log(probs)\n"
            "    loss = -log_probs[np.arange(n), y].mean()",
            {"layers_softmax_loss": "you subtract each row's maximum already, but a class far "
                                    "below the best gets probability 0"}),
    Pattern("np.vectorize defined at module level", "two_layer_net.py",
            "import numpy as np\n",
            "import numpy as np\n\n_pick = np.vectorize(lambda table, row, label: table[row, label],"
            " excluded={0})\n",
            {}),
    Pattern("np.vectorize used for the correct-class scores", "two_layer_net.py",
            "loss = -log_probs[rows, y].mean()",
            "loss = -_pick(log_probs, rows, y).mean()",
            {"two_layer_net_vectorised": "line 7 of `two_layer_net.py` calls `np.vectorize`, which "
                                         "calls Python once per element"}),
]
PART_A_KEPT = ["affine_forward", "activations_sigmoid", "deep_net_feedforward", "two_layer_net_loss"]

# Mistakes in the convolution and pooling sizes (graded apart: PART_A breaks `max_pool_forward_naive`).
PART_A_SIZES = [
    Pattern("stripping the padding with pad:-pad", "layers.py",
            "dx = dx_pad[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]",
            "dx = dx_pad[:, :, pad:-pad, pad:-pad]",
            {"conv_backward_naive": "with `pad = 0`, `dx_pad[:, :, pad:-pad, pad:-pad]` is empty"}),
    Pattern("W_out from pool_height", "layers.py",
            "w_out = 1 + (width - pw) // stride",
            "w_out = 1 + (width - ph) // stride",
            {"max_pool_forward_naive": "the output width comes from the window's width"}),
    Pattern("a signature that differs from the contract", "layers.py",
            "def relu_forward(x):",
            "def relu_forward(x, leak):",
            {"relu_forward": "The grader calls `relu_forward` as the assignment defines it, "
                             "`relu_forward(x)`, but yours is `relu_forward(x, leak)`"}),
    Pattern("a function under another name", "layers.py",
            "def max_pool_backward_naive(dout, cache):",
            "def maxpool_backward_naive(dout, cache):",
            {"max_pool_backward_naive": "Your `layers.py` has no `max_pool_backward_naive`, which "
                                        "the assignment asks for there: "
                                        "`def max_pool_backward_naive(dout, cache)`"}),
]
PART_A_SIZES_KEPT = ["conv_forward_naive", "affine_forward"]

PART_B = [
    Pattern("accuracy as the mean of batch accuracies", "run_model.py",
            "batch_losses.append(loss.item())\n"
            "        n_correct += (logits.argmax(dim=1) == targets).sum().item()\n"
            "        n_seen += len(targets)",
            "batch_losses.append(loss.item())\n"
            "        n_correct += (logits.argmax(dim=1) == targets).float().mean().item()\n"
            "        n_seen += 1",
            {"train_metrics": "that is the mean of the 3 batch accuracies, but the last batch is "
                              "smaller"}),
    Pattern("summed batch losses", "run_model.py",
            "loss_function = nn.CrossEntropyLoss()\n    was_training = model.training",
            "loss_function = nn.CrossEntropyLoss(reduction=\"sum\")\n    was_training = model.training",
            {"test_evaluation": "each batch loss is a sum over its examples (`reduction=\"sum\"`)",
             "run_model_results": "(`reduction=\"sum\"`)", "early_stopping": ""}),
    Pattern("load_classifier missing", "models.py",
            "def load_classifier(path):",
            "def load_model(path):",
            {"mnist_accuracy": "`mnist.pt` is graded through `models.load_classifier`, which "
                               "rebuilds your network from it, but `models.py` has none"}),
]
PART_B_KEPT = ["train_sgd_steps", "get_device", "predict"]

# Graded apart from PART_A and PART_B, whose edits break these functions' items first.
APART = [
    Pattern("argmax over the whole batch", "run_model.py",
            "            n_correct += (logits.argmax(dim=1) == targets).sum().item()",
            "            n_correct += (torch.argmax(logits) == targets).sum().item()",
            {"test_evaluation": "`torch.argmax(outputs)` without `dim` gives one index into the "
                                "whole flattened batch"}),
    Pattern("loss summed over the examples, divided by the number of batches", "run_model.py",
            "batch_losses.append(loss.item())\n"
            "        n_correct += (logits.argmax(dim=1) == targets).sum().item()",
            "batch_losses.append(loss.item() * len(targets))\n"
            "        n_correct += (logits.argmax(dim=1) == targets).sum().item()",
            {"train_metrics": "divide the summed loss by the number of examples"}),
    Pattern("pooling gradients assigned instead of accumulated", "layers.py",
            "dx[rows, channels, top + di, left + dj] += dout[:, :, i, j]",
            "dx[rows, channels, top + di, left + dj] = dout[:, :, i, j]",
            {"max_pool_backward_naive": "accumulate (`+=`) its gradients instead of overwriting "
                                        "them"}),
    Pattern("int() of a one-element array", "softmax.py",
            "loss += np.log(total) - scores[y[i]]",
            "loss += np.log(total) - scores[int(y[i:i + 1])]",
            {item: "NumPy 2 converts only 0-dimensional arrays to a Python number"
             for item in ("softmax_loss_naive", "softmax_naive_vectorized_agree")}),
    Pattern("an import from numpy.lib.function_base", "confusion.py",
            "import numpy as np\n",
            "import numpy as np\nfrom numpy.lib.function_base import average\n",
            {"confusion_matrix": "NumPy 2 made `numpy.lib.function_base` private"}),
    Pattern("a ReLU on the output layer", "models.py",
            "(N, 784) or (N, 28, 28) -> logits: (N, 10).\"\"\"\n"
            "        x = torch.flatten(inputs, start_dim=1)\n"
            "        x = F.relu(self.fc1(x))\n"
            "        x = F.relu(self.fc2(x))\n"
            "        return self.fc3(x)",
            "(N, 784) or (N, 28, 28) -> logits: (N, 10).\"\"\"\n"
            "        x = torch.flatten(inputs, start_dim=1)\n"
            "        x = F.relu(self.fc1(x))\n"
            "        x = F.relu(self.fc2(x))\n"
            "        return F.relu(self.fc3(x))",
            {"raw_logits": "no value is negative: remove the activation (ReLU/sigmoid) after "
                           "the last layer", "digit_classifier": ""}),
    Pattern("images flattened outside forward", "models.py",
            "Flattens each example.\"\"\"\n        x = torch.flatten(inputs, start_dim=1)",
            "Flattens each example.\"\"\"\n        x = inputs",
            {"dog_classifier_fc": "flatten each example inside `forward`"}),
]

RUN_MODEL = [
    Pattern("training loss stored as the validation loss", "run_model.py",
            'loss["valid"].append(valid_loss)',
            'loss["valid"].append(train_loss)',
            {"run_model_results": "returned the training set's loss 1.908101 under "
                                  "`loss[\"valid\"]` (epoch 1); expected the validation set's",
             "early_stopping": ""}),
    Pattern("training in whatever mode the model came in", "run_model.py",
            "model.train()\n    batch_losses", "batch_losses",
            {"run_model_training": "these are the steps of the model in eval mode, in every "
                                   "epoch: it came in eval mode, and `_train` must put it in "
                                   "training mode itself"}),
]

UNUSED_IMPORT = [
    Pattern("an unused import of a package the grader lacks", "models.py",
            "import torch.nn.functional as F",
            "import torch.nn.functional as F\nimport torchvision",
            {"digit_classifier": "The grader has no package `torchvision`; remove the import."}),
]


def submission_with(folder: Path, patterns: list[Pattern]) -> Path:
    folder.mkdir()
    for source in (PROJECT / "reference").iterdir():
        if source.is_file():
            (folder / source.name).write_bytes(source.read_bytes())
    for pattern in patterns:
        path = folder / pattern.file
        text = path.read_text()
        assert text.count(pattern.find) == 1, f"{pattern.name}: `find` must occur once in {pattern.file}"
        path.write_text(text.replace(pattern.find, pattern.replace))
    return folder


def grade_patterns(tmp_path: Path, patterns: list[Pattern], kept: list[str]) -> dict[str, dict]:
    items = sorted({item for pattern in patterns for item in pattern.lost} | set(kept))
    results = tmp_path / "results.json"
    finished = run_entrypoint(["--submission", str(submission_with(tmp_path / "submission", patterns)),
                               "--results", str(results), "--items", *items])
    assert finished.returncode == 0, finished.stderr[-2000:]
    graded = read_results(results)
    numbers = {item.number: item.id for item in load_rubric(PROJECT / "rubric.yaml").items}
    by_id = {numbers[test["number"]]: test for test in graded["tests"]}
    assert sorted(by_id) == items
    return by_id


def check(by_id: dict[str, dict], patterns: list[Pattern], kept: list[str]) -> None:
    for pattern in patterns:
        for item, hint in pattern.lost.items():
            assert by_id[item]["score"] < by_id[item]["max_score"], f"{pattern.name}: {item} kept its points"
            assert hint in by_id[item]["output"], (pattern.name, item, by_id[item]["output"])
    for item in kept:
        assert by_id[item]["score"] == by_id[item]["max_score"], (item, by_id[item]["output"])


@pytest.mark.parametrize("patterns, kept", [(PART_A, PART_A_KEPT),
                                            (PART_A_SIZES, PART_A_SIZES_KEPT),
                                            (PART_B, PART_B_KEPT),
                                            (APART, ["predict", "affine_forward"]),
                                            (RUN_MODEL, ["test_evaluation"])],
                         ids=["part_a", "part_a_sizes", "part_b", "apart", "run_model"])
def test_each_pattern_loses_its_items_with_its_hint(tmp_path, patterns, kept):
    check(grade_patterns(tmp_path, patterns, kept), patterns, kept)


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is not None,
                    reason="torchvision is installed here, so importing it is no mistake")
def test_an_unused_import_of_a_missing_package_names_the_package(tmp_path):
    check(grade_patterns(tmp_path, UNUSED_IMPORT, []), UNUSED_IMPORT, [])
