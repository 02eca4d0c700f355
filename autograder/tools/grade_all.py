"""`python -m autograder grade-all`: regrade a whole class from Gradescope's "Export Submissions".

The export holds one folder (or zip) per submission and `submission_metadata.yml` mapping each
folder to its submitters; without that file the folder names identify the students. Every
submission is graded by its own `python -m autograder run` process, `-j` at a time, each with a
wall-clock limit. Output, in `--out`:

    <student>/results.json   Gradescope's results; a run that crashed or timed out gets one
                             written here saying so (0 points), and its log in <student>/log.txt
    scores.csv               student, name, email, total, one column per item number, error
    report.md, report.png    score histogram and per-item full-marks rates

Resumable: a student whose results.json exists, is valid and grades every wanted item is not
graded again (unless `--force`); a run that failed is retried. The exit code is 1 when some run
failed.
"""
from __future__ import annotations

import csv
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
import yaml
from tqdm import tqdm

from autograder.harness import container
from autograder.harness import results as results_module
from autograder.paths import DEFAULT_RUBRIC
from autograder.rubric import Rubric, RubricError, load_rubric
from autograder.staging import IGNORED_FOLDERS
from autograder.tools.grade_in_subprocess import grade_in_subprocess

DEFAULT_OUT = Path("out/grade-all")
EXPORT_METADATA = "submission_metadata.yml"
STARTUP_ALLOWANCE_S = 120.0
HISTOGRAM_BINS = 10
BATCH_ERROR_KEY = "batch_error"


@dataclass(frozen=True)
class Student:
    """`key` names the submission (its folder, or its zip without `.zip`) and its output folder."""

    key: str
    upload: Path
    name: str = ""
    email: str = ""


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


def register(subparsers) -> None:
    command = subparsers.add_parser("grade-all", help="regrade every submission of a Gradescope export")
    command.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR",
                         help="the unpacked export: one folder or zip per submission")
    command.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    command.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    command.add_argument("--items", nargs="+", metavar="ID", help="grade only these rubric items")
    command.add_argument("--rubric", type=Path, default=DEFAULT_RUBRIC, help="rubric file")
    command.add_argument("--timeout", type=float, help="wall-clock seconds per submission "
                         f"(default: the rubric's total_timeout + {STARTUP_ALLOWANCE_S:g})")
    command.add_argument("--force", action="store_true", help="regrade submissions already graded")
    command.set_defaults(handler=grade_all_command)


def grade_all_command(args) -> int:
    try:
        rubric = load_rubric(args.rubric.resolve())
    except RubricError as error:
        print(f"rubric error: {error}", file=sys.stderr)
        return 2
    unknown = [item for item in args.items or [] if item not in {i.id for i in rubric.items}]
    if unknown:
        print(f"unknown rubric items: {', '.join(unknown)}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    students = find_students(args.submissions, exclude=out) if args.submissions.is_dir() else []
    if not students:
        print(f"no submissions (folders or zips) in {args.submissions}", file=sys.stderr)
        return 2
    selected = tuple(i for i in rubric.items if args.items is None or i.id in args.items)
    timeout = args.timeout or rubric.limits.total_timeout + STARTUP_ALLOWANCE_S
    settings = Settings(rubric=dataclasses.replace(rubric, items=selected), items=args.items,
                        out=out, timeout=timeout, force=args.force)
    outcomes = grade_all(students, settings, max(1, args.jobs))
    paths = write_reports(outcomes, settings)
    failed = [o for o in outcomes if o.error]
    skipped = sum(o.skipped for o in outcomes)
    print(f"{len(outcomes) - skipped - len(failed)} graded, {skipped} already graded (skipped), "
          f"{len(failed)} failed.")
    for outcome in failed:
        print(f"  FAILED {outcome.student.key}: {outcome.error}")
    for path in paths:
        print(path)
    return 1 if failed else 0


def find_students(export: Path, exclude: Path | None = None) -> list[Student]:
    """One `Student` per folder or zip at the top of `export` (but not `exclude`, the output
    folder when it lies there), named from the export's metadata."""
    people = read_export_metadata(export / EXPORT_METADATA)
    students: dict[str, Student] = {}
    for entry in sorted(export.iterdir()):
        if (entry.name.startswith(".") or entry.name in IGNORED_FOLDERS or entry.is_symlink()
                or entry.resolve() == exclude):
            continue
        if entry.is_dir():
            key = entry.name
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            key = entry.stem
        else:
            continue
        key = entry.name if key in students else key
        name, email = people.get(entry.name, people.get(key, ("", "")))
        students[key] = Student(key, entry.resolve(), name, email)
    return list(students.values())


class _ExportLoader(yaml.SafeLoader):
    """Safe YAML that reads Ruby-tagged values (`!ruby/object:BigDecimal …`) as plain data."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_ExportLoader.add_multi_constructor("!", _untagged)


def read_export_metadata(path: Path) -> dict[str, tuple[str, str]]:
    """Folder name -> (names, emails) of its submitters ("; "-joined for a group) from an
    export's `submission_metadata.yml`, whose keys are Ruby symbols (`:submitters:`, `:name:`)."""
    if not path.is_file():
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ExportLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        print(f"warning: {path} is unreadable ({error}); using folder names", file=sys.stderr)
        return {}
    people = {}
    for folder, entry in (data.items() if isinstance(data, dict) else []):
        submitters = _field(entry, "submitters")
        if isinstance(submitters, list):
            submitters = [s for s in submitters if isinstance(s, dict)]
            people[str(folder)] = ("; ".join(str(_field(s, "name") or "") for s in submitters),
                                   "; ".join(str(_field(s, "email") or "") for s in submitters))
    return people


def _field(mapping, key: str):
    return mapping.get(f":{key}", mapping.get(key)) if isinstance(mapping, dict) else None


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


# ---- reports ----

def item_columns(outcomes: list[Outcome], rubric: Rubric) -> list[tuple[str, str, float]]:
    """(number, name, points) of every graded item: the rubric's, then any others the runs
    reported (tests graded by their gradescope-utils decorators)."""
    columns = {item.number: (item.number, item.name, item.points) for item in rubric.items}
    for outcome in outcomes:
        for test in outcome.results.get("tests", []):
            number = test.get("number", test["name"])
            columns.setdefault(number, (number, test["name"], test["max_score"]))
    return list(columns.values())


def write_reports(outcomes: list[Outcome], settings: Settings) -> list[Path]:
    columns = item_columns(outcomes, settings.rubric)
    settings.out.mkdir(parents=True, exist_ok=True)
    return [write_csv(outcomes, columns, settings.out / "scores.csv"),
            write_markdown(outcomes, columns, settings, settings.out / "report.md"),
            write_plot(outcomes, columns, settings.out / "report.png")]


def _scores_by_number(results: dict) -> dict[str, dict]:
    return {test.get("number", test["name"]): test for test in results.get("tests", [])}


def write_csv(outcomes: list[Outcome], columns, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "name", "email", "total", *(number for number, _, _ in columns), "error"])
        for outcome in outcomes:
            tests = _scores_by_number(outcome.results)
            scores = [f"{tests[number]['score']:g}" if number in tests else "" for number, _, _ in columns]
            writer.writerow([outcome.student.key, outcome.student.name, outcome.student.email,
                             f"{outcome.results['score']:g}", *scores, outcome.error])
    return path


def histogram(totals: list[float], maximum: float) -> list[tuple[float, float, int]]:
    """(low, high, count) for `HISTOGRAM_BINS` equal bins over [0, maximum]; the last includes
    `maximum`."""
    width = maximum / HISTOGRAM_BINS if maximum > 0 else 1.0
    counts = [0] * HISTOGRAM_BINS
    for total in totals:
        counts[min(max(int(total / width), 0), HISTOGRAM_BINS - 1)] += 1
    return [(i * width, (i + 1) * width, count) for i, count in enumerate(counts)]


def full_marks_rate(outcomes: list[Outcome], number: str) -> tuple[int, float]:
    """(students with full marks on item `number`, mean score on it)."""
    tests = [test for o in outcomes if (test := _scores_by_number(o.results).get(number))]
    full = sum(test.get("status") == "passed" if "status" in test else test["score"] >= test["max_score"]
               for test in tests)
    return full, sum(test["score"] for test in tests) / len(outcomes)


def write_markdown(outcomes: list[Outcome], columns, settings: Settings, path: Path) -> Path:
    totals = [o.results["score"] for o in outcomes]
    maximum = sum(points for _, _, points in columns)
    ordered = sorted(totals)
    median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
    scope = "items " + ", ".join(settings.items) if settings.items else "the whole rubric"
    lines = [f"# Regrade: {settings.rubric.name}", "",
             f"{len(outcomes)} submissions graded on {scope} ({maximum:g} points). "
             f"Mean {sum(totals) / len(totals):.2f}, median {median:g}, lowest {ordered[0]:g}, "
             f"highest {ordered[-1]:g}.", "",
             "## Score distribution", "", "| total score | submissions | |", "| --- | ---: | --- |"]
    for low, high, count in histogram(totals, maximum):
        lines.append(f"| {low:g} – {high:g} | {count} | {'█' * count} |")
    lines += ["", "## Per item", "", "| item | points | mean score | full marks |", "| --- | ---: | ---: | ---: |"]
    for number, name, points in columns:
        full, mean = full_marks_rate(outcomes, number)
        lines.append(f"| {number} {name} | {points:g} | {mean:.2f} | {full}/{len(outcomes)} "
                     f"({100 * full / len(outcomes):.0f}%) |")
    failed = [o for o in outcomes if o.error]
    if failed:
        lines += ["", "## Runs that failed (0 points until regraded)", ""]
        lines += [f"- `{o.student.key}`: {o.error}" for o in failed]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_plot(outcomes: list[Outcome], columns, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    totals = [o.results["score"] for o in outcomes]
    bins = histogram(totals, sum(points for _, _, points in columns))
    figure = Figure(figsize=(11, max(4, 0.25 * len(columns) + 1)), layout="constrained")
    FigureCanvasAgg(figure)
    scores, items = figure.subplots(1, 2)
    scores.bar([low for low, _, _ in bins], [count for _, _, count in bins],
               width=bins[0][1] - bins[0][0], align="edge", edgecolor="black")
    scores.set(title="Total scores", xlabel="total score", ylabel="submissions")
    scores.yaxis.set_major_locator(MaxNLocator(integer=True))
    rates = [100 * full_marks_rate(outcomes, number)[0] / len(outcomes) for number, _, _ in columns]
    items.barh([f"{number} {name}"[:40] for number, name, _ in columns], rates)
    items.invert_yaxis()
    items.set(title="Full marks per item", xlabel="% of submissions", xlim=(0, 100))
    figure.savefig(path, dpi=100)
    return path
