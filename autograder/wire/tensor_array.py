"""A torch tensor as the grading process holds it, with no torch imported there.

A tensor a worker returns arrives as a `TensorArray`: its values in a NumPy array of the
tensor's own dtype (a float32 tensor stays float32), marked as a tensor so that it crosses back
to a worker as one. Slices and arithmetic keep the mark, as torch keeps tensors tensors.
"""
from __future__ import annotations

import numpy as np


class TensorArray(np.ndarray):
    """A tensor's values, shape and dtype; `remote_type` is the name the student knows."""

    remote_type = "Tensor"


def tensor(values, dtype: str = "float32") -> TensorArray:
    """`values` as a tensor of `dtype` (a NumPy dtype name that torch shares: "float32",
    "int64", "bool", ...), e.g. the input a grading test sends to a student's model."""
    return np.array(values, dtype=dtype).view(TensorArray)
