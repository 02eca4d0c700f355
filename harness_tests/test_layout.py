"""The folders say which process runs a module, and no module imports across the trust line:
the harness and the grading process never import each other, nothing but the tests' own side
imports the grading process, and the worker imports only what crosses the wire."""
import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "autograder"
SHARED = {"rubric", "run_tests_options", "staging", "template_stubs", "sentences", "paths"}
# folder (or top-level module) -> the folders it may import ("shared.x": that shared module only)
MAY_IMPORT = {
    "wire": {"wire"},
    "shared": {"wire", "shared"},
    "sandbox": {"wire", "shared", "sandbox"},
    "worker": {"wire", "shared.paths", "worker"},  # one shared module only
    "grading_process": {"wire", "shared", "sandbox", "grading_process"},
    "harness": {"wire", "shared", "sandbox", "harness"},
    "tools": {"wire", "shared", "sandbox", "harness", "tools"},
    "cli": {"wire", "shared", "sandbox", "harness", "tools"},
    "main": {"cli"},
    "grading_tests": {"wire", "shared", "grading_process"},
}


def part_of(module: str) -> str:
    """The folder a dotted `autograder...` module belongs to, or `shared`, `cli`, `main`."""
    parts = module.split(".")[1:]
    if not parts:
        return "shared"
    if parts[0] in SHARED:
        return "shared"
    return {"__main__": "main"}.get(parts[0], parts[0])


def imported(path: Path) -> set[str]:
    """The `autograder` modules `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "autograder")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "autograder":
            if node.module == "autograder" or (PACKAGE / node.module.split(".", 1)[1].replace(".", "/")).is_dir():
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
    return found


def may_import(importer: str, module: str) -> bool:
    allowed = MAY_IMPORT[importer]
    part = part_of(module)
    return part in allowed or (part == "shared" and f"shared.{module.split('.')[1]}" in allowed)


def importer_of(path: Path) -> str:
    if path.is_relative_to(PROJECT / "tests"):
        return "grading_tests"
    module = "autograder." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    if path.name == "__init__.py" and path.parent != PACKAGE:
        module = module.rsplit(".", 1)[0]
    return part_of(module)


SOURCES = sorted([*PACKAGE.rglob("*.py"), *(PROJECT / "tests").rglob("*.py")])


def test_every_module_lives_in_a_folder_that_names_its_process():
    loose = [path.name for path in PACKAGE.glob("*.py")
             if path.stem not in SHARED | {"__init__", "__main__", "cli"}]
    assert loose == [], "modules at the top of autograder/ must be shared readers or the CLI"
    for folder in MAY_IMPORT:
        if (PACKAGE / folder).is_dir():
            docstring = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text()))
            assert docstring and "import" in docstring, f"{folder}/__init__.py must say what it may import"


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(PROJECT)))
def test_no_module_imports_across_the_line(path):
    importer = importer_of(path)
    crossing = sorted(module for module in imported(path) if not may_import(importer, module))
    assert crossing == [], f"{importer} may import only {sorted(MAY_IMPORT[importer])}"


def test_the_rule_sees_a_crossing():
    """The check itself: a grading-process module importing the harness is caught."""
    assert not may_import("grading_process", "autograder.harness.scoring")
    assert not may_import("harness", "autograder.grading_process.proxies")
    assert not may_import("worker", "autograder.rubric")
    assert may_import("worker", "autograder.paths") and may_import("worker", "autograder.wire.codec")
    assert importer_of(PACKAGE / "harness" / "scoring.py") == "harness"
    assert "autograder.harness.scoring" in imported(PACKAGE / "cli.py")


# The grading process holds tensors as `TensorArray`s; torch lives in the workers only.
TORCH_FREE = {"wire", "shared", "sandbox", "grading_process", "grading_tests"}


def imports_torch(path: Path) -> bool:
    """Whether `path` imports torch (or a torch submodule), at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0
                 else [])
        if any(name.split(".")[0] == "torch" for name in names):
            return True
    return False


def test_no_module_of_the_grading_process_imports_torch():
    importing = [str(path.relative_to(PROJECT)) for path in SOURCES
                 if importer_of(path) in TORCH_FREE and imports_torch(path)]
    assert importing == [], "the grading process must not import torch (tensors are TensorArrays)"
    assert imports_torch(PACKAGE / "worker" / "torch_tools.py")  # the check sees an import


def test_loading_the_plugin_and_every_grading_test_leaves_torch_unimported():
    """What the grading process imports at collection, third-party packages included."""
    import subprocess
    import sys

    modules = ["autograder.grading_process.plugin"] + sorted(
        ".".join(path.relative_to(PROJECT).with_suffix("").parts).removesuffix(".__init__")
        for path in (PROJECT / "tests").rglob("*.py"))
    script = "".join(f"import {module}\n" for module in modules) + "import sys\nprint('torch' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
