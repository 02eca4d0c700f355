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

import dataclasses
import sys
from pathlib import Path

from autograder.paths import DEFAULT_RUBRIC
from autograder.rubric import RubricError, load_rubric
from autograder.tools.grade_all.export import find_students
from autograder.tools.grade_all.reports import write_reports
from autograder.tools.grade_all.runs import Settings, grade_all

DEFAULT_OUT = Path("out/grade-all")
STARTUP_ALLOWANCE_S = 120.0


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
