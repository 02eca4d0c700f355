"""What passes between the harness, the grading process and the student workers, defined once.

- The environment names the harness sets for the grading process, and the grading process for
  its workers.
- The plan the harness gives a grading process (the events it reports back are records in
  `autograder.wire.events`).
- What may cross to and from a worker: the codec's limits and types (`autograder.wire.codec`
  turns values into bytes: MessagePack, never pickle), `Handle` (an object that stays in the
  worker) and `ErrorInfo` (an exception raised there, as plain data, every field validated when
  it arrives). The requests and replies themselves are records in
  `autograder.wire.worker_messages`.

This module imports nothing heavy: the harness reads its names without loading NumPy.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

# -- environment ---------------------------------------------------------------------------------
PLAN_ENV = "AUTOGRADER_PLAN"                    # the plan file (JSON) of a grading process
CHANNEL_FD_ENV = "AUTOGRADER_CHANNEL_FD"        # the fd of the grading process's event pipe
SUBMISSION_DIR_ENV = "AUTOGRADER_SUBMISSION_DIR"  # the staged submission
PROVIDED_DIR_ENV = "AUTOGRADER_PROVIDED_DIR"    # the instructor's copy of the provided files
WORKER_HOME_ENV = "AUTOGRADER_WORKER_HOME"      # the workers' HOME (the grading process's is private)
HASH_SEED_ENV = "AUTOGRADER_HASH_SEED"          # the grading process's PYTHONHASHSEED (audit --flaky)

# What the grading process and the workers both run with: one thread per library (grading is
# single-threaded and reproducible), no display, no GPU, and large blocks given back to the system
# when freed (a test's arrays and models would otherwise stay in the heap, counted against memory).
RUNTIME_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "CUDA_VISIBLE_DEVICES": "",
    "MALLOC_MMAP_THRESHOLD_": "1048576",
    "MALLOC_TRIM_THRESHOLD_": "1048576",
}

# -- the harness -> grading process plan (the events back: `autograder.wire.events`) -------
@dataclass(frozen=True)
class PlannedTest:
    """One grading test of a plan: its rubric item's `config` and its time limit in seconds."""

    config: dict
    timeout: float


@dataclass(frozen=True)
class SandboxUser:
    """The account the workers run as (a spare uid may have no name in the system)."""

    uid: int
    gid: int
    name: str


@dataclass(frozen=True)
class SuiteSetup:
    """The faithful suite mode's part of a plan. private_dir: the grading process's own copy of
    the suite (read for decorators); source_dir: the workers' working folder, laid out as
    Gradescope's `/autograder/source` (the submission's files, the suite in `tests_name`);
    pattern: unittest's file pattern; timeout: seconds per test; failure_prefix, descriptions,
    buffer, failfast: `JSONTestRunner`'s options."""

    private_dir: str
    source_dir: str
    tests_name: str
    timeout: float
    pattern: str = "test*.py"
    failure_prefix: str = "Test Failed: "
    descriptions: bool = True
    buffer: bool = True
    failfast: bool = False


@dataclass(frozen=True)
class GradingPlan:
    """What one grading process is to do, written by the harness (owner-only JSON).

    tests: node id -> `PlannedTest`; select: the node ids to run (None: all); done: tests
    already graded by an earlier grading process; drop_to: the `SandboxUser` the workers run
    as, or None (ours); memory_mb, processes, cpu_seconds: the workers' limits;
    provided_modules: the provided files' module names (the instructor's copy is imported in
    the grading process); submitted_modules: the submission's module names, which a
    gradescope-utils suite's `import` reaches in a worker; stop_report: where the harness says
    why it ended the workers (a limit they went past) before it does; not_called_again: the
    file in which the run's grading processes keep the functions they do not call again;
    contract_dir: the template's `.py` files (the signatures the assignment gives), if any;
    suite: the faithful suite mode's `SuiteSetup` (None: the pytest grading tests).
    """

    submission_dir: str
    tests: dict[str, PlannedTest]
    output_limit_bytes: int
    memory_mb: int
    processes: int
    timeout_report: str
    worker_dir: str
    not_called_again: str
    stop_report: str | None = None
    select: list | None = None
    done: list = field(default_factory=list)
    cpu_seconds: int = 600
    drop_to: SandboxUser | None = None
    provided_modules: list = field(default_factory=list)
    submitted_modules: list = field(default_factory=list)
    contract_dir: str | None = None
    suite: SuiteSetup | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def stopping_marker(stop_report: str) -> str:
        """The file that exists while the harness ends the workers: no worker is started then."""
        return stop_report + ".stopping"

    @classmethod
    def from_json(cls, text: str) -> "GradingPlan":
        """The plan `text` holds (a field of no record is a TypeError: plans come only from
        the harness of the same version)."""
        data = json.loads(text)
        data["tests"] = {node: PlannedTest(**test) for node, test in data["tests"].items()}
        for key, record in (("drop_to", SandboxUser), ("suite", SuiteSetup)):
            if data.get(key) is not None:
                data[key] = record(**data[key])
        return cls(**data)


# -- the codec's limits and extension types ------------------------------------------------------
MAX_MESSAGE_BYTES = 256 << 20
MAX_DEPTH = 32
MAX_CONTAINER_LENGTH = 1 << 20
MAX_TEXT_CHARS = 20_000

EXT_ARRAY, EXT_SCALAR, EXT_TENSOR, EXT_TUPLE, EXT_HANDLE = 1, 2, 3, 4, 5
# dtypes by `np.dtype(...).str`
ALLOWED_DTYPES = frozenset(
    ["|b1", "|i1", "|u1"]
    + [f"{order}{kind}{size}" for order in "<>" for kind in "iu" for size in (2, 4, 8)]
    + [f"{order}f{size}" for order in "<>" for size in (2, 4, 8)]
    + [f"{order}c{size}" for order in "<>" for size in (8, 16)])
TENSOR_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
                 "float64", "complex64", "complex128")

# -- what a worker may be asked to import ----------------------------------------------------
# Libraries whose callables the grading process may name in a `LibraryRequest` (a name is one
# of these or lies inside one).
LIBRARY_ROOTS = ("numpy", "torch", "data", "autograder.worker.torch_tools")
# Modules the fork server may import before forking, so that workers share them.
PRELOADABLE = ("torch",)


def is_library_name(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in LIBRARY_ROOTS)


class MessageError(ValueError):
    """A message that is malformed, too large, too deep or of a kind that may not cross."""


@dataclass(frozen=True)
class Handle:
    """An object that stays in the worker: `id` names it there; `type_name` and `callable`
    are the worker's word (for messages only)."""

    id: int
    type_name: str
    callable: bool


@dataclass
class ErrorInfo:
    """An exception raised in the worker, as plain data.

    type_name: its class's name; bases: the names of the builtin exception classes in its MRO
    (most specific first); message: `str()` of it (or a placeholder when that failed); errno:
    an `OSError`'s number; frames: `(filename, line, function, source line)` of the frames in
    submission files, innermost last, `function` qualified (`TwoLayerNet.loss`).
    """

    type_name: str
    bases: list[str]
    message: str
    errno: int | None
    frames: list[tuple[str, int, str, str]]

    def as_dict(self) -> dict:
        return {"type_name": self.type_name, "bases": self.bases, "message": self.message,
                "errno": self.errno, "frames": [list(frame) for frame in self.frames]}

    @classmethod
    def from_dict(cls, data) -> "ErrorInfo":
        """Validate an error reply from the worker (every field is untrusted)."""
        if not isinstance(data, dict):
            raise MessageError("an error reply that is not a mapping")
        bases = data.get("bases")
        frames = data.get("frames")
        errno = data.get("errno")
        if not (isinstance(bases, list) and all(isinstance(b, str) for b in bases)
                and isinstance(frames, list) and (errno is None or type(errno) is int)):
            raise MessageError("a malformed error reply")
        checked = []
        for frame in frames[:50]:
            if not (isinstance(frame, list) and len(frame) == 4
                    and isinstance(frame[0], str) and type(frame[1]) is int
                    and isinstance(frame[2], str) and isinstance(frame[3], str)):
                raise MessageError("a malformed stack frame in an error reply")
            checked.append((clip(frame[0], 500), frame[1], clip(frame[2], 200), clip(frame[3], 300)))
        return cls(clip(_text(data.get("type_name")), 200), [clip(b, 100) for b in bases[:30]],
                   clip(_text(data.get("message")), MAX_TEXT_CHARS), errno, checked)


def _text(value) -> str:
    if not isinstance(value, str):
        raise MessageError("a text field that is not a string")
    return value


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
