"""Independent figures for grading the submitted digit networks: the 2-not-2 counts and the
10-class confusion matrix (computed here, never with the student's confusion.py).
"""
import numpy as np


def two_not_two_counts(said_two, labels):
    """said_two: (N,) bools ("it is a 2"), labels: (N,) digits ->
    {"accuracy", "misses", "false_positives", "twos", "others"}."""
    is_two = labels == 2
    return {
        "accuracy": float(np.mean(said_two == is_two)),
        "misses": int(np.sum(is_two & ~said_two)),
        "false_positives": int(np.sum(said_two & ~is_two)),
        "twos": int(np.sum(is_two)),
        "others": int(np.sum(~is_two)),
    }


def digit_confusion_matrix(labels, predicted, num_classes=10):
    """(K, K) int counts, rows = true digit, columns = predicted digit."""
    return np.bincount(num_classes * np.asarray(labels) + np.asarray(predicted),
                       minlength=num_classes ** 2).reshape(num_classes, num_classes)


def format_confusion_matrix(matrix):
    """A markdown code block: one row per true digit, one column per predicted digit."""
    width = max(4, len(str(matrix.max())) + 1)
    header = "true\\pred" + "".join(f"{k:>{width}}" for k in range(matrix.shape[1]))
    rows = [f"{k:>9}" + "".join(f"{count:>{width}}" for count in row)
            for k, row in enumerate(matrix)]
    return "```\n" + "\n".join([header, *rows]) + "\n```"
