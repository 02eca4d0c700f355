"""Recognise a typical mistake by comparing a student's answer with what that mistake yields."""
import numpy as np


def matching_hint(got, truth, mistakes, rtol=1e-6, atol=1e-8):
    """The text of the first `(answer the mistake gives, "Hint: ...")` pair in `mistakes` that
    `got` matches while the true answer `truth` does not; None when there is none.

    Arrays or scalars; a mistake's answer of another shape than `got`, or None, is skipped.
    """
    got = np.asarray(got, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    for answer, text in mistakes:
        if answer is None:
            continue
        answer = np.asarray(answer, dtype=np.float64)
        if answer.shape != got.shape:
            continue
        if answer.shape == truth.shape and np.allclose(answer, truth, rtol=10 * rtol, atol=atol):
            continue
        if np.allclose(got, answer, rtol=rtol, atol=atol):
            return text
    return None
