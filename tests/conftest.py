"""Grading tests: shared fixtures and the deterministic hypothesis profile.

Every test reaches the submission through the fixtures below (never through `reference/`):
each submitted module runs in a student worker (`autograder.grading_process.grading_api.submission_module`),
never in this process. `data` is the instructor's own copy of the provided `data.py`.
Run directly with `pytest tests --submission DIR`, or through `python -m autograder run`.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

from autograder.grading_process.grading_api import (provided_fixture,  # noqa: F401 - fixtures
                                                    submission_module, worker_slot, worker_tmp_path)

settings.register_profile(
    "grading",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    print_blob=False,
    # No "explain" phase: the shrunk failing input is what students see, and explaining costs
    # seconds per failing test.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
settings.load_profile("grading")

# Part A: NumPy only. A file that imports one of these fails all of its items.
NUMPY_ONLY = ("torch", "torchvision", "tensorflow", "jax", "autograd", "keras", "mxnet")
activations = submission_module("activations", NUMPY_ONLY)
layers = submission_module("layers", NUMPY_ONLY)
softmax = submission_module("softmax", NUMPY_ONLY)
two_layer_net = submission_module("two_layer_net", NUMPY_ONLY)
deep_net = submission_module("deep_net", NUMPY_ONLY)
xor_net = submission_module("xor_net", NUMPY_ONLY)
confusion = submission_module("confusion", NUMPY_ONLY)
# Part B
models = submission_module("models")
run_model = submission_module("run_model")
# Provided: the instructor's copy
data = provided_fixture("data")


@pytest.fixture(autouse=True)
def _seed_global_rngs():
    """Every test starts from the same global NumPy RNG state, whatever ran before it (torch
    is never imported here). Workers reseed their own RNGs at the start of every test."""
    np.random.seed(0)
