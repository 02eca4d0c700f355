"""Grading tests for confusion.py: confusion_matrix(y_true, y_pred, num_classes) -> (K, K) ints,
rows = true class, columns = predicted class."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.grading_process.grading_api import remote_type_name
from tests.support import expected, show


@st.composite
def label_cases(draw):
    """(y_true, y_pred, K): N in 1..30 int64 labels in [0, K), K in 1..6."""
    k = draw(st.integers(1, 6))
    labels = st.lists(st.integers(0, k - 1), min_size=1, max_size=30)
    y_true = draw(labels)
    y_pred = draw(st.lists(st.integers(0, k - 1), min_size=len(y_true), max_size=len(y_true)))
    return np.array(y_true, dtype=np.int64), np.array(y_pred, dtype=np.int64), k


def describe(y_true, y_pred, k):
    return f"y_true = {show(y_true)}, y_pred = {show(y_pred)}, num_classes = {k}"


def check_matrix(confusion, y_true, y_pred, k):
    got = confusion.confusion_matrix(y_true.copy(), y_pred.copy(), k)
    want = expected.confusion_counts(y_true, y_pred, k)
    where = describe(y_true, y_pred, k)
    if getattr(got, "shape", None) != want.shape:
        raise AssertionError(
            f"`confusion_matrix` for {where} returned shape "
            f"{getattr(got, 'shape', remote_type_name(got))}; expected ({k}, {k}): one row and one "
            f"column per class, even for classes that never occur.")
    if not np.issubdtype(got.dtype, np.integer):
        raise AssertionError(f"`confusion_matrix` for {where} returned dtype `{got.dtype}`; "
                             f"expected an integer dtype (counts).\n"
                             f"Hint: create the matrix with `np.zeros((K, K), dtype=int)`.")
    if not np.array_equal(got, want):
        hint = ("\nHint: your matrix is transposed: rows must be the true class and columns "
                "the predicted class." if np.array_equal(got, want.T) else "")
        raise AssertionError(f"`confusion_matrix` for {where} returned\n{show(got, 100)}\n"
                             f"expected (rows = true class, columns = predicted class)\n"
                             f"{show(want, 100)}{hint}")


def test_rows_are_true_class_columns_predicted(confusion):
    check_matrix(confusion, np.array([0, 0, 1, 2, 2, 2]), np.array([1, 1, 1, 0, 2, 2]), 3)


def test_shape_includes_classes_that_never_occur(confusion):
    check_matrix(confusion, np.array([1, 1, 3]), np.array([1, 3, 3]), 5)


@given(case=label_cases())
def test_counts_match_and_sum_to_n(confusion, case):
    check_matrix(confusion, *case)
