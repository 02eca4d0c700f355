"""Vectorisation judged by CPU time the grading process reads itself.

The worker's CPU time for one call on a large batch (read from /proc by `timed_call`, threads
and child processes included: the student cannot make a loop cheaper or hide it) is compared
with the CPU time of a vectorised computation of the same quantity done here, in the same run.
A Python loop over 10,000 examples costs hundreds of milliseconds; whole-array NumPy code a few.
What every timed call returned is checked too: an answer that computes nothing (a constant,
zeros) is fast as well, and a fast answer only on large batches would be a loop in disguise.
"""
import time

from autograder.grading_process.grading_api import remote_type_name, timed_call
from tests.support.messages import assert_allclose

LARGE_BATCH = 10_000   # examples: a loop over them costs hundreds of ms of CPU time
SLOWDOWN = 10          # allowed: this many times our CPU time ...
ALLOWANCE_S = 0.02     # ... plus this much (a submission's fixed costs)
REPEATS = 3            # the fastest of these many calls counts
OUR_CALLS = 10         # our computation timed over this many calls (the clock may tick coarsely)


def assert_vectorised(function: str, theirs, ours, hint: str, check_result, work_ratio: float = 1.0,
                      hidden_loop: str | None = None) -> None:
    """`theirs()` calls the submission's `function` on a batch of `LARGE_BATCH` examples;
    `ours()` computes here what it computes (`work_ratio`: how much more work theirs does, e.g.
    3 for a loss with its gradients against our forward pass alone); `check_result(returned)`
    raises unless what one call returned is right (see `check_loss_of_pair`). `hidden_loop`: a
    per-element Python loop found in the submitted source (`np.vectorize`, read here), which
    fails whatever the time: it can be cheap on 3 classes yet is a loop in disguise."""
    if hidden_loop:
        raise AssertionError(f"`{function}` is not vectorised.\n{hidden_loop}")
    calls = [timed_call(*theirs()) for _ in range(REPEATS)]
    spent = min(seconds for _, seconds in calls)
    our_spent = work_ratio * min(_cpu_time_of(ours) for _ in range(REPEATS))
    allowed = SLOWDOWN * our_spent + ALLOWANCE_S
    if spent > allowed:
        raise AssertionError(
            f"`{function}` is not vectorised: for a batch of N={LARGE_BATCH} examples it took "
            f"{spent * 1000:.0f} ms of CPU time, where whole-array NumPy code takes about "
            f"{our_spent * 1000:.1f} ms (the grader allows {allowed * 1000:.0f} ms).\n{hint}")
    for returned, _ in calls:
        check_result(returned)


def check_loss_of_pair(function: str, expected_loss: float, case: str):
    """A `check_result` for a function returning `(loss, gradients)`: the loss must be
    `expected_loss` (computed here on `case`); the gradients are their own items' checks."""
    def check(returned) -> None:
        if not (isinstance(returned, tuple) and len(returned) == 2):
            raise AssertionError(
                f"`{function}` for {case} returned {remote_type_name(returned)}; expected a pair "
                f"`(loss, gradients)`. Its speed counts only for an answer that computes the loss.")
        try:
            assert_allclose(function, returned[0], expected_loss, case, name="loss", rtol=1e-8)
        except AssertionError as wrong:
            raise AssertionError(f"{wrong}\nIts speed counts only for an answer that computes "
                                 f"the loss.") from None
    return check


def _cpu_time_of(compute) -> float:
    """CPU seconds of one `compute()`, averaged over `OUR_CALLS` calls."""
    started = time.process_time()
    for _ in range(OUR_CALLS):
        compute()
    return (time.process_time() - started) / OUR_CALLS
