"""Find the student's files wherever they put them and stage them for grading.

Students upload the files at the top level, one folder down (a zipped project folder), as a
zip Gradescope did not unpack, or as notebooks. Staging copies only the files the rubric grades
(regular files, size-capped, never through a link), converts a notebook to a `.py` when the
`.py` is missing, and lays the instructor's provided files (e.g. `data.py`) over the result.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.rubric import Rubric

MAX_FILE_BYTES = 64 << 20
MAX_ZIP_BYTES = 256 << 20
IGNORED_FOLDERS = {"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints"}


@dataclass
class StagedSubmission:
    """`folder`: the staged copy; `notes`: what the student should know about their upload."""

    folder: Path
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def graded_files(rubric: Rubric) -> list[str]:
    """The files the rubric grades, in rubric order (e.g. `layers.py`, `mnist.pt`)."""
    files: list[str] = []
    for item in rubric.items:
        if item.file and item.file not in files:
            files.append(item.file)
    return files


def submitted_module_names(rubric: Rubric, staged: Path) -> list[str]:
    """The module names of the submission a gradescope-utils suite may import: the graded `.py`
    files (present or not) and what was staged (modules and package folders), never a provided
    file's."""
    names = {Path(name).stem for name in graded_files(rubric) if name.endswith(".py")}
    for entry in staged.iterdir():
        if entry.suffix == ".py" or entry.is_dir():
            names.add(entry.stem)
    provided = {Path(name).stem for name in rubric.provided_files}
    return sorted(name for name in names - provided if name.isidentifier())


def stage_submission(source: Path, rubric: Rubric, project_root: Path, dest: Path) -> StagedSubmission:
    """Copy the graded files of the submission in `source` into `dest` (created), with the
    package folders beside them; for a rubric that names no files (a gradescope-utils suite),
    the whole upload."""
    dest.mkdir(parents=True, exist_ok=True)
    staged = StagedSubmission(folder=dest)
    wanted = graded_files(rubric)
    if not wanted:  # a suite that names no files: the upload as it is, folders included
        _copy_upload(source, dest, staged)
    root = locate_files(source, wanted, dest.parent / "unzipped", staged.notes) if wanted else None
    for name in wanted:
        if _copy_regular_file(root / name if root else None, dest / name, staged.notes):
            staged.found.append(name)
        elif name.endswith(".py") and root and _convert_notebook(root / (name[:-3] + ".ipynb"), dest / name):
            staged.found.append(name)
            staged.notes.append(f"`{name}` was made from your notebook `{name[:-3]}.ipynb` (code cells only).")
        else:
            staged.missing.append(name)
    for package in _package_folders(root) if root else []:  # `from package import module`
        (dest / package.name).mkdir(exist_ok=True)
        _copy_upload(package, dest / package.name, staged)
    provided_dir = project_root / rubric.template
    for name in rubric.provided_files:
        shutil.copyfile(provided_dir / name, dest / name)
    for unpacked in ("unzipped", "unzipped-inner"):  # staged now: nobody else reads them
        shutil.rmtree(dest.parent / unpacked, ignore_errors=True)
    return staged


def locate_files(source: Path, wanted: list[str], unzip_to: Path, notes: list[str]) -> Path | None:
    """The folder holding the submission: `source` itself, a single folder below it, or the
    same inside a zip found there. `None` when the upload holds none of the wanted files."""
    candidates = [source]
    try:
        entries = [e for e in os.scandir(source) if e.name not in IGNORED_FOLDERS]
    except OSError:
        return None
    candidates += sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))
    best = max(candidates, key=lambda folder: _count_present(folder, wanted))
    if _count_present(best, wanted):
        if best != source:
            notes.append(f"Your files were found in the folder `{_printable(best.name)}/`.")
        return best
    zips = sorted(Path(e.path) for e in entries if e.name.lower().endswith(".zip") and e.is_file())
    if zips and _extract_zip(zips[0], unzip_to, notes):
        notes.append(f"Your files were taken from `{_printable(zips[0].name)}`.")
        return locate_files(unzip_to, wanted, unzip_to.parent / "unzipped-inner", [])
    return None


def _count_present(folder: Path, wanted: list[str]) -> int:
    """How many of the wanted files (`layers.py`, `package/module.py`) `folder` holds, as
    themselves or as notebooks."""
    return sum(os.path.lexists(folder / name) or (name.endswith(".py") and os.path.lexists(
        folder / (name[:-3] + ".ipynb"))) for name in wanted)


def _package_folders(folder: Path) -> list[Path]:
    """The Python packages (folders with an `__init__.py`) at the top of `folder`."""
    return [Path(entry.path) for entry in sorted(_safe_scandir(folder), key=lambda e: e.name)
            if entry.name not in IGNORED_FOLDERS and entry.is_dir(follow_symlinks=False)
            and os.path.isfile(os.path.join(entry.path, "__init__.py"))]


def _copy_upload(source: Path, dest: Path, staged: StagedSubmission) -> None:
    """Copy every regular file below `source` into `dest`, keeping its folders (never through
    a link, skipping editors' and tools' folders), within `MAX_ZIP_BYTES` in all."""
    total = 0
    pending = [(source, dest)]
    while pending:
        folder, target = pending.pop()
        for entry in sorted(_safe_scandir(folder), key=lambda e: e.name):
            if entry.name in IGNORED_FOLDERS:
                continue
            if entry.is_dir(follow_symlinks=False):
                (target / entry.name).mkdir(exist_ok=True)
                pending.append((Path(entry.path), target / entry.name))
                continue
            size = entry.stat(follow_symlinks=False).st_size
            if total + size > MAX_ZIP_BYTES:
                staged.notes.append(f"Your upload holds more than {MAX_ZIP_BYTES >> 20} MB; "
                                    f"`{_printable(entry.name)}` and what follows were not copied.")
                return
            if _copy_regular_file(Path(entry.path), target / entry.name, staged.notes):
                total += size
                staged.found.append(str((target / entry.name).relative_to(dest)))


def _safe_scandir(folder: Path):
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


def _copy_regular_file(source: Path | None, dest: Path, notes: list[str]) -> bool:
    if source is None:
        return False
    try:
        info = os.lstat(source)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        notes.append(f"`{source.name}` is not a regular file (a link?) and was ignored.")
        return False
    if info.st_size > MAX_FILE_BYTES:
        notes.append(f"`{source.name}` is larger than {MAX_FILE_BYTES >> 20} MB and was ignored.")
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest, follow_symlinks=False)
    return True


def _extract_zip(archive: Path, dest: Path, notes: list[str]) -> bool:
    """Extract safely: no absolute or `..` paths, no links, a cap on the unpacked size."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                notes.append(f"`{_printable(archive.name)}` unpacks to more than {MAX_ZIP_BYTES >> 20} MB; it was not opened.")
                return False
            dest.mkdir(mode=0o700, parents=True, exist_ok=True)
            for member in members:
                parts = Path(member.filename).parts
                if member.filename.startswith("/") or ".." in parts or (member.external_attr >> 16) & 0o170000 == 0o120000:
                    continue
                target = dest.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
        return True
    except (zipfile.BadZipFile, OSError, ValueError):
        notes.append(f"`{_printable(archive.name)}` is not a readable zip file.")
        return False


def _convert_notebook(notebook: Path, dest: Path) -> bool:
    """Write the code cells of a notebook as a module, dropping IPython magics and shell lines."""
    try:
        if not stat.S_ISREG(os.lstat(notebook).st_mode) or os.lstat(notebook).st_size > MAX_FILE_BYTES:
            return False
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    chunks = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        lines = source if isinstance(source, list) else source.splitlines(keepends=True)
        kept = [line for line in lines if not line.lstrip().startswith(("%", "!"))]
        chunks.append("".join(kept).rstrip() + "\n")
    dest.write_text("\n\n".join(chunks), encoding="utf-8")
    return True


def _printable(name: str) -> str:
    """A file name as valid UTF-8 text, whatever bytes it was made of."""
    return name.encode("utf-8", "replace").decode("utf-8")
