"""Grading every submission of an export, each by its own `python -m autograder run` process,
`-j` at a time, keeping what an earlier regrade already graded."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import jsonschema
from tqdm import tqdm

from autograder.harness import container
from autograder.harness import results as results_module
from autograder.rubric import Rubric
from autograder.tools.grade_all.export import Student
from autograder.tools.grade_in_subprocess import grade_in_subprocess

BATCH_ERROR_KEY = "batch_error"


@dataclass(frozen=True)
class Settings:
    rubric: Rubric          # restricted to the graded items
    items: list[str] | None
    out: Path
    timeout: float
    force: bool
    runs_at_once: int = 1   # the jobs: they share the machine's (or container's) memory


@dataclass(frozen=True)
class Outcome:
    student: Student
    results: dict
    error: str = ""
    skipped: bool = False


def grade_all(students: list[Student], settings: Settings, jobs: int) -> list[Outcome]:
    """Grade every student, `jobs` at a time, with a progress bar on stderr; in `students` order."""
    outcomes: dict[str, Outcome] = {}
    settings = dataclasses.replace(settings, runs_at_once=jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(students), unit="submission", desc="grade-all", file=sys.stderr) as bar:
        futures = [pool.submit(grade_student, student, settings) for student in students]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[outcome.student.key] = outcome
            bar.update()
            bar.set_postfix(failed=sum(bool(o.error) for o in outcomes.values()), refresh=False)
    return [outcomes[student.key] for student in students]


def grade_student(student: Student, settings: Settings) -> Outcome:
    folder = settings.out / student.key
    results_path = folder / "results.json"
    previous = _valid_results(results_path)
    if previous is not None and not settings.force and can_keep(previous, settings.rubric):
        return Outcome(student, previous, skipped=True)
    folder.mkdir(parents=True, exist_ok=True)
    results_path.unlink(missing_ok=True)
    with _scratch(student.upload) as (scratch, submission):
        error = _run(submission, results_path, folder, scratch, settings)
    results = None if error else _valid_results(results_path)
    if results is None:
        error = error or "the grading run wrote no valid results.json"
        results = results_module.failure_results(settings.rubric, f"Not graded: {error}.")
        results["extra_data"] = {BATCH_ERROR_KEY: error}
        results_module.write_results(results, results_path)
    return Outcome(student, results, error)


def can_keep(results: dict, rubric: Rubric) -> bool:
    """Whether earlier results can stand: not a failed run, and they grade every wanted item."""
    numbers = {test.get("number") for test in results.get("tests", [])}
    return BATCH_ERROR_KEY not in results.get("extra_data", {}) and {i.number for i in rubric.items} <= numbers


@contextmanager
def _scratch(upload: Path):
    """(temp folder, submission folder) for one run. The temp folder is the run's TMPDIR, so
    whatever a killed run leaves behind is removed with it; it holds the copy of a zip upload."""
    with tempfile.TemporaryDirectory(prefix="grade-all-", ignore_cleanup_errors=True) as temp:
        scratch = Path(temp)
        os.chmod(scratch, 0o711)  # the sandbox user must pass through to its run folder
        if upload.is_dir():
            yield scratch, upload
            return
        folder = scratch / "upload"
        folder.mkdir()
        shutil.copyfile(upload, folder / upload.name)
        yield scratch, folder


def _run(submission: Path, results_path: Path, folder: Path, scratch: Path, settings: Settings) -> str:
    """Run `python -m autograder run` on one submission; '' when it finished, else why not."""
    # A root without submission/: the run reads no Gradescope metadata (no rate limit applies).
    env = {**os.environ, "AUTOGRADER_ROOT": str(folder), "TMPDIR": str(scratch),
           container.RUNS_AT_ONCE_ENV: str(settings.runs_at_once)}
    log = folder / "log.txt"
    finished = grade_in_subprocess(submission, results_path, settings.timeout,
                                   rubric=settings.rubric.path, items=settings.items, env=env,
                                   log=log)
    if finished.timed_out:
        return f"timed out after {settings.timeout:g} s"
    if finished.returncode != 0:
        return (f"the grading run exited with code {finished.returncode}: {_last_line(log)} "
                f"(log: {log})")
    return ""


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines()]
    last = next((line for line in reversed(lines) if line and not line.startswith("results.json:")), "")
    return last[:200]


def _valid_results(path: Path) -> dict | None:
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        results_module.validate(results)
    except (OSError, ValueError, jsonschema.ValidationError):
        return None
    return results
