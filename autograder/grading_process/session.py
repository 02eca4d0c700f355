"""The state of one grading process, on one object.

A grading process grades one submission, one test at a time. Everything that outlives a call
lives on its `GradingSession`: how workers start and which are alive (`WorkerPool`), the running
test's budget and the failures it may not catch away (`TestState`), the functions not called
again (`NotCalledAgain`), the stubs, the submitted sources read before any worker ran, the
template's signatures, the items' configs and time limits. The pytest plugin starts it and
keeps it in `config.stash[plugin.SESSION_KEY]`; the grading API that tests call without a
`config` in hand reaches the same object through `current()`. Nothing here imports another
module of the grading process.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar
from types import ModuleType

from autograder.wire.protocol import PlannedTest
from autograder.wire.time_limits import DEFAULT_TIMEOUT_S
from autograder.wire.worker_messages import CallOptions


@dataclass
class TestBudget:
    """What the current test may still use: its deadline (None: no test is running) and how
    much output it may show."""

    deadline: float | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    output_left: int = 64 * 1024
    output_cut: bool = False
    spent: str | None = None  # why this test's time is up (set by the call that timed out)


@dataclass
class TestState:
    """The running test: its budget, its number (which test it is), the first failure of the
    student's that no test may catch away (a call that failed as a process, a file that does
    not import, a `SystemExit`), whether such failures are being noted (not while the grader
    probes), and the options `call_options` sets for the calls in its block."""

    budget: TestBudget = field(default_factory=TestBudget)
    number: int = 0
    cannot_pass: BaseException | None = None
    noting: bool = True
    call_options: CallOptions = field(default_factory=CallOptions)


@dataclass
class WorkerPool:
    """How workers start (`setup`: a `worker_client.WorkerSetup`, None until the run says),
    the fork servers by preload set, the fork servers asked for before `setup` was known, and
    the live workers by pid."""

    setup: object = None
    servers: dict = field(default_factory=dict)
    wanted: set = field(default_factory=set)
    live: dict = field(default_factory=dict)


@dataclass
class NotCalledAgain:
    """The functions not called again in this run: by label (`layers.relu_forward`) and by the
    frame a call was stuck in ((filename, function, line)), each with why; `record`: the file
    of the grading folder they are kept in, for the run's later grading processes."""

    functions: dict[str, str] = field(default_factory=dict)
    frames: dict[tuple[str, str, int], str] = field(default_factory=dict)
    record: str | None = None


@dataclass
class SubmittedFiles:
    """What the grading process read of the submission and the provided files: the sources
    (module name -> text, read before any worker ran), the import problems found in them, and
    the instructor's copies of the provided modules."""

    SNAPSHOT_MARK: ClassVar[str] = ""  # the key of `sources` that marks the snapshot as taken

    sources: dict[str, str] = field(default_factory=dict)
    import_failures: dict = field(default_factory=dict)
    provided: dict[str, ModuleType] = field(default_factory=dict)

    @property
    def snapshot_taken(self) -> bool:
        return self.SNAPSHOT_MARK in self.sources


@dataclass
class GradingSession:
    test: TestState = field(default_factory=TestState)
    workers: WorkerPool = field(default_factory=WorkerPool)
    not_called_again: NotCalledAgain = field(default_factory=NotCalledAgain)
    stubs: set[str] | None = None  # labels of calls whose source is the stub (read when first asked)
    files: SubmittedFiles = field(default_factory=SubmittedFiles)
    contract_dir: str | None = None  # the template's `.py` files (the assignment's signatures)
    planned: dict[str, PlannedTest] = field(default_factory=dict)  # node id -> config, timeout
    import_hook: object = None  # the installed `submitted_imports.SubmissionFinder`, if any

    def planned_test(self, node_id: str) -> PlannedTest:
        """The plan of the test `node_id` (a parametrized case counts for its function)."""
        return self.planned.get(node_id.split("[", 1)[0], PlannedTest({}, DEFAULT_TIMEOUT_S))


_current = GradingSession()


def current() -> GradingSession:
    """This grading process's session."""
    return _current
