"""One submission, start to finish: grade, score, add notes and leaderboard, build results."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.harness import controller, ratelimit, results, suite_results
from autograder.harness.scoring import GradedItem, score_items, shown_before_release
from autograder.rubric import LEADERBOARD_TEST_PREFIX, Rubric
from autograder.sandbox import accounts, leftover_files
from autograder.sentences import GRADER_PROBLEM


@dataclass
class Graded:
    results: dict
    items: list[GradedItem]
    run: controller.GradingRun | None
    rate_limited: bool = False


def grade_submission(submission: Path, rubric: Rubric, metadata_path: Path | None = None,
                     items: list[str] | None = None) -> Graded:
    started = time.monotonic()
    metadata = _read_metadata(metadata_path)
    if rubric.rate_limit and metadata:
        limited, previous = ratelimit.over_limit(metadata, rubric.rate_limit)
        if limited:
            return _carried_over(rubric, previous, time.monotonic() - started)
    if accounts.sandbox_user():
        hidden = [rubric.root / rubric.tests_dir, rubric.path]
        leftover_files.hide_from_sandbox(hidden + ([rubric.root / rubric.reference] if rubric.reference else []))
    run = controller.run_checks(submission, rubric, items, while_grading=results.load_validators)
    if rubric.isolation == "faithful":
        return Graded(suite_results.build_suite_results(rubric, run), [], run)
    graded = score_items(rubric, run, items)
    output = _student_output(rubric, run, graded)
    built = results.build_results(rubric, graded, output, run.execution_time,
                                  _leaderboard(run.rubric or rubric, run))
    return Graded(built, graded, run)


def _read_metadata(path: Path | None) -> dict:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _carried_over(rubric: Rubric, previous: dict, elapsed: float) -> Graded:
    """The latest graded submission's results as Gradescope stored them (tests, leaderboard and
    all), with the reason first in the output; marked so that this submission does not count
    as graded. Stored results Gradescope would not accept give way to ours, with its score."""
    message = ratelimit.limited_message(rubric.rate_limit)
    stored = previous.get("results")
    try:
        results.validate_gradescope(stored)
        carried = json.loads(json.dumps(stored))
    except Exception:  # noqa: BLE001 - missing, malformed or not JSON: keep only the score
        carried = results.failure_results(rubric, message, elapsed)
        carried["score"] = _number(previous.get("score"))
    earlier = carried.get("output")
    carried["output"] = message + (f"\n\n---\n\n{earlier}" if isinstance(earlier, str) and earlier else "")
    extra = carried.get("extra_data")
    carried["extra_data"] = {**(extra if isinstance(extra, dict) else {}),
                             results.RATE_LIMITED_KEY: True}
    return Graded(carried, [], None, rate_limited=True)


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _student_output(rubric: Rubric, run: controller.GradingRun, graded: list[GradedItem]) -> str:
    shown = shown_before_release(graded)
    total = sum(g.score for g in shown)
    possible = sum(g.item.points for g in shown)
    if len(shown) == len(graded):
        lines = [f"**Score: {total:g} / {possible:g}**"]
    else:  # never the points of checks the student is not shown yet
        lines = [f"**Score on the checks shown now: {total:g} / {possible:g}** (the other "
                 f"checks are graded too; you will see them when your course releases them)"]
    if run.grader_error:
        lines.append(GRADER_PROBLEM)
    lines += run.staged.notes
    graded_files = {g.item.file for g in graded}
    missing = [f"`{name}`" for name in run.staged.missing if name in graded_files]
    if missing:
        lines.append(f"Not found in your submission: {', '.join(missing)} (the items of those files score 0).")
    return "\n\n".join(lines)


def _leaderboard(rubric: Rubric, run: controller.GradingRun) -> list[dict]:
    entries = []
    for entry in rubric.leaderboard:
        value = None
        for outcome in run.outcomes.values():
            if entry.key == f"{LEADERBOARD_TEST_PREFIX}{outcome.test}" and outcome.leaderboard_value is not None:
                value = outcome.leaderboard_value
            reporter = rubric.item_for_node(outcome.test)
            if entry.item is not None and (reporter is None or reporter.id != entry.item):
                continue  # only the item that defines the figure may report it
            for key, recorded in outcome.properties:
                if key == entry.key and isinstance(recorded, (int, float)) and not isinstance(recorded, bool):
                    value = recorded
        if value is not None:
            entries.append({"name": entry.name, "value": value, "order": entry.order})
    return entries
