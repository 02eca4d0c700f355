"""Every message between the grading process and a student worker or its fork server: one
record per kind, built and read only here.

- Requests (grading process -> worker): `ImportRequest` ... `RunSuiteRequest`, each with its
  `KIND`; a worker reads one with `read_request` and answers it through its table of handlers.
- Replies (worker -> grading process): `OkReply` or `ErrorReply`; while a suite runs, frames
  first (`SuiteStartFrame`, `SuiteEntryFrame`, `SuiteHolderFrame`). `read_reply` and
  `read_suite_message` validate what the worker sent: its every word is untrusted.
- The fork server's control messages: `ForkRequest` / `StatusRequest` and their replies.

On the wire each record is a mapping: its fields and `"kind"`. A message of an unknown kind, or
with a missing or unexpected field, is a `MessageError`, never a default.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from autograder.wire.protocol import ErrorInfo, MessageError
from autograder.wire.records import from_mapping, to_mapping

KIND = "kind"
NOT_CALLED_AGAIN = "NotCalledAgain"  # the type name of the exception a blocked function raises


# -- requests (grading process -> worker) -------------------------------------------------------
@dataclass(frozen=True)
class ImportRequest:
    """import <module>.py from the submission -> its module, as a handle."""
    KIND: ClassVar[str] = "import"
    module: str


@dataclass(frozen=True)
class LibraryRequest:
    """A library callable by dotted name ("numpy.random.seed") -> a handle."""
    KIND: ClassVar[str] = "library"
    name: str


@dataclass(frozen=True)
class GetAttrRequest:
    """target.name -> a value or a handle."""
    KIND: ClassVar[str] = "getattr"
    target: Any
    name: str


@dataclass(frozen=True)
class SetAttrRequest:
    """target.name = value."""
    KIND: ClassVar[str] = "setattr"
    target: Any
    name: str
    value: Any


@dataclass(frozen=True)
class FillRequest:
    """target.<path[0]>[path[1]]...[...] = value, in place."""
    KIND: ClassVar[str] = "fill"
    target: Any
    path: list
    value: Any


@dataclass(frozen=True)
class CallOptions:
    """errstate: keyword arguments of `np.errstate` during the call; warnings: "error" to raise
    warnings as errors; count_lines: also count the lines executed in submission files."""
    KIND: ClassVar[str] = "options"
    errstate: dict | None = None
    warnings: str | None = None
    count_lines: bool = False


@dataclass(frozen=True)
class CallRequest:
    """target(*args, **kwargs), or target.<name>(...) when a name is given -> a value or a
    handle (and the lines executed, with `options.count_lines`)."""
    KIND: ClassVar[str] = "call"
    target: Any
    args: list
    kwargs: dict
    name: str | None = None
    options: CallOptions = field(default_factory=CallOptions)


@dataclass(frozen=True)
class ResetRequest:
    """Seed the global RNGs of numpy, random (and torch, if imported)."""
    KIND: ClassVar[str] = "reset"
    seed: int


@dataclass(frozen=True)
class ReleaseRequest:
    """Forget these handles."""
    KIND: ClassVar[str] = "release"
    handles: list


@dataclass(frozen=True)
class BlockRequest:
    """From now on, and in modules imported later, the submission functions whose code spans
    `line` of `filename` raise `NotCalledAgain(message)` instead. functions: [[filename, name,
    line, message], ...]."""
    KIND: ClassVar[str] = "block"
    functions: list


@dataclass(frozen=True)
class RunSuiteRequest:
    """Run a unittest suite as JSONTestRunner would, sending suite frames before the reply;
    ids: only these tests, by `suite_keys` (None: all)."""
    KIND: ClassVar[str] = "run_suite"
    start_dir: str
    pattern: str
    failure_prefix: str
    descriptions: bool
    buffer: bool
    ids: list | None = None
    failfast: bool = False


def suite_keys(ids) -> list[str]:
    """Each test of a suite by its key, in the suite's order: unittest's id, which a TestCase
    class imported into a second test module shares with the first (unittest runs it twice,
    JSONTestRunner lists it twice), so a second occurrence is `id (2)`, a third `id (3)`."""
    seen: dict[str, int] = {}
    return [suite_key(test_id, seen) for test_id in ids]


def suite_key(test_id: str, seen: dict[str, int]) -> str:
    """The key of the next occurrence of `test_id`, counting occurrences in `seen`."""
    seen[test_id] = seen.get(test_id, 0) + 1
    return test_id if seen[test_id] == 1 else f"{test_id} ({seen[test_id]})"


REQUESTS = {kind.KIND: kind for kind in (ImportRequest, LibraryRequest, GetAttrRequest,
                                         SetAttrRequest, FillRequest, CallRequest, ResetRequest,
                                         ReleaseRequest, BlockRequest, RunSuiteRequest)}


# -- replies and frames (worker -> grading process) ---------------------------------------------
@dataclass(frozen=True)
class OkReply:
    """The request's value; lines: the lines executed (a call with `count_lines`)."""
    KIND: ClassVar[str] = "ok"
    value: Any
    lines: int | None = None


@dataclass(frozen=True)
class ErrorReply:
    """The exception the request raised in the worker."""
    KIND: ClassVar[str] = "error"
    error: ErrorInfo


@dataclass(frozen=True)
class SuiteStartFrame:
    """Test `id` starts."""
    KIND: ClassVar[str] = "suite_start"
    id: str


@dataclass(frozen=True)
class SuiteEntryFrame:
    """What JSONTestRunner recorded for test `id` (a test or a leaderboard entry), the fields
    the grading process may believe: its name, status ("passed" or "failed"), output, the
    score a `@partial_credit` test set and a leaderboard entry's value (each the worker's
    word: the reader checks its type)."""
    KIND: ClassVar[str] = "suite_entry"
    id: str
    name: object = None
    status: object = None
    output: object = None
    score: object = None
    value: object = None


# The keys of JSONTestRunner's own dict that a `SuiteEntryFrame` carries.
SUITE_ENTRY_FIELDS = ("name", "status", "output", "score", "value")
# What a suite frame carries of a text: its beginning and its last `TEXT_TAIL_CHARS` (where a
# failure's message is); the grading process cuts a test's output shorter, and marks the cut.
MAX_SUITE_TEXT_CHARS = 1 << 20
TEXT_TAIL_CHARS = 2000


@dataclass(frozen=True)
class SuiteHolderFrame:
    """A class or module fixture (`setUpClass`, ...) named `name` failed, printing `output`."""
    KIND: ClassVar[str] = "suite_holder"
    name: str
    output: str


# -- the fork server ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ForkRequest:
    """Fork a worker for `submission_dir`, working in `cwd`; sent with three descriptors
    [socket, output, dump] -> `ForkReply`."""
    KIND: ClassVar[str] = "fork"
    submission_dir: str
    cwd: str


@dataclass(frozen=True)
class StatusRequest:
    """The wait status of worker `pid`, waiting up to `wait` seconds -> `StatusReply`."""
    KIND: ClassVar[str] = "status"
    pid: int
    wait: float


@dataclass(frozen=True)
class ForkReply:
    KIND: ClassVar[str] = "forked"
    pid: int


@dataclass(frozen=True)
class StatusReply:
    """status: the worker's wait status, or None while it runs."""
    KIND: ClassVar[str] = "status_of"
    status: int | None


@dataclass(frozen=True)
class RefusedReply:
    """The fork server could not do what it was asked."""
    KIND: ClassVar[str] = "refused"
    why: str


CONTROL_REQUESTS = {kind.KIND: kind for kind in (ForkRequest, StatusRequest)}


# -- to and from the wire ----------------------------------------------------------------------
def _plain(value):
    if isinstance(value, CallOptions):
        return to_wire(value)
    return value.as_dict() if isinstance(value, ErrorInfo) else value


def to_wire(record) -> dict:
    """The mapping that carries `record` (its values as they are: the codec encodes them)."""
    return to_mapping(record, KIND, _plain)


def _read(message, kinds: dict, what: str):
    return from_mapping(message, kinds, KIND, what)


def read_request(message) -> Any:
    """A request from the grading process (the worker's side)."""
    request = _read(message, REQUESTS, "a request")
    if isinstance(request, CallRequest) and not isinstance(request.options, CallOptions):
        options = _read(request.options, {CallOptions.KIND: CallOptions}, "call options")
        request = CallRequest(request.target, request.args, request.kwargs, request.name, options)
    return request


def read_reply(message) -> OkReply | ErrorReply:
    """A worker's reply, validated: an error's every field (`ErrorInfo.from_dict`), a line count
    an int."""
    reply = _read(message, {OkReply.KIND: OkReply, ErrorReply.KIND: ErrorReply}, "a reply")
    if isinstance(reply, ErrorReply):
        return ErrorReply(ErrorInfo.from_dict(reply.error))
    if reply.lines is not None and type(reply.lines) is not int:
        raise MessageError("a malformed line count")
    return reply


SUITE_MESSAGES = {kind.KIND: kind for kind in (OkReply, ErrorReply, SuiteStartFrame,
                                               SuiteEntryFrame, SuiteHolderFrame)}


def read_suite_message(message):
    """A frame or the final reply of a running suite, validated (its texts strings, an entry's
    fields texts or numbers)."""
    record = _read(message, SUITE_MESSAGES, "a suite message")
    if isinstance(record, (OkReply, ErrorReply)):
        return read_reply(message)
    if isinstance(record, SuiteEntryFrame):
        well_formed = isinstance(record.id, str) and all(
            isinstance(text, (str, type(None))) for text in (record.name, record.status, record.output)
        ) and all(_plain_scalar(value) for value in (record.score, record.value))
    else:
        well_formed = all(isinstance(getattr(record, name), str)
                          for name in ("id", "name", "output") if hasattr(record, name))
    if not well_formed:
        raise MessageError(f"a malformed {record.KIND!r} frame")
    return record


def _plain_scalar(value) -> bool:
    """None, a text or a finite number (a bool counts as neither: JSONTestRunner writes none)."""
    if value is None or isinstance(value, str):
        return True
    return type(value) in (int, float) and math.isfinite(value)


def read_control_request(message):
    """A control message to the fork server."""
    return _read(message, CONTROL_REQUESTS, "a control message")


def read_control_reply(message, expected: type):
    """The fork server's reply to a request that expects `expected` (ForkReply or StatusReply);
    a refusal is a `MessageError` that says why."""
    reply = _read(message, {expected.KIND: expected, RefusedReply.KIND: RefusedReply},
                  "a fork server reply")
    if isinstance(reply, RefusedReply):
        raise MessageError(f"the worker fork server refused: {str(reply.why)[:200]}")
    return reply
