"""The memory of the container a run is in, and the run's limits fitted into it.

A container's limit (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`) counts every process
in it: the harness, the grading process and the student's. Past it the kernel kills one of
them, perhaps the harness before `results.json` is written. So the run's caps stay
`HEADROOM_MB` below it: the harness stops the student's processes first, with the memory
message. Where no limit can be read (a machine without one), the rubric's `container_mb`
(Gradescope's default container, 768 MB) stands in, so a local run is graded as Gradescope
grades it.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from autograder.rubric import Limits

CGROUP_ROOT_ENV = "AUTOGRADER_CGROUP_ROOT"  # where cgroups are mounted (the harness's tests move it)
RUNS_AT_ONCE_ENV = "AUTOGRADER_RUNS_AT_ONCE"  # runs sharing the container (grade-all's, audit's jobs)
HEADROOM_MB = 64       # the harness itself (about 35 MB) and what the kernel keeps for files
MIN_ROOM_MB = 256      # below this no run can load torch: the caps stay there (the machine's fault)
UNLIMITED_BYTES = 1 << 60  # v1 reports "no limit" as a page-rounded 2**63 - 1


def memory_limit_mb() -> float | None:
    """The tightest memory limit of this process's cgroup and its ancestors, in MB; None if
    there is none (or no cgroup file system)."""
    root = Path(os.environ.get(CGROUP_ROOT_ENV, "/sys/fs/cgroup"))
    limits = []
    for hierarchy, controllers, path in _own_cgroups():
        if hierarchy == "0" and controllers == "":
            folder, name = root, "memory.max"  # v2: one tree
        elif "memory" in controllers.split(","):
            folder, name = root / "memory", "memory.limit_in_bytes"
        else:
            continue
        relative = Path(path.lstrip("/"))
        for ancestor in [relative, *relative.parents]:
            limits.append(_read_bytes(folder / ancestor / name))
    found = [value for value in limits if value is not None]
    return min(found) / 2**20 if found else None


def fitted(limits: Limits) -> Limits:
    """`limits` with the memory caps lowered, where needed, to `HEADROOM_MB` below this run's
    share of the container's memory (see the module's docstring): runs at once in one
    container (`AUTOGRADER_RUNS_AT_ONCE`) split what its cgroup allows. Never below
    `MIN_ROOM_MB`."""
    found = memory_limit_mb()
    share = found / _runs_at_once() if found else limits.container_mb
    room = max(share - HEADROOM_MB, MIN_ROOM_MB)
    return replace(limits, memory_mb=int(min(limits.memory_mb, room)),
                   run_memory_mb=int(min(limits.run_memory_mb, room)))


def _runs_at_once() -> int:
    try:
        return max(1, int(os.environ.get(RUNS_AT_ONCE_ENV, "1")))
    except ValueError:
        return 1


def _own_cgroups() -> list[tuple[str, str, str]]:
    """(hierarchy id, controllers, path) of each line of /proc/self/cgroup."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return [("0", "", "/")]
    return [tuple(line.split(":", 2)) for line in lines if line.count(":") >= 2]


def _read_bytes(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if not text.isdigit() or int(text) >= UNLIMITED_BYTES:
        return None  # "max" (v2) or v1's huge number: no limit
    return int(text)
