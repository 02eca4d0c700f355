"""Grading harness for the "backpropagation from scratch, then PyTorch" assignment.

The folders say which process runs their code (each folder's docstring says what it may import,
and `harness_tests/test_layout.py` holds every module to it):

- `harness/`: the parent of a run, which decides the grade; `grading_process/`: pytest with the
  grading tests, which checks every value itself; `worker/`: beside the student's code, whose
  every word may be a lie; `wire/`: what crosses between them; `sandbox/`: the users, processes
  and files of a run; `tools/`: the instructor's commands.
- At the top, modules every process may import (they read files, never run submitted code):
  `rubric`, `run_tests_options`, `staging`, `template_stubs`, `sentences`, `paths`; and `cli`, the
  commands.
"""
