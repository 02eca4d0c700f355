"""The mutation audit: grade the mutant catalogue, packed into as few runs as possible, and
the reference (once, or `--flaky N` times, each with another hash seed for the harness: it must
earn full marks on every item, every time), then judge each mutant against its entry."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from autograder.rubric import Rubric
from autograder.tools.audit.catalogue import Mutant
from autograder.tools.audit.items import (fixtures_of_items, items_seeing, whole_test_files,
                                          with_imported_files)
from autograder.tools.audit.runs import Grading, Job, grade_jobs
from autograder.wire.protocol import HASH_SEED_ENV

REFERENCE_RUN = "reference"


@dataclass
class Plan:
    """`owned[mutant id]`: the items a mutant is judged on (those that can see its file)."""

    jobs: list[Job]
    owned: dict[str, frozenset[str]]


def plan_jobs(rubric: Rubric, mutants: list[Mutant], flaky_runs: int,
              reference_items: set[str] | None) -> Plan:
    """Pack the mutants into as few grading runs as possible, and add the reference runs.

    A mutant owns the items that can see its file (plus its `expect_lost`, whole test files).
    Mutants share a run when they edit different files and own disjoint items: then no edit
    can change the grade of another's items. A run also grades the items of every file its
    files import (so that those files are staged). The reference runs grade every item of
    the mutant runs, plus `reference_items` or, with `flaky_runs`, every item."""
    fixtures = fixtures_of_items(rubric)
    owned = {m.id: frozenset(whole_test_files(rubric, items_seeing(rubric, m.file, fixtures)
                                              | set(m.expect_lost))) for m in mutants}
    batches: list[list[Mutant]] = []
    for mutant in mutants:
        batch = next((b for b in batches if all(
            other.file != mutant.file and not owned[other.id] & owned[mutant.id] for other in b)), None)
        if batch is None:
            batches.append(batch := [])
        batch.append(mutant)
    jobs = []
    for index, batch in enumerate(batches):
        items = set().union(*(owned[m.id] for m in batch))
        jobs.append(Job(f"mutants-{index + 1}", frozenset(with_imported_files(rubric, items, fixtures)),
                        edits=tuple(batch)))
    wanted = set().union(*(job.items for job in jobs))
    if reference_items is not None:
        wanted |= reference_items
    elif flaky_runs:
        wanted = {item.id for item in rubric.items}
    if wanted:
        items = frozenset(with_imported_files(rubric, wanted, fixtures))
        for run in range(max(flaky_runs, 1)):
            jobs.append(Job(f"{REFERENCE_RUN}-{run + 1}", items, env={HASH_SEED_ENV: str(run)}))
    return Plan(jobs, owned)


@dataclass
class Audit:
    mutants: list[Mutant]
    owned: dict[str, frozenset[str]]
    mutant_runs: dict[str, Grading]
    reference_runs: list[Grading]

    def verdict(self, mutant: Mutant) -> dict:
        """What the mutant did (on the items it owns) against what the catalogue expects."""
        run = self.mutant_runs[mutant.id]
        graded = {item: run.lost[item] for item in self.owned[mutant.id] if item in run.lost}
        lost = {item for item, was_lost in graded.items() if was_lost}
        missing = sorted(self.owned[mutant.id] - set(graded))
        error = run.error or (f"no result for {missing}" if missing else None)
        expected = set(mutant.expect_lost)
        return {
            "id": mutant.id,
            "file": mutant.file,
            "description": mutant.description,
            "run": run.name,
            "error": error,
            "graded": sorted(graded),
            "lost": sorted(lost),
            "expect_lost": sorted(expected),
            "survived": not error and not lost,
            "xfail": mutant.xfail,
            "unexpectedly_lost": sorted(lost - expected),
            "unexpectedly_kept": sorted(expected - lost),
            "feedback": {item: run.feedback[item] for item in sorted(lost) if item in run.feedback},
        }

    def problems(self) -> list[str]:
        """Every reason the audit fails, one sentence each."""
        found = []
        for run in self.reference_runs:
            if run.error:
                found.append(f"reference ({run.name}) could not be graded: {run.error}")
        for item in sorted(self.reference_lost()):
            found.append(f"the reference loses points on '{item}' in every run: "
                         f"{self._reference_feedback(item)}")
        for item, outcomes in sorted(self.flaky().items()):
            found.append(f"flaky: '{item}' lost points in {outcomes.count(True)} of {len(outcomes)} "
                         f"reference runs: {self._reference_feedback(item)}")
        for mutant in self.mutants:
            found += self._mutant_problems(mutant, self.verdict(mutant))
        return found

    @staticmethod
    def _mutant_problems(mutant: Mutant, verdict: dict) -> list[str]:
        if verdict["error"]:
            return [f"mutant '{mutant.id}' could not be graded: {verdict['error']}"]
        if mutant.xfail:
            return [f"mutant '{mutant.id}' (listed as a known survivor: {mutant.xfail}) now loses "
                    f"points on {verdict['lost']}: move them to its 'expect_lost'"] if verdict["lost"] else []
        if mutant.accepted:
            return [f"accepted variant '{mutant.id}' ({mutant.accepted}) loses points on "
                    f"{verdict['lost']}: the tests must accept it: {verdict['feedback']}"] if verdict["lost"] else []
        if verdict["survived"]:
            return [f"SURVIVOR: mutant '{mutant.id}' ({mutant.description}) loses no points"]
        found = []
        if verdict["unexpectedly_kept"]:
            found.append(f"mutant '{mutant.id}' keeps full marks on {verdict['unexpectedly_kept']}, "
                         f"which its 'expect_lost' says must lose points")
        found += [f"mutant '{mutant.id}' also loses points on '{item}': {verdict['feedback'].get(item, '')}"
                  for item in verdict["unexpectedly_lost"]]
        return found

    def reference_lost(self) -> set[str]:
        runs = [run for run in self.reference_runs if not run.error]
        return set.intersection(*(run.lost_items for run in runs)) if runs else set()

    def flaky(self) -> dict[str, list[bool]]:
        """Items whose outcome differed between reference runs -> lost in each run."""
        runs = [run for run in self.reference_runs if not run.error]
        items = set().union(*(run.lost for run in runs)) if runs else set()
        outcomes = {item: [run.lost.get(item, False) for run in runs] for item in items}
        return {item: seen for item, seen in outcomes.items() if len(set(seen)) > 1}

    def _reference_feedback(self, item: str) -> str:
        return next((run.feedback[item] for run in self.reference_runs if item in run.feedback), "")

    def to_json(self) -> dict:
        return {
            "mutants": [self.verdict(mutant) for mutant in self.mutants],
            "runs": [asdict(run) for run in {r.name: r for r in self.mutant_runs.values()}.values()],
            "reference_runs": [asdict(run) for run in self.reference_runs],
            "reference_lost": sorted(self.reference_lost()),
            "flaky": self.flaky(),
            "problems": self.problems(),
        }


def run_audit(rubric: Rubric, mutants: list[Mutant], jobs: int = 2, flaky_runs: int = 0,
              reference_items: set[str] | None = None) -> Audit:
    """Grade the planned runs, `jobs` at a time, with a progress bar on stderr."""
    plan = plan_jobs(rubric, mutants, flaky_runs, reference_items)
    finished = grade_jobs(rubric, plan.jobs, jobs)
    mutant_runs = {m.id: finished[job.name] for job in plan.jobs for m in job.edits}
    reference_runs = sorted((finished[job.name] for job in plan.jobs if not job.edits),
                            key=lambda run: int(run.name.rsplit("-", 1)[1]))
    return Audit(mutants, plan.owned, mutant_runs, reference_runs)
