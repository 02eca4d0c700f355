"""`python -m autograder audit`: show that the grading tests tell right from wrong.

Mutation testing. Every entry of the mutant catalogue (`mutants.yaml`) is one typical student bug
applied to a copy of the reference solution: `find` (which must occur exactly once in `file`) is
replaced by `replace`. The harness grades each mutant (`python -m autograder run`, in parallel
subprocesses) on every item whose tests can see the mutated file, and the mutant must lose points
on exactly its `expect_lost` items. A mutant with `xfail: <reason>` is a known weakness of the
tests: it is expected to lose nothing, and is reported as such. A mutant with `accepted:
<reason>` is another correct reading of the contract (e.g. the other definition of an epoch's
loss): it must keep full marks everywhere.

The reference is graded too, once (or `--flaky N` times, each with another hash seed for
the harness): it must earn full marks on every item, every time.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from tqdm import tqdm

from autograder import container
from autograder.protocol import HASH_SEED_ENV
from autograder.rubric import Rubric, load_rubric
from autograder.subprocess_grading import grade_in_subprocess

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOGUE = PROJECT_ROOT / "mutants.yaml"
MUTANT_KEYS = {"id", "description", "file", "find", "replace", "expect_lost", "xfail", "accepted"}
REQUIRED_KEYS = MUTANT_KEYS - {"xfail", "accepted"}
REFERENCE_RUN = "reference"
# On top of the rubric's own time limit, before a grading subprocess counts as hung.
GRADING_SLACK_S = 120


class CatalogueError(ValueError):
    """The mutant catalogue is malformed or does not fit the reference; the message says where."""


@dataclass(frozen=True)
class Mutant:
    id: str
    description: str
    file: str
    find: str
    replace: str
    expect_lost: tuple[str, ...]
    xfail: str | None = None
    accepted: str | None = None  # why this variant is correct: it must lose nothing


@dataclass
class Grading:
    """One graded submission: `lost` maps every graded item id to whether it lost points;
    `feedback` holds the first line of feedback of the items that did."""

    name: str
    items: tuple[str, ...]
    lost: dict[str, bool] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def lost_items(self) -> set[str]:
        return {item for item, lost in self.lost.items() if lost}


# -- the catalogue ----------------------------------------------------------------------------
def load_catalogue(path: Path, rubric: Rubric) -> list[Mutant]:
    """Parse and check the catalogue: known keys, unique ids, rubric item ids, and a `find` that
    occurs exactly once in the reference's `file`."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"{path}: cannot read the catalogue: {error}") from None
    entries = raw.get("mutants") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path}: expected a mapping with a non-empty list 'mutants'")
    known_items = {item.id for item in rubric.items}
    mutants, seen = [], set()
    for index, entry in enumerate(entries):
        mutant = _parse_mutant(path, index, entry, known_items)
        if mutant.id in seen:
            raise CatalogueError(f"{path}: mutant id '{mutant.id}' is used twice")
        seen.add(mutant.id)
        _check_find(path, mutant, rubric.root / rubric.reference)
        mutants.append(mutant)
    return mutants


def _parse_mutant(path: Path, index: int, entry, known_items: set[str]) -> Mutant:
    where = f"{path}: mutant #{index + 1}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where} is not a mapping")
    where = f"{path}: mutant '{entry.get('id', index + 1)}'"
    missing, unknown = REQUIRED_KEYS - set(entry), set(entry) - MUTANT_KEYS
    if missing or unknown:
        raise CatalogueError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    expect_lost = entry["expect_lost"]
    if not isinstance(expect_lost, list) or not all(isinstance(i, str) for i in expect_lost):
        raise CatalogueError(f"{where}: 'expect_lost' must be a list of rubric item ids")
    strange = sorted(set(expect_lost) - known_items)
    if strange:
        raise CatalogueError(f"{where}: 'expect_lost' names items the rubric does not have: {strange}")
    xfail = entry.get("xfail")
    if xfail is not None and (expect_lost or not isinstance(xfail, str)):
        raise CatalogueError(f"{where}: 'xfail' is the reason a known survivor survives; "
                             f"its 'expect_lost' must be empty")
    accepted = entry.get("accepted")
    if accepted is not None and (expect_lost or xfail or not isinstance(accepted, str)):
        raise CatalogueError(f"{where}: 'accepted' is why a variant is correct; its "
                             f"'expect_lost' must be empty and it cannot be an 'xfail'")
    if not xfail and not accepted and not expect_lost:
        raise CatalogueError(f"{where}: 'expect_lost' is empty: a mutant must lose points "
                             f"somewhere (or say why it cannot, with 'xfail', or why it is "
                             f"correct, with 'accepted')")
    return Mutant(id=str(entry["id"]), description=str(entry["description"]), file=str(entry["file"]),
                  find=str(entry["find"]), replace=str(entry["replace"]),
                  expect_lost=tuple(expect_lost), xfail=xfail, accepted=accepted)


def _check_find(path: Path, mutant: Mutant, reference: Path) -> None:
    source = reference / mutant.file
    if not source.is_file():
        raise CatalogueError(f"{path}: mutant '{mutant.id}': {source} does not exist")
    count = source.read_text(encoding="utf-8").count(mutant.find)
    if count != 1:
        raise CatalogueError(f"{path}: mutant '{mutant.id}': its 'find' text occurs {count} times in "
                             f"{mutant.file} (it must occur exactly once):\n{mutant.find}")


def make_mutant(reference: Path, mutants: tuple[Mutant, ...], dest: Path) -> Path:
    """Copy the reference into `dest` (links resolved: `data.py` becomes a real file) and apply
    every mutant's edit there (each to a different file). Returns `dest`."""
    shutil.copytree(reference, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for mutant in mutants:
        target = dest / mutant.file
        source = target.read_text(encoding="utf-8")
        if source.count(mutant.find) != 1:
            raise CatalogueError(f"mutant '{mutant.id}': 'find' no longer occurs exactly once in "
                                 f"{mutant.file}")
        target.write_text(source.replace(mutant.find, mutant.replace), encoding="utf-8")
    return dest


# -- which items can see a file ---------------------------------------------------------------
def importers(reference: Path, module: str) -> set[str]:
    """`module` and every module of the reference that imports it, directly or not."""
    imports = {path.stem: _imported_names(path) for path in reference.glob("*.py")}
    found, grew = {module}, True
    while grew:
        grew = False
        for name, imported in imports.items():
            if name not in found and imported & found:
                found.add(name)
                grew = True
    return found


def _imported_names(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def fixtures_of_items(rubric: Rubric) -> dict[str, set[str]]:
    """Item id -> the argument names (fixtures) of its test functions, e.g. {"layers"}."""
    arguments: dict[str, dict[str, set[str]]] = {}
    result = {}
    for item in rubric.items:
        used = set()
        for test in item.tests:
            filename, _, function = test.partition("::")
            if filename not in arguments:
                arguments[filename] = _test_arguments(rubric.root / rubric.tests_dir / filename)
            used |= arguments[filename].get(function, set())
        result[item.id] = used
    return result


def _test_arguments(path: Path) -> dict[str, set[str]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    return {node.name: {arg.arg for arg in node.args.args} for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def items_seeing(rubric: Rubric, filename: str, fixtures: dict[str, set[str]]) -> set[str]:
    """Items graded on `filename` or whose tests use a module that imports it."""
    modules = importers(rubric.root / rubric.reference, Path(filename).stem)
    return {item.id for item in rubric.items
            if item.file == filename or fixtures.get(item.id, set()) & modules}


def whole_test_files(rubric: Rubric, item_ids: set[str]) -> set[str]:
    """`item_ids` plus every item sharing a test file with them (a test file is collected whole)."""
    files = {test.partition("::")[0] for item in rubric.items if item.id in item_ids for test in item.tests}
    return {item.id for item in rubric.items if any(t.partition("::")[0] in files for t in item.tests)}


# -- grading on a slice of the project --------------------------------------------------------
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
    results = workdir / f"{name}.results.json"
    env = {**os.environ, **(env_extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    finished = grade_in_subprocess(submission, results, rubric.limits.total_timeout + GRADING_SLACK_S,
                                   rubric=rubric_path, items=item_ids, env=env, cwd=workdir)
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
    absent = sorted(set(item_ids) - set(graded.lost))
    if absent:
        graded.error = f"results.json has no entry for {absent}"
    return graded


# -- the audit --------------------------------------------------------------------------------
@dataclass
class Job:
    """One grading run: the reference (no mutants) or a copy of it carrying `mutants`, edits
    of different files that cannot affect each other's items."""

    name: str
    items: frozenset[str]
    mutants: tuple[Mutant, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    """`owned[mutant id]`: the items a mutant is judged on (those that can see its file)."""

    jobs: list[Job]
    owned: dict[str, frozenset[str]]


def plan_jobs(rubric: Rubric, mutants: list[Mutant], flaky_runs: int,
              reference_items: set[str] | None) -> Plan:
    """Pack the mutants into as few grading runs as possible, and add the reference runs.

    A mutant owns the items that can see its file (plus its `expect_lost`, whole test files).
    Mutants share a run when they edit different files and own disjoint items: then no edit
    can change the grade of another's items. A run also grades the items of every file its
    files import (so that those files are staged). The reference runs grade every item of
    the mutant runs, plus `reference_items` or, with `flaky_runs`, every item."""
    fixtures = fixtures_of_items(rubric)
    owned = {m.id: frozenset(whole_test_files(rubric, items_seeing(rubric, m.file, fixtures)
                                              | set(m.expect_lost))) for m in mutants}
    batches: list[list[Mutant]] = []
    for mutant in mutants:
        batch = next((b for b in batches if all(
            other.file != mutant.file and not owned[other.id] & owned[mutant.id] for other in b)), None)
        if batch is None:
            batches.append(batch := [])
        batch.append(mutant)
    jobs = []
    for index, batch in enumerate(batches):
        items = set().union(*(owned[m.id] for m in batch))
        jobs.append(Job(f"mutants-{index + 1}", frozenset(with_imported_files(rubric, items, fixtures)),
                        tuple(batch)))
    wanted = set().union(*(job.items for job in jobs))
    if reference_items is not None:
        wanted |= reference_items
    elif flaky_runs:
        wanted = {item.id for item in rubric.items}
    if wanted:
        items = frozenset(with_imported_files(rubric, wanted, fixtures))
        for run in range(max(flaky_runs, 1)):
            jobs.append(Job(f"{REFERENCE_RUN}-{run + 1}", items, env={HASH_SEED_ENV: str(run)}))
    # The longest runs first keeps every worker busy until the end.
    return Plan(sorted(jobs, key=lambda job: -len(job.items)), owned)


def with_imported_files(rubric: Rubric, item_ids: set[str], fixtures: dict[str, set[str]]) -> set[str]:
    """`item_ids` plus the items of every file their modules import (the harness stages only
    the files of the items it grades), as whole test files."""
    reference = rubric.root / rubric.reference
    modules = {path.stem for path in reference.glob("*.py")}
    used = set()
    for item in rubric.items:
        if item.id in item_ids:
            used |= fixtures.get(item.id, set()) & modules
            used |= {Path(item.file).stem} if item.file and item.file.endswith(".py") else set()
    needed = set().union(*(imported_modules(reference, module) for module in used)) if used else set()
    extra = {item.id for item in rubric.items if item.file and Path(item.file).stem in needed}
    return whole_test_files(rubric, item_ids | extra)


def imported_modules(reference: Path, module: str) -> set[str]:
    """`module` and every module of the reference it imports, directly or not."""
    found, todo = set(), [module]
    while todo:
        name = todo.pop()
        path = reference / f"{name}.py"
        if name in found or not path.is_file():
            continue
        found.add(name)
        todo.extend(_imported_names(path))
    return found


@dataclass
class Audit:
    mutants: list[Mutant]
    owned: dict[str, frozenset[str]]
    mutant_runs: dict[str, Grading]
    reference_runs: list[Grading]

    def verdict(self, mutant: Mutant) -> dict:
        """What the mutant did (on the items it owns) against what the catalogue expects."""
        run = self.mutant_runs[mutant.id]
        graded = {item: run.lost[item] for item in self.owned[mutant.id] if item in run.lost}
        lost = {item for item, was_lost in graded.items() if was_lost}
        missing = sorted(self.owned[mutant.id] - set(graded))
        error = run.error or (f"no result for {missing}" if missing else None)
        expected = set(mutant.expect_lost)
        return {
            "id": mutant.id,
            "file": mutant.file,
            "description": mutant.description,
            "run": run.name,
            "error": error,
            "graded": sorted(graded),
            "lost": sorted(lost),
            "expect_lost": sorted(expected),
            "survived": not error and not lost,
            "xfail": mutant.xfail,
            "unexpectedly_lost": sorted(lost - expected),
            "unexpectedly_kept": sorted(expected - lost),
            "feedback": {item: run.feedback[item] for item in sorted(lost) if item in run.feedback},
        }

    def problems(self) -> list[str]:
        """Every reason the audit fails, one sentence each."""
        found = []
        for run in self.reference_runs:
            if run.error:
                found.append(f"reference ({run.name}) could not be graded: {run.error}")
        for item in sorted(self.reference_lost()):
            found.append(f"the reference loses points on '{item}' in every run: "
                         f"{self._reference_feedback(item)}")
        for item, outcomes in sorted(self.flaky().items()):
            found.append(f"flaky: '{item}' lost points in {outcomes.count(True)} of {len(outcomes)} "
                         f"reference runs: {self._reference_feedback(item)}")
        for mutant in self.mutants:
            found += self._mutant_problems(mutant, self.verdict(mutant))
        return found

    @staticmethod
    def _mutant_problems(mutant: Mutant, verdict: dict) -> list[str]:
        if verdict["error"]:
            return [f"mutant '{mutant.id}' could not be graded: {verdict['error']}"]
        if mutant.xfail:
            return [f"mutant '{mutant.id}' (listed as a known survivor: {mutant.xfail}) now loses "
                    f"points on {verdict['lost']}: move them to its 'expect_lost'"] if verdict["lost"] else []
        if mutant.accepted:
            return [f"accepted variant '{mutant.id}' ({mutant.accepted}) loses points on "
                    f"{verdict['lost']}: the tests must accept it: {verdict['feedback']}"] if verdict["lost"] else []
        if verdict["survived"]:
            return [f"SURVIVOR: mutant '{mutant.id}' ({mutant.description}) loses no points"]
        found = []
        if verdict["unexpectedly_kept"]:
            found.append(f"mutant '{mutant.id}' keeps full marks on {verdict['unexpectedly_kept']}, "
                         f"which its 'expect_lost' says must lose points")
        found += [f"mutant '{mutant.id}' also loses points on '{item}': {verdict['feedback'].get(item, '')}"
                  for item in verdict["unexpectedly_lost"]]
        return found

    def reference_lost(self) -> set[str]:
        runs = [run for run in self.reference_runs if not run.error]
        return set.intersection(*(run.lost_items for run in runs)) if runs else set()

    def flaky(self) -> dict[str, list[bool]]:
        """Items whose outcome differed between reference runs -> lost in each run."""
        runs = [run for run in self.reference_runs if not run.error]
        items = set().union(*(run.lost for run in runs)) if runs else set()
        outcomes = {item: [run.lost.get(item, False) for run in runs] for item in items}
        return {item: seen for item, seen in outcomes.items() if len(set(seen)) > 1}

    def _reference_feedback(self, item: str) -> str:
        return next((run.feedback[item] for run in self.reference_runs if item in run.feedback), "")

    def to_json(self) -> dict:
        return {
            "mutants": [self.verdict(mutant) for mutant in self.mutants],
            "runs": [asdict(run) for run in {r.name: r for r in self.mutant_runs.values()}.values()],
            "reference_runs": [asdict(run) for run in self.reference_runs],
            "reference_lost": sorted(self.reference_lost()),
            "flaky": self.flaky(),
            "problems": self.problems(),
        }


def run_audit(rubric: Rubric, mutants: list[Mutant], jobs: int = 2, flaky_runs: int = 0,
              reference_items: set[str] | None = None) -> Audit:
    """Grade the planned runs, `jobs` at a time, with a progress bar on stderr."""
    plan = plan_jobs(rubric, mutants, flaky_runs, reference_items)
    reference = rubric.root / rubric.reference
    with tempfile.TemporaryDirectory(prefix="autograder-audit-") as tmp:
        root = Path(tmp)
        slices = {items: make_slice(rubric, set(items), root / f"slice-{index}")
                  for index, items in enumerate({job.items for job in plan.jobs})}

        def run(job: Job) -> Grading:
            workdir = root / "runs" / job.name
            workdir.mkdir(parents=True)
            submission = reference
            if job.mutants:
                submission = make_mutant(reference, job.mutants, workdir / "submission")
            return grade(job.name, submission, slices[job.items], workdir,
                         {**job.env, container.RUNS_AT_ONCE_ENV: str(max(jobs, 1))})

        finished: dict[str, Grading] = {}
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool, \
                tqdm(total=len(plan.jobs), desc="grading", unit="run", file=sys.stderr) as bar:
            futures = [pool.submit(run, job) for job in plan.jobs]
            for future in as_completed(futures):
                graded = future.result()
                finished[graded.name] = graded
                bar.set_postfix_str(graded.name, refresh=False)
                bar.update()
    mutant_runs = {m.id: finished[job.name] for job in plan.jobs for m in job.mutants}
    reference_runs = sorted((finished[job.name] for job in plan.jobs if not job.mutants),
                            key=lambda run: int(run.name.rsplit("-", 1)[1]))
    return Audit(mutants, plan.owned, mutant_runs, reference_runs)


# -- the report -------------------------------------------------------------------------------
def kill_matrix(audit: Audit, rubric: Rubric) -> str:
    """Mutants x items: 'X' lost points, '.' full marks, blank: not judged on that item.
    Column headers are item numbers, written downwards."""
    columns = [item for item in rubric.items if any(item.id in owned for owned in audit.owned.values())]
    width = max([len("item")] + [len(m.id) for m in audit.mutants])
    depth = max([len(item.number) for item in columns], default=0)
    lines = []
    for row in range(depth):
        label = "item" if row == depth - 1 else ""
        cells = " ".join(item.number.rjust(depth)[row] for item in columns)
        lines.append(f"{label:<{width}}  {cells}".rstrip())
    for mutant in audit.mutants:
        verdict = audit.verdict(mutant)
        cells = " ".join("X" if item.id in verdict["lost"] else "." if item.id in verdict["graded"]
                         else " " for item in columns)
        lines.append(f"{mutant.id:<{width}}  {cells}  {_mark(mutant, verdict)}".rstrip())
    return "\n".join(lines)


def _mark(mutant: Mutant, verdict: dict) -> str:
    if verdict["error"]:
        return "ERROR"
    if mutant.xfail:
        return "known survivor" if verdict["survived"] else "known survivor KILLED"
    if mutant.accepted:
        return "accepted" if verdict["survived"] else "accepted variant LOST POINTS"
    if verdict["survived"]:
        return "SURVIVED"
    return "unexpected" if verdict["unexpectedly_lost"] or verdict["unexpectedly_kept"] else ""


def format_report(audit: Audit, rubric: Rubric) -> str:
    parts = []
    if audit.mutants:
        bugs = [m for m in audit.mutants if not m.accepted]
        killed = sum(1 for m in bugs if audit.verdict(m)["lost"])
        runs = len({run.name for run in audit.mutant_runs.values()})
        parts.append(f"Kill matrix: {killed} of {len(bugs)} mutants lose points "
                     f"(graded in {runs} run{'s' if runs > 1 else ''}; X = lost points, "
                     f". = full marks, blank = not judged on that item):\n\n"
                     + kill_matrix(audit, rubric))
        judged = set().union(*audit.owned.values())
        parts.append("Items:\n" + "\n".join(f"{item.number:>6}  {item.id}" for item in rubric.items
                                             if item.id in judged))
        survivors = [m for m in audit.mutants if m.xfail]
        if survivors:
            parts.append("Known survivors (weaknesses of the grading tests):\n" + "\n".join(
                f"  {m.id}: {m.xfail}" for m in survivors))
    if audit.reference_runs:
        count = len(audit.reference_runs)
        parts.append(f"Reference graded {count} time{'s' if count > 1 else ''} on "
                     f"{len(audit.reference_runs[0].items)} items"
                     + (f" (harness hash seeds 0..{count - 1})" if count > 1 else "") + ".")
    problems = audit.problems()
    if problems:
        parts.append("Problems:\n" + "\n".join(f"  - {problem}" for problem in problems))
    else:
        parts.append("No problems: the reference earns full marks every time"
                     + (" and every mutant loses points exactly where expected." if audit.mutants else "."))
    return "\n\n".join(parts)


# -- command line -----------------------------------------------------------------------------
def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="grade the mutant catalogue (and the reference) to check the tests discriminate",
        description=__doc__.split("\n\n")[1])
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE, help="mutant catalogue")
    parser.add_argument("--rubric", type=Path, default=PROJECT_ROOT / "rubric.yaml", help="rubric file")
    parser.add_argument("--mutants", nargs="*", metavar="ID",
                        help="grade only these mutants (no ID: none, e.g. with --flaky alone)")
    parser.add_argument("--flaky", type=int, default=0, metavar="N",
                        help="grade the reference N times (harness hash seed 0..N-1) and "
                             "report items whose outcome changes")
    parser.add_argument("--items", nargs="+", metavar="ID",
                        help="the reference runs grade these items too (default: those the "
                             "mutants are graded on; with --flaky: every item)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2,
                        help="grading processes at once (default: one per CPU)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the findings as JSON")
    parser.set_defaults(handler=audit_command)


def audit_command(args) -> int:
    rubric = load_rubric(args.rubric)
    try:
        mutants = load_catalogue(args.catalogue, rubric)
        mutants = _select(mutants, args.mutants)
        unknown_items = sorted(set(args.items or ()) - {item.id for item in rubric.items})
        if unknown_items:
            raise CatalogueError(f"--items: the rubric has no items {unknown_items}")
    except CatalogueError as error:
        print(f"audit: {error}", file=sys.stderr)
        return 2
    audit = run_audit(rubric, mutants, args.jobs, args.flaky, set(args.items) if args.items else None)
    print(format_report(audit, rubric))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(audit.to_json(), indent=2), encoding="utf-8")
        print(f"\nJSON: {args.json}")
    return 1 if audit.problems() else 0


def _select(mutants: list[Mutant], wanted: list[str] | None) -> list[Mutant]:
    if wanted is None:
        return mutants
    unknown = sorted(set(wanted) - {m.id for m in mutants})
    if unknown:
        raise CatalogueError(f"--mutants: the catalogue has no mutants {unknown}")
    return [m for m in mutants if m.id in wanted]
