"""What a grading run found: one `CheckOutcome` per grading test, and the `GradingRun` that
results.json and the summary are built from."""
from __future__ import annotations

from dataclasses import dataclass, field

from autograder.rubric import Rubric
from autograder.staging import StagedSubmission
from autograder.wire.decorations import Decorations


@dataclass
class CheckOutcome:
    test: str
    passed: bool
    message: str = ""
    stdout: str = ""
    properties: list = field(default_factory=list)
    set_score: float | None = None          # gradescope-utils @partial_credit's set_score(x)
    leaderboard_value: float | str | None = None  # gradescope-utils @leaderboard's value
    name: str | None = None  # faithful mode: a result the suite's discovery did not list
    seconds: float = 0.0  # from its start event to its result, on the harness's clock


@dataclass
class GradingRun:
    """Everything the results are built from; `outcomes` is keyed by pytest node id."""

    outcomes: dict[str, CheckOutcome]
    collected: list[str]
    staged: StagedSubmission
    rubric: Rubric | None
    sandbox_note: str
    execution_time: float
    processes_started: int = 0
    grader_error: str | None = None
    decorated: dict[str, Decorations] = field(default_factory=dict)  # test -> its decorators
