"""What grading tests use to reach the submission under test.

A grading test never imports a student file by name. It asks for a fixture made by
`submission_module("layers")`: a `RemoteModule` whose functions run in a student worker, a
separate process (one fresh worker per test module). Before the worker imports the file, the
grading process reads it itself (missing file, syntax error, forbidden import); every way the
import can go wrong becomes a `SubmissionProblem` reported to the student in plain words.

`provided_module("data")` is the instructor's own copy of a provided file, imported in the
grading process. A gradescope-utils suite's `import calculator` reaches the submission through
`autograder.grading_process.submitted_imports` (a worker again), with `import_submitted` below.

The rest of the API: `submission_file` (a submitted data file), `worker_tmp_path` (a folder
the worker may write), from `remote_operations` `fill`, `seed_numpy`, `count_executed_lines`,
`timed_call` and `call_options`, `SubmissionError`, and `TensorArray`/`tensor` (a tensor as
the grading process holds it: torch is never imported here). What the grading process read of the
submission and the provided files is kept on the session (`session.SubmittedFiles`).
"""
from __future__ import annotations

import ast
import functools
import importlib.util
import os
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from autograder.grading_process import session, worker_client
from autograder.grading_process.cannot_pass import note_cannot_pass
from autograder.grading_process.problems import (CallFailed, ForbiddenImport, SubmissionFileMissing,
                                                 SubmissionImportFailed, SubmissionProblem)
from autograder.grading_process.proxies import RemoteModule, RemoteObject, remote_type_name
from autograder.grading_process.remote_errors import SubmissionError
from autograder.grading_process.remote_operations import (call_options, count_executed_lines, fill,
                                                          seed_numpy, timed_call, worker_library)
from autograder.grading_process.worker_slot import WorkerSlot
from autograder.wire.protocol import PROVIDED_DIR_ENV, SUBMISSION_DIR_ENV
from autograder.wire.tensor_array import TensorArray, tensor

__all__ = ["SubmissionError", "SubmissionProblem", "TensorArray", "call_options", "count_executed_lines",
           "fill", "provided_module", "remote_type_name", "seed_numpy",
           "submission_dir", "submission_file", "submission_module", "submitted_source", "tensor",
           "timed_call", "worker_library", "worker_slot_fixture", "worker_tmp_path"]



def _files() -> session.SubmittedFiles:
    return session.current().files


def submission_dir() -> Path:
    """The staged submission folder chosen by the harness (or by `pytest --submission`)."""
    value = os.environ.get(SUBMISSION_DIR_ENV)
    if not value:
        raise RuntimeError(
            "No submission selected: run the grading tests through `python -m autograder run` "
            "or with `pytest tests --submission DIR`."
        )
    return Path(value)


def snapshot_sources() -> None:
    """Read every submitted `.py` file now, before any worker runs: what the grading process
    reads of the source later is what was submitted, whatever a worker writes meanwhile."""
    sources = _files().sources
    if sources:
        return
    for path in sorted(submission_dir().glob("*.py")):
        if path.is_file() and not path.is_symlink():
            sources[path.stem] = path.read_text(encoding="utf-8", errors="replace")
    sources.setdefault(_files().SNAPSHOT_MARK, "")


def submitted_source(name: str) -> str:
    """The text of `<name>.py` as submitted ("" when there is none)."""
    snapshot_sources()
    return _files().sources.get(name, "")


def submitted_sources() -> dict[str, str]:
    """Module name -> the text of every submitted `.py` file, as submitted."""
    snapshot_sources()
    return {name: text for name, text in sorted(_files().sources.items()) if name}


def find_forbidden_import(source: str, forbidden: tuple[str, ...]) -> tuple[str, int] | None:
    """First `(package, line)` among `import x`, `from x import`, `__import__("x")` and
    `importlib.import_module("x")` whose top-level package is in `forbidden`."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("__import__", "import_module") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        for name in names:
            if name.split(".")[0] in forbidden:
                return name.split(".")[0], node.lineno
    return None


def _noted(function):
    """`function`'s `SubmissionProblem`s fail the current test even if it catches them."""
    @functools.wraps(function)
    def noting(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SubmissionProblem as problem:
            note_cannot_pass(problem)
            raise
    return noting


@_noted
def check_source(name: str, forbidden: tuple[str, ...] = ()) -> Path:
    """Read `<name>.py` of the submission without running it: the path, or the problem
    (missing, syntax error, forbidden import), remembered for every later test."""
    failures = _files().import_failures
    if name in failures:
        raise failures[name]
    filename = f"{name}.py"
    path = submission_dir() / filename
    snapshot_sources()
    sources = _files().sources
    if name not in sources:
        raise SubmissionFileMissing(filename)
    try:
        found = find_forbidden_import(sources[name], forbidden)
    except SyntaxError as error:
        failures[name] = SubmissionImportFailed(filename, error)
        raise failures[name] from None
    if found:
        failures[name] = ForbiddenImport(filename, *found)
        raise failures[name]
    return path


def open_remote_module(slot: WorkerSlot, name: str, forbidden: tuple[str, ...] = ()) -> RemoteModule:
    """`name` imported in the slot's worker, after the grading process read its source."""
    check_source(name, forbidden)
    import_in_worker(slot, name, f"{name}.py")
    return RemoteModule(slot, name)


def import_submitted(slot: WorkerSlot, name: str) -> RemoteObject:
    """The submission's module `name` (`calc`, `package`, `package.module`) imported in the
    slot's worker: its handle. Raises a `SubmissionProblem` (missing, syntax error, failed)."""
    top = name.partition(".")[0]
    if (submission_dir() / top).is_dir():
        return import_in_worker(slot, name, f"{top}/")
    check_source(top)
    return import_in_worker(slot, name, f"{top}.py" if top == name else name)


@_noted
def import_in_worker(slot: WorkerSlot, name: str, filename: str) -> RemoteObject:
    failures = _files().import_failures
    if name in failures:
        raise failures[name]
    try:
        return slot.module(name)
    except CallFailed as failed:
        failures[name] = SubmissionImportFailed(
            filename, f"`{filename}` {failed.cause} while being imported. Code at the top level "
                      f"of a file runs on import: keep only definitions there.")
    except Exception as error:  # noqa: BLE001 - the worker's exception, re-raised here
        info = getattr(error, "remote_info", None)
        if info is None:
            raise
        failures[name] = SubmissionImportFailed(filename, info)
    raise failures[name] from None


def worker_slot_fixture(preload: tuple[str, ...] = ()):
    """A module-scoped `worker_slot` fixture: the student worker of the current test module (a
    fresh process per module), forked from a fork server that imported `preload` (e.g.
    `("torch",)`, so that the workers share it). That server starts now, while the tests load
    and run, so its imports are done by the time a test needs it."""
    if preload:
        worker_client.warm_up(preload)

    @pytest.fixture(scope="module", name="worker_slot")
    def _fixture():
        snapshot_sources()
        slot = WorkerSlot(submission_dir(), preload)
        yield slot
        slot.close()

    return _fixture


worker_slot = worker_slot_fixture()


def submission_module(name: str, forbidden: tuple[str, ...] = ()):
    """Make a fixture that yields the submission's module `name` (e.g. `"layers"`), run in the
    test module's student worker. Use at module level of a conftest:
    `layers = submission_module("layers")`. `forbidden`: top-level packages the file may not
    import (e.g. `("torch",)`)."""

    @pytest.fixture(scope="module", name=name)
    def _fixture(worker_slot):
        return open_remote_module(worker_slot, name, forbidden)

    return _fixture


@pytest.fixture
def worker_tmp_path(tmp_path) -> Path:
    """A fresh folder the student worker may write (e.g. for `save(path)`)."""
    folder = Path(tempfile.mkdtemp(prefix="worker-", dir=worker_client.worker_dir() or tmp_path))
    os.chmod(folder, 0o777)
    return folder


# -- provided files: the instructor's copy, in the grading process -----------------------------
def provided_dir() -> Path:
    """The instructor's copy of the provided files (e.g. `data.py`)."""
    value = os.environ.get(PROVIDED_DIR_ENV)
    return Path(value) if value else submission_dir()


def provided_module(name: str) -> ModuleType:
    """The provided module `name` from the instructor's copy, imported here once."""
    provided = _files().provided
    if name not in provided:
        path = provided_dir() / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"autograder_provided_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        provided[name] = module
    return provided[name]


def provided_fixture(name: str):
    """A session fixture yielding `provided_module(name)`."""

    @pytest.fixture(scope="session", name=name)
    def _fixture():
        return provided_module(name)

    return _fixture


# -- submitted files read by the grading process -----------------------------------------------
def submission_file(filename: str) -> Path:
    """Path of a submitted data file (e.g. `mnist.pt`); raises `SubmissionFileMissing`."""
    path = submission_dir() / filename
    if not path.is_file():
        raise SubmissionFileMissing(filename)
    return path
