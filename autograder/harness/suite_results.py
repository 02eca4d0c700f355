"""results.json for the faithful suite mode, as gradescope-utils' `JSONTestRunner` writes it.

Every test's name, number, visibility, tags and weight come from the decorators the suite's
grading process read before any submitted code ran; from the worker only its status, output,
`set_score` (for `@partial_credit` tests) and leaderboard value, with the score capped at the
test's weight. Tests come in the order they ran; the top level is JSONTestRunner's (`tests`,
`leaderboard`, the runner's visibility options, `execution_time` as text, `score` summed the
way it sums it), then a course's `run_tests.py` post-processor. A test's visibility that
Gradescope's specification does not know (`@visibility("on_fail")`, which a course's own result
class may have read) is "hidden"; such a leaderboard order or top-level visibility is left
out, as Gradescope would refuse the whole file; the staff log says so. So are a
post-processor's changes when they leave a file Gradescope would refuse.
"""
from __future__ import annotations

import copy
import json
import sys

from autograder import run_tests_options
from autograder.harness import results as results_module
from autograder.harness.outcomes import CheckOutcome, GradingRun
from autograder.rubric import ORDERS, VISIBILITIES, Rubric
from autograder.sentences import GRADER_PROBLEM
from autograder.wire.decorations import Decorations


def build_suite_results(rubric: Rubric, run: GradingRun) -> dict:
    tests, leaderboard = [], []
    for key, outcome in run.outcomes.items():
        found = run.decorated.get(key)
        if found is not None and found.leaderboard:
            leaderboard.append({"name": found.leaderboard, "value": outcome.leaderboard_value,
                                **_known("order", found.sort_order, ORDERS, found.leaderboard)})
        elif found is not None:
            tests.append(_test_entry(found, outcome))
        else:
            tests.append({"name": outcome.name or key, "status": "passed" if outcome.passed else "failed",
                          **({"output": outcome.message} if outcome.message else {})})
    if not run.collected and not run.grader_error:
        print(f"autograder: the suite has no tests in files named {rubric.test_pattern!r}; "
              f"results.json lists none, as JSONTestRunner's would", file=sys.stderr)
    results: dict = {"tests": tests, "leaderboard": leaderboard}
    for key in ("visibility", "stdout_visibility"):
        if rubric.results_fields.get(key):
            results.update(_known(key, rubric.results_fields[key], VISIBILITIES, "run_tests.py"))
    results["execution_time"] = format(run.execution_time, "0.2f")
    total = 0
    for test in tests:
        total += test.get("score", 0.0)
    results["score"] = total
    results = _with_course_changes(rubric, results)
    if run.grader_error:  # (after the course's changes: its own `output` never hides it)
        course_output = results.get("output")
        results["output"] = GRADER_PROBLEM + (f"\n\n{course_output}" if course_output else "")
    return results


def _with_course_changes(rubric: Rubric, results: dict) -> dict:
    """`results` with the top-level fields the course's `run_tests.py` sets on its runner
    (`runner.json_data["output"] = ...`), then after its post-processor; or as they were when
    the post-processor failed or the changes leave a file Gradescope would refuse."""
    options = rubric.runner_options
    if not options.get("post_processor") and not options.get("json_data"):
        return results
    before = copy.deepcopy(results)
    results.update(copy.deepcopy(options.get("json_data", {})))
    problem = run_tests_options.apply_post_processor(options, results)
    if problem is None:
        try:
            results_module.validate_gradescope(json.loads(json.dumps(results, allow_nan=False)))
            return results
        except Exception as error:  # noqa: BLE001 - jsonschema's error, or a value it cannot read
            problem = (f"run_tests.py's changes (its runner's json_data, its post_processor) "
                       f"leave results Gradescope would refuse ({str(error).splitlines()[0][:300]}); "
                       f"they are written without them")
    print(f"autograder: {problem}", file=sys.stderr)
    return before


def _known(key: str, value, allowed: tuple[str, ...], where: str, instead: str | None = None) -> dict:
    """`{key: value}` when Gradescope's specification allows `value`, else `{key: instead}`,
    or nothing when `instead` is None (logged)."""
    if value in allowed:
        return {key: value}
    print(f"autograder: {where}: {key} {str(value)[:100]!r} is not one of {', '.join(allowed)}; "
          + ("left out of results.json" if instead is None else f"written as {instead!r}"),
          file=sys.stderr)
    return {} if instead is None else {key: instead}


def _test_entry(found: Decorations, outcome: CheckOutcome) -> dict:
    """One test as `JSONTestResult.buildResult` builds it, with the trusted fields."""
    failed = not outcome.passed
    entry: dict = {"name": found.name}
    weight = found.weight
    score = outcome.set_score if found.partial_credit else None
    if score is not None or weight is not None:
        weight = 0.0 if weight is None else weight
        score = (0.0 if failed else weight) if score is None else min(score, weight)
        entry["score"] = score
        entry["max_score"] = weight
        failed = failed or score < weight
    entry["status"] = "failed" if failed else "passed"
    if found.tags:
        entry["tags"] = list(found.tags)
    if outcome.message:
        entry["output"] = outcome.message
    if found.visibility:  # one Gradescope does not know: hidden, as staff meant to hide it somehow
        entry.update(_known("visibility", found.visibility, VISIBILITIES, found.name, "hidden"))
    if found.number:
        entry["number"] = found.number
    return entry


def format_suite_summary(results: dict) -> str:
    """The readable table printed after a local run of a suite."""
    rows = []
    for test in results["tests"]:
        points = f"{test['score']:g}/{test['max_score']:g}" if "max_score" in test else "—"
        name = f"{test['number']} {test['name']}" if test.get("number") else str(test["name"])
        first = (test.get("output") or "").strip().splitlines()
        rows.append((name, points, test.get("status", ""), first[0] if first else ""))
    width = max([len("Test")] + [len(row[0]) for row in rows])
    lines = [f"{'Test':<{width}}  {'Points':>9}  {'Status':<6}  Output", "-" * (width + 33)]
    lines += [f"{n:<{width}}  {p:>9}  {s:<6}  {o[:80]}" for n, p, s, o in rows]
    possible = sum(test.get("max_score", 0) for test in results["tests"])
    lines += ["-" * (width + 33), f"{'Total':<{width}}  {results['score']:g}/{possible:g}"]
    for entry in results["leaderboard"]:
        lines.append(f"Leaderboard {entry['name']}: {entry['value']}")
    return "\n".join(lines)
