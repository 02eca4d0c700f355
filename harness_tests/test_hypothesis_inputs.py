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


def test_a_pytest_session_with_the_plugin_does_it_once_the_tests_are_collected(tmp_path):
    """The plugin's hook, in a real session: when the test runs, Hypothesis has no constant of
    the harness's to draw, and what collection built is frozen out of the collector's scans."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_inputs.py").write_text(
        "import gc\n"
        "from hypothesis.internal.conjecture import providers\n\n"
        "def test_drawn_from_the_tests_alone():\n"
        "    assert len(providers._get_local_constants()) == 0\n"
        "    assert gc.get_freeze_count() > 0\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "autograder.grading_process.plugin",
         "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path),
         str(tmp_path / "test_inputs.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout
