"""The grading process's own reading of submitted source for loops over the examples (backs the
worker's line count on the vectorisation items)."""
import textwrap

import pytest

from tests.support.source_scan import example_loops

CASES = {
    "range of a size name": ("num_train = X.shape[0]\nfor i in range(num_train):\n    pass", [2]),
    "tuple of sizes": ("N, C = X.shape[0], W.shape[1]\nfor i in range(0, N):\n    pass", [2]),
    "shape unpacked": ("N, D = X.shape\nwhile False:\n    pass\nfor i in range(N):\n    pass", [4]),
    "len of labels": ("for i in range(len(labels)):\n    pass", [1]),
    "the examples themselves": ("total = sum(row.sum() for row in X)", [1]),
    "zip and enumerate": ("for x, t in zip(X, labels):\n    pass\nfor i, t in enumerate(labels):\n    pass", [1, 3]),
    "np.vectorize": ("f = np.vectorize(lambda v: v)", [1]),
    "loop over classes": ("C = W.shape[1]\nfor c in range(C):\n    pass", []),
    "loop over parameters": ("for name in ('W1', 'W2'):\n    pass", []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_flags_only_loops_over_the_examples(name):
    body, lines = CASES[name]
    source = "import numpy as np\n\ndef loss(W, X, labels, reg):\n" + textwrap.indent(body, "    ")
    assert [line - 3 for line, _ in example_loops(source, "loss", (1, 2))] == lines


def test_methods_are_found_by_qualified_name_and_parameters_by_position():
    source = textwrap.dedent("""
        class Net:
            def loss(self, inputs, targets=None):
                for i in range(inputs.shape[0]):
                    pass

            def other(self, X):
                for x in X:
                    pass
        """)
    assert [line for line, _ in example_loops(source, "Net.loss", (1, 2))] == [4]
    assert example_loops(source, "Net.missing", (1, 2)) == []
    assert example_loops("def broken(:", "broken", (1,)) == []
