"""Load and validate `rubric.yaml`: the single source of points, names and visibility.

Every problem is reported as a `RubricError` naming the file and line, so an instructor can fix
the rubric without reading the harness.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from autograder.wire.decorations import Decorations
from autograder.wire.time_limits import DEFAULT_TIMEOUT_S

VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
ORDERS = ("asc", "desc")  # a leaderboard column's sort order
FORMATS = ("text", "html", "simple_format", "md", "ansi")
RESULTS_FIELDS = ("visibility", "stdout_visibility", "extra_data", "output_format",
                  "test_output_format", "test_name_format")
DEFAULT_MEMORY_MB = 700
RUN_MEMORY_SLACK = 1.25  # the run's processes together, against one process's cap
LEADERBOARD_TEST_PREFIX = "gradescope-utils:"  # a leaderboard key naming the test that sets it
DEFAULT_TEST_PATTERN = "test*.py"  # unittest's default, so `test.py` is a test file too
ISOLATIONS = ("strict", "faithful")  # how a gradescope-utils suite runs (README: "Two modes")


def is_file_name_pattern(pattern) -> bool:
    """Whether `pattern` names test files as unittest's discovery matches them (`test*.py`,
    `*_tests.py`, `test_*`): a pattern of a file's name in one folder (unittest and pytest
    look at Python files alone)."""
    return isinstance(pattern, str) and bool(pattern) and "/" not in pattern


class RubricError(ValueError):
    """The rubric is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Item:
    """One graded line of results.json: `number name`, worth `points`, earned by `tests`."""

    id: str
    number: str
    name: str
    points: float
    visibility: str
    timeout: float
    tests: tuple[str, ...]
    group: str
    file: str | None
    config: dict[str, Any] = field(default_factory=dict)
    line: int = 0
    tags: tuple[str, ...] = ()        # Gradescope's per-test `tags`
    extra_data: dict[str, Any] | None = None  # Gradescope's per-test `extra_data`
    status_only: bool = False  # an undecorated unittest test: passed or failed, no points

    @property
    def title(self) -> str:
        return f"{self.number} {self.name}" if self.number else self.name


@dataclass(frozen=True)
class Limits:
    """What a run may use: `memory_mb` caps each student process's data segment,
    `run_memory_mb` every process of the run together (default 1.25 × `memory_mb`), both
    fitted into the container's memory (`container_mb` where the machine gives none)."""

    total_timeout: float = 540.0
    memory_mb: int = DEFAULT_MEMORY_MB
    processes: int = 64
    output_kb: int = 256
    disk_mb: int = 512
    run_memory_mb: int = int(DEFAULT_MEMORY_MB * RUN_MEMORY_SLACK)
    container_mb: int = 768


@dataclass(frozen=True)
class LeaderboardEntry:
    """A figure published to Gradescope's leaderboard: a number a test reports under `key`."""

    name: str
    key: str
    order: str = "desc"
    item: str | None = None  # the rubric item whose tests may report `key` (None: any test)


@dataclass(frozen=True)
class RateLimit:
    """At most `submissions` graded submissions in any rolling window of `window_hours`."""

    submissions: int
    window_hours: float


@dataclass(frozen=True)
class Rubric:
    path: Path
    name: str
    template: str
    reference: str
    tests_dir: str
    provided_files: tuple[str, ...]
    items: tuple[Item, ...]
    limits: Limits
    leaderboard: tuple[LeaderboardEntry, ...] = ()
    rate_limit: RateLimit | None = None
    stdout_visibility: str = "hidden"
    results_fields: dict[str, Any] = field(default_factory=dict)  # `results:` of rubric.yaml
    test_pattern: str = DEFAULT_TEST_PATTERN  # the test files, as unittest's discovery names them
    isolation: str = "strict"  # a suite's tests in the grading process (strict) or with the submission
    default_timeout: float = DEFAULT_TIMEOUT_S
    runner_options: dict[str, Any] = field(default_factory=dict)  # a course's run_tests.py, read

    @classmethod
    def for_suite(cls, tests_folder: Path, isolation: str = "faithful") -> "Rubric":
        """No rubric file: the tests in `tests_folder` (a gradescope-utils suite) define every
        item with their decorators, and the whole upload is staged; graded faithfully (the
        suite beside the submission, as Gradescope runs it) unless `isolation` is strict. A
        `run_tests.py` in the folder or beside it gives `JSONTestRunner`'s options and the
        test files' pattern its `discover(...)` names."""
        from autograder.run_tests_options import read_runner_options

        folder = Path(tests_folder).resolve()
        options = read_runner_options(folder) if isolation == "faithful" else {}
        fields = {key: options[key] for key in ("visibility", "stdout_visibility") if key in options}
        return cls(path=folder.parent / "rubric.yaml", name=folder.name, template="",
                   reference="", tests_dir=folder.name, provided_files=(), items=(),
                   limits=Limits(), isolation=isolation, runner_options=options,
                   results_fields=fields, test_pattern=options.get("pattern", DEFAULT_TEST_PATTERN))

    @property
    def root(self) -> Path:
        """The folder holding rubric.yaml; the rubric's relative paths start there."""
        return self.path.parent

    @property
    def max_score(self) -> float:
        return sum(item.points for item in self.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def test_prefix(self) -> str:
        return self.tests_dir.rstrip("/") + "/"

    def node_ids(self, item: Item) -> tuple[str, ...]:
        """The pytest node ids (relative to the rubric's folder) an item names."""
        return tuple(self.test_prefix() + test for test in item.tests)

    def item_for_node(self, node_id: str) -> Item | None:
        """The item a collected test belongs to (a parametrized case counts for its function)."""
        base = node_id.split("[", 1)[0]
        for item in self.items:
            if base in self.node_ids(item):
                return item
        return None

    def with_decorated_tests(self, decorated: dict[str, Decorations]) -> "Rubric":
        """This rubric plus one item per unittest test (or test with gradescope-utils
        decorators) that no rubric item grades, as gradescope-utils' `JSONTestRunner` reports
        it: points from `@weight` / `@partial_credit` (neither: a status-only test), number,
        visibility and tags only when the decorators give them, the docstring's first line as
        the name, else unittest's `str(test)`. A `@leaderboard` test is a leaderboard entry,
        not a test. The rubric wins wherever it names the test."""
        extra = []
        for node, found in decorated.items():
            base = node.split("[", 1)[0]
            if self.item_for_node(base) is not None or found.leaderboard is not None:
                continue
            visibility = found.visibility or "visible"
            extra.append(Item(
                id=base, number=str(found.number or ""),
                name=found.doc or self._unittest_name(base, found),
                points=max(float(found.weight or 0.0), 0.0),
                visibility=visibility if visibility in VISIBILITIES else "visible",
                timeout=DEFAULT_TIMEOUT_S, tests=(base.removeprefix(self.test_prefix()),),
                group="gradescope-utils tests", file=None, tags=found.tags,
                status_only=found.weight is None and not found.partial_credit))
        leaderboard = self.leaderboard + tuple(
            LeaderboardEntry(found.leaderboard, f"{LEADERBOARD_TEST_PREFIX}{node}", found.sort_order)
            for node, found in decorated.items() if found.leaderboard is not None)
        if not extra and leaderboard == self.leaderboard:
            return self
        return replace(self, items=self.items + tuple(extra), leaderboard=leaderboard)

    def _unittest_name(self, node: str, found: Decorations) -> str:
        """unittest's `str(test)` for a test discovered in the tests folder, as
        `JSONTestRunner` names a test without a docstring: `test_add (test_calc.TestCalc.test_add)`;
        a test that is not a unittest method keeps its pytest name."""
        path, _, rest = node.removeprefix(self.test_prefix()).partition("::")
        parts = rest.split("::")
        if not found.unittest or len(parts) != 2:
            return parts[-1]
        module = path.removesuffix(".py").replace("/", ".")
        return f"{parts[1]} ({module}.{parts[0]}.{parts[1]})"

    def check_against_collection(self, collected: list[str], only: list[str] | None = None) -> None:
        """Raise `RubricError` for a rubric test that does not exist or a test no item names;
        `only`: the item ids whose test files were collected (a run restricted to them)."""
        bases = {node.split("[", 1)[0] for node in collected}
        for item in self.items if only is None else [self.item(i) for i in only]:
            for test, node in zip(item.tests, self.node_ids(item)):
                if node not in bases:
                    raise RubricError(
                        f"{self.path}:{item.line}: item '{item.id}' names test '{test}', "
                        f"which does not exist under {self.tests_dir}/"
                    )
        shown_on_leaderboard = {entry.key.removeprefix(LEADERBOARD_TEST_PREFIX)
                                for entry in self.leaderboard}
        orphans = sorted(base for base in bases if self.item_for_node(base) is None
                         and base not in shown_on_leaderboard)
        if orphans:
            raise RubricError(
                f"{self.path}: these tests belong to no rubric item: {', '.join(orphans)}"
            )


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader (libyaml's where PyYAML has it: the rubric is read on every run) that records
    the line of every mapping under the key `__line__`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_rubric(path: str | Path) -> Rubric:
    """Parse and validate a rubric file; raises `RubricError` naming the offending line."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except FileNotFoundError:
        raise RubricError(f"{path}: rubric file not found") from None
    except yaml.YAMLError as error:
        raise RubricError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise RubricError(f"{path}:1: the rubric must be a mapping with 'assignment' and 'groups'")
    return _RubricParser(path, raw).parse()


class _RubricParser:
    def __init__(self, path: Path, raw: dict):
        self.path = path
        self.raw = raw

    def fail(self, where: dict | None, message: str) -> RubricError:
        line = where.get("__line__", 1) if isinstance(where, dict) else 1
        return RubricError(f"{self.path}:{line}: {message}")

    def section(self, key: str, required: bool = True) -> dict:
        value = self.raw.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise self.fail(self.raw, f"'{key}' must be a mapping")
        return value

    def parse(self) -> Rubric:
        assignment = self.section("assignment")
        defaults = self.section("defaults", required=False)
        default_visibility = self.visibility(defaults, defaults.get("visibility", "visible"))
        default_timeout = self.positive(defaults, "timeout", DEFAULT_TIMEOUT_S)
        groups = self.raw.get("groups", [])  # none: a gradescope-utils suite's decorators say
        if not isinstance(groups, list):
            raise self.fail(self.raw, "'groups' must be a list")
        items: list[Item] = []
        for group in groups:
            items.extend(self.group_items(group, default_visibility, default_timeout))
        self.check_unique(items)
        fields = self.results_fields()
        return Rubric(
            path=self.path,
            name=str(assignment.get("name", "Assignment")),
            template=str(assignment.get("template", "student_template")),
            reference=str(assignment.get("reference", "reference")),
            tests_dir=str(assignment.get("tests", "tests")),
            provided_files=tuple(assignment.get("provided_files", ())),
            items=tuple(items),
            limits=self.limits(),
            leaderboard=self.leaderboard(),
            rate_limit=self.rate_limit(),
            stdout_visibility=fields.pop("stdout_visibility", None) or self.visibility(
                self.raw, self.raw.get("stdout_visibility", "hidden")),
            results_fields=fields,
            test_pattern=self.test_pattern(assignment),
            isolation=self.isolation(items),
            default_timeout=default_timeout,
        )

    def isolation(self, items: list[Item]) -> str:
        """`isolation:` strict (the default when the rubric names tests) or faithful (the
        default for a rubric that names none: the suite's decorators say)."""
        value = self.raw.get("isolation", "faithful" if not items else "strict")
        if value not in ISOLATIONS:
            raise self.fail(self.raw, f"isolation must be one of {', '.join(ISOLATIONS)}; got {value!r}")
        if value == "faithful" and items:
            raise self.fail(self.raw, "isolation: faithful grades a suite by its decorators; a "
                                      "rubric whose items name tests is graded strictly")
        return value

    def test_pattern(self, assignment: dict) -> str:
        """`assignment.test_pattern`: the test files' names, as unittest's `-p` takes them."""
        pattern = assignment.get("test_pattern", DEFAULT_TEST_PATTERN)
        if not is_file_name_pattern(pattern):
            raise self.fail(assignment, f"assignment.test_pattern must be a file name pattern "
                                        f"such as 'test*.py'; got {pattern!r}")
        return pattern

    def results_fields(self) -> dict[str, Any]:
        """`results:`: top-level fields of results.json an instructor sets (Gradescope's names)."""
        section = self.section("results", required=False)
        fields = {}
        for key, value in section.items():
            if key == "__line__":
                continue
            if key not in RESULTS_FIELDS:
                raise self.fail(section, f"results.{key} is not a field the rubric may set; use "
                                         f"one of {', '.join(RESULTS_FIELDS)}")
            if key.endswith("visibility"):
                fields[key] = self.visibility(section, value)
            elif key == "extra_data":
                if not isinstance(value, dict):
                    raise self.fail(section, "results.extra_data must be a mapping")
                fields[key] = _strip_lines(value)
            elif value not in FORMATS:
                raise self.fail(section, f"results.{key} must be one of {', '.join(FORMATS)}; "
                                         f"got {value!r}")
            else:
                fields[key] = value
        return fields

    def group_items(self, group: Any, default_visibility: str, default_timeout: float) -> list[Item]:
        if not isinstance(group, dict):
            raise self.fail(self.raw, "every entry of 'groups' must be a mapping")
        name = group.get("name")
        if not name:
            raise self.fail(group, "a group needs a 'name'")
        entries = group.get("items")
        if not isinstance(entries, list) or not entries:
            raise self.fail(group, f"group '{name}' needs a non-empty 'items' list")
        visibility = self.visibility(group, group.get("visibility", default_visibility))
        return [self.item(entry, group, visibility, default_timeout) for entry in entries]

    def item(self, entry: Any, group: dict, visibility: str, default_timeout: float) -> Item:
        if not isinstance(entry, dict):
            raise self.fail(group, f"items of group '{group['name']}' must be mappings")
        for key in ("id", "number", "name", "points", "tests"):
            if key not in entry:
                raise self.fail(entry, f"item is missing '{key}'")
        points = entry["points"]
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise self.fail(entry, f"item '{entry['id']}': points must be a number >= 0, got {points!r}")
        tests = entry["tests"]
        if isinstance(tests, str):
            tests = [tests]
        if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
            raise self.fail(entry, f"item '{entry['id']}': 'tests' must be a non-empty list of test ids")
        bracketed = [t for t in tests if "[" in t]
        if bracketed:
            raise self.fail(entry, f"item '{entry['id']}': name tests without parameters: {bracketed[0]}")
        config = entry.get("config", {})
        if not isinstance(config, dict):
            raise self.fail(entry, f"item '{entry['id']}': 'config' must be a mapping")
        tags = entry.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise self.fail(entry, f"item '{entry['id']}': 'tags' must be a list of strings")
        extra_data = entry.get("extra_data")
        if extra_data is not None and not isinstance(extra_data, dict):
            raise self.fail(entry, f"item '{entry['id']}': 'extra_data' must be a mapping")
        return Item(
            id=str(entry["id"]),
            number=str(entry["number"]),
            name=str(entry["name"]),
            points=float(points),
            visibility=self.visibility(entry, entry.get("visibility", visibility)),
            timeout=self.positive(entry, "timeout", default_timeout),
            tests=tuple(tests),
            group=str(group["name"]),
            file=group.get("file"),
            config=_strip_lines(config),
            line=entry["__line__"],
            tags=tuple(tags),
            extra_data=None if extra_data is None else _strip_lines(extra_data),
        )

    def check_unique(self, items: list[Item]) -> None:
        seen: dict[str, Item] = {}
        owner: dict[str, Item] = {}
        for item in items:
            if item.id in seen:
                raise RubricError(
                    f"{self.path}:{item.line}: item id '{item.id}' is already used on line "
                    f"{seen[item.id].line}"
                )
            seen[item.id] = item
            for test in item.tests:
                if test in owner:
                    raise RubricError(
                        f"{self.path}:{item.line}: test '{test}' is already graded by item "
                        f"'{owner[test].id}' (line {owner[test].line})"
                    )
                owner[test] = item

    def visibility(self, where: dict, value: Any) -> str:
        if value not in VISIBILITIES:
            raise self.fail(where, f"visibility must be one of {', '.join(VISIBILITIES)}; got {value!r}")
        return value

    def positive(self, where: dict, key: str, default: float) -> float:
        value = where.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(where, f"'{key}' must be a positive number of seconds; got {value!r}")
        return float(value)

    def limits(self) -> Limits:
        section = self.section("limits", required=False)
        values = {}
        for key, default in vars(Limits()).items():
            value = section.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise self.fail(section, f"limits.{key} must be a positive number; got {value!r}")
            values[key] = type(default)(value)
        if "run_memory_mb" not in section:
            values["run_memory_mb"] = int(values["memory_mb"] * RUN_MEMORY_SLACK)
        return Limits(**values)

    def leaderboard(self) -> tuple[LeaderboardEntry, ...]:
        entries = self.raw.get("leaderboard") or []
        if not isinstance(entries, list):
            raise self.fail(self.raw, "'leaderboard' must be a list")
        parsed = []
        for entry in entries:
            if not isinstance(entry, dict) or "name" not in entry or "key" not in entry:
                raise self.fail(entry if isinstance(entry, dict) else self.raw,
                                "a leaderboard entry needs 'name' and 'key'")
            order = entry.get("order", "desc")
            if order not in ORDERS:
                raise self.fail(entry, f"leaderboard order must be 'asc' or 'desc'; got {order!r}")
            item = entry.get("item")
            if item is not None and not isinstance(item, str):
                raise self.fail(entry, "a leaderboard entry's 'item' must be an item id")
            parsed.append(LeaderboardEntry(str(entry["name"]), str(entry["key"]), order, item))
        return tuple(parsed)

    def rate_limit(self) -> RateLimit | None:
        section = self.section("rate_limit", required=False)
        if not section:
            return None
        submissions = section.get("submissions")
        window = section.get("window_hours")
        if not isinstance(submissions, int) or submissions < 1:
            raise self.fail(section, "rate_limit.submissions must be a whole number >= 1")
        if isinstance(window, bool) or not isinstance(window, (int, float)) or window <= 0:
            raise self.fail(section, "rate_limit.window_hours must be a positive number")
        return RateLimit(submissions, float(window))


def _strip_lines(value: Any) -> Any:
    """Drop the loader's `__line__` bookkeeping from user data."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value
