"""Grading test for the submitted trained weights `mnist.pt`: a `MultiLayerPerceptron` state
dict, rebuilt in the worker with the submission's `models.load_classifier`, and scored without
any training on the held-out MNIST test split of the provided `data.load_mnist` (2,500 images,
784 pixels in [0, 1]). The accuracy is computed here, from the weights the rebuilt model holds
(an affine-ReLU chain, as the contract's MultiLayerPerceptron is), after checking that the
worker's own forward pass picks the same classes on a sample. The target is the rubric item's
`config: min_accuracy` (percent).
"""
import numpy as np

from autograder.grading_process.grading_api import TensorArray, submission_file
from tests.support.torch_models import (affine_chain_forward, chain_sizes, describe,
                                          describe_linear_layers, describe_sizes, linear_chain)

SAMPLE = 100  # images whose logits the worker computes too


def test_mnist_accuracy(models, tools, data, item_config, record_property):
    target = float(item_config["min_accuracy"])
    try:
        load_classifier = models.load_classifier
    except AttributeError as error:
        raise AssertionError(
            f"`mnist.pt` is graded through `models.load_classifier`, which rebuilds your network "
            f"from it, but `models.py` has none (`{error}`): write `load_classifier(path)` as "
            f"the assignment describes.") from None
    model = load_classifier(str(submission_file("mnist.pt")))
    X, y = data.load_mnist("test")
    model.eval()
    described = describe(tools, model, "load_classifier(\"mnist.pt\")")
    chain, unused = linear_chain(described, X.shape[1])
    assert chain and not unused and chain[-1].out_features == 10, (
        f"The network in `mnist.pt` (rebuilt by `load_classifier`) has "
        f"{describe_linear_layers(described)}; expected a `MultiLayerPerceptron` from 784 pixels "
        f"to 10 outputs.\nHint: train it on `data.load_mnist(\"train\")`, 784 pixel values in "
        f"[0, 1] per image, with 10 outputs.")
    logits = affine_chain_forward(chain, X)
    try:
        worker_logits = tools.forward(model, X[:SAMPLE])
    except RuntimeError as error:
        raise AssertionError(
            f"The network in `mnist.pt` (rebuilt by `load_classifier`) failed on MNIST test "
            f"images of shape {X[:SAMPLE].shape}: `{error}`.") from None
    agree = (isinstance(worker_logits, TensorArray) and tuple(worker_logits.shape) == (SAMPLE, 10)
             and np.mean(worker_logits.argmax(axis=1) == logits[:SAMPLE].argmax(axis=1)) >= 0.9)
    assert agree, (
        f"The network in `mnist.pt` (rebuilt by `load_classifier`) does not classify like affine → "
        f"ReLU → … → affine through its layers {describe_sizes(chain_sizes(chain, X.shape[1]))}.")
    accuracy = 100.0 * float(np.mean(logits.argmax(axis=1) == y))
    record_property("mnist_accuracy", round(accuracy, 2))  # published by rubric.yaml's leaderboard
    assert accuracy >= target, (
        f"The network in `mnist.pt` classifies {accuracy:.2f}% of the {len(y)} held-out MNIST test "
        f"images correctly; the target is {target:.2f}%.\nHint: train longer or with a different "
        f"learning rate/hidden sizes on `data.load_mnist(\"train\")` (pixels in [0, 1], as given), "
        f"and save `model.state_dict()`.")
