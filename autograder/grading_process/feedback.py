"""Turn what went wrong in a test into a few lines of markdown a student can act on.

Never a raw traceback: the function, the failing input (hypothesis' shrunk example, from the
exception's notes), what was expected and what came back, and where in the student's file.
"""
from __future__ import annotations

import errno
import linecache
import re
import traceback
from pathlib import Path

from autograder.grading_process import contract, environment
from autograder.grading_process.problems import SubmissionProblem
from autograder.grading_process.stubs import NotImplementedYet
from autograder.sentences import NOT_IMPLEMENTED, not_implemented_message

MAX_MESSAGE_CHARS = 3000
MODULE_REPR = re.compile(r"<module '([\w.]+)' from '[^']*'>")


def describe_failure(error: BaseException, submission_dir: Path | None, memory_mb: int | None = None,
                     processes: int | None = None) -> str:
    """Markdown explaining `error`, raised while a test exercised the submission; `memory_mb` and
    `processes` are the grader's limits, named when the error says one was hit."""
    error = _first_leaf(error)
    if isinstance(error, NotImplementedYet):
        return not_implemented_message(error.function)
    if isinstance(error, SubmissionProblem):
        return _clip(str(error) + _falsifying_example(error))
    where = _student_frame(error, submission_dir)
    called = getattr(error, "remote_call", None)
    function = f"`{where[0]}`" if where else f"`{called}`" if called else "your code"
    if isinstance(error, NotImplementedError):
        return f"{NOT_IMPLEMENTED}: {function} still raises `NotImplementedError`."
    if isinstance(error, AssertionError):
        text = _assertion_text(error)
    elif isinstance(error, MemoryError):
        limit = f" (the grader allows {memory_mb} MB)" if memory_mb else ""
        text = f"{function} ran out of memory{limit}."
    elif isinstance(error, RecursionError):
        text = f"{function} recursed too deeply (`RecursionError`); look for a call that never stops."
    elif isinstance(error, OSError) and error.errno == errno.EAGAIN:
        limit = f" ({processes})" if processes else ""
        text = (f"{function} started more processes than the grader allows{limit}; graded functions "
                f"must not start processes.")
    elif isinstance(error, OSError) and error.errno == errno.EFBIG:
        text = f"{function} printed or wrote more output than the grader allows; remove large prints."
    elif isinstance(error, SystemExit) or "SystemExit" in getattr(error, "remote_bases", ()):
        text = f"{function} called `exit()` / `sys.exit()`; graded functions must return instead."
    else:
        kind = getattr(error, "remote_type", type(error).__name__)
        message = getattr(error, "remote_message", None)
        message = str(error) if message is None else message
        text = f"{function} raised `{kind}: {_one_line(message)}`."
        explained = environment.explain(kind, message, *_code_around(where)) or (
            None if where else _contract_hint(kind, called, message))
        if explained:
            text += f"\n\n{explained}"
    if where and not isinstance(error, AssertionError):
        text += f"\n\n{_source_excerpt(*where[1:])}"
    return _clip(text + _falsifying_example(error))


def _first_leaf(error: BaseException) -> BaseException:
    """Hypothesis reports several distinct failures as an exception group: show the first."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _assertion_text(error: AssertionError) -> str:
    """The test's own message, without pytest's rewritten-assert introspection lines."""
    text = str(error.args[0]) if error.args else ""
    marker = text.find("\nassert ")
    if marker >= 0:  # a rewritten `assert cond, msg`: pytest indents msg's later lines by two
        first, *rest = text[:marker].split("\n")
        text = "\n".join([first] + [line.removeprefix("  ") for line in rest])
    return text.strip() or "A check on your function's result failed."


def _falsifying_example(error: BaseException) -> str:
    notes = [n for n in getattr(error, "__notes__", ())
             if n.startswith(("Falsifying", "Failing test case"))]
    if not notes:
        return ""
    example = MODULE_REPR.sub(lambda match: f"<your {match.group(1)}.py>", notes[0])
    return "\n\nFailing input (the smallest the grader found):\n```\n" + _clip(example, 1200) + "\n```"


def _student_frame(error: BaseException, submission_dir: Path | None) -> tuple[str, str, int, str] | None:
    """`(module.function, filename, line, code)` of the innermost frame inside the submission:
    from the worker's report for an exception raised there (its source line as the worker
    read it: a file the worker names is never opened here), else from the traceback."""
    found = None
    remote = getattr(error, "remote_frames", None)
    if remote:
        filename, line, name, code = remote[-1]
        found = (f"{Path(filename).stem}.{name}", filename, line, code)
    elif submission_dir is not None:
        root = str(submission_dir)
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename.startswith(root):
                found = (f"{Path(frame.filename).stem}.{frame.name}", frame.filename, frame.lineno,
                         linecache.getline(frame.filename, frame.lineno).strip())
    if found and found[0].endswith(".<module>"):
        found = (found[0][: -len(".<module>")], *found[1:])
    return found


def _code_around(where: tuple[str, str, int, str] | None) -> tuple[str, str]:
    """(the failing line, the source of its function), read from the grading process's own
    copy of the submitted file, never from the worker's report."""
    if not where:
        return "", ""
    from autograder.grading_process.grading_api import submitted_source

    try:
        source = submitted_source(Path(where[1]).stem)
    except RuntimeError:  # no submission chosen: only the reported line is known
        source = ""
    if not source:
        return where[3], ""
    lines = source.splitlines()
    line = where[2] if isinstance(where[2], int) else 0
    code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return code, environment.enclosing_function(source, line)


def _contract_hint(kind: str, called: str | None, message: str) -> str | None:
    """What the assignment defines, for a call it does not fit or a function that is missing
    (raised before any submitted code ran: by the grader's call or lookup itself)."""
    if kind not in ("TypeError", "AttributeError"):
        return None
    from autograder.grading_process.grading_api import submitted_sources

    try:
        sources = submitted_sources()
    except RuntimeError:  # no submission chosen
        return None
    if kind == "AttributeError":
        return contract.missing_function_hint(message, sources)
    return contract.signature_hint(called, message, sources) if called else None


def _source_excerpt(filename: str, line: int, code: str) -> str:
    shown = f"\n```python\n{code}\n```" if code else ""
    return f"At `{Path(filename).name}` line {line}:{shown}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 30] + "\n… (message shortened)"
