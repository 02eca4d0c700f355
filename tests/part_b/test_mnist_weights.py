"""Grading test for the submitted trained weights `mnist.pt`: a `MultiLayerPerceptron` state
dict, rebuilt with the submission's `models.load_classifier` and scored, without any training,
on the held-out MNIST test split of the provided `data.load_mnist` (2,500 images, 784 pixels in
[0, 1]). The accuracy target is the rubric item's `config: min_accuracy` (percent).
"""
import numpy as np
import torch

from autograder.grading_api import submission_file


def test_mnist_accuracy(models, data, item_config, record_property):
    target = float(item_config["min_accuracy"])
    model = models.load_classifier(str(submission_file("mnist.pt")))
    X, y = data.load_mnist("test")
    model.eval()
    try:
        with torch.no_grad():
            logits = model(torch.as_tensor(X, dtype=torch.float32))
    except RuntimeError as error:
        raise AssertionError(
            f"The network in `mnist.pt` (rebuilt by `load_classifier`) failed on the MNIST test "
            f"images, shape {X.shape}: `{error}`.\nHint: train it on `data.load_mnist(\"train\")`, "
            f"784 pixel values in [0, 1] per image, with 10 outputs.") from None
    assert tuple(logits.shape) == (len(y), 10), (
        f"The network in `mnist.pt` returned outputs of shape {tuple(logits.shape)} for the "
        f"{len(y)} MNIST test images; expected {(len(y), 10)}, one score per digit.")
    accuracy = 100.0 * float(np.mean(logits.argmax(dim=1).numpy() == y))
    record_property("mnist_accuracy", round(accuracy, 2))  # published by rubric.yaml's leaderboard
    assert accuracy >= target, (
        f"The network in `mnist.pt` classifies {accuracy:.2f}% of the {len(y)} held-out MNIST test "
        f"images correctly; the target is {target:.2f}%.\nHint: train longer or with a different "
        f"learning rate/hidden sizes on `data.load_mnist(\"train\")` (pixels in [0, 1], as given), "
        f"and save `model.state_dict()`.")
