"""Helpers shared by the grading tests: numerical gradients, feedback formatting, and
independent NumPy computations of expected results (`tests.support.expected`)."""
from .messages import assert_allclose, describe_shape, first_hint, show
from .gradcheck import (assert_gradient_close, numerical_gradient, numerical_gradient_array,
                        numerical_gradient_samplewise, rel_error, relative_errors)

__all__ = ["assert_allclose", "assert_gradient_close", "describe_shape", "first_hint",
           "numerical_gradient", "numerical_gradient_array", "numerical_gradient_samplewise",
           "rel_error", "relative_errors", "show"]
