"""How a process of the run ended, and where it was stuck, in words for the student.

Shared by the harness (a grading process that died) and the grading process (a worker that
died or timed out). A stack dump is untrusted text: only a name that looks like
`module.function` in a submission file is believed.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path


def describe_exit(status: int | None) -> str:
    """How a worker ended, for the student ("crashed (segmentation fault)")."""
    if status is None:
        return "stopped answering (its process ended)"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGXCPU:
            return "used up the grader's CPU time limit"
        return f"crashed ({signal_name(number)})"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return f"ended its process (exit code {code})"


def signal_name(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    return {"SIGSEGV": "segmentation fault", "SIGABRT": "abort", "SIGBUS": "bus error",
            "SIGFPE": "arithmetic fault", "SIGKILL": "killed, possibly for using too much memory",
            "SIGILL": "illegal instruction"}.get(name, name)


def innermost_submission_frame(dump: str, submission_root: str) -> tuple[str, str, int] | None:
    """From a faulthandler dump (most recent call first), `(filename, function, line)` of the
    first frame inside the submission; None when there is none or it does not look like one."""
    if not submission_root:
        return None
    for line in dump.splitlines()[:200]:
        line = line.strip()
        if not line.startswith('File "'):
            continue
        filename, _, rest = line[len('File "'):].partition('"')
        if not filename.startswith(submission_root.rstrip("/") + "/"):
            continue
        place, _, function = rest.rpartition(" in ")
        function = function.strip()
        line = place.strip().removeprefix(",").strip().removeprefix("line").strip()
        if not (Path(filename).stem.isidentifier() and line.isdigit()
                and (function.isidentifier() or function == "<module>")):
            return None
        return filename, function, int(line)
    return None


def innermost_submission_function(dump: str, submission_root: str) -> str | None:
    """`module.function` of the innermost submission frame of a dump, e.g.
    `two_layer_net.train`; None when there is none."""
    frame = innermost_submission_frame(dump, submission_root)
    if frame is None:
        return None
    module, function = Path(frame[0]).stem, frame[1]
    return module if function == "<module>" else f"{module}.{function}"
