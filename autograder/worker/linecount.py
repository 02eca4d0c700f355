"""Count the Python lines a call executes inside the submission's files (a clock-free test of
vectorisation: a loop over examples makes the count grow with the batch size).

Runs in the worker, so the count is the worker's word: the grading process uses it only
together with its own reading of the submitted source.
"""
import sys
from pathlib import Path


def count_executed_lines(call, folder):
    """Run `call()` and count the line events executed in `.py` files directly in `folder`.

    call: a function of no arguments; folder: the submission folder (a path). Every execution
    of a line counts, so a loop body run N times adds N times its length. Returns
    (result of call, count).
    """
    folder = Path(folder).resolve()
    watched: dict[str, bool] = {}
    count = 0

    def is_watched(filename):
        if filename not in watched:
            path = Path(filename)
            watched[filename] = path.suffix == ".py" and path.resolve().parent == folder
        return watched[filename]

    def count_lines(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return count_lines

    def on_call(frame, event, arg):
        return count_lines if is_watched(frame.f_code.co_filename) else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        result = call()
    finally:
        sys.settrace(previous)
    return result, count
