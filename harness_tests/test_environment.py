"""Errors of code written for another environment are named as such, with the fix and the
grader's versions; every other error is left as it is."""
import platform

import numpy as np
import pytest

from autograder.grading_process import environment
from autograder.grading_process.feedback import describe_failure
from autograder.grading_process.problems import describe_import_error
from autograder.wire.protocol import ErrorInfo


def raised(expression: str, **names) -> BaseException:
    try:
        eval(expression, {"np": np, **names})
    except BaseException as error:  # noqa: BLE001
        return error
    raise AssertionError(f"{expression} did not raise")


def test_versions_name_python_numpy_and_torch():
    text = environment.versions()
    assert text.startswith(f"Python {platform.python_version()}, NumPy {np.__version__} and torch ")


# What the grader's NumPy and Python really raise for old code, with what the student reads.
@pytest.mark.parametrize("expression, expected", [
    ("np.reshape(np.zeros(4), newshape=(2, 2))", "NumPy 2 removed `reshape`'s `newshape=` keyword"),
    ("int(np.array([1.0]))", "NumPy 2 converts only 0-dimensional arrays to a Python number"),
    ("np.float", "`np.float` is gone from NumPy 2, which the grader runs: write `float` instead."),
    ("np.NaN", "`np.NaN` is gone from NumPy 2, which the grader runs: write `np.nan` instead."),
    ("np.product(np.ones(2))", "write `np.prod` instead"),
    ("xrange(3)", "`xrange` is Python 2: in Python 3 write `range`."),
    ("{}.iteritems()", "`dict.iteritems` is Python 2: in Python 3 write `items()`."),
    ("__import__('numpy.lib.function_base')", "NumPy 2 made `numpy.lib.function_base` private"),
    ("__import__('cPickle')", "Python 2's name for `pickle`: import `pickle` instead."),
    ("__import__('past.builtins')", "The grader has no package `past` (Python 2 compatibility); remove the import"),
])
def test_old_environment_errors_are_explained(expression, expected):
    error = raised(expression)
    explained = environment.explain(type(error).__name__, str(error))
    assert explained is not None and expected in explained
    assert explained.endswith(f"(The grader runs {environment.versions()}.)")


def test_a_missing_package_of_the_students_own_says_to_upload_it():
    explained = environment.explain("ModuleNotFoundError", "No module named 'helpers'")
    assert "The grader has no package `helpers`; remove the import (or, if `helpers.py` is a file " \
           "of yours, upload it with your submission)." in explained


def test_division_is_blamed_only_where_the_code_divides():
    error = raised("np.zeros(H / 2)", H=4)
    kind, message = type(error).__name__, str(error)
    assert "use `//`" in environment.explain(kind, message, "out = np.zeros(H / 2)")
    assert environment.explain(kind, message, "out = np.zeros(H // 2)") is None
    function = "def pool(x, H):\n    H_out = H / 2\n    return np.zeros(H_out)\n"
    assert "use `//`" in environment.explain(kind, message, "return np.zeros(H_out)", function)
    assert environment.explain(kind, message, "return np.zeros(H_out)",
                               function.replace("H / 2", "H // 2")) is None


def test_enclosing_function_is_the_innermost_one_spanning_the_line():
    source = "def outer():\n    def inner():\n        return 1 / 2\n    return inner\n\nx = 1\n"
    assert environment.enclosing_function(source, 3).startswith("def inner")
    assert environment.enclosing_function(source, 4).startswith("def outer")
    assert environment.enclosing_function(source, 6) == ""


@pytest.mark.parametrize("kind, message", [
    ("ValueError", "shapes (2,3) and (2,3) not aligned"),
    ("ModuleNotFoundError", "No module named 'numpy_not_a_thing'"),  # then it is a student file
    ("ModuleNotFoundError", "No module named 'scipy'"),  # the grader has it: a real error
    ("NameError", "name 'W3' is not defined"),
    ("AttributeError", "module 'numpy' has no attribute 'frobnicate'"),
])
def test_other_errors_are_not_explained_as_the_environment(kind, message):
    explained = environment.explain(kind, message)
    assert explained is None or "numpy_not_a_thing" in explained


def test_an_import_error_from_a_missing_package_drops_the_top_level_advice():
    info = ErrorInfo("ModuleNotFoundError", ["ModuleNotFoundError", "ImportError", "Exception"],
                     "No module named 'past'", None,
                     [("/submission/softmax.py", 2, "<module>", "from past.builtins import xrange")])
    text = describe_import_error("softmax.py", info)
    assert text.startswith("Importing `softmax.py` raised `ModuleNotFoundError: No module named "
                           "'past'` (line 2). The grader has no package `past`")
    assert "keep only definitions there" not in text


def test_python2_print_is_named_in_the_syntax_error():
    with pytest.raises(SyntaxError) as caught:
        compile("def f(x):\n    print x\n", "softmax.py", "exec")
    text = describe_import_error("softmax.py", caught.value)
    assert "That is Python 2 code; the grader runs Python" in text


def test_a_call_that_fails_on_numpy_2_says_so(tmp_path):
    student = tmp_path / "layers.py"
    student.write_text("import numpy as np\n\ndef affine_backward(dout, x):\n"
                       "    return np.reshape(dout, newshape=x.shape)\n")
    namespace: dict = {}
    exec(compile(student.read_text(), str(student), "exec"), namespace)
    try:
        namespace["affine_backward"](np.zeros(4), np.zeros((2, 2)))
    except TypeError as error:
        message = describe_failure(error, tmp_path)
    assert message.startswith("`layers.affine_backward` raised `TypeError: reshape() got an "
                              "unexpected keyword argument 'newshape'`.")
    assert "NumPy 2 removed `reshape`'s `newshape=` keyword" in message
