"""The mutation audit's report: the kill matrix (mutants x items), the items, the known
survivors and every problem, one sentence each."""
from __future__ import annotations

from autograder.rubric import Rubric
from autograder.tools.audit.catalogue import Mutant
from autograder.tools.audit.mutation import Audit


def kill_matrix(audit: Audit, rubric: Rubric) -> str:
    """Mutants x items: 'X' lost points, '.' full marks, blank: not judged on that item.
    Column headers are item numbers, written downwards."""
    columns = [item for item in rubric.items if any(item.id in owned for owned in audit.owned.values())]
    width = max([len("item")] + [len(m.id) for m in audit.mutants])
    depth = max([len(item.number) for item in columns], default=0)
    lines = []
    for row in range(depth):
        label = "item" if row == depth - 1 else ""
        cells = " ".join(item.number.rjust(depth)[row] for item in columns)
        lines.append(f"{label:<{width}}  {cells}".rstrip())
    for mutant in audit.mutants:
        verdict = audit.verdict(mutant)
        cells = " ".join("X" if item.id in verdict["lost"] else "." if item.id in verdict["graded"]
                         else " " for item in columns)
        lines.append(f"{mutant.id:<{width}}  {cells}  {_mark(mutant, verdict)}".rstrip())
    return "\n".join(lines)


def _mark(mutant: Mutant, verdict: dict) -> str:
    if verdict["error"]:
        return "ERROR"
    if mutant.xfail:
        return "known survivor" if verdict["survived"] else "known survivor KILLED"
    if mutant.accepted:
        return "accepted" if verdict["survived"] else "accepted variant LOST POINTS"
    if verdict["survived"]:
        return "SURVIVED"
    return "unexpected" if verdict["unexpectedly_lost"] or verdict["unexpectedly_kept"] else ""


def format_report(audit: Audit, rubric: Rubric) -> str:
    parts = []
    if audit.mutants:
        bugs = [m for m in audit.mutants if not m.accepted]
        killed = sum(1 for m in bugs if audit.verdict(m)["lost"])
        runs = len({run.name for run in audit.mutant_runs.values()})
        parts.append(f"Kill matrix: {killed} of {len(bugs)} mutants lose points "
                     f"(graded in {runs} run{'s' if runs > 1 else ''}; X = lost points, "
                     f". = full marks, blank = not judged on that item):\n\n"
                     + kill_matrix(audit, rubric))
        judged = set().union(*audit.owned.values())
        parts.append("Items:\n" + "\n".join(f"{item.number:>6}  {item.id}" for item in rubric.items
                                             if item.id in judged))
        survivors = [m for m in audit.mutants if m.xfail]
        if survivors:
            parts.append("Known survivors (weaknesses of the grading tests):\n" + "\n".join(
                f"  {m.id}: {m.xfail}" for m in survivors))
    if audit.reference_runs:
        count = len(audit.reference_runs)
        parts.append(f"Reference graded {count} time{'s' if count > 1 else ''} on "
                     f"{len(audit.reference_runs[0].items)} items"
                     + (f" (harness hash seeds 0..{count - 1})" if count > 1 else "") + ".")
    problems = audit.problems()
    if problems:
        parts.append("Problems:\n" + "\n".join(f"  - {problem}" for problem in problems))
    else:
        parts.append("No problems: the reference earns full marks every time"
                     + (" and every mutant loses points exactly where expected." if audit.mutants else "."))
    return "\n\n".join(parts)
