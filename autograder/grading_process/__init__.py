"""The grading process: pytest with the grading tests and the harness's plugin (`plugin`), or
the faithful suite mode's process (`suite_process`). It checks every value against its own
computation and reports each test's outcome to the harness; it reaches submitted code only
through student workers (`worker_client`, `proxies`, `grading_api`), never by importing it.

It imports `wire/`, `sandbox/` and the top-level shared modules; never `harness/`, `tools/` or
`worker/`.
"""
