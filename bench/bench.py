"""Benchmark of grading runs: wall time, CPU seconds and peak memory (RSS summed over every
process of the run), each the median of several runs.

    .venv/bin/python bench/bench.py [--runs 5]

Gradescope's default container has 0.5 vCPU and 768 MB: grading the reference must fit in
768 MB and in 60 CPU-seconds (about two minutes of wall time there).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

PROJECT = Path(__file__).resolve().parent.parent
BUDGET_CPU_SECONDS = 60
BUDGET_MEMORY_MB = 768


def measure(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of all processes, peak summed RSS in MB) of one command."""
    started = time.monotonic()
    process = psutil.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, cpu_by_pid = 0.0, {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                members = [process] + process.children(recursive=True)
            except psutil.Error:
                break
            total = 0
            for member in members:
                try:
                    total += member.memory_info().rss
                    times = member.cpu_times()
                    cpu_by_pid[member.pid] = times.user + times.system
                except psutil.Error:
                    continue
            peak = max(peak, total / 2**20)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    before = _children_cpu()
    process.wait()
    done.set()
    sampler.join()
    wall = time.monotonic() - started
    cpu = max(_children_cpu() - before, sum(cpu_by_pid.values()))
    return wall, cpu, peak


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grading_command(submission: str, results: Path) -> list[str]:
    return [sys.executable, "-m", "autograder", "run", "--submission", submission,
            "--results", str(results), "--quiet"]


def report(label: str, samples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    wall, cpu, peak = (statistics.median(column) for column in zip(*samples))
    print(f"{label:<34} wall {wall:6.1f} s   cpu {cpu:6.1f} s   peak RSS {peak:6.0f} MB   (median of {len(samples)})")
    return wall, cpu, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    figures = {}
    for label, submission in [("grading the reference", "reference"),
                              ("grading the empty template", "student_template")]:
        samples = [measure(grading_command(submission, out / "results.json")) for _ in range(args.runs)]
        figures[label] = report(label, samples)
    _, cpu, peak = figures["grading the reference"]
    verdict = "fits" if cpu <= BUDGET_CPU_SECONDS and peak <= BUDGET_MEMORY_MB else "DOES NOT FIT"
    print(f"reference vs Gradescope default budget ({BUDGET_CPU_SECONDS} CPU-s, {BUDGET_MEMORY_MB} MB): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
