"""The grading tests' inputs do not depend on the harness's own source: once the tests are
collected, Hypothesis draws no constants from the modules the grading process loaded."""
import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# The grading process at the end of collection: the plugin and a grading test loaded.
LOADED = """
import json
import autograder.grading_process.plugin
import tests.part_a.test_activations
from autograder.grading_process import hypothesis_inputs
from hypothesis.internal.conjecture import providers
ignored = hypothesis_inputs.ignore_loaded_modules() if IGNORE else None
print(json.dumps([ignored, len(providers._get_local_constants())]))
"""


def _constants_drawn_from(ignore: bool) -> list:
    """[what `ignore_loaded_modules` returned, how many local constants Hypothesis would draw]."""
    result = subprocess.run([sys.executable, "-c", f"IGNORE = {ignore}\n" + LOADED], cwd=PROJECT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hypothesis_draws_no_constant_of_the_harness_once_the_tests_are_loaded():
    assert _constants_drawn_from(ignore=True) == [True, 0]


def test_without_it_hypothesis_would_draw_constants_from_the_harness_source():
    """The check above can fail: this Hypothesis searches the harness's modules for constants
    (when a release stops doing so, this test says the module has become needless)."""
    ignored, constants = _constants_drawn_from(ignore=False)
    assert ignored is None and constants > 50
