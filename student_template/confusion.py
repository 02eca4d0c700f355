"""Confusion matrix of a classifier's predictions."""
import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    """Counts of (true class, predicted class) pairs.

    y_true: (N,) int labels in [0, K); y_pred: (N,) int labels in [0, K); num_classes: K.
    Returns a (K, K) int array whose entry [i, j] counts the examples of true class i
    predicted as class j (rows = true class, columns = predicted class).
    """
    raise NotImplementedError
