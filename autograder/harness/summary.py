"""The readable table printed after a local run: item, points, status, first line of feedback."""
from __future__ import annotations

import shutil

from autograder.harness.scoring import GradedItem


def format_summary(graded: list[GradedItem], total: float, max_total: float, width: int | None = None) -> str:
    width = width or shutil.get_terminal_size((120, 20)).columns
    name_w = max([len("Item")] + [len(g.item.title) for g in graded])
    rows = [f"{'Item':<{name_w}}  {'Points':>11}  {'Status':<6}  Feedback"]
    rows.append("-" * min(width, name_w + 35))
    for g in graded:
        points = "—" if g.item.status_only else f"{_num(g.score)}/{_num(g.item.points)}"
        line = f"{g.item.title:<{name_w}}  {points:>11}  {g.status:<6}  {g.headline}"
        rows.append(line if len(line) <= width else line[: width - 1] + "…")
    rows.append("-" * min(width, name_w + 35))
    rows.append(f"{'Total':<{name_w}}  {_num(total) + '/' + _num(max_total):>11}")
    return "\n".join(rows)


def _num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"
