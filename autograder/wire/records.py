"""A message as a record: a frozen dataclass whose `KIND` names it, carried as a mapping of its
fields plus its kind under a key (`"kind"` between the grading process and its workers,
`"event"` from the grading process to the harness). Reading one back accepts exactly one known
kind with exactly its fields."""
from __future__ import annotations

from dataclasses import MISSING, fields

from autograder.wire.protocol import MessageError


def to_mapping(record, kind_key: str, nested=lambda value: value) -> dict:
    """`record` as a mapping: `kind_key` -> its KIND, then its fields (each passed through
    `nested`, which turns a nested record into plain data)."""
    message = {kind_key: record.KIND}
    for item in fields(record):
        message[item.name] = nested(getattr(record, item.name))
    return message


def from_mapping(message, kinds: dict, kind_key: str, what: str, error=MessageError):
    """The record of `kinds` (KIND -> class) that `message` carries; `error(...)` for a message
    that is not a mapping, of unknown kind, or with a missing or unexpected field. Field values
    are taken as they are: the reader checks their types."""
    if not isinstance(message, dict):
        raise error(f"{what} that is not a mapping")
    kind = message.get(kind_key)
    record_class = kinds.get(kind) if isinstance(kind, str) else None
    if record_class is None:
        raise error(f"{what} of unknown kind {str(kind)[:40]!r}")
    names = {item.name for item in fields(record_class)}
    required = {item.name for item in fields(record_class)
                if item.default is MISSING and item.default_factory is MISSING}
    given = set(message) - {kind_key}
    if not given <= names or not required <= given:
        raise error(f"a malformed {kind!r} {what.split()[-1]}")
    return record_class(**{name: message[name] for name in given})
