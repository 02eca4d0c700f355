"""The faithful mode's source reading of a suite's classes against Python's own: random class
hierarchies (bases of the module and from elsewhere, in any order) with bodies that define,
rename, hide and delete test methods (under an `if` the source decides too) give the tests, and the weights, unittest's loader finds
once the module runs."""
import tempfile
import types
import unittest
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.grading_process import static_decorations
from autograder.grading_process.decorations import decorations_of

HEADER = """import abc
import unittest
from unittest import TestCase

from gradescope_utils.autograder_utils.decorators import weight


class Mixin:
    pass
"""
OUTSIDE_BASES = ("unittest.TestCase", "TestCase", "object", "Mixin", "abc.ABC")
METHOD_NAMES = st.sampled_from(["test_a", "test_b", "test_c", "helper"])


@st.composite
def class_body(draw) -> list[str]:
    """A class body's lines: methods defined (under `if True:` or `if False:` too), renamed
    (`test_b = test_a`), hidden (`test_c = None`) and deleted, each name used only once bound
    where Python needs it."""
    lines, bound = [], []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["def", "def", "alias", "none", "del", "if"]))
        name = draw(METHOD_NAMES)
        if kind == "def":
            lines += [f"@weight({draw(st.integers(1, 9))})", f"def {name}(self):", "    pass"]
            bound.append(name)
        elif kind == "alias" and bound:
            lines.append(f"{name} = {draw(st.sampled_from(bound))}")
            bound.append(name)
        elif kind == "none":
            lines.append(f"{name} = None")
            bound.append(name)
        elif kind == "if":  # (a test the source decides)
            taken = draw(st.booleans())
            lines += [f"if {taken}:", f"    @weight({draw(st.integers(1, 9))})", f"    def {name}(self):",
                      "        pass"]
            bound += [name] if taken else []
        elif kind == "del" and bound:
            gone = draw(st.sampled_from(bound))
            lines.append(f"del {gone}")
            bound = [name for name in bound if name != gone]
    return lines or ["pass"]


@st.composite
def suite_module(draw) -> str:
    """A module of up to five classes, each with bases drawn from the classes before it and
    at most one from outside the module (the first class always has one), in any order."""
    text = [HEADER]
    for at in range(draw(st.integers(1, 5))):
        bases = draw(st.lists(st.sampled_from([f"C{before}" for before in range(at)]), max_size=3,
                              unique=True)) if at else []
        if not bases or draw(st.booleans()):
            bases.insert(draw(st.integers(0, len(bases))), draw(st.sampled_from(OUTSIDE_BASES)))
        text.append(f"\nclass C{at}({', '.join(bases)}):")
        text += [f"    {line}" for line in draw(class_body())]
    return "\n".join(text) + "\n"


def loaded_tests(text: str, name: str) -> list[tuple] | None:
    """(id, weight) of each test unittest's loader finds in the module once it runs; None
    when Python refuses its classes (bases in no consistent order)."""
    module = types.ModuleType(name)
    try:
        exec(compile(text, f"{name}.py", "exec"), module.__dict__)
    except TypeError:
        return None
    found = unittest.TestLoader().loadTestsFromModule(module)
    return sorted((test.id(), decorations_of(getattr(test, test._testMethodName),
                                             unittest_method=True).weight)
                  for suite in found for test in suite)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(suite_module())
def test_the_source_reading_finds_the_tests_and_weights_python_gives_a_class_hierarchy(text):
    expected = loaded_tests(text, "test_hierarchy")
    if expected is None:
        return  # (the module fails to import: the run shows that, whatever the reading lists)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "test_hierarchy.py").write_text(text)
        read = static_decorations.SuiteSource(folder).read_module("test_hierarchy")
    assert sorted((test.id, test.weight) for test in read) == expected
