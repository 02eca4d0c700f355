"""Rate limiting from Gradescope's submission_metadata.json.

At most N graded submissions in any rolling window, counted from `created_at` and the
previous submissions' `submission_time`, so a regrade of an old submission counts exactly the
submissions that came before it and agrees with the first grading. Not counted: a submission
the autograder failed on (`autograder_error`, or stored results that are empty) and one that
was itself over the limit (its results carry `extra_data.rate_limited`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from autograder.harness.results import RATE_LIMITED_KEY
from autograder.rubric import RateLimit


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def over_limit(metadata: dict, limit: RateLimit) -> tuple[bool, dict | None]:
    """`(True, latest graded previous submission)` when this submission exceeds the limit."""
    created = _parse_time(metadata.get("created_at"))
    if created is None:
        return False, None
    window_start = created - timedelta(hours=limit.window_hours)
    earlier = []
    for previous in metadata.get("previous_submissions") or []:
        if not isinstance(previous, dict):
            continue
        when = _parse_time(previous.get("submission_time"))
        if when is not None and window_start < when < created and _was_graded(previous):
            earlier.append((when, previous))
    if len(earlier) < limit.submissions:
        return False, None
    earlier.sort(key=lambda pair: pair[0])
    return True, earlier[-1][1]


def _was_graded(previous: dict) -> bool:
    if previous.get("autograder_error"):
        return False
    if "results" not in previous:
        return True  # Gradescope gave only the score
    stored = previous["results"]
    if not isinstance(stored, dict) or not stored:
        return False
    extra = stored.get("extra_data")
    return not (isinstance(extra, dict) and extra.get(RATE_LIMITED_KEY))


def limited_message(limit: RateLimit) -> str:
    return (f"You have already made {limit.submissions} graded submission(s) in the last "
            f"{limit.window_hours:g} hours, the course's limit, so this one was not graded. "
            f"Your score below is carried over from your latest graded submission.")
