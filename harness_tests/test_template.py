import ast

from autograder.rubric import load_rubric
from autograder.staging import graded_files
from autograder.tools.template import stub_source, write_template
from harness_tests.conftest import PROJECT

SOURCE = '''import numpy as np
LIMIT = 3


def graded(x):
    """Shapes: x (N, D)."""
    y = x + 1
    return y


# provided
def helper(x):
    return 2 * x


class Net:
    size = 4

    # provided
    def __init__(self):
        self.w = np.zeros(3)

    @staticmethod
    def step(z):
        """Doc
        on two lines."""
        for _ in range(3):
            pass
        return z

    def undocumented(self):
        return 1
'''


def test_stubs_keep_signature_docstring_constants_and_provided_code():
    stubbed = stub_source(SOURCE)
    ast.parse(stubbed)
    assert 'def graded(x):\n    """Shapes: x (N, D)."""\n    raise NotImplementedError\n' in stubbed
    assert "return 2 * x" in stubbed and "self.w = np.zeros(3)" in stubbed
    assert "LIMIT = 3" in stubbed and "size = 4" in stubbed
    assert "@staticmethod\n    def step(z):" in stubbed and "for _ in range(3)" not in stubbed
    assert "def undocumented(self):\n        raise NotImplementedError" in stubbed


def test_committed_template_is_generated_from_the_reference():
    rubric = load_rubric(PROJECT / "rubric.yaml")
    assert write_template(rubric, check_only=True) == [], "run `python -m autograder template`"
    for name in graded_files(rubric):
        if name.endswith(".py"):
            ast.parse((PROJECT / rubric.template / name).read_text())
