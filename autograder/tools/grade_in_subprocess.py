"""Grade one submission in a subprocess, as the instructor tools do (`audit`, `grade-all`, the
benchmark): the real `python -m autograder run`, in a session of its own, and on timeout the
whole process tree is killed (grading processes, workers, whatever they started).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import psutil

from autograder.paths import PROJECT_ROOT


@dataclass
class Finished:
    """How a grading subprocess ended: `returncode` None when it was killed for time."""

    returncode: int | None
    output: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def grading_command(submission: Path | str, results: Path, rubric: Path | None = None,
                    items: list[str] | tuple[str, ...] | None = None,
                    checks: Path | None = None) -> list[str]:
    command = [sys.executable, "-m", "autograder", "run", "--submission", str(submission),
               "--results", str(results), "--quiet"]
    if rubric is not None:
        command += ["--rubric", str(rubric)]
    if items:
        command += ["--items", *items]
    if checks is not None:
        command += ["--checks", str(checks)]
    return command


def grade_in_subprocess(submission: Path | str, results: Path, timeout: float, *,
                        rubric: Path | None = None, items=None, checks: Path | None = None,
                        env: dict[str, str] | None = None,
                        cwd: Path = PROJECT_ROOT, log: Path | None = None,
                        watch: Callable[[psutil.Popen, threading.Event], None] | None = None) -> Finished:
    """Run the grading command; its output goes to `log` (or is returned). `watch(process,
    done)` runs in a thread while it does (the benchmark samples memory there)."""
    command = grading_command(submission, results, rubric, items, checks)
    started = time.monotonic()
    sink = open(log, "wb") if log else subprocess.PIPE
    try:
        process = psutil.Popen(command, cwd=cwd, env=env if env is not None else dict(os.environ),
                               stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                               start_new_session=True)
        done = threading.Event()
        watcher = threading.Thread(target=watch, args=(process, done)) if watch else None
        if watcher:
            watcher.start()
        try:
            output, _ = process.communicate(timeout=timeout)
            returncode = process.returncode
        except subprocess.TimeoutExpired:
            kill_tree(process)
            output, returncode = b"", None
        finally:
            done.set()
            if watcher:
                watcher.join()
    finally:
        if log:
            sink.close()
    text = (output or b"").decode("utf-8", "replace")
    return Finished(returncode, text, time.monotonic() - started)


def kill_tree(process: psutil.Popen) -> None:
    """Kill `process` and every process below it (its grading processes run in sessions of
    their own, so killing its group would not reach them)."""
    try:
        process.suspend()
        members = process.children(recursive=True) + [process]
    except psutil.Error:
        members = [process]
    for member in members:
        try:
            member.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(members, timeout=5)
    try:
        process.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        pass
