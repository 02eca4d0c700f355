"""A regrade's reports: scores.csv, report.md and report.png."""
from __future__ import annotations

import csv
from pathlib import Path

from autograder.rubric import Rubric
from autograder.tools.grade_all.runs import Outcome, Settings

HISTOGRAM_BINS = 10


def item_columns(outcomes: list[Outcome], rubric: Rubric) -> list[tuple[str, str, float]]:
    """(number, name, points) of every graded item: the rubric's, then any others the runs
    reported (tests graded by their gradescope-utils decorators)."""
    columns = {item.number: (item.number, item.name, item.points) for item in rubric.items}
    for outcome in outcomes:
        for test in outcome.results.get("tests", []):
            number = test.get("number", test["name"])
            columns.setdefault(number, (number, test["name"], test["max_score"]))
    return list(columns.values())


def write_reports(outcomes: list[Outcome], settings: Settings) -> list[Path]:
    columns = item_columns(outcomes, settings.rubric)
    settings.out.mkdir(parents=True, exist_ok=True)
    return [write_csv(outcomes, columns, settings.out / "scores.csv"),
            write_markdown(outcomes, columns, settings, settings.out / "report.md"),
            write_plot(outcomes, columns, settings.out / "report.png")]


def _scores_by_number(results: dict) -> dict[str, dict]:
    return {test.get("number", test["name"]): test for test in results.get("tests", [])}


def write_csv(outcomes: list[Outcome], columns, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "name", "email", "total", *(number for number, _, _ in columns), "error"])
        for outcome in outcomes:
            tests = _scores_by_number(outcome.results)
            scores = [f"{tests[number]['score']:g}" if number in tests else "" for number, _, _ in columns]
            writer.writerow([outcome.student.key, outcome.student.name, outcome.student.email,
                             f"{outcome.results['score']:g}", *scores, outcome.error])
    return path


def histogram(totals: list[float], maximum: float) -> list[tuple[float, float, int]]:
    """(low, high, count) for `HISTOGRAM_BINS` equal bins over [0, maximum]; the last includes
    `maximum`."""
    width = maximum / HISTOGRAM_BINS if maximum > 0 else 1.0
    counts = [0] * HISTOGRAM_BINS
    for total in totals:
        counts[min(max(int(total / width), 0), HISTOGRAM_BINS - 1)] += 1
    return [(i * width, (i + 1) * width, count) for i, count in enumerate(counts)]


def full_marks_rate(outcomes: list[Outcome], number: str) -> tuple[int, float]:
    """(students with full marks on item `number`, mean score on it)."""
    tests = [test for o in outcomes if (test := _scores_by_number(o.results).get(number))]
    full = sum(test.get("status") == "passed" if "status" in test else test["score"] >= test["max_score"]
               for test in tests)
    return full, sum(test["score"] for test in tests) / len(outcomes)


def write_markdown(outcomes: list[Outcome], columns, settings: Settings, path: Path) -> Path:
    totals = [o.results["score"] for o in outcomes]
    maximum = sum(points for _, _, points in columns)
    ordered = sorted(totals)
    median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
    scope = "items " + ", ".join(settings.items) if settings.items else "the whole rubric"
    lines = [f"# Regrade: {settings.rubric.name}", "",
             f"{len(outcomes)} submissions graded on {scope} ({maximum:g} points). "
             f"Mean {sum(totals) / len(totals):.2f}, median {median:g}, lowest {ordered[0]:g}, "
             f"highest {ordered[-1]:g}.", "",
             "## Score distribution", "", "| total score | submissions | |", "| --- | ---: | --- |"]
    for low, high, count in histogram(totals, maximum):
        lines.append(f"| {low:g} – {high:g} | {count} | {'█' * count} |")
    lines += ["", "## Per item", "", "| item | points | mean score | full marks |", "| --- | ---: | ---: | ---: |"]
    for number, name, points in columns:
        full, mean = full_marks_rate(outcomes, number)
        lines.append(f"| {number} {name} | {points:g} | {mean:.2f} | {full}/{len(outcomes)} "
                     f"({100 * full / len(outcomes):.0f}%) |")
    failed = [o for o in outcomes if o.error]
    if failed:
        lines += ["", "## Runs that failed (0 points until regraded)", ""]
        lines += [f"- `{o.student.key}`: {o.error}" for o in failed]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_plot(outcomes: list[Outcome], columns, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    totals = [o.results["score"] for o in outcomes]
    bins = histogram(totals, sum(points for _, _, points in columns))
    figure = Figure(figsize=(11, max(4, 0.25 * len(columns) + 1)), layout="constrained")
    FigureCanvasAgg(figure)
    scores, items = figure.subplots(1, 2)
    scores.bar([low for low, _, _ in bins], [count for _, _, count in bins],
               width=bins[0][1] - bins[0][0], align="edge", edgecolor="black")
    scores.set(title="Total scores", xlabel="total score", ylabel="submissions")
    scores.yaxis.set_major_locator(MaxNLocator(integer=True))
    rates = [100 * full_marks_rate(outcomes, number)[0] / len(outcomes) for number, _, _ in columns]
    items.barh([f"{number} {name}"[:40] for number, name, _ in columns], rates)
    items.invert_yaxis()
    items.set(title="Full marks per item", xlabel="% of submissions", xlim=(0, 100))
    figure.savefig(path, dpi=100)
    return path
