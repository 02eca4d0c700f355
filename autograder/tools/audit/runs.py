"""Grading runs of the audit: a copy of the reference carrying some edits, graded with the real
command line on a slice of the rubric (only the items it is judged on), several at a time."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml
from tqdm import tqdm

from autograder.harness import container
from autograder.paths import PROJECT_ROOT
from autograder.rubric import Rubric, load_rubric
from autograder.tools.grade_in_subprocess import grade_in_subprocess

# On top of the rubric's own time limit, before a grading subprocess counts as hung.
GRADING_SLACK_S = 120


class Edit(Protocol):
    """One change to a copy of the reference (a mutant, a degenerate answer)."""

    file: str

    def apply(self, submission: Path) -> None: ...


@dataclass
class Job:
    """One grading run: the reference itself (no edits) or a copy of it carrying `edits`,
    graded on `items` (whole test files) with `env` added to the environment."""

    name: str
    items: frozenset[str]
    edits: tuple[Edit, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Grading:
    """One graded submission: `lost` maps every graded item id to whether it lost points;
    `feedback` holds the first line of feedback of the items that did; `checks` each check's
    `{"earned": 0 to 1, "message": ...}`, by item."""

    name: str
    items: tuple[str, ...]
    lost: dict[str, bool] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    checks: dict[str, dict[str, dict]] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def lost_items(self) -> set[str]:
        return {item for item, lost in self.lost.items() if lost}


def make_slice(rubric: Rubric, item_ids: set[str], folder: Path) -> Path:
    """A project root holding only the rubric items `item_ids` and their test files (every
    helper of the tests is kept), so a grading process collects only what it grades.
    `item_ids` must hold whole test files (see `whole_test_files`). Returns the rubric path."""
    raw = yaml.safe_load(rubric.path.read_text(encoding="utf-8"))
    groups = []
    for group in raw["groups"]:
        items = [item for item in group["items"] if item["id"] in item_ids]
        if items:
            groups.append({**group, "items": items})
    raw["groups"] = groups
    folder.mkdir(parents=True)
    keep = {test.partition("::")[0] for item in rubric.items if item.id in item_ids for test in item.tests}
    tests = rubric.root / rubric.tests_dir

    def ignore(directory: str, names: list[str]) -> list[str]:
        relative = Path(directory).relative_to(tests)
        return [name for name in names if name in ("__pycache__", ".hypothesis") or (
            name.startswith("test_") and name.endswith(".py") and (relative / name).as_posix() not in keep)]

    shutil.copytree(tests, folder / rubric.tests_dir, ignore=ignore)
    for name in (rubric.template, rubric.reference):
        (folder / name).symlink_to((rubric.root / name).resolve(), target_is_directory=True)
    path = folder / rubric.path.name
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def grade(name: str, submission: Path, rubric_path: Path, workdir: Path,
          env_extra: dict[str, str] | None = None) -> Grading:
    """Grade `submission` with the real command line on the sliced rubric at `rubric_path`."""
    rubric = load_rubric(rubric_path)
    item_ids = tuple(item.id for item in rubric.items)
    results, checks = workdir / f"{name}.results.json", workdir / f"{name}.checks.json"
    env = {**os.environ, **(env_extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    finished = grade_in_subprocess(submission, results, rubric.limits.total_timeout + GRADING_SLACK_S,
                                   rubric=rubric_path, items=item_ids, checks=checks, env=env,
                                   cwd=workdir)
    if finished.timed_out:
        return Grading(name, item_ids, error="the grading command did not finish in time",
                       seconds=finished.seconds)
    graded = Grading(name, item_ids, seconds=finished.seconds)
    if finished.returncode != 0 or not results.is_file():
        graded.error = (f"`python -m autograder run` exited with {finished.returncode}:\n"
                        + finished.output[-2000:])
        return graded
    by_number = {item.number: item.id for item in rubric.items}
    for test in json.loads(results.read_text(encoding="utf-8"))["tests"]:
        item_id = by_number.get(test.get("number"))
        if item_id is None:
            continue
        graded.lost[item_id] = test["score"] < test["max_score"]
        if graded.lost[item_id]:
            graded.feedback[item_id] = (test.get("output") or "").strip().split("\n", 1)[0][:300]
    if checks.is_file():
        graded.checks = json.loads(checks.read_text(encoding="utf-8"))
    absent = sorted(set(item_ids) - set(graded.lost))
    if absent:
        graded.error = f"results.json has no entry for {absent}"
    return graded


def make_submission(reference: Path, edits: tuple[Edit, ...], dest: Path) -> Path:
    """Copy the reference into `dest` (links resolved: `data.py` becomes a real file) and
    apply every edit there. Returns `dest`."""
    shutil.copytree(reference, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for edit in edits:
        edit.apply(dest)
    return dest


def grade_jobs(rubric: Rubric, jobs: list[Job], processes: int = 2, desc: str = "grading") -> dict[str, Grading]:
    """Grade every job, `processes` at a time (the longest first), each on a slice of the
    rubric holding only its items, with a progress bar on stderr. Returns job name -> Grading."""
    reference = rubric.root / rubric.reference
    processes = max(processes, 1)
    with tempfile.TemporaryDirectory(prefix="autograder-audit-") as tmp:
        root = Path(tmp)
        slices = {items: make_slice(rubric, set(items), root / f"slice-{index}")
                  for index, items in enumerate({job.items for job in jobs})}

        def run(job: Job) -> Grading:
            workdir = root / "runs" / job.name
            workdir.mkdir(parents=True)
            submission = make_submission(reference, job.edits, workdir / "submission") if job.edits else reference
            return grade(job.name, submission, slices[job.items], workdir,
                         {**job.env, container.RUNS_AT_ONCE_ENV: str(processes)})

        finished: dict[str, Grading] = {}
        ordered = sorted(jobs, key=lambda job: -len(job.items))  # keeps every process busy to the end
        with ThreadPoolExecutor(max_workers=processes) as pool, \
                tqdm(total=len(jobs), desc=desc, unit="run", file=sys.stderr) as bar:
            for future in as_completed([pool.submit(run, job) for job in ordered]):
                graded = future.result()
                finished[graded.name] = graded
                bar.set_postfix_str(graded.name, refresh=False)
                bar.update()
    return finished
