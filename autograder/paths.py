"""Where the project is: the folder holding the `autograder` package, `tests/`, `reference/`
and `rubric.yaml`. A suite's tests and the student's code must not find its packages on
`sys.path` (they are not there under Gradescope's runner), nor the harness's command line.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUBRIC = PROJECT_ROOT / "rubric.yaml"
SUITE_ARGV = ("run_tests.py",)  # `sys.argv` under Gradescope's documented `python3 run_tests.py`


def without_harness_folder(entries: list[str]) -> list[str]:
    """`sys.path` `entries` without the project's folder."""
    return [entry for entry in entries if Path(os.path.realpath(entry or ".")) != PROJECT_ROOT]
