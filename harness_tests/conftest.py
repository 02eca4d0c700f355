"""Shared helpers for the harness's own tests (not the grading tests in ../tests)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def write_rubric(folder: Path, body: str) -> Path:
    path = folder / "rubric.yaml"
    path.write_text(textwrap.dedent(body))
    return path


@pytest.fixture
def project() -> Path:
    return PROJECT


def run_entrypoint(args: list[str], env_extra: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real `run_autograder` entrypoint as Gradescope or an instructor would."""
    env = dict(os.environ, AUTOGRADER_PYTHON=sys.executable)
    env.update(env_extra or {})
    return subprocess.run([str(PROJECT / "run_autograder"), *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def read_results(path: Path, as_gradescope: bool = False) -> dict:
    """results.json, checked as the harness writes it (or, `as_gradescope`, as Gradescope accepts
    it: what a faithful suite run writes, JSONTestRunner's own shape)."""
    from autograder.harness.results import validate, validate_gradescope

    results = json.loads(path.read_text())
    (validate_gradescope if as_gradescope else validate)(results)
    return results


def items_by_number(results: dict) -> dict[str, dict]:
    return {test["number"]: test for test in results["tests"]}


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
