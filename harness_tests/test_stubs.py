"""A call into a function that is still the template's stub fails its test at once."""
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.feedback import describe_failure
from autograder.stubs import NotImplementedYet, stub_functions

SOURCE = textwrap.dedent('''
    def stub(x):
        """Docstring kept."""
        raise NotImplementedError

    def stub_with_message(x):
        raise NotImplementedError("write me")

    def partly_done(x, mode):
        if mode == "a":
            return x
        raise NotImplementedError

    def raises_another_error(x):
        raise ValueError

    class Net:
        def loss(self, X):
            """Docstring."""
            raise NotImplementedError()

        def train(self, X):
            return self.loss(X)
    ''')


def test_only_bodies_that_are_just_the_raise_are_stubs():
    assert stub_functions("model", SOURCE) == {"model.stub", "model.stub_with_message", "Net.loss"}


def test_a_file_with_a_syntax_error_has_no_stubs():
    assert stub_functions("model", "def f(:\n") == set()


def test_hypothesis_stops_at_the_first_call_instead_of_shrinking():
    calls = []

    @settings(max_examples=50, database=None)
    @given(st.integers())
    def check(value):
        calls.append(value)
        raise NotImplementedYet("layers.relu_forward")

    with pytest.raises(NotImplementedYet):
        check()
    assert len(calls) == 1


def test_the_student_reads_which_function_is_not_implemented():
    assert describe_failure(NotImplementedYet("TwoLayerNet.loss"), None) == (
        "Not implemented yet: `TwoLayerNet.loss` still raises `NotImplementedError`.")
