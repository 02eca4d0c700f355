import json
import os
import zipfile
from pathlib import Path

import pytest

from autograder.rubric import load_rubric
from autograder.staging import graded_files, stage_submission
from harness_tests.conftest import PROJECT


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(PROJECT / "rubric.yaml")


def stage(rubric, source: Path, tmp_path: Path):
    return stage_submission(source, rubric, PROJECT, tmp_path / "staged")


def test_graded_files_come_from_the_rubric(rubric):
    files = graded_files(rubric)
    assert "layers.py" in files and "mnist.pt" in files and "data.py" not in files


def test_files_at_top_level(rubric, tmp_path):
    source = tmp_path / "upload"
    source.mkdir()
    (source / "layers.py").write_text("X = 1\n")
    (source / "notes.txt").write_text("ignored")
    staged = stage(rubric, source, tmp_path)
    assert staged.found == ["layers.py"] and "activations.py" in staged.missing
    assert (staged.folder / "layers.py").read_text() == "X = 1\n"
    assert not (staged.folder / "notes.txt").exists()
    assert (staged.folder / "data.py").read_bytes() == (PROJECT / rubric.template / "data.py").read_bytes()
    assert staged.notes == []


def test_package_folders_beside_the_graded_files_are_staged_as_they_are(rubric, tmp_path):
    source = tmp_path / "upload"
    (source / "helpers" / "inner").mkdir(parents=True)
    (source / "layers.py").write_text("from helpers.inner import tools\n")
    for name in ("helpers/__init__.py", "helpers/inner/__init__.py", "helpers/inner/tools.py"):
        (source / name).write_text("# package\n")
    (source / "scratch").mkdir()
    (source / "scratch" / "notes.py").write_text("not a package\n")
    staged = stage(rubric, source, tmp_path)
    assert (staged.folder / "helpers" / "inner" / "tools.py").read_text() == "# package\n"
    assert not (staged.folder / "scratch").exists()


def test_a_suite_without_graded_files_stages_the_whole_upload(tmp_path):
    from autograder.rubric import Rubric

    (tmp_path / "tests").mkdir()
    source = tmp_path / "upload"
    (source / "geometry").mkdir(parents=True)
    (source / "geometry" / "shapes.py").write_text("SIDES = 4\n")
    (source / "readme.txt").write_text("hello\n")
    (source / "link.py").symlink_to(source / "readme.txt")
    staged = stage_submission(source, Rubric.for_suite(tmp_path / "tests"), tmp_path, tmp_path / "staged")
    assert sorted(staged.found) == ["geometry/shapes.py", "readme.txt"]
    assert not (staged.folder / "link.py").exists()
    assert any("link.py" in note for note in staged.notes)


def test_files_one_folder_down_and_macos_junk_ignored(rubric, tmp_path):
    source = tmp_path / "upload"
    (source / "__MACOSX").mkdir(parents=True)
    (source / "__MACOSX" / "layers.py").write_text("junk")
    (source / "hw3").mkdir()
    (source / "hw3" / "layers.py").write_text("X = 2\n")
    staged = stage(rubric, source, tmp_path)
    assert (staged.folder / "layers.py").read_text() == "X = 2\n"
    assert any("hw3/" in note for note in staged.notes)


def test_student_data_py_is_replaced_by_the_provided_one(rubric, tmp_path):
    source = tmp_path / "upload"
    source.mkdir()
    (source / "data.py").write_text("def load_mnist(*a): return 'rigged'\n")
    staged = stage(rubric, source, tmp_path)
    assert "rigged" not in (staged.folder / "data.py").read_text()


@pytest.mark.parametrize("inner", ["", "project/"])
def test_unopened_zip(rubric, tmp_path, inner):
    source = tmp_path / "upload"
    source.mkdir()
    with zipfile.ZipFile(source / "submission.zip", "w") as archive:
        archive.writestr(f"{inner}layers.py", "X = 3\n")
        archive.writestr("../escape.py", "bad")
    staged = stage(rubric, source, tmp_path)
    assert (staged.folder / "layers.py").read_text() == "X = 3\n"
    assert not (tmp_path / "escape.py").exists()


def test_broken_zip_is_reported(rubric, tmp_path):
    source = tmp_path / "upload"
    source.mkdir()
    (source / "submission.zip").write_bytes(b"not a zip")
    staged = stage(rubric, source, tmp_path)
    assert "layers.py" in staged.missing and any("not a readable zip" in n for n in staged.notes)


def test_notebook_stands_in_for_a_missing_module(rubric, tmp_path):
    source = tmp_path / "upload"
    source.mkdir()
    notebook = {"cells": [
        {"cell_type": "markdown", "source": ["# Layers"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np\n", "!pip install x\n"]},
        {"cell_type": "code", "source": "def relu(x):\n    return np.maximum(0, x)\n"},
    ]}
    (source / "layers.ipynb").write_text(json.dumps(notebook))
    staged = stage(rubric, source, tmp_path)
    code = (staged.folder / "layers.py").read_text()
    assert "import numpy as np" in code and "def relu" in code and "%matplotlib" not in code and "!pip" not in code
    assert any("notebook" in note for note in staged.notes)


def test_links_are_never_followed(rubric, tmp_path):
    source = tmp_path / "upload"
    source.mkdir()
    os.symlink(PROJECT / rubric.reference / "layers.py", source / "layers.py")
    staged = stage(rubric, source, tmp_path)
    assert "layers.py" in staged.missing and any("not a regular file" in n for n in staged.notes)


def test_empty_and_odd_names(rubric, tmp_path):
    source = tmp_path / "upload"
    source.mkdir()
    (source / os.fsdecode(b"\xff\xfe-weird.py")).write_text("x")
    (source / os.fsdecode(b"dir-\xff")).mkdir()
    staged = stage(rubric, source, tmp_path)
    assert staged.found == [] and len(staged.missing) == len(graded_files(rubric))
    json.dumps(staged.notes)
