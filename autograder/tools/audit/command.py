"""The `audit` command: its arguments and what it prints.

Grades the mutant catalogue and the reference (mutation testing), or with `--degenerate`
every graded function replaced by answers that compute nothing."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from autograder.paths import DEFAULT_RUBRIC
from autograder.rubric import load_rubric
from autograder.tools.audit.catalogue import (DEFAULT_CATALOGUE, CatalogueError,
                                              Mutant, load_catalogue)
from autograder.tools.audit.degenerate import (format_degenerate_report, graded_functions,
                                               run_degenerate_audit)
from autograder.tools.audit.mutation import run_audit
from autograder.tools.audit.mutation_report import format_report


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="check that the tests discriminate: grade the mutant catalogue and the "
                      "reference, or (--degenerate) answers that compute nothing",
        description=__doc__.split("\n\n")[1])
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE, help="mutant catalogue")
    parser.add_argument("--rubric", type=Path, default=DEFAULT_RUBRIC, help="rubric file")
    parser.add_argument("--mutants", nargs="*", metavar="ID",
                        help="grade only these mutants (no ID: none, e.g. with --flaky alone)")
    parser.add_argument("--flaky", type=int, default=0, metavar="N",
                        help="grade the reference N times (harness hash seed 0..N-1) and "
                             "report items whose outcome changes")
    parser.add_argument("--items", nargs="+", metavar="ID",
                        help="the reference runs grade these items too (default: those the "
                             "mutants are graded on; with --flaky: every item)")
    parser.add_argument("--degenerate", action="store_true",
                        help="instead: replace each graded function (those the template stubs) by "
                             "its stub, zeros, ones, a constant, its input, None and random values; "
                             "report every check that grades it and a degenerate answer passes")
    parser.add_argument("--functions", nargs="+", metavar="NAME",
                        help="with --degenerate: only these functions (e.g. activations.tanh "
                             "two_layer_net.TwoLayerNet.loss)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2,
                        help="grading processes at once (default: one per CPU)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the findings as JSON")
    parser.set_defaults(handler=audit_command)


def audit_command(args) -> int:
    rubric = load_rubric(args.rubric)
    if args.degenerate:
        return _degenerate_command(args, rubric)
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
    return _finish(args, audit)


def _degenerate_command(args, rubric) -> int:
    targets = graded_functions(rubric)
    if args.functions:
        unknown = sorted(set(args.functions) - {t.label for t in targets})
        if unknown:
            print(f"audit: --functions: no graded function {unknown}; they are: "
                  f"{' '.join(t.label for t in targets)}", file=sys.stderr)
            return 2
        targets = [t for t in targets if t.label in args.functions]
    audit = run_degenerate_audit(rubric, targets, args.jobs)
    print(format_degenerate_report(audit))
    return _finish(args, audit)


def _finish(args, audit) -> int:
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
