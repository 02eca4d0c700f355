"""Part B fixtures: the student worker imports torch once in its fork server (so every Part B
worker shares it), and `tools` reaches the worker-side torch helpers."""
import pytest

from autograder.grading_process.grading_api import worker_library, worker_slot_fixture

worker_slot = worker_slot_fixture(preload=("torch",))


@pytest.fixture(scope="module")
def tools(worker_slot):
    """`autograder.worker.torch_tools` in the test module's worker."""
    return worker_library(worker_slot, "autograder.worker.torch_tools")
