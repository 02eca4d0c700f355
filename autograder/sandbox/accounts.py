"""The unprivileged user that student code runs as, and the lease each run holds on one.

Each run holds its sandbox user for its whole length (`lease_sandbox_user`): runs at once on one
machine (grade-all's jobs) get distinct uids, so none counts, removes or kills what another's
student code made; a run folder a killed run left behind is removed before its uid is leased again.
"""
from __future__ import annotations

import fcntl
import grp
import itertools
import os
import pwd
import shutil
import stat
import sysconfig
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from autograder.sandbox.process_control import tasks_of_user

SANDBOX_USER_ENV = "AUTOGRADER_SANDBOX_USER"
NO_DROP_ENV = "AUTOGRADER_NO_DROP"  # "1": keep root's rights (to measure what the drop costs)
DEFAULT_SANDBOX_USERS = ("student", "nobody")
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
    # (the spare uids are looked up only when the user is taken: a user and a group each)
    spares = (SandboxUser(f"sandbox-{uid}", uid, uid) for uid in SPARE_UIDS if not _has_account(uid))
    tried = 0
    for candidate in itertools.chain([user], spares):
        tried += 1
        lease = open(folder / f"{candidate.uid}.lock", "a")
        try:
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lease.close()
            continue
        if tasks_of_user(candidate.uid, zombies=False):
            lease.close()
            continue
        remove_stale_run_folders(candidate.gid)
        try:
            yield candidate
        finally:
            lease.close()
        return
    raise RuntimeError(f"{tried} runs already hold every sandbox user on this machine")


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
