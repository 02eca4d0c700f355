"""What runs next to student code: the fork server and the student workers it forks.

Nothing here decides a grade. A worker imports the submission and answers the grading
process's requests (`autograder.wire.protocol`); everything it says may be a lie, and the grading
process checks every value against its own computation. This package imports only the
standard library, NumPy, MessagePack (and torch where the grading tests ask), `wire/` and the
top-level `paths`.
"""
