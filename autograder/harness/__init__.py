"""The parent process of a run (`./run_autograder`, `python -m autograder run`), the one that
decides: it stages the submission, starts the grading process and reads its events
(`controller`), scores them against the rubric (`scoring`) and writes results.json (`results`).

It never imports submitted code nor the modules of the processes below it: it imports `wire/`,
`sandbox/` and the top-level shared modules only.
"""
