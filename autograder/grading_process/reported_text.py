"""Output the grading process reports for a test, cut to what the harness will show and to what
one event carries."""
from __future__ import annotations

import json

from autograder.sentences import OUTPUT_CUT
from autograder.wire.channel import MAX_TEXT_BYTES


def fitting(text: str, max_chars: int) -> str:
    """`text` cut to `max_chars` characters and to what an event's line carries of it
    (`MAX_TEXT_BYTES` once escaped as JSON, where a character may take up to 12 bytes), with
    `OUTPUT_CUT` where it was cut: an event longer than a line would be lost on the way."""
    budget = MAX_TEXT_BYTES - len(json.dumps(f"\n{OUTPUT_CUT}"))
    cut = text[:max_chars]
    while len(json.dumps(cut)) > budget:
        cut = cut[: len(cut) * budget // len(json.dumps(cut)) - 1]
    return text if cut == text else f"{cut}\n{OUTPUT_CUT}"
