"""`python -m autograder build`: the zip to upload on Gradescope's "Configure Autograder" page.

Gradescope unpacks the zip into `/autograder/source`, runs `setup.sh` once as root when it
builds the image, and copies `run_autograder` to `/autograder/run_autograder`; both must sit at
the top of the zip and be executable. The zip holds what grading needs and nothing else: the
harness package, the grading tests, the reference solution (graded when there is no submission;
hidden from student code at grading time), the provided files of the student template, the
rubric, `requirements.txt` (pinned; `setup.sh` installs torch's CPU build) and `pyproject.toml`.

The zip is deterministic: entries sorted, fixed timestamps and modes, so two builds of the same
tree are byte-identical and a changed zip means changed content.
"""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from autograder.paths import DEFAULT_RUBRIC, PROJECT_ROOT
from autograder.rubric import Rubric, load_rubric

PACKAGE_DIR = PROJECT_ROOT / "autograder"
DEFAULT_OUT = Path("out/autograder.zip")
TOP_LEVEL_FILES = ("setup.sh", "run_autograder", "requirements.txt", "pyproject.toml")
EXECUTABLES = frozenset({"setup.sh", "run_autograder"})
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
UNIX = 3


def register(subparsers) -> None:
    build = subparsers.add_parser("build", help="write the autograder zip to upload on Gradescope")
    build.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"zip to write (default {DEFAULT_OUT})")
    build.add_argument("--rubric", type=Path, default=DEFAULT_RUBRIC, help="rubric file")
    build.set_defaults(handler=build_command)


def build_command(args) -> int:
    contents = package_contents(load_rubric(args.rubric))
    write_zip(contents, args.out)
    size_kb = args.out.stat().st_size / 1024
    print(f"{args.out}: {len(contents)} files, {size_kb:.0f} KB. Upload it on the assignment's "
          f"Configure Autograder page (zip file upload).")
    return 0


def package_contents(rubric: Rubric) -> dict[str, Path]:
    """Archive name -> file on disk, for everything grading needs on Gradescope.

    The rubric is stored as `rubric.yaml` at the top (where `run_autograder` looks for it); its
    tests, reference and template folders keep their names relative to it.
    """
    contents = {name: PROJECT_ROOT / name for name in TOP_LEVEL_FILES}
    contents["rubric.yaml"] = rubric.path
    contents.update(_folder_files(PACKAGE_DIR, PACKAGE_DIR.name))
    for folder in (rubric.tests_dir, rubric.reference):
        contents.update(_folder_files(rubric.root / folder, folder))
    for name in rubric.provided_files:
        contents[f"{rubric.template}/{name}"] = rubric.root / rubric.template / name
    return contents


def _folder_files(folder: Path, prefix: str) -> dict[str, Path]:
    """Files below `folder` (links followed: a linked file is stored as its content), without
    caches, compiled files and hidden files."""
    found = {}
    for parent, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not _skipped(name)]
        for name in files:
            if not _skipped(name):
                path = Path(parent) / name
                found[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path
    return found


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__" or name.endswith((".pyc", ".pyo"))


def write_zip(contents: dict[str, Path], out: Path) -> Path:
    """Write `contents` to `out` deterministically: sorted entries, fixed time, Unix modes 0644
    (0755 for the two scripts Gradescope runs). Written to a temp file, then renamed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(temp, "w") as archive:
            for name in sorted(contents):
                entry = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                entry.create_system = UNIX
                entry.compress_type = zipfile.ZIP_DEFLATED
                mode = 0o755 if name in EXECUTABLES else 0o644
                entry.external_attr = (stat.S_IFREG | mode) << 16
                archive.writestr(entry, contents[name].read_bytes(), compresslevel=9)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return out
