"""Grading tests for the submitted digit networks `digits_2not2.pkl` and `digits_10.pkl`: loaded
with the submission's `xor_net.Backprop.load` and tested on the held-out 14x14 digits, without
training. Targets come from the rubric item's config.
"""
import numpy as np
import pytest

from autograder.grading_process.grading_api import submission_file
from tests.support import describe_shape
from tests.support.digits_metrics import (digit_confusion_matrix, format_confusion_matrix,
                                          two_not_two_counts)


@pytest.fixture(scope="module")
def test_digits(data):
    """The held-out split: X: (2500, 196) in [0, 1], y: (2500,) digits."""
    return data.load_digits196("test")


def loaded_outputs(xor_net, filename, n_outputs, X):
    """Outputs (N, n_outputs) of the submitted weights loaded into Backprop(196, 1, n_outputs)."""
    net = xor_net.Backprop(196, 1, n_outputs)
    net.load(str(submission_file(filename)))
    call = f"`Backprop(196, 1, {n_outputs}).load(\"{filename}\")`"
    try:
        outputs = net.test(X)
    except ValueError as error:
        raise AssertionError(
            f"After {call}, `test(X)` on the test digits (X of shape {X.shape}) raised "
            f"`ValueError: {error}`. Was `{filename}` saved from a net with 196 inputs?") from None
    if getattr(outputs, "shape", None) != (len(X), n_outputs):
        raise AssertionError(
            f"After {call}, `test(X)` on the test digits (X of shape {X.shape}) returned shape "
            f"{describe_shape(outputs)}; expected {(len(X), n_outputs)}. Was `{filename}` saved "
            f"from a net with {n_outputs} output{'s' if n_outputs > 1 else ''}?")
    return np.asarray(outputs, dtype=np.float64)


@pytest.fixture(scope="module")
def two_not_two(xor_net, test_digits):
    """The 2-not-2 figures of the submitted digits_2not2.pkl at xor_net.THRESHOLD."""
    X, y = test_digits
    outputs = loaded_outputs(xor_net, "digits_2not2.pkl", 1, X)
    return two_not_two_counts(outputs[:, 0] >= xor_net.THRESHOLD, y)


def summary(counts, threshold):
    return (f"`digits_2not2.pkl` on the {counts['twos'] + counts['others']} held-out test digits "
            f"(output >= THRESHOLD = {threshold} means \"2\"): accuracy {counts['accuracy']:.2%}, "
            f"misses {counts['misses']} of {counts['twos']} twos, false positives "
            f"{counts['false_positives']} of {counts['others']} other digits.")


def test_2not2_accuracy(two_not_two, xor_net, item_config):
    text = summary(two_not_two, xor_net.THRESHOLD)
    print(text)
    target = item_config["min_accuracy"]
    if two_not_two["accuracy"] < target:
        raise AssertionError(
            f"{text}\nThe accuracy must be at least {target:.0%} (answering \"not 2\" every time "
            f"already scores 90%).")


def test_2not2_misses(two_not_two, xor_net, item_config):
    text = summary(two_not_two, xor_net.THRESHOLD)
    print(text)
    limit = item_config["max_misses"]
    if two_not_two["misses"] > limit:
        raise AssertionError(
            f"{text}\nAt most {limit} twos may be missed.\nHint: a lower `THRESHOLD`, or more "
            f"twos in training (they are only a tenth of the digits), reduces misses.")


def test_2not2_false_positives(two_not_two, xor_net, item_config):
    text = summary(two_not_two, xor_net.THRESHOLD)
    print(text)
    limit = item_config["max_false_positives"]
    if two_not_two["false_positives"] > limit:
        raise AssertionError(
            f"{text}\nAt most {limit} other digits may be called a 2.\nHint: a higher `THRESHOLD` "
            f"reduces false positives.")


def test_digits10_accuracy(xor_net, test_digits, item_config):
    X, y = test_digits
    predicted = np.argmax(loaded_outputs(xor_net, "digits_10.pkl", 10, X), axis=1)
    accuracy = float(np.mean(predicted == y))
    matrix = digit_confusion_matrix(y, predicted)
    text = (f"`digits_10.pkl` on the {len(y)} held-out test digits (predicted digit = the "
            f"largest of the 10 outputs): accuracy {accuracy:.2%}.\nConfusion matrix "
            f"(rows: true digit, columns: predicted digit):\n{format_confusion_matrix(matrix)}")
    print(text)
    target = item_config["min_accuracy"]
    if accuracy < target:
        raise AssertionError(
            f"{text}\nThe accuracy must be at least {target:.0%}.")
