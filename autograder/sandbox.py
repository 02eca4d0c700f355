"""Processes of a run: the grading process (our rights) and the student workers (an
unprivileged user when we are root), both started with resource limits.

Limits: the data segment (`RLIMIT_DATA` caps heap and anonymous memory yet lets torch reserve
its address space, which an `RLIMIT_AS` cap would break), written file size (a flood of output
fails with EFBIG), CPU seconds, and processes (a fork bomb stops at the cap). The harness is
made a child subreaper, so a process that daemonizes to outlive the run is still found and
killed by `kill_descendants`.

Each run holds its sandbox user for its whole length (`lease_sandbox_user`): runs at once on one
machine (grade-all's jobs) get distinct uids, so none counts, removes or kills what another's
student code made.
"""
from __future__ import annotations

import ctypes
import fcntl
import grp
import os
import pwd
import resource
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import psutil

from autograder.rubric import Limits

SANDBOX_USER_ENV = "AUTOGRADER_SANDBOX_USER"
NO_DROP_ENV = "AUTOGRADER_NO_DROP"  # "1": keep root's rights (to measure what the drop costs)
DEFAULT_SANDBOX_USERS = ("student", "nobody")
PR_SET_CHILD_SUBREAPER = 36
MAX_WRITTEN_FILE_BYTES = 64 << 20
WORLD_WRITABLE_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
SPARE_UIDS = range(60100, 60164)  # stand-ins for the sandbox user while another run holds it
LEASE_FOLDER = Path("/run/autograder-sandbox")
RUN_FOLDER_PREFIX = "autograder-run-"  # a run's folder in the temp folder (its staged submission)


@dataclass(frozen=True)
class SandboxUser:
    name: str
    uid: int
    gid: int


def sandbox_user() -> SandboxUser | None:
    """The unprivileged user student code runs as; `None` when we are not root, when
    `AUTOGRADER_NO_DROP=1`, or when that user could not even read the Python installation (see
    `unreadable_python`)."""
    if os.geteuid() != 0 or os.environ.get(NO_DROP_ENV) == "1" or unreadable_python():
        return None
    names = [os.environ[SANDBOX_USER_ENV]] if os.environ.get(SANDBOX_USER_ENV) else DEFAULT_SANDBOX_USERS
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return SandboxUser(name, entry.pw_uid, entry.pw_gid)
    raise RuntimeError(f"running as root but none of the users {', '.join(names)} exists; "
                       f"create one (`useradd --no-create-home student`) or set {SANDBOX_USER_ENV}")


@contextmanager
def lease_sandbox_user() -> Iterator[SandboxUser | None]:
    """The sandbox user for one run, held until the run ends: `sandbox_user()`, or while
    another run on this machine holds it, a spare uid (and gid) that no account or group uses.
    A uid that still runs a process (a run whose harness died leaves its workers behind) is
    passed over. Where root has no folder for the leases, runs share `sandbox_user()`."""
    user = sandbox_user()
    folder = _lease_folder() if user else None
    if folder is None:
        yield user
        return
    spares = [SandboxUser(f"sandbox-{uid}", uid, uid) for uid in SPARE_UIDS if not _has_account(uid)]
    for candidate in [user, *spares]:
        lease = open(folder / f"{candidate.uid}.lock", "a")
        try:
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lease.close()
            continue
        if _tasks_of_user(candidate.uid, zombies=False):
            lease.close()
            continue
        remove_stale_run_folders(candidate.gid)
        try:
            yield candidate
        finally:
            lease.close()
        return
    raise RuntimeError(f"{len(spares) + 1} runs already hold every sandbox user on this machine")


def remove_stale_run_folders(gid: int) -> list[str]:
    """Remove the run folders whose staged submission `gid` may read: only a run holding that
    gid's lease makes one, and we hold it now, so each was left by a run whose harness is gone
    (killed before it could clean up). The next student to get this gid must not read it."""
    removed = []
    for folder in {Path("/tmp"), Path(tempfile.gettempdir())}:
        try:
            entries = list(folder.glob(f"{RUN_FOLDER_PREFIX}*"))
        except OSError:
            continue
        for run in entries:
            try:
                staged = os.lstat(run / "submission")
            except OSError:
                continue
            if stat.S_ISDIR(staged.st_mode) and staged.st_gid == gid and os.lstat(run).st_uid == 0:
                shutil.rmtree(run, ignore_errors=True)
                removed.append(str(run))
    return removed


def _lease_folder() -> Path | None:
    """Root's own folder of lease files (the sandbox user can neither plant nor hold one), or
    None where it cannot be made (no writable `/run`)."""
    try:
        LEASE_FOLDER.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(LEASE_FOLDER)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o077:
        raise RuntimeError(f"{LEASE_FOLDER} must be a folder only root can use")
    return LEASE_FOLDER


def _has_account(uid: int) -> bool:
    """Whether `uid` is a user's or `uid` as a gid a group's (a spare uid uses it as its gid)."""
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            continue
    return False


def unreadable_python() -> str | None:
    """The first folder of this interpreter's standard library or packages that other users
    cannot pass through (e.g. a Python installed in root's home), else `None`."""
    for location in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]}:
        path = Path(location).resolve()
        for folder in [*reversed(path.parents), path]:
            if not os.stat(folder).st_mode & 0o001:
                return str(folder)
    return None


def become_subreaper() -> None:
    """Orphaned descendants re-parent to this process instead of init (Linux only)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _tasks_of_user(uid: int, zombies: bool = True) -> int:
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
    nproc = _tasks_of_user(os.getuid() if uid is None else uid) + processes
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


def peak_memory_mb(process: subprocess.Popen, proportional: bool = False) -> float:
    """Memory of the process and everything below it, in MB: resident sizes summed, or with
    `proportional` proportional set sizes (slower, but pages that forked copies share are
    counted once, where resident sizes count them once per copy)."""
    try:
        root = psutil.Process(process.pid)
        members = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0.0
    total = 0
    for member in members:
        try:
            total += member.memory_full_info().pss if proportional else member.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


KILL_WAIT_SECONDS = 0.2  # a SIGKILLed process ends within milliseconds
KILL_DEADLINE_SECONDS = 2.0  # the whole of one clean-up, however many rounds a fork bomb needs


def kill_descendants(keep: frozenset[int] = frozenset()) -> int:
    """Kill every process below this one (grading processes and whatever they left behind),
    except the processes in `keep` (but not their children).

    Returns how many were killed. Repeats until none is left, since a dying fork bomb can
    still spawn for a moment.
    """
    def below() -> list[psutil.Process]:
        return [child for child in psutil.Process().children(recursive=True)
                if child.pid not in keep and not _is_zombie(child)]

    return _kill_until_none(below, then=reap_zombies)


def kill_user_processes(uid: int) -> int:
    """Kill every process below this one that runs as `uid` (the workers, their fork servers
    and whatever they started), repeating as `kill_descendants` does; returns how many. Our own
    children are not reaped here: the grading process's exit status is still to be read."""
    return _kill_until_none(lambda: _processes_of(uid))


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
        psutil.wait_procs(found, timeout=KILL_WAIT_SECONDS)
        then()
    return killed


def _processes_of(uid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if process.uids().real == uid and not _is_zombie(process):
                found.append(process)  # (a zombie is gone already, whoever is to reap it)
        except psutil.Error:
            continue
    return found


def open_deleted_bytes(uid: int) -> tuple[int, int]:
    """(bytes in shared memory, bytes on disk) of the files that `uid`'s processes hold open
    after removing them (or made with `memfd_create`): no folder lists them, yet they take
    memory or disk until closed. Each file counts once, however many descriptors reach it."""
    seen, shared, disk = set(), 0, 0
    for process in _processes_of(uid):
        folder = f"/proc/{process.pid}/fd"
        try:
            descriptors = os.listdir(folder)
        except OSError:
            continue
        for descriptor in descriptors:
            path = f"{folder}/{descriptor}"
            try:
                info = os.stat(path)
                target = os.readlink(path)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode) or info.st_nlink or (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            if target.startswith(("/dev/shm/", "/memfd:")):
                shared += info.st_blocks * 512
            else:
                disk += info.st_blocks * 512
    return shared, disk


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


def hide_from_sandbox(paths: list[Path]) -> None:
    """`chmod o=` on what student code must not read (run as root only, as Gradescope advises)."""
    for path in paths:
        if path.exists():
            os.chmod(path, os.stat(path).st_mode & ~0o007)


def entries_owned_by(uid: int) -> set[str]:
    """What `uid` owns at the top of the world-writable folders (`/tmp`, `/var/tmp`, `/dev/shm`)."""
    owned = set()
    for folder in WORLD_WRITABLE_FOLDERS:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    owned.add(entry.path)
            except OSError:
                continue
    return owned


def bytes_used(paths: list[Path], max_entries: int = 200_000) -> int:
    """Disk (or tmpfs memory) allocated to the files under `paths`, never through a link;
    past `max_entries` entries the rest is not walked (each counts as one block)."""
    total, seen, stack = 0, 0, list(paths)
    while stack:
        path = stack.pop()
        seen += 1
        if seen > max_entries:
            return total + 4096 * (len(stack) + 1)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        total += info.st_blocks * 512
        if stat.S_ISDIR(info.st_mode):
            try:
                stack.extend(entry.path for entry in os.scandir(path))
            except OSError:
                continue
    return total


def remove_leftovers(uid: int, before: set[str]) -> list[str]:
    """Remove what `uid` left at the top of the world-writable folders since `before` (never
    through a link); returns the paths removed."""
    removed = []
    for path in sorted(entries_owned_by(uid) - before):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
            removed.append(path)
        except OSError:
            continue
    return removed
