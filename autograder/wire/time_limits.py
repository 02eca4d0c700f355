"""How long a test may take, and the three timers that hold it to that, innermost first.

A test's time limit T is its rubric item's `timeout` (DEFAULT_TIMEOUT_S when the rubric gives
none; a gradescope-utils suite's tests all have the suite's). The clock starts when the grading
process begins the test (`worker_client.begin_test`).

1. **The call deadline** (grading process, `worker_client`): every request to a student worker
   waits at most until start + T. Past it the worker's stack is dumped, its process group is
   killed, the call fails with `CallTimedOut` ("Timed out after T s in `fn`"), and the function
   it was stuck in is not called again in this run. This is the only timer a student should
   ever meet.
2. **The watchdog** (grading process, `plugin`): at start + T + WATCHDOG_SLACK_S the grading
   process dumps its own stack to the timeout report and exits. It fires only when the grader
   itself hangs (a grading test's own loop), since every worker call has ended at 1.
3. **The harness kill** (harness, `controller`): at start + T + HARNESS_GRACE_S after the test's
   start event the harness kills the grading process and its workers, fails that test with the
   timeout message, and starts a new grading process for the tests left. It holds even when
   the grading process can no longer run its watchdog.

Above them all, the run's `total_timeout` (rubric limits) ends the whole run; the tests not
reached by then fail as not graded.
"""

DEFAULT_TIMEOUT_S = 60.0
WATCHDOG_SLACK_S = 5.0
HARNESS_GRACE_S = 10.0
