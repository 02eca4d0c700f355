"""The mutant catalogue (`mutants.yaml`): typical student bugs, each an edit of the reference.

Every entry is one bug applied to a copy of the reference solution: `find` (which must occur
exactly once in `file`) is replaced by `replace`. The mutant must lose points on exactly its
`expect_lost` items. A mutant with `xfail: <reason>` is a known weakness of the tests: it is
expected to lose nothing, and is reported as such. A mutant with `accepted: <reason>` is another
correct reading of the contract (e.g. the other definition of an epoch's loss): it must keep
full marks everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.paths import PROJECT_ROOT
from autograder.rubric import Rubric

DEFAULT_CATALOGUE = PROJECT_ROOT / "mutants.yaml"
MUTANT_KEYS = {"id", "description", "file", "find", "replace", "expect_lost", "xfail", "accepted"}
REQUIRED_KEYS = MUTANT_KEYS - {"xfail", "accepted"}


class CatalogueError(ValueError):
    """The mutant catalogue is malformed or does not fit the reference; the message says where."""


@dataclass(frozen=True)
class Mutant:
    id: str
    description: str
    file: str
    find: str
    replace: str
    expect_lost: tuple[str, ...]
    xfail: str | None = None
    accepted: str | None = None  # why this variant is correct: it must lose nothing

    def apply(self, submission: Path) -> None:
        """Edit the copy of the reference in `submission`."""
        target = submission / self.file
        source = target.read_text(encoding="utf-8")
        if source.count(self.find) != 1:
            raise CatalogueError(f"mutant '{self.id}': 'find' no longer occurs exactly once in "
                                 f"{self.file}")
        target.write_text(source.replace(self.find, self.replace), encoding="utf-8")


def load_catalogue(path: Path, rubric: Rubric) -> list[Mutant]:
    """Parse and check the catalogue: known keys, unique ids, rubric item ids, and a `find` that
    occurs exactly once in the reference's `file`."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"{path}: cannot read the catalogue: {error}") from None
    entries = raw.get("mutants") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path}: expected a mapping with a non-empty list 'mutants'")
    known_items = {item.id for item in rubric.items}
    mutants, seen = [], set()
    for index, entry in enumerate(entries):
        mutant = _parse_mutant(path, index, entry, known_items)
        if mutant.id in seen:
            raise CatalogueError(f"{path}: mutant id '{mutant.id}' is used twice")
        seen.add(mutant.id)
        _check_find(path, mutant, rubric.root / rubric.reference)
        mutants.append(mutant)
    return mutants


def _parse_mutant(path: Path, index: int, entry, known_items: set[str]) -> Mutant:
    where = f"{path}: mutant #{index + 1}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where} is not a mapping")
    where = f"{path}: mutant '{entry.get('id', index + 1)}'"
    missing, unknown = REQUIRED_KEYS - set(entry), set(entry) - MUTANT_KEYS
    if missing or unknown:
        raise CatalogueError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    expect_lost = entry["expect_lost"]
    if not isinstance(expect_lost, list) or not all(isinstance(i, str) for i in expect_lost):
        raise CatalogueError(f"{where}: 'expect_lost' must be a list of rubric item ids")
    strange = sorted(set(expect_lost) - known_items)
    if strange:
        raise CatalogueError(f"{where}: 'expect_lost' names items the rubric does not have: {strange}")
    xfail = entry.get("xfail")
    if xfail is not None and (expect_lost or not isinstance(xfail, str)):
        raise CatalogueError(f"{where}: 'xfail' is the reason a known survivor survives; "
                             f"its 'expect_lost' must be empty")
    accepted = entry.get("accepted")
    if accepted is not None and (expect_lost or xfail or not isinstance(accepted, str)):
        raise CatalogueError(f"{where}: 'accepted' is why a variant is correct; its "
                             f"'expect_lost' must be empty and it cannot be an 'xfail'")
    if not xfail and not accepted and not expect_lost:
        raise CatalogueError(f"{where}: 'expect_lost' is empty: a mutant must lose points "
                             f"somewhere (or say why it cannot, with 'xfail', or why it is "
                             f"correct, with 'accepted')")
    return Mutant(id=str(entry["id"]), description=str(entry["description"]), file=str(entry["file"]),
                  find=str(entry["find"]), replace=str(entry["replace"]),
                  expect_lost=tuple(expect_lost), xfail=xfail, accepted=accepted)


def _check_find(path: Path, mutant: Mutant, reference: Path) -> None:
    source = reference / mutant.file
    if not source.is_file():
        raise CatalogueError(f"{path}: mutant '{mutant.id}': {source} does not exist")
    count = source.read_text(encoding="utf-8").count(mutant.find)
    if count != 1:
        raise CatalogueError(f"{path}: mutant '{mutant.id}': its 'find' text occurs {count} times in "
                             f"{mutant.file} (it must occur exactly once):\n{mutant.find}")
