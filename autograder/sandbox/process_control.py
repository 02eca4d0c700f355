"""Processes of a run: the grading process (our rights) and the student workers (an
unprivileged user when we are root), both started with resource limits, and their ends.

Limits: the data segment (`RLIMIT_DATA` caps heap and anonymous memory yet lets torch reserve
its address space, which an `RLIMIT_AS` cap would break), written file size (a flood of output
fails with EFBIG), CPU seconds, and processes (a fork bomb stops at the cap). The harness is
made a child subreaper, so a process that daemonizes to outlive the run is still found and
killed by `kill_descendants`.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from autograder.rubric import Limits

PR_SET_CHILD_SUBREAPER = 36
MAX_WRITTEN_FILE_BYTES = 64 << 20
KILL_WAIT_SECONDS = 0.2  # a SIGKILLed process ends within milliseconds
ENDED_POLL_SECONDS = 0.001
KILL_DEADLINE_SECONDS = 2.0  # the whole of one clean-up, however many rounds a fork bomb needs


def become_subreaper() -> None:
    """Orphaned descendants re-parent to this process instead of init (Linux only)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def tasks_of_user(uid: int, zombies: bool = True) -> int:
    """Processes plus threads that `uid` runs now (what RLIMIT_NPROC counts, zombies included;
    `zombies=False`: only those still running, as a lease asks: a zombie that another process
    has yet to reap runs nothing)."""
    total = 0
    for process in psutil.process_iter(["uids", "num_threads", "status"]):
        uids = process.info.get("uids")
        if uids and uids.real == uid and (zombies or process.info.get("status") != psutil.STATUS_ZOMBIE):
            total += process.info.get("num_threads") or 1
    return total


def limit_setter(memory_mb: int, processes: int, cpu_seconds: int, uid: int | None = None):
    """A `preexec_fn` applying the limits in the child just before it execs: `processes` more
    than user `uid` (default: ours) runs now."""
    nproc = tasks_of_user(os.getuid() if uid is None else uid) + processes
    data_bytes = memory_mb << 20

    def apply() -> None:
        _lower(resource.RLIMIT_DATA, data_bytes, data_bytes)
        _lower(resource.RLIMIT_FSIZE, MAX_WRITTEN_FILE_BYTES, MAX_WRITTEN_FILE_BYTES)
        _lower(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 5)
        _lower(resource.RLIMIT_NPROC, nproc, nproc)
        _lower(resource.RLIMIT_CORE, 0, 0)
        os.umask(0o077)

    return apply


def _lower(kind: int, soft: int, hard: int) -> None:
    """Set a limit, never above the one in force (the grading process's workers inherit its
    limits, and raising a hard limit needs a capability a container may lack)."""
    _, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
    resource.setrlimit(kind, (min(soft, hard), hard))


def start_grading_process(command: list[str], env: dict[str, str], cwd: Path, log: Path,
                          channel_fd: int, limits: Limits, cpu_seconds: int) -> subprocess.Popen:
    """Start `command` in its own session with the limits, with our rights (it never runs
    submitted code: its workers drop to the sandbox user); stdout and stderr go to `log`
    (readable by us only: it holds what earlier grading processes printed)."""
    with open(log, "ab", opener=lambda path, flags: os.open(path, flags, 0o600)) as log_file:
        return subprocess.Popen(
            command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, pass_fds=(channel_fd,), start_new_session=True,
            preexec_fn=limit_setter(limits.memory_mb, limits.processes, cpu_seconds),
        )


def descendant_pids(root: int) -> list[int] | None:
    """Every process below `root`, read from `/proc/<pid>/task/<tid>/children`: a few small
    files, where psutil's `children(recursive=True)` reads the status of every process on the
    machine. None when the kernel has no such files (CONFIG_PROC_CHILDREN): then ask psutil."""
    found: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            if pid == root:
                return None
            continue  # it ended meanwhile
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as listing:
                    children = [int(child) for child in listing.read().split()]
            except FileNotFoundError:
                if pid == root and os.path.isdir(f"/proc/{pid}/task/{tid}"):
                    return None  # no CONFIG_PROC_CHILDREN
                continue  # that thread or process ended meanwhile
            except (OSError, ValueError):
                continue
            found.extend(children)
            stack.extend(children)
    return list(dict.fromkeys(found))


def _descendants(root: psutil.Process) -> list[psutil.Process]:
    pids = descendant_pids(root.pid)
    if pids is None:
        return root.children(recursive=True)
    members = []
    for pid in pids:
        try:
            members.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return members


def peak_memory_mb(process: subprocess.Popen, proportional: bool = False) -> float:
    """Memory of the process and everything below it, in MB: resident sizes summed, or with
    `proportional` proportional set sizes (slower, but pages that forked copies share are
    counted once, where resident sizes count them once per copy)."""
    try:
        root = psutil.Process(process.pid)
        members = [root] + _descendants(root)
    except psutil.Error:
        return 0.0
    total = 0
    for member in members:
        try:
            total += member.memory_full_info().pss if proportional else member.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def kill_descendants(keep: frozenset[int] = frozenset()) -> int:
    """Kill every process below this one (grading processes and whatever they left behind),
    except the processes in `keep` (but not their children).

    Returns how many were killed. Repeats until none is left, since a dying fork bomb can
    still spawn for a moment.
    """
    def below() -> list[psutil.Process]:
        pids = descendant_pids(os.getpid())
        if pids is None:
            return [child for child in psutil.Process().children(recursive=True)
                    if child.pid not in keep and not _is_zombie(child)]
        found = []
        for pid in pids:
            if pid in keep:
                continue  # (the fork servers and live workers: no process object needed)
            try:
                child = psutil.Process(pid)
            except psutil.Error:
                continue
            if not _is_zombie(child):
                found.append(child)
        return found

    return _kill_until_none(below, then=reap_zombies)


def kill_user_processes(uid: int) -> int:
    """Kill every process below this one that runs as `uid` (the workers, their fork servers
    and whatever they started), repeating as `kill_descendants` does; returns how many. Our own
    children are not reaped here: the grading process's exit status is still to be read."""
    return _kill_until_none(lambda: processes_of(uid))


def _is_zombie(process: psutil.Process) -> bool:
    """Whether `process` has ended already (only its parent can reap it: a zombie child of a
    live worker is never killed again nor waited for)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def _kill_until_none(find, then=lambda: None) -> int:
    """SIGKILL what `find()` returns, again until it returns nothing or `KILL_DEADLINE_SECONDS`
    have passed (each round waits at most `KILL_WAIT_SECONDS` for the killed to end)."""
    killed = 0
    deadline = time.monotonic() + KILL_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        found = find()
        if not found:
            break
        for process in found:
            try:
                process.send_signal(signal.SIGKILL)
                killed += 1
            except psutil.Error:
                continue
        _wait_ended(found, KILL_WAIT_SECONDS)
        then()
    return killed


def _wait_ended(processes: list[psutil.Process], seconds: float) -> None:
    """Wait up to `seconds` until every one of `processes` has ended. A zombie has ended: its
    parent reaps it when it next looks (a worker's parent is its fork server), and psutil's
    own wait would sleep until then."""
    deadline = time.monotonic() + seconds
    pending = processes
    while True:
        pending = [process for process in pending if not _is_zombie(process)]
        if not pending or time.monotonic() >= deadline:
            return
        time.sleep(ENDED_POLL_SECONDS)


def processes_of(uid: int) -> list[psutil.Process]:
    found = []
    for process in _descendants(psutil.Process()):
        try:
            if process.uids().real == uid and not _is_zombie(process):
                found.append(process)  # (a zombie is gone already, whoever is to reap it)
        except psutil.Error:
            continue
    return found


def reap_zombies() -> None:
    """Collect the exit status of every finished child (orphans re-parented to us too)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def python_command() -> list[str]:
    return [sys.executable, "-X", "utf8"]
