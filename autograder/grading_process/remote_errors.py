"""An exception raised in a student worker, raised again in the grading process from plain data,
and a worker that could not answer, told as a sentence.

A worker's exception comes back as the builtin type when it is one of `REMOTE_BUILTINS` (so
that `pytest.raises(ValueError)` works), otherwise as `SubmissionError`; either way it carries
`remote_type`, `remote_message` and `remote_frames` for the feedback. A `NotImplementedError`
raised by a stub of the template is `NotImplementedYet`.
"""
from __future__ import annotations

import builtins
from pathlib import Path

from autograder.grading_process import session, worker_client
from autograder.grading_process.cannot_pass import note_cannot_pass
from autograder.grading_process.stubs import NotImplementedYet
from autograder.sentences import MUST_RETURN, timed_out_message
from autograder.template_stubs import stub_functions
from autograder.wire import protocol

REMOTE_BUILTINS = (
    "ValueError", "TypeError", "KeyError", "IndexError", "LookupError", "AttributeError",
    "ZeroDivisionError", "OverflowError", "FloatingPointError", "ArithmeticError",
    "NotImplementedError", "RecursionError", "RuntimeError", "MemoryError", "OSError",
    "ModuleNotFoundError", "ImportError", "UnboundLocalError", "NameError", "RuntimeWarning",
    "UserWarning", "DeprecationWarning", "Warning",
)


class SubmissionError(Exception):
    """An exception of a type that is not re-raised as itself (a class of the submission's, an
    `AssertionError`, `SystemExit`, ...)."""


def _stubs() -> set[str]:
    """Labels of the calls (`layers.relu_forward`, `TwoLayerNet.loss`) whose submitted source is
    the template's stub, read off the sources' snapshot the first time a call raises
    `NotImplementedError` (a submission that never does is never parsed for them); empty
    while no snapshot is taken."""
    grading = session.current()
    if grading.stubs is None:
        if not grading.files.snapshot_taken:
            return set()
        grading.stubs = {label for name, text in grading.files.sources.items()
                         if name != grading.files.SNAPSHOT_MARK for label in stub_functions(name, text)}
    return grading.stubs


def _stub_raising(info: protocol.ErrorInfo) -> str | None:
    """The label of the stub whose frame raised `info`, if the innermost submission frame is one
    (`Digit_Classifier.forward`, `layers.relu_forward`)."""
    if not info.frames:
        return None
    filename, _, function, _ = info.frames[-1]
    label = function if "." in function else f"{Path(filename).stem}.{function}"
    return label if label in _stubs() else None


def raise_remote(info: protocol.ErrorInfo, function: str):
    """Re-raise the worker's exception `info`, raised while calling `function`: a
    `NotImplementedError` of a stub (see `_stubs`) as `NotImplementedYet`, whether the
    stub is `function` itself or what it reached (a model's `__init__` or `forward`, through a
    tool)."""
    if "NotImplementedError" in info.bases:
        stub = function if function in _stubs() else _stub_raising(info)
        if stub is not None:
            raise NotImplementedYet(stub)
    name = next((base for base in info.bases if base in REMOTE_BUILTINS), None)
    if name is None:
        error = SubmissionError(f"{info.type_name}: {info.message}")
    elif name == "OSError" and info.errno is not None:
        error = OSError(info.errno, info.message)
    else:
        error = getattr(builtins, name)(info.message)
    error.remote_type = info.type_name
    error.remote_bases = tuple(info.bases)
    error.remote_message = info.message
    error.remote_frames = list(info.frames)
    error.remote_call = function
    error.remote_info = info
    if info.bases and "Exception" not in info.bases:  # SystemExit, KeyboardInterrupt, ...
        note_cannot_pass(error)
    raise error


def failure_message(failure: worker_client.WorkerFailure) -> str:
    """The sentence for a call whose worker could not answer."""
    if isinstance(failure, worker_client.CallTimedOut):
        return timed_out_message(worker_client.current_timeout(), failure.message)
    if isinstance(failure, worker_client.WorkerDied) and failure.exited:
        return f"`{failure.function}` {failure.message}. {MUST_RETURN}"
    return f"`{failure.function}` {failure.message}."
