"""Output the grading process reports for a test, cut to what the harness will show and to what
one event carries."""
from __future__ import annotations

import json

from autograder.sentences import OUTPUT_CUT
from autograder.wire.channel import MAX_TEXT_BYTES
from autograder.wire.worker_messages import TEXT_TAIL_CHARS


def fitting(text: str, max_chars: int) -> str:
    """`text`, or when it is longer than `max_chars` characters or than what an event's line
    carries of it (`MAX_TEXT_BYTES` once escaped as JSON, where a character may take up to 12
    bytes), its beginning and its last characters (up to `TEXT_TAIL_CHARS`, a quarter of what is
    kept) around `OUTPUT_CUT`, `max_chars` characters of it at most: an event longer than a
    line would be lost on the way."""
    if len(text) <= max_chars and len(json.dumps(text)) <= MAX_TEXT_BYTES:
        return text
    kept = max(0, min(max_chars, len(text)))
    while True:
        tail = min(TEXT_TAIL_CHARS, kept // 4)
        parts = [text[:kept - tail], OUTPUT_CUT, text[len(text) - tail:] if tail else ""]
        cut = "\n".join(part for part in parts if part)
        size = len(json.dumps(cut))
        if size <= MAX_TEXT_BYTES or kept == 0:
            return cut
        kept = max(0, kept * MAX_TEXT_BYTES // size - 1)
