"""Answers that compute nothing earn nothing: each activation function replaced by zeros, ones,
its input, a constant, None or random values of the right shape scores 0 on every item that
grades it (a property check such as oddness or idempotence holds for some of these, so it counts
only together with the values it complements)."""
from __future__ import annotations

import shutil

import pytest

from harness_tests.conftest import PROJECT, read_results, run_entrypoint

ITEMS = {"activations_sigmoid": "sigmoid", "activations_tanh": "tanh", "activations_relu": "relu"}
DEGENERATE = {
    "zeros": "np.zeros_like(z)",
    "ones": "np.ones_like(z)",
    "input": "z",
    "constant": "np.full_like(z, 0.5)",
    "none": "None",
    "random": "np.random.default_rng(0).random(np.shape(z))",
}


@pytest.mark.parametrize("answer", list(DEGENERATE))
def test_degenerate_activations_score_zero(tmp_path, answer):
    submission = tmp_path / "submission"
    shutil.copytree(PROJECT / "reference", submission)
    replaced = "".join(f"\n\ndef {name}(z):\n    return {DEGENERATE[answer]}\n" for name in ITEMS.values())
    with open(submission / "activations.py", "a") as source:
        source.write(replaced)
    out = tmp_path / "results.json"
    finished = run_entrypoint(["--submission", str(submission), "--results", str(out),
                               "--items", *ITEMS, "--quiet"])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    scores = {test["name"]: test["score"] for test in read_results(out)["tests"]}
    assert scores == {name: 0 for name in ITEMS.values()}
