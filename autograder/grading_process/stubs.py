"""A call into a submitted function that is still the template's stub (see
`autograder.template_stubs`) fails its test at once (`NotImplementedYet`) instead of letting
hypothesis shrink an input that does not matter: for the empty template that is most of the
grading time.
"""
from __future__ import annotations


class NotImplementedYet(BaseException):
    """A call reached a function that is still a stub. A `BaseException`, so that hypothesis
    does not catch it to shrink the input; `function` is the call's label (`layers.relu_forward`)."""

    def __init__(self, function: str):
        super().__init__(f"{function} still raises NotImplementedError")
        self.function = function
