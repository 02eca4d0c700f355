"""What crosses between the processes of a run, defined once: every message's record and kind
(`protocol`), the MessagePack codec of plain values (`codec`), the grading process's one-way
channel to the harness (`channel`) and the harness's check of what comes through it (`events`).

Imported by every process; imports nothing else of `autograder`.
"""
