"""The instructor's commands besides `run`: `template`, `build`, `grade-all` and `audit`. They
run in the instructor's own process and grade through subprocesses (`grade_in_subprocess`),
never by importing the grading process or the worker.

They import `harness/`, `sandbox/`, `wire/` and the top-level shared modules.
"""
