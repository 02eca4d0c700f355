"""The submissions of a Gradescope "Export Submissions" folder and who sent each."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.staging import IGNORED_FOLDERS

EXPORT_METADATA = "submission_metadata.yml"


@dataclass(frozen=True)
class Student:
    """`key` names the submission (its folder, or its zip without `.zip`) and its output folder."""

    key: str
    upload: Path
    name: str = ""
    email: str = ""


def find_students(export: Path, exclude: Path | None = None) -> list[Student]:
    """One `Student` per folder or zip at the top of `export` (but not `exclude`, the output
    folder when it lies there), named from the export's metadata."""
    people = read_export_metadata(export / EXPORT_METADATA)
    students: dict[str, Student] = {}
    for entry in sorted(export.iterdir()):
        if (entry.name.startswith(".") or entry.name in IGNORED_FOLDERS or entry.is_symlink()
                or entry.resolve() == exclude):
            continue
        if entry.is_dir():
            key = entry.name
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            key = entry.stem
        else:
            continue
        key = entry.name if key in students else key
        name, email = people.get(entry.name, people.get(key, ("", "")))
        students[key] = Student(key, entry.resolve(), name, email)
    return list(students.values())


class _ExportLoader(yaml.SafeLoader):
    """Safe YAML that reads Ruby-tagged values (`!ruby/object:BigDecimal …`) as plain data."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_ExportLoader.add_multi_constructor("!", _untagged)


def read_export_metadata(path: Path) -> dict[str, tuple[str, str]]:
    """Folder name -> (names, emails) of its submitters ("; "-joined for a group) from an
    export's `submission_metadata.yml`, whose keys are Ruby symbols (`:submitters:`, `:name:`)."""
    if not path.is_file():
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ExportLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        print(f"warning: {path} is unreadable ({error}); using folder names", file=sys.stderr)
        return {}
    people = {}
    for folder, entry in (data.items() if isinstance(data, dict) else []):
        submitters = _field(entry, "submitters")
        if isinstance(submitters, list):
            submitters = [s for s in submitters if isinstance(s, dict)]
            people[str(folder)] = ("; ".join(str(_field(s, "name") or "") for s in submitters),
                                   "; ".join(str(_field(s, "email") or "") for s in submitters))
    return people


def _field(mapping, key: str):
    return mapping.get(f":{key}", mapping.get(key)) if isinstance(mapping, dict) else None
