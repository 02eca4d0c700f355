"""The folder of one grading run: who may read and write each part of it.

`grading/` holds what only the harness's user may read (the copied tests, the plan, the
provided files, the template); `submission/` the staged submission, readable by the sandbox
user's group and writable by nobody else; `work/` the workers' own folder.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.rubric import Rubric
from autograder.staging import StagedSubmission, stage_submission


@dataclass
class RunFolder:
    """The folders of one run, inside its `autograder-run-*` folder."""

    grading: Path      # owner-only files: the copied tests, the plan, the timeout report; the
                       # grading process's working folder (the sandbox user cannot write it)
    submission: Path   # the staged submission with the provided files: readable, not writable
    work: Path         # the workers' working folder and everyone's temp space
    staged: StagedSubmission
    suite: Path | None = None  # faithful mode: the suite the workers run (copied into work/source)


def prepare_run_folder(run_dir: Path, submission: Path, rubric: Rubric, user) -> RunFolder:
    """Lay out `run_dir`: the tests, provided files and template copied where only we read
    them, the submission staged read-only, and an empty workers' folder."""
    os.chmod(run_dir, 0o711)
    grading = run_dir / "grading"
    work = run_dir / "work"
    shutil.copytree(rubric.root / rubric.tests_dir, grading / rubric.tests_dir,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"))
    (grading / "pytest.ini").write_text(f"[pytest]\npython_files = {rubric.test_pattern}\n")
    (grading / "home").mkdir()
    (grading / "tmp").mkdir()
    provided = grading / "provided"
    provided.mkdir()
    for name in rubric.provided_files:
        shutil.copyfile(rubric.root / rubric.template / name, provided / name)
    contract = grading / "contract"
    contract.mkdir()
    if rubric.template:
        for source in sorted((rubric.root / rubric.template).glob("*.py")):
            shutil.copyfile(source, contract / source.name)
    _hide_contents(grading)
    staged = stage_submission(submission, rubric, rubric.root, run_dir / "submission")
    read_only(staged.folder, user)
    layout = RunFolder(grading, staged.folder, work, staged,
                     (rubric.root / rubric.tests_dir) if rubric.isolation == "faithful" else None)
    fresh_work_dir(layout, user)
    return layout


def fresh_work_dir(layout: "RunFolder", user) -> None:
    """The workers' folder, empty but for their HOME (and in faithful mode `source/`, laid out
    as Gradescope's `/autograder/source`: the submission's files and the suite in its folder),
    owned by the sandbox user."""
    work = layout.work
    shutil.rmtree(work, ignore_errors=True)
    (work / "home").mkdir(parents=True)
    if layout.suite is not None:
        shutil.copytree(layout.submission, work / "source", symlinks=True)
        shutil.copytree(layout.suite, work / "source" / layout.suite.name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"))
    if user:
        _chown_tree(work, user)
        os.chmod(work, 0o700)


def read_only(folder: Path, user) -> None:
    """The staged submission (with the provided files laid over it) stays ours: student code
    reads and imports it, and can change none of it. With a sandbox user, only that user's
    group may read it (another run at once, as another uid, may not)."""
    for path in [folder, *folder.rglob("*")]:
        if user:
            os.lchown(path, 0, user.gid)
            os.chmod(path, 0o750 if path.is_dir() else 0o640)
        else:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _hide_contents(folder: Path) -> None:
    """Folders may be passed through (pytest stats its files while running) but not listed;
    files are readable by their owner only (the grading process reads them before it drops
    its rights)."""
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o711 if path.is_dir() else 0o600)


def _chown_tree(folder: Path, user) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, user.uid, user.gid)
