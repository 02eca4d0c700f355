"""Problems with the submission itself, as exceptions whose `str()` is a complete sentence a
student can act on (markdown). The grading process raises them; `feedback` shows them as
they are, with the failing input when hypothesis found one.
"""
from __future__ import annotations

import traceback
from pathlib import Path

from autograder.grading_process import environment
from autograder.wire.protocol import ErrorInfo

PYTHON2_SYNTAX = ("Missing parentheses in call to 'print'", "Missing parentheses in call to 'exec'",
                  "multiple exception types must be parenthesized")


class SubmissionProblem(Exception):
    """A problem with the submitted files or with how their code behaved as a process (not
    with one function's answer). `str()` of it is a complete, student-readable sentence."""


class SubmissionFileMissing(SubmissionProblem):
    def __init__(self, filename: str):
        if filename.endswith(".py"):
            text = (f"`{filename}` was not found in your submission, so its items could not be "
                    f"graded. Upload it at the top level of your submission (or in a single folder).")
        else:
            text = (f"Not implemented yet: the trained weights `{filename}` are not in your "
                    f"submission. Train your network, save it as `{filename}` and upload it with "
                    f"your code.")
        super().__init__(text)
        self.filename = filename


class ForbiddenImport(SubmissionProblem):
    def __init__(self, filename: str, package: str, line: int):
        super().__init__(
            f"`{filename}` imports `{package}` (line {line}). This part of the assignment must be "
            f"written with NumPy only, so none of `{filename}`'s items can earn points until that "
            f"import is removed."
        )


class SubmissionImportFailed(SubmissionProblem):
    def __init__(self, filename: str, error: BaseException | ErrorInfo | str):
        self.filename = filename
        self.error = error
        super().__init__(error if isinstance(error, str) else describe_import_error(filename, error))


class CallFailed(SubmissionProblem):
    """A call into the submission that did not come back: it timed out, its process died or
    its reply could not be read. `function` is the submission's function (`layers.relu`);
    `cause` says what happened in a few words ("crashed (segmentation fault)")."""

    def __init__(self, function: str, message: str, cause: str = ""):
        super().__init__(message)
        self.function = function
        self.cause = cause or message


def describe_import_error(filename: str, error: BaseException | ErrorInfo) -> str:
    """One readable sentence saying where and why importing `filename` failed; `error` is a
    local exception or one raised in a worker (`ErrorInfo`)."""
    if isinstance(error, SyntaxError):
        where = f"line {error.lineno}" if error.lineno else "an unknown line"
        text = (error.text or "").rstrip()
        shown = f"\n\n```\n{text}\n```" if text else ""
        python2 = (f"\n\nThat is Python 2 code; the grader runs {environment.versions()}."
                   if any(sign in error.msg for sign in PYTHON2_SYNTAX) else "")
        return f"`{filename}` has a syntax error at {where}: {error.msg}.{shown}{python2}"
    if isinstance(error, ErrorInfo):
        kind, message, bases = error.type_name, error.message, error.bases
        line, code = next(((frame[1], frame[3]) for frame in reversed(error.frames)
                           if Path(frame[0]).name == filename), (None, ""))
    else:
        kind, message, bases = type(error).__name__, str(error), [c.__name__ for c in type(error).__mro__]
        line, code = _last_line_in(filename, error), ""
    where = f" (line {line})" if line else ""
    if "SystemExit" in bases:
        return f"`{filename}` called `exit()` / `sys.exit()` while being imported{where}; remove it."
    explained = environment.explain(kind, message, code)
    if explained:
        return f"Importing `{filename}` raised `{kind}: {message}`{where}. {explained}"
    if "ImportError" in bases:
        return f"Importing `{filename}` raised `{kind}: {message}`{where}."
    return (
        f"Importing `{filename}` raised `{kind}: {message}`{where}. "
        f"Code at the top level of a file runs on import: keep only definitions there."
    )


def _last_line_in(filename: str, error: BaseException) -> int | None:
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).name == filename:
            line = frame.lineno
    return line
