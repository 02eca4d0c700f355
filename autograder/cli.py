"""`python -m autograder …`: grade one submission (`run`) and the instructor's tools.

`run` with no arguments does what Gradescope expects: grade `$AUTOGRADER_ROOT/submission`
(default root `/autograder`), honour `submission_metadata.json`, write
`$AUTOGRADER_ROOT/results/results.json`. Where there is no such tree (an instructor's machine),
it grades the reference solution and writes `out/results.json`.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from autograder.harness import results as results_module
from autograder.paths import DEFAULT_RUBRIC, PROJECT_ROOT
from autograder.rubric import Rubric, RubricError, load_rubric

ROOT_ENV = "AUTOGRADER_ROOT"
# The instructor's tools: each module's `register(subparsers)` adds its own subcommand. They
# are imported only when `run` is not the command (grading a submission never pays for them).
INSTRUCTOR_TOOLS = ("template", "build", "grade_all", "audit")
INTERNAL_ERROR = ("The autograder had an internal problem and could not grade this submission "
                  "(not your fault). Course staff can see the details; please let them know.")


def gradescope_root() -> Path:
    return Path(os.environ.get(ROOT_ENV, "/autograder"))


def build_parser(with_tools: bool = True) -> argparse.ArgumentParser:
    """The commands' parser: `run`, and the instructor's tools unless `with_tools` is false."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="grade one submission and write results.json")
    run.add_argument("--submission", type=Path, help="submission folder (default: the Gradescope "
                     "submission, else the reference solution)")
    run.add_argument("--results", type=Path, help="where to write results.json")
    run.add_argument("--metadata", type=Path, help="submission_metadata.json to honour")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--rubric", type=Path, help="rubric file (default: the project's "
                        "rubric.yaml; without one, its tests/ folder as a gradescope-utils suite)")
    source.add_argument("--suite", type=Path, metavar="DIR", help="grade with the gradescope-utils "
                        "suite in DIR and no rubric: its decorators define the items")
    run.add_argument("--items", nargs="+", metavar="ID", help="grade only these rubric items")
    run.add_argument("--isolation", choices=("faithful", "strict"), help="a suite with no rubric: "
                     "run its tests beside the submission as Gradescope does (faithful, the default) "
                     "or in the grading process, judging values the submission cannot forge (strict)")
    run.add_argument("--checks", type=Path, metavar="FILE", help="also write what each check "
                     "earned (0 to 1) and its message, by rubric item, as JSON: for instructor tools")
    run.add_argument("--quiet", action="store_true", help="print only the results path")
    run.set_defaults(handler=run_command)
    for name in INSTRUCTOR_TOOLS if with_tools else ():
        importlib.import_module(f"autograder.tools.{name}").register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(with_tools=argv[:1] != ["run"]).parse_args(argv)
    return args.handler(args)


def _default_paths(args) -> tuple[Path, Path, Path | None, bool]:
    """(submission, results, metadata, on_gradescope_tree)."""
    root = gradescope_root()
    on_tree = (root / "submission").is_dir()
    submission = args.submission or (root / "submission" if on_tree else None)
    results = args.results or (root / "results" / "results.json" if on_tree else Path("out/results.json"))
    metadata = args.metadata or (root / "submission_metadata.json" if on_tree else None)
    return submission, results, metadata, on_tree


def run_command(args) -> int:
    from autograder.harness import pipeline
    from autograder.harness.scoring import shown_before_release
    from autograder.harness.suite_results import format_suite_summary
    from autograder.harness.summary import format_summary
    from autograder.sandbox import accounts, leftover_files

    started = time.monotonic()
    submission, results_path, metadata, on_tree = _default_paths(args)
    try:
        rubric = _rubric(args)
    except RubricError as error:
        print(f"rubric error: {error}", file=sys.stderr)
        results_module.write_results(results_module.failure_results(None, INTERNAL_ERROR), results_path)
        return 2
    if args.items and not rubric.items:
        print("error: --items selects a rubric's items; a gradescope-utils suite without a rubric "
              "is graded whole", file=sys.stderr)
        return 2
    unknown = [item for item in args.items or () if item not in {i.id for i in rubric.items}]
    if unknown:
        print(f"error: {', '.join(unknown)}: no such item in {rubric.path}; its items are: "
              f"{' '.join(item.id for item in rubric.items)}", file=sys.stderr)
        return 2
    if submission is None and not rubric.reference:
        print("error: a gradescope-utils suite has no reference solution to grade: give "
              "--submission", file=sys.stderr)
        return 2
    if submission is None:
        submission = rubric.root / rubric.reference
        print(f"No Gradescope submission here ({gradescope_root()}/submission): grading the reference "
              f"solution in {submission}.")
    if not submission.is_dir():
        print(f"warning: the submission folder {submission} does not exist; grading it as empty.",
              file=sys.stderr)
    if on_tree and accounts.sandbox_user():
        results_path.parent.mkdir(parents=True, exist_ok=True)
        leftover_files.hide_from_sandbox([results_path.parent])
    try:
        outcome = pipeline.grade_submission(submission, rubric, metadata, args.items)
        results_module.write_results(outcome.results, results_path,
                                     ours=not outcome.rate_limited and rubric.isolation != "faithful")
    except Exception:  # noqa: BLE001 - a run that failed, or results that do not validate
        traceback.print_exc()
        failed = results_module.failure_results(rubric, INTERNAL_ERROR, time.monotonic() - started)
        results_module.write_results(failed, results_path)
        print(f"results.json: {results_path}")
        return 3
    if args.checks:
        _write_checks(outcome.items, args.checks)
    if not args.quiet:
        if outcome.items:
            # On Gradescope this output may be shown to the student (`stdout_visibility`):
            # then it lists only the items the student sees before release.
            items = (shown_before_release(outcome.items)
                     if on_tree and rubric.stdout_visibility != "hidden" else outcome.items)
            print(format_summary(items, sum(g.score for g in items),
                                 sum(g.item.points for g in items)))
        elif rubric.isolation == "faithful" and not outcome.rate_limited:
            print(format_suite_summary(outcome.results))
        else:
            print(outcome.results["output"])
        if outcome.run:
            print(f"\n{outcome.run.sandbox_note} Graded in {outcome.run.execution_time:.1f} s.")
            if outcome.run.grader_error:
                print(f"\nGRADER PROBLEM (students were told it is not their fault):\n{outcome.run.grader_error}")
    print(f"results.json: {results_path}")
    return 3 if outcome.run and outcome.run.grader_error else 0


def _write_checks(graded, path: Path) -> None:
    """{item id: {check's test id: {"earned": 0 to 1, "message": ...}}} of a rubric-graded run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    checks = {g.item.id: {check.test: {"earned": check.earned, "message": check.message}
                          for check in g.per_check} for g in graded}
    path.write_text(json.dumps(checks, indent=1), encoding="utf-8")


def _rubric(args) -> Rubric:
    """`--suite`'s tests alone, `--rubric`'s file, or the project's: its rubric.yaml, else its
    tests/ folder as a gradescope-utils suite."""
    if args.suite:
        if not args.suite.is_dir():
            raise RubricError(f"{args.suite}: no such folder of tests")
        return Rubric.for_suite(args.suite, args.isolation or "faithful")
    if args.rubric is None and not DEFAULT_RUBRIC.exists():
        return Rubric.for_suite(PROJECT_ROOT / "tests", args.isolation or "faithful")
    rubric = load_rubric(args.rubric or DEFAULT_RUBRIC)
    if args.isolation and args.isolation != rubric.isolation:
        if rubric.items:
            raise RubricError(f"{rubric.path}: --isolation {args.isolation}: a rubric whose items "
                              f"name tests is graded strictly")
        rubric = replace(rubric, isolation=args.isolation)
    return rubric
