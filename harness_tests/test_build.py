"""The Gradescope package: `python -m autograder build`, then the zip unpacked and run the way
Gradescope runs it; and the Dockerfile checked by a real linter."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder.rubric import load_rubric
from harness_tests.conftest import PROJECT, items_by_number, read_results

RUBRIC = load_rubric(PROJECT / "rubric.yaml")


def build(out: Path) -> Path:
    finished = subprocess.run([sys.executable, "-m", "autograder", "build", "--out", str(out)],
                              cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    return out


def unzip_like_unzip(archive: Path, dest: Path) -> None:
    """Extract with the Unix modes stored in the zip, as `unzip` does (zipfile drops them)."""
    with zipfile.ZipFile(archive) as zipped:
        for entry in zipped.infolist():
            target = Path(zipped.extract(entry, dest))
            os.chmod(target, (entry.external_attr >> 16) & 0o777)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("build") / "autograder.zip")


def test_two_builds_are_byte_identical(built, tmp_path):
    assert build(tmp_path / "again.zip").read_bytes() == built.read_bytes()


def test_zip_has_the_scripts_at_the_top_and_only_what_grading_needs(built):
    with zipfile.ZipFile(built) as zipped:
        entries = {entry.filename: entry for entry in zipped.infolist()}
        requirements = zipped.read("requirements.txt").decode()
    for script in ("setup.sh", "run_autograder"):
        assert (entries[script].external_attr >> 16) & 0o111 == 0o111, script
    names = set(entries)
    for needed in ("rubric.yaml", "requirements.txt", "pyproject.toml", "autograder/__main__.py",
                   "autograder/harness/results_schema.json", "tests/conftest.py", "reference/activations.py",
                   "student_template/data.py"):
        assert needed in names
    assert [n for n in names if n.startswith("student_template/")] == ["student_template/data.py"]
    top_folders = {name.split("/")[0] for name in names if "/" in name}
    assert top_folders == {"autograder", "tests", "reference", "student_template"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/." in n]
    assert {entry.date_time for entry in entries.values()} == {(1980, 1, 1, 0, 0, 0)}
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)


def test_unpacked_zip_grades_a_submission_as_gradescope_runs_it(built):
    """`/autograder` rebuilt in a temp folder: source = the zip's contents, run_autograder
    copied to the root. Of setup.sh only the offline step is done: instead of apt-get + pip
    into a new venv, `source/.venv` is a link to the venv running these tests, so
    run_autograder picks the interpreter exactly as on Gradescope. The root is world-readable
    like Gradescope's, since student code runs as an unprivileged user."""
    root = Path(tempfile.mkdtemp(prefix="autograder-root-"))
    try:
        os.chmod(root, 0o755)
        unzip_like_unzip(built, root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        (root / "source" / ".venv").symlink_to(sys.prefix, target_is_directory=True)
        (root / "submission").mkdir()
        shutil.copy(PROJECT / "reference" / "activations.py", root / "submission" / "activations.py")
        (root / "submission_metadata.json").write_text(json.dumps(
            {"id": 1, "created_at": "2026-11-20T10:00:00+00:00", "previous_submissions": [],
             "users": [{"name": "Ada Lovelace", "email": "ada@example.edu"}]}))
        env = {key: value for key, value in os.environ.items() if key != "AUTOGRADER_PYTHON"}
        env["AUTOGRADER_ROOT"] = str(root)
        imported = subprocess.run([str(root / "source/.venv/bin/python"), "-c",
                                   "import autograder; print(autograder.__file__)"],
                                  cwd=root / "source", capture_output=True, text=True, env=env)
        assert Path(imported.stdout.strip()).is_relative_to(root / "source"), imported
        finished = subprocess.run([str(root / "run_autograder")], cwd=root, env=env,
                                  capture_output=True, text=True, timeout=600)
        assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
        results = read_results(root / "results" / "results.json")
        by_number = items_by_number(results)
        assert len(results["tests"]) == len(RUBRIC.items)
        for item in RUBRIC.items:
            graded = by_number[item.number]
            if item.file == "activations.py":
                assert graded["score"] == graded["max_score"], graded["output"]
            else:
                assert graded["score"] == 0
        assert results["score"] == sum(i.points for i in RUBRIC.items if i.file == "activations.py")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is a development dependency: pip install -e '.[dev]'"
    finished = subprocess.run([hadolint, "--no-color", str(PROJECT / "Dockerfile")],
                              capture_output=True, text=True)
    assert finished.returncode == 0, finished.stdout + finished.stderr


def _pins(text: str) -> dict[str, str]:
    """`name==version` pins in `text` (requirement lines, shell words or TOML strings)."""
    return {name.lower(): version for name, version
            in re.findall(r"(?<![\w.-])([A-Za-z][\w.-]*)==([\w.+]+)", text)}


def test_setup_requirements_pyproject_and_dockerfile_agree_on_every_pin():
    requirements = _pins((PROJECT / "requirements.txt").read_text())
    setup = (PROJECT / "setup.sh").read_text()
    pyproject = _pins((PROJECT / "pyproject.toml").read_text())
    for name, version in {**_pins(setup), **pyproject}.items():
        if name in requirements:
            assert requirements[name] == version, f"{name}: {version} here, {requirements[name]} in requirements.txt"
    # torchvision only in the image, the release made for the pinned torch (0.N+15 for 2.N).
    torch_minor = int(requirements["torch"].split(".")[1])
    assert _pins(setup)["torchvision"].startswith(f"0.{torch_minor + 15}.")
    assert "torchvision" not in requirements and "torchvision" not in pyproject
    assert "-r \"$source_dir/requirements.txt\"" in setup
    # The Dockerfile builds the image by running setup.sh, so both install the same environment.
    dockerfile = (PROJECT / "Dockerfile").read_text()
    assert "bash /autograder/source/setup.sh" in dockerfile and not _pins(dockerfile)
