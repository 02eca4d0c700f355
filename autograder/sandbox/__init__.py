"""The sandbox of a run: the unprivileged user student code runs as and its lease
(`accounts`), processes started with limits and ended (`process_control`), what student code
leaves in files (`leftover_files`), and how a process ended, in words (`exits`).

Imported by the harness and the grading process; imports `wire/` and the top-level shared
modules only.
"""
