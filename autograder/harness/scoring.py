"""From test outcomes to graded items: partial credit, status and the student's feedback.

Points come only from the rubric: an item earns `points * passed / checks`, whatever the
grading process reported about itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from autograder.harness.outcomes import CheckOutcome, GradingRun
from autograder.rubric import Item, Rubric
from autograder.sentences import NOT_IMPLEMENTED

MAX_STDOUT_CHARS = 4000


class CheckEarned(NamedTuple):
    """One check of an item: its test id, the fraction of it earned (0 to 1), its message."""

    test: str
    earned: float
    message: str


@dataclass(frozen=True)
class GradedItem:
    item: Item
    score: float
    checks: int
    passed: int
    output: str
    per_check: tuple[CheckEarned, ...] = ()
    seconds: float = 0.0  # the time its checks took, summed

    @property
    def status(self) -> str:
        """`failed` when a check failed or points were lost (a partial `set_score` too)."""
        passed = bool(self.checks) and self.passed == self.checks and self.score >= self.item.points
        return "passed" if passed else "failed"

    @property
    def headline(self) -> str:
        """The first line of the feedback, for one-line summaries."""
        return self.output.strip().splitlines()[0] if self.output.strip() else ""


def shown_before_release(graded: list[GradedItem]) -> list[GradedItem]:
    """The items a student sees as soon as they are graded (`visibility: visible`): text the
    student reads before release names only these items' points."""
    return [g for g in graded if g.item.visibility == "visible"]


def score_items(rubric: Rubric, run: GradingRun, items: list[str] | None = None) -> list[GradedItem]:
    """One `GradedItem` per rubric item (only those in `items` when given), in rubric order,
    then the items made from gradescope-utils decorators."""
    rubric = run.rubric or rubric
    graded = []
    for item in rubric.items:
        if items is not None and item.id not in items:
            continue
        tests = [t for t in run.collected if t.split("[", 1)[0] in rubric.node_ids(item)]
        outcomes = [run.outcomes.get(t) or CheckOutcome(t, False, _not_run(run)) for t in tests]
        passed = sum(outcome.passed for outcome in outcomes)
        earned = sum(_fraction(outcome, item) for outcome in outcomes)
        score = 0.0 if not outcomes else item.points if earned == len(outcomes) else round(
            item.points * earned / len(outcomes), 4)
        graded.append(GradedItem(item, score, len(outcomes), passed, _feedback(outcomes, run),
                                 tuple(CheckEarned(o.test, _fraction(o, item), o.message) for o in outcomes),
                                 seconds=sum(o.seconds for o in outcomes)))
    return graded


def _fraction(outcome: CheckOutcome, item: Item) -> float:
    """1 for a passed check, 0 for a failed one; a gradescope-utils `set_score(x)` gives
    x / points, clamped to [0, 1]."""
    if outcome.set_score is None or item.points <= 0:
        return float(outcome.passed)
    return min(max(outcome.set_score / item.points, 0.0), 1.0)


def _not_run(run: GradingRun) -> str:
    if run.grader_error:
        return "Not graded: the autograder itself had a problem (not your fault); course staff have been told."
    return "Not graded: this check did not run."


def _feedback(outcomes: list[CheckOutcome], run: GradingRun) -> str:
    if not outcomes:
        return _not_run(run)
    failed = [o for o in outcomes if not o.passed]
    printed = [o.stdout.strip() for o in outcomes if o.stdout.strip()]
    if not failed:
        text = f"All {len(outcomes)} checks passed." if len(outcomes) > 1 else "Passed."
    elif len({o.message for o in failed}) == 1 and len(failed) == len(outcomes):
        text = failed[0].message
    else:
        lines = [f"Passed {len(outcomes) - len(failed)} of {len(outcomes)} checks."]
        lines += [f"- **{_check_name(o.test)}**: {_indent(o.message)}" for o in failed]
        text = "\n".join(lines)
    if printed and not text.startswith(NOT_IMPLEMENTED):
        shown = "\n".join(printed)[:MAX_STDOUT_CHARS]
        text += f"\n\nWhat the grader printed:\n```\n{shown}\n```"
    return text


def _check_name(test: str) -> str:
    """`tests/part_a/test_layers.py::test_affine_backward[2]` -> `affine backward [2]`."""
    name = test.rsplit("::", 1)[-1]
    base, _, params = name.partition("[")
    base = base.removeprefix("test_").replace("_", " ")
    return f"{base} [{params}" if params else base


def _indent(message: str) -> str:
    return message.replace("\n", "\n  ")
