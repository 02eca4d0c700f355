"""Gradescope's results.json: build it, validate it against the schema in the repo, write it
atomically (a reader never sees half a file, a crash never leaves an old one looking new)."""
from __future__ import annotations

import json
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.harness.scoring import GradedItem
from autograder.rubric import Rubric

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = Path(__file__).with_name("results_schema.json")  # what we write
GRADESCOPE_SCHEMA_PATH = Path(__file__).with_name("gradescope_results_schema.json")  # what it accepts
RATE_LIMITED_KEY = "rate_limited"  # in `extra_data` of results carried over by the rate limit
SECONDS_KEY = "seconds"  # in each test's `extra_data`: how long its checks took to run


def load_validators() -> None:
    """Import jsonschema and build both validators (about 40 ms, on the way to every
    results.json): the harness does it while the grading process runs. A failure here is
    left to `validate`, which meets it again and raises it where results.json is written."""
    for path in (SCHEMA_PATH, GRADESCOPE_SCHEMA_PATH):
        try:
            _validator(path)
        except Exception:  # noqa: BLE001 - raised again, where it is handled, by `validate`
            return


@lru_cache(maxsize=2)
def _validator(path: Path) -> jsonschema.Draft202012Validator:
    import jsonschema

    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(results: dict) -> None:
    """Raise `jsonschema.ValidationError` unless `results` is a fully specified results.json,
    as the harness writes them (every test with its name, score, max_score and status)."""
    _validator(SCHEMA_PATH).validate(results)


def validate_gradescope(results: dict) -> None:
    """Raise `jsonschema.ValidationError` unless Gradescope would accept `results` (looser:
    status-only tests, `execution_time` as a string, keys it does not read)."""
    _validator(GRADESCOPE_SCHEMA_PATH).validate(results)


def build_results(rubric: Rubric, graded: list[GradedItem], output: str, execution_time: float,
                  leaderboard: list[dict] | None = None) -> dict:
    fields = rubric.results_fields
    tests = [_test_entry(g, per_test_format="test_output_format" not in fields) for g in graded]
    results = {
        "score": round(sum(g.score for g in graded), 4),
        "execution_time": int(math.ceil(execution_time)),
        "output": output,
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": rubric.stdout_visibility,
        **fields,
        "tests": tests,
    }
    if leaderboard:
        results["leaderboard"] = leaderboard
    return results


def _test_entry(graded: GradedItem, per_test_format: bool) -> dict:
    """One test of results.json; its feedback is markdown unless the rubric set
    `results.test_output_format` for every test."""
    item = graded.item
    entry = {"name": item.name}
    if item.number:
        entry["number"] = item.number
    if not item.status_only:
        entry.update(score=graded.score, max_score=item.points)
    entry.update(status=graded.status, output=graded.output, visibility=item.visibility)
    if per_test_format:
        entry["output_format"] = "md"
    if item.tags:
        entry["tags"] = list(item.tags)
    entry["extra_data"] = {**(item.extra_data or {}), SECONDS_KEY: round(graded.seconds, 2)}
    return entry


def failure_results(rubric: Rubric | None, message: str, execution_time: float = 0.0) -> dict:
    """Results for a run that could not grade at all: every item 0, and why."""
    tests = []
    if rubric is not None:
        tests = [{"name": item.name, **({"number": item.number} if item.number else {}),
                  **({} if item.status_only else {"score": 0.0, "max_score": item.points}),
                  "status": "failed", "output": message, "output_format": "md",
                  "visibility": item.visibility} for item in rubric.items]
    return {"score": 0.0, "execution_time": int(math.ceil(execution_time)), "output": message,
            "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def write_results(results: dict, path: Path, ours: bool = True) -> Path:
    """Validate (as fully specified, or with `ours=False` as Gradescope accepts it: results
    carried over from what Gradescope stored), then write `path` atomically (temp file in the
    same folder + rename)."""
    if ours:
        validate(results)
    else:
        validate_gradescope(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
