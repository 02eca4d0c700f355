"""The degenerate-answer audit: an answer that computes nothing earns nothing.

The graded functions are those the template stubs. Each is replaced, in a copy of the
reference, by the template's stub and by answers that compute nothing (`ANSWERS`): zeros, ones,
a constant, its own input, `None`, random values. Zeros, ones, the constant and the random
values are shaped like the reference's answer: the wrapper calls the reference on deep copies
of the arguments, with Python's, NumPy's and PyTorch's random states put back afterwards, so
that none of its work or side effects shows, and replaces every number of what it returned
(where the reference raises, as for an invalid argument, those of the first argument).

The checks that grade a function are the checks of the items that name it (in its file: an
item named `tanh`, `TwoLayerNet.loss: toy loss`, or `Digit_Classifier` for that class's
methods) that call it themselves and fail at that call when it is the template's stub (the
reference passing them). A check that reaches the function only through another one (`train`
calling `loss`), or calls it to set up what an item named for another function checks (`train`
before `predict`), grades that other function. On each check that grades it, every degenerate
answer must earn no more than the stub does (0, partial credit included): the report names
every check a degenerate answer passes. A function with no return value (a constructor, an
in-place update) is tried as its stub only.

Planning: the stubs are graded first, packed as mutants are (different files, disjoint items
that can see them), with the reference beside them. Then the degenerate answers, packed by the
items each function's stub affects: answers whose functions affect disjoint items share a run.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.rubric import Item, Rubric
from autograder.sentences import not_implemented_message
from autograder.template_stubs import stub_functions
from autograder.tools.audit.items import (fixtures_of_items, items_seeing, whole_test_files,
                                          with_imported_files)
from autograder.tools.audit.runs import Grading, Job, grade_jobs

STUB = "stub"
ANSWERS = {
    "zeros": "zeros of the right shape",
    "ones": "ones of the right shape",
    "constant": "a constant of the right shape (0.5, or 2 where integers are returned)",
    "input": "its first argument, unchanged",
    "none": "None",
    "random": "random values of the right shape",
}
TOLERANCE = 1e-9  # what an answer may earn on a check above its stub

# Inserted before the statement that defines the function (the function, or its class), which
# it then decorates: every use of the function, even one captured while the module loads (a
# table of functions), gets the answer. It runs in the worker, as the submission, so it imports
# only what a submission may.
HELPER = '''
# -- audit: a degenerate answer in place of the function it decorates --
def _audit_degenerate_answer(kind, is_method):
    import copy
    import functools
    import random
    import sys

    import numpy

    generator = numpy.random.default_rng(0)

    def fake_array(array):
        if array.dtype == bool:
            return {"zeros": numpy.zeros_like(array), "ones": numpy.ones_like(array),
                    "constant": numpy.ones_like(array)}.get(kind, generator.random(array.shape) < 0.5)
        integer = numpy.issubdtype(array.dtype, numpy.integer)
        if kind == "zeros":
            return numpy.zeros_like(array)
        if kind == "ones":
            return numpy.ones_like(array)
        if kind == "constant":
            return numpy.full_like(array, 2 if integer else 0.5)
        if integer:
            high = max(2, int(array.max(initial=0)) + 1)
            return generator.integers(0, high, array.shape).astype(array.dtype)
        return generator.random(array.shape).astype(array.dtype)

    def fake(value):
        if value is None or isinstance(value, (bool, str, bytes)):
            return value
        if isinstance(value, (int, numpy.integer)):
            return {"zeros": 0, "ones": 1, "constant": 2}.get(kind, int(generator.integers(0, 10)))
        if isinstance(value, (float, numpy.floating)):
            return {"zeros": 0.0, "ones": 1.0, "constant": 0.5}.get(kind, float(generator.random()))
        if isinstance(value, numpy.ndarray):
            return fake_array(value)
        if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "new_tensor"):
            return value.new_tensor(fake_array(value.detach().cpu().numpy()))
        if isinstance(value, (tuple, list)):
            faked = [fake(item) for item in value]
            return type(value)(*faked) if hasattr(value, "_fields") else type(value)(faked)
        if isinstance(value, dict):
            return {key: fake(item) for key, item in value.items()}
        return None  # a model, a file: nothing numeric to fake

    def reference_answer(function, args, kwargs):
        torch = sys.modules.get("torch")
        states = (random.getstate(), numpy.random.get_state(),
                  torch.get_rng_state() if torch else None)
        try:
            try:
                args, kwargs = copy.deepcopy((args, kwargs))
            except Exception:
                pass
            return function(*args, **kwargs)
        finally:
            random.setstate(states[0])
            numpy.random.set_state(states[1])
            if torch:
                torch.set_rng_state(states[2])

    def decorate(function):
        @functools.wraps(function)
        def answer(*args, **kwargs):
            if kind == "none":
                return None
            inputs = list(args[1:] if is_method else args) + list(kwargs.values())
            if kind == "input":
                return inputs[0] if inputs else None
            try:
                return fake(reference_answer(function, args, kwargs))
            except Exception:  # what it raises is work done too: computing nothing, it returns
                return fake(inputs[0]) if inputs else None
        return answer
    return decorate


'''
DECORATOR = "@_audit_degenerate_answer({kind!r}, {is_method})  # {description}\n"


@dataclass(frozen=True)
class Target:
    """A graded function: `name` is `tanh` or `TwoLayerNet.loss`, in `file`."""

    file: str
    name: str
    returns_value: bool

    @property
    def label(self) -> str:
        return f"{Path(self.file).stem}.{self.name}"

    @property
    def call_label(self) -> str:
        """How the grading process labels a call of it: `activations.tanh`, `TwoLayerNet.loss`."""
        return self.name if "." in self.name else self.label

    @property
    def kinds(self) -> tuple[str, ...]:
        return (STUB, *ANSWERS) if self.returns_value else (STUB,)


@dataclass(frozen=True)
class Answer:
    """`target` replaced by its stub (`stub_source`, the template's text) or an answer `kind`."""

    target: Target
    kind: str
    stub_source: str = ""

    @property
    def file(self) -> str:
        return self.target.file

    @property
    def id(self) -> str:
        return f"{self.target.label}:{self.kind}"

    def apply(self, submission: Path) -> None:
        path = submission / self.target.file
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines(keepends=True)
        tree = ast.parse(source)
        start, end = _line_span(_find(tree, self.target.name))
        if self.kind == STUB:
            lines[start:end] = [self.stub_source]
        else:
            line = lines[start]
            indent = line[:len(line) - len(line.lstrip())]
            lines.insert(start, indent + DECORATOR.format(kind=self.kind, is_method="." in self.target.name,
                                                          description=ANSWERS[self.kind]))
            statement = next(node for node in tree.body if _line_span(node)[0] <= start < node.end_lineno)
            lines.insert(_line_span(statement)[0], HELPER)
        path.write_text("".join(lines), encoding="utf-8")


def graded_functions(rubric: Rubric) -> list[Target]:
    """Every function the template stubs and the reference defines, file by file."""
    template, reference = rubric.root / rubric.template, rubric.root / rubric.reference
    targets = []
    for path in sorted(template.glob("*.py")):
        solved = reference / path.name
        if not solved.is_file():
            continue
        tree = ast.parse(solved.read_text(encoding="utf-8"))
        for label in sorted(stub_functions(path.stem, path.read_text(encoding="utf-8"))):
            name = label.removeprefix(f"{path.stem}.")
            node = _find(tree, name)
            if node is not None:
                targets.append(Target(path.name, name, _returns_value(node)))
    return targets


def names(item: Item, target: Target, methods: dict[str, set[str]]) -> bool:
    """Whether `item` (in the target's file) is named for `target`: its name holds the
    function's name, or the class's name and no other method of that class (`methods`:
    class name -> its methods' names)."""
    if item.file != target.file:
        return False
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", item.name))
    *classes, function = target.name.split(".")
    if function in words:
        return True
    return bool(classes) and classes[-1] in words and not (words & methods.get(classes[-1], set()))


def stub_source(rubric: Rubric, target: Target) -> str:
    """The template's text of `target` (decorators and docstring included)."""
    source = (rubric.root / rubric.template / target.file).read_text(encoding="utf-8")
    start, end = _line_span(_find(ast.parse(source), target.name))
    return "".join(source.splitlines(keepends=True)[start:end])


def _find(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    scope: list[ast.stmt] = tree.body
    *classes, function = name.split(".")
    for class_name in classes:
        found = next((node for node in scope if isinstance(node, ast.ClassDef) and node.name == class_name), None)
        if found is None:
            return None
        scope = found.body
    return next((node for node in scope if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and node.name == function), None)


def _line_span(node: ast.stmt) -> tuple[int, int]:
    """0-based [start, end) lines of `node`, its decorators included."""
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators]) - 1, node.end_lineno


def _returns_value(function: ast.FunctionDef) -> bool:
    """Whether `function` itself (not a function nested in it) returns something."""
    todo = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return False


# -- the plan ---------------------------------------------------------------------------------
def pack(answers: list[Answer], owned: dict[str, frozenset[str]], same_file_ok: bool) -> list[list[Answer]]:
    """Group answers into runs: those in one run own disjoint items (`owned[target label]`)
    and, unless `same_file_ok`, edit different files."""
    batches: list[list[Answer]] = []
    for answer in answers:
        mine = owned[answer.target.label]
        batch = next((b for b in batches if all(
            (same_file_ok or other.file != answer.file) and not owned[other.target.label] & mine
            for other in b)), None)
        if batch is None:
            batches.append(batch := [])
        batch.append(answer)
    return batches


def _jobs(prefix: str, rubric: Rubric, batches: list[list[Answer]], owned: dict[str, frozenset[str]],
          fixtures: dict[str, set[str]]) -> list[Job]:
    jobs = []
    for index, batch in enumerate(batches):
        items = set().union(*(owned[answer.target.label] for answer in batch))
        jobs.append(Job(f"{prefix}-{index + 1}", frozenset(with_imported_files(rubric, items, fixtures)),
                        edits=tuple(batch)))
    return jobs


# -- the audit --------------------------------------------------------------------------------
@dataclass
class Finding:
    """How `target` fared: `judged` maps each check its stub fails to what the stub earned
    there; `passed[kind]` the judged checks an answer earned more on; `errors[kind]` a run
    that could not be graded."""

    target: Target
    judged: dict[str, float] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)  # judged check -> its item id
    passed: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"function": self.target.label, "file": self.target.file, "kinds": list(self.target.kinds),
                "judged": sorted(self.judged), "passed": self.passed, "errors": self.errors}


@dataclass
class DegenerateAudit:
    findings: list[Finding]
    reference: Grading

    def problems(self) -> list[str]:
        found = []
        if self.reference.error:
            found.append(f"the reference could not be graded: {self.reference.error}")
        lost = sorted(self.reference.lost_items)
        if lost:
            found.append(f"the reference loses points on {lost}: its checks cannot judge anything there")
        for finding in self.findings:
            label = finding.target.label
            for kind, error in finding.errors.items():
                found.append(f"`{label}` as {_describe(kind)} could not be graded: {error}")
            for kind, checks in finding.passed.items():
                for check in checks:
                    found.append(f"`{label}` as {_describe(kind)} passes `{check}` (item "
                                 f"{finding.items[check]}), which its stub fails")
        return found

    def notes(self) -> list[str]:
        return [f"`{finding.target.label}`: no item named for it has a check that calls it and "
                f"fails there when it is the template's stub" for finding in self.findings
                if not finding.judged and not finding.errors]

    def to_json(self) -> dict:
        return {"functions": [finding.to_json() for finding in self.findings],
                "reference": {"error": self.reference.error, "lost": sorted(self.reference.lost_items)},
                "problems": self.problems(), "notes": self.notes()}


def _describe(kind: str) -> str:
    return "the template's stub" if kind == STUB else ANSWERS[kind]


def run_degenerate_audit(rubric: Rubric, targets: list[Target], processes: int = 2) -> DegenerateAudit:
    """Grade the stubs and the reference, then every degenerate answer where a check judges it."""
    fixtures = fixtures_of_items(rubric)
    seeing = {t.label: frozenset(whole_test_files(rubric, items_seeing(rubric, t.file, fixtures)))
              for t in targets}
    methods: dict[str, set[str]] = {}
    for target in graded_functions(rubric):
        if "." in target.name:
            methods.setdefault(target.name.rsplit(".", 1)[0], set()).add(target.name.rsplit(".", 1)[1])
    named = {t.label: [item.id for item in rubric.items if names(item, t, methods)] for t in targets}
    stubs = [Answer(t, STUB, stub_source(rubric, t)) for t in targets]
    jobs = _jobs("stubs", rubric, pack(stubs, seeing, same_file_ok=False), seeing, fixtures)
    everything = set().union(*(job.items for job in jobs)) if jobs else set()
    reference_job = Job("reference", frozenset(with_imported_files(rubric, everything, fixtures)))
    finished = grade_jobs(rubric, jobs + [reference_job], processes, desc="stubs")
    reference = finished[reference_job.name]
    findings = {t.label: Finding(t) for t in targets}
    affected: dict[str, frozenset[str]] = {}
    for job in jobs:
        for answer in job.edits:
            finding = findings[answer.target.label]
            run = finished[job.name]
            if run.error:
                finding.errors[STUB] = run.error
                continue
            stopped_here = not_implemented_message(answer.target.call_label)
            for item in named[answer.target.label]:
                for check, outcome in run.checks.get(item, {}).items():
                    if outcome["message"] == stopped_here and _earned(reference, item, check) == 1:
                        finding.judged[check], finding.items[check] = outcome["earned"], item
            affected[answer.target.label] = frozenset(whole_test_files(rubric, set(finding.items.values())))
    answers = [Answer(finding.target, kind) for finding in findings.values() if finding.judged
               for kind in finding.target.kinds if kind != STUB]
    jobs = _jobs("answers", rubric, pack(answers, affected, same_file_ok=True), affected, fixtures)
    finished = grade_jobs(rubric, jobs, processes, desc="degenerate answers")
    for job in jobs:
        run = finished[job.name]
        for answer in job.edits:
            finding = findings[answer.target.label]
            if run.error:
                finding.errors[answer.kind] = run.error
                continue
            passed = [check for check, stub_earned in sorted(finding.judged.items())
                      if _earned(run, finding.items[check], check) > stub_earned + TOLERANCE]
            if passed:
                finding.passed[answer.kind] = passed
    return DegenerateAudit(list(findings.values()), reference)


def _earned(run: Grading, item: str, check: str) -> float:
    return run.checks.get(item, {}).get(check, {}).get("earned", 0.0)


# -- the report -------------------------------------------------------------------------------
def format_degenerate_report(audit: DegenerateAudit) -> str:
    """One row per graded function: how many checks grade it, then for each answer how many
    of those it passes ('.' none, '-' not tried: the function returns nothing)."""
    kinds = list(ANSWERS)
    width = max([len("function")] + [len(f.target.label) for f in audit.findings])
    header = f"{'function':<{width}}  checks  " + " ".join(f"{kind:>8}" for kind in kinds)
    rows = [header]
    for finding in audit.findings:
        cells = []
        for kind in kinds:
            if kind in finding.errors:
                cells.append("ERROR")
            elif kind not in finding.target.kinds or not finding.judged:
                cells.append("-")
            else:
                cells.append(str(len(finding.passed.get(kind, []))) if kind in finding.passed else ".")
        judged = "ERROR" if STUB in finding.errors else str(len(finding.judged))
        rows.append(f"{finding.target.label:<{width}}  {judged:>6}  " + " ".join(f"{c:>8}" for c in cells))
    judged = sum(len(f.judged) for f in audit.findings)
    parts = [f"Degenerate answers: {len(audit.findings)} graded functions, {judged} checks that "
             f"grade them (those each function's stub fails). A cell counts the checks an answer "
             f"passes: '.' none, '-' not tried (the function returns nothing).\n\n" + "\n".join(rows)]
    notes = audit.notes()
    if notes:
        parts.append("Notes:\n" + "\n".join(f"  - {note}" for note in notes))
    problems = audit.problems()
    if problems:
        parts.append("Problems:\n" + "\n".join(f"  - {problem}" for problem in problems))
    else:
        parts.append("No problems: no answer that computes nothing earns anything on a check that "
                     "grades its function.")
    return "\n\n".join(parts)
