"""Benchmark of grading runs: wall time, CPU seconds and peak memory (PSS summed over every
process of the run, as a container's memory limit counts it: pages the worker fork server
shares with its workers count once; RSS summed is printed too), each the median of several
runs; and the round-trip time of one call into a student worker.

    .venv/bin/python bench/bench.py [--runs 5]
    .venv/bin/python bench/bench.py --batch [--submissions 50]   # grade-all throughput instead

Gradescope's default container has 0.5 vCPU and 768 MB: grading the reference must fit in
768 MB and in 60 CPU-seconds (about two minutes of wall time there). Run as root, it also
reports what running student code as an unprivileged user costs (`AUTOGRADER_NO_DROP=1`).
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.sandbox.accounts import NO_DROP_ENV
from autograder.tools.grade_in_subprocess import grade_in_subprocess

PROJECT = Path(__file__).resolve().parent.parent
BUDGET_CPU_SECONDS = 60
BUDGET_MEMORY_MB = 768


def measure(submission: str, results: Path, items: list[str] | None = None,
            env: dict | None = None, memory: bool = False) -> tuple[float, float, float, float, float]:
    """(wall seconds, CPU seconds of all processes, peak summed PSS in MB, peak summed RSS in
    MB, peak RSS of the largest single process in MB) of one grading run, through the same
    subprocess function the instructor tools use. Memory is sampled only with `memory`
    (sampling PSS costs CPU that the run itself would then lack on two cores, so timed runs
    are not sampled; they report 0 MB)."""
    peaks = {"pss": 0.0, "rss": 0.0, "largest": 0.0}
    cpu_by_pid: dict[int, float] = {}

    def sample(process, done) -> None:
        while not done.is_set():
            try:
                members = [process] + process.children(recursive=True)
            except psutil.Error:
                break
            pss = rss = 0
            for member in members:
                try:
                    memory = member.memory_full_info()
                    pss, rss = pss + memory.pss, rss + memory.rss
                    peaks["largest"] = max(peaks["largest"], memory.rss / 2**20)
                    times = member.cpu_times()
                    cpu_by_pid[member.pid] = times.user + times.system
                except psutil.Error:
                    continue
            peaks["pss"] = max(peaks["pss"], pss / 2**20)
            peaks["rss"] = max(peaks["rss"], rss / 2**20)
            time.sleep(0.05)

    before = _children_cpu()
    finished = grade_in_subprocess(submission, results, 600, items=items, env=env,
                                   watch=sample if memory else None)
    cpu = max(_children_cpu() - before, sum(cpu_by_pid.values()))
    return finished.seconds, cpu, peaks["pss"], peaks["rss"], peaks["largest"]


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def part_items(part_files: set[str]) -> list[str]:
    """Rubric item ids of the items grading these submitted files."""
    from autograder.rubric import load_rubric

    return [item.id for item in load_rubric(PROJECT / "rubric.yaml").items if item.file in part_files]


PART_B_FILES = {"models.py", "run_model.py", "mnist.pt"}


@dataclass
class Figures:
    """The medians of one scenario; `item_seconds`: rubric item number and name -> seconds its
    checks took (results.json's `extra_data.seconds`)."""

    wall: float
    cpu: float
    pss: float = 0.0
    largest: float = 0.0
    item_seconds: dict = field(default_factory=dict)


def scenario(label: str, runs: int, submission: str, results: Path, items: list[str] | None = None,
             env: dict | None = None, memory: bool = True) -> Figures:
    """Print and return the medians of `runs` timed runs (wall, CPU, each item's seconds) and,
    with `memory`, of `runs` sampled runs (peak PSS, RSS and the largest process's RSS)."""
    timed, per_item = [], {}
    for _ in range(runs):
        timed.append(measure(submission, results, items, env))
        for test in json.loads(results.read_text()).get("tests", []):
            key = f"{test.get('number', '')} {test['name']}".strip()
            per_item.setdefault(key, []).append(test.get("extra_data", {}).get("seconds", 0.0))
    wall, cpu = (statistics.median(column) for column in list(zip(*timed))[:2])
    figures = Figures(wall, cpu, item_seconds={key: statistics.median(values)
                                               for key, values in per_item.items()})
    line = f"{label:<34} wall {wall:6.2f} s   cpu {cpu:6.2f} s"
    if memory:
        sampled = [measure(submission, results, items, env, memory=True) for _ in range(runs)]
        figures.pss, rss, figures.largest = (statistics.median(column)
                                             for column in list(zip(*sampled))[2:])
        line += (f"   peak PSS {figures.pss:5.0f} MB (RSS {rss:5.0f} MB, largest process "
                 f"{figures.largest:4.0f} MB)")
    print(f"{line}   (medians of {runs})")
    return figures


def print_item_times(figures: Figures, shown: int = 15) -> None:
    """The items whose checks took longest, and what the checks took in all."""
    ranked = sorted(figures.item_seconds.items(), key=lambda pair: -pair[1])
    print(f"  checks took {sum(figures.item_seconds.values()):.1f} s of the {figures.wall:.1f} s "
          f"wall; the slowest items:")
    for key, seconds in ranked[:shown]:
        print(f"    {seconds:5.2f} s  {key[:70]}")


def print_targets(reference: Figures, template: Figures, two_items: Figures) -> None:
    """Each target of the floor, its figure, and whether it is met."""
    rows = [("reference CPU", reference.cpu, TARGETS["reference_cpu_s"], "CPU-s"),
            ("template wall", template.wall, TARGETS["template_wall_s"], "s"),
            ("two Part A items wall", two_items.wall, TARGETS["two_items_wall_s"], "s"),
            ("largest process (reference)", reference.largest, TARGETS["largest_process_mb"], "MB"),
            ("run's peak PSS (reference)", reference.pss, TARGETS["run_pss_mb"], "MB")]
    for label, figure, target, unit in rows:
        print(f"target {label:<30} {figure:7.2f} {unit:<5} <= {target:g}: "
              f"{'met' if figure <= target else 'NOT MET'}")


TWO_ITEMS = ["activations_sigmoid", "affine_forward"]
# The floor the harness holds itself to on an idle 2-core machine (medians).
TARGETS = {"reference_cpu_s": 10.0, "template_wall_s": 3.0, "two_items_wall_s": 0.6,
           "largest_process_mb": 300.0, "run_pss_mb": 500.0}


def round_trip_times(calls: int = 200) -> None:
    """Median time of one call into a student worker that returns its argument, for a 1 KB
    and a 1 MB float64 array."""
    import numpy as np

    from autograder.grading_process import worker_client
    from autograder.grading_process.proxies import RemoteModule
    from autograder.grading_process.worker_slot import WorkerSlot

    folder = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    (folder / "echo.py").write_text("def same(value):\n    return value\n")
    slot = WorkerSlot(folder)
    try:
        worker_client.begin_test(timeout=60, output_limit=0)
        echo = RemoteModule(slot, "echo")
        function = echo.same
        for label, size in (("1 KB", 128), ("1 MB", 128 * 1024)):
            array = np.random.default_rng(0).standard_normal(size)
            function(array)
            times = []
            for _ in range(calls if size < 10_000 else calls // 4):
                started = time.perf_counter()
                function(array)
                times.append(time.perf_counter() - started)
            print(f"one worker call carrying a {label} array (there and back): "
                  f"{statistics.median(times) * 1e3:.3f} ms (median)")
    finally:
        slot.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", action="store_true", help="measure grade-all throughput instead")
    parser.add_argument("--submissions", type=int, default=50, help="class size for --batch")
    args = parser.parse_args()
    # The harness's bytecode up to date, as the image's set-up leaves it (its processes below
    # never write bytecode, so an edited module would otherwise be compiled in every run).
    compileall.compile_dir(PROJECT / "autograder", quiet=1)
    if args.batch:
        return batch_throughput(args.submissions)
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    figures = {}
    results = out / "results.json"
    for label, submission in [("grading the reference", "reference"),
                              ("grading the empty template", "student_template")]:
        figures[label] = scenario(label, args.runs, submission, results)
    reference, template = figures["grading the reference"], figures["grading the empty template"]
    print_item_times(reference)
    scenario("Part B of the reference alone", args.runs, "reference", results,
             part_items(PART_B_FILES))
    two_items = scenario("two Part A items of the reference", args.runs, "reference", results,
                         TWO_ITEMS)
    if os.geteuid() == 0:
        no_drop = {**os.environ, NO_DROP_ENV: "1"}
        alone = scenario("the template, no user drop", args.runs, "student_template",
                         results, env=no_drop, memory=False)
        print(f"isolation (unprivileged user) costs {template.wall - alone.wall:+.1f} s wall, "
              f"{template.cpu - alone.cpu:+.1f} CPU-s per submission")
    print_targets(reference, template, two_items)
    cpu, peak = reference.cpu, reference.pss
    verdict = "fits" if cpu <= BUDGET_CPU_SECONDS and peak <= BUDGET_MEMORY_MB else "DOES NOT FIT"
    print(f"reference vs Gradescope default budget ({BUDGET_CPU_SECONDS} CPU-s, {BUDGET_MEMORY_MB} MB): {verdict}")
    round_trip_times()
    return 0


# ---- grade-all throughput (--batch) ----
BATCH_ITEMS = ("activations_sigmoid", "activations_relu")


def batch_throughput(count: int) -> int:
    """Wall time of `grade-all` on `count` copies of a one-file submission graded on two items
    (cheap runs, so the figure is the per-submission overhead: process start, staging, a child
    pytest), at -j 1 and -j 2, and how well it scales."""
    export = Path(tempfile.mkdtemp(prefix="bench-class-"))
    for index in range(count):
        folder = export / f"submission_{index:03d}"
        folder.mkdir()
        shutil.copy(PROJECT / "reference" / "activations.py", folder)
    per_minute = {}
    try:
        for jobs in (1, 2):
            out = export.with_name(export.name + f"-graded-j{jobs}")
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(export), "-j", str(jobs),
                            "--out", str(out), "--items", *BATCH_ITEMS], cwd=PROJECT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.monotonic() - started
            shutil.rmtree(out, ignore_errors=True)
            per_minute[jobs] = 60 * count / wall
            print(f"grade-all, {count} submissions, -j {jobs}: wall {wall:6.1f} s   "
                  f"{per_minute[jobs]:5.1f} submissions/min")
    finally:
        shutil.rmtree(export, ignore_errors=True)
    print(f"scaling -j 2 / -j 1: x{per_minute[2] / per_minute[1]:.2f} on {os.cpu_count()} CPUs (2.0 is perfect)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
