"""`python -m autograder audit`: show that the grading tests tell right from wrong.

An instructor tool, run in the instructor's own process: it grades submissions only through the
real command line (`python -m autograder run`, in subprocesses) and never imports one.

Two modes. Mutation testing (`catalogue`, `mutation`, `mutation_report`): typical student bugs
applied to the reference must lose points exactly where the catalogue says. Degenerate answers
(`degenerate`): every graded function replaced by an answer that computes nothing must earn
nothing on the checks that grade it. Both plan their gradings on slices of the rubric
(`items`, `runs`) and share the command (`command`).
"""
from autograder.tools.audit.command import register

__all__ = ["register"]
