"""Ending what a test left behind (`autograder.sandbox.process_control`), in a process of its
own: `kill_descendants` kills every process below the one that calls it."""
import json
import subprocess
import sys
import textwrap

from harness_tests.conftest import PROJECT

# A parent that forks a child and never reaps it (a fork server between two of its looks), kept;
# the child killed. The wait is made 30 s: a kill that waited for the reaping would take all of it.
SCENARIO = textwrap.dedent("""
    import json, subprocess, sys, time
    import psutil
    from autograder.sandbox import process_control

    process_control.KILL_WAIT_SECONDS = 30.0
    parent = subprocess.Popen([sys.executable, "-c", "\\n".join([
        "import os, time",
        "pid = os.fork()",
        "if pid == 0:",
        "    time.sleep(60)",
        "print(pid, flush=True)",
        "time.sleep(60)"])], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    started = time.monotonic()
    killed = process_control.kill_descendants(keep=frozenset({parent.pid}))
    seconds = time.monotonic() - started
    status = psutil.Process(child).status()
    parent.kill()
    parent.wait()
    print(json.dumps({"killed": killed, "seconds": seconds, "status": status}))
    """)


def test_a_killed_process_its_parent_has_not_reaped_yet_counts_as_ended():
    finished = subprocess.run([sys.executable, "-c", SCENARIO], cwd=PROJECT, capture_output=True,
                              text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    outcome = json.loads(finished.stdout)
    assert outcome["killed"] == 1
    assert outcome["status"] == "zombie"
    assert outcome["seconds"] < 10, "the kill waited for the parent to reap its child"
