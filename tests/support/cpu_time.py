"""Vectorisation judged by CPU time the grading process reads itself.

The worker's CPU time for one call on a large batch (read from /proc by `timed_call`, threads
and child processes included: the student cannot make a loop cheaper or hide it) is compared
with the CPU time of a vectorised computation of the same quantity done here, in the same run.
A Python loop over 10,000 examples costs hundreds of milliseconds; whole-array NumPy code a few.
"""
import time

from autograder.grading_api import timed_call

LARGE_BATCH = 10_000   # examples: a loop over them costs hundreds of ms of CPU time
SLOWDOWN = 10          # allowed: this many times our CPU time ...
ALLOWANCE_S = 0.02     # ... plus this much (a submission's fixed costs)
REPEATS = 3            # the fastest of these many calls counts
OUR_CALLS = 10         # our computation timed over this many calls (the clock may tick coarsely)


def assert_vectorised(function: str, theirs, ours, hint: str, work_ratio: float = 1.0,
                      hidden_loop: str | None = None) -> None:
    """`theirs()` calls the submission's `function` on a batch of `LARGE_BATCH` examples;
    `ours()` computes here what it computes (`work_ratio`: how much more work theirs does, e.g.
    3 for a loss with its gradients against our forward pass alone). `hidden_loop`: a per-element
    Python loop found in the submitted source (`np.vectorize`, read here), which fails whatever
    the time: it can be cheap on 3 classes yet is a loop in disguise."""
    if hidden_loop:
        raise AssertionError(f"`{function}` is not vectorised.\n{hidden_loop}")
    spent = min(timed_call(*theirs())[1] for _ in range(REPEATS))
    our_spent = work_ratio * min(_cpu_time_of(ours) for _ in range(REPEATS))
    allowed = SLOWDOWN * our_spent + ALLOWANCE_S
    if spent > allowed:
        raise AssertionError(
            f"`{function}` is not vectorised: for a batch of N={LARGE_BATCH} examples it took "
            f"{spent * 1000:.0f} ms of CPU time, where whole-array NumPy code takes about "
            f"{our_spent * 1000:.1f} ms (the grader allows {allowed * 1000:.0f} ms).\n{hint}")


def _cpu_time_of(compute) -> float:
    """CPU seconds of one `compute()`, averaged over `OUR_CALLS` calls."""
    started = time.process_time()
    for _ in range(OUR_CALLS):
        compute()
    return (time.process_time() - started) / OUR_CALLS
