"""What student code leaves behind in files: entries in the world-writable folders, found and
removed by owner; removed files still held open; and the folders hidden from the sandbox user.
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from autograder.sandbox.process_control import processes_of

WORLD_WRITABLE_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")


def open_deleted_bytes(uid: int) -> tuple[int, int]:
    """(bytes in shared memory, bytes on disk) of the files that `uid`'s processes hold open
    after removing them (or made with `memfd_create`): no folder lists them, yet they take
    memory or disk until closed. Each file counts once, however many descriptors reach it."""
    seen, shared, disk = set(), 0, 0
    for process in processes_of(uid):
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
