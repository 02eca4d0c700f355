"""The run's memory caps fit inside the container's own limit, read from its cgroup."""
import pytest

from autograder.harness import container
from autograder.rubric import Limits


@pytest.fixture
def cgroups(tmp_path, monkeypatch):
    """A cgroup file system of our own, for both layouts (v2 `memory.max`, v1's memory tree)."""
    monkeypatch.setenv(container.CGROUP_ROOT_ENV, str(tmp_path))
    (tmp_path / "memory").mkdir()
    return tmp_path


@pytest.mark.parametrize("v2, v1, expected", [
    ("max", "9223372036854771712", None),           # no limit either way
    (str(512 << 20), "9223372036854771712", 512.0),  # v2
    ("max", str(768 << 20), 768.0),                  # v1
    ("max", "not a number", None),
])
def test_the_containers_limit_is_read_from_either_cgroup_version(cgroups, v2, v1, expected):
    (cgroups / "memory.max").write_text(v2 + "\n")
    (cgroups / "memory" / "memory.limit_in_bytes").write_text(v1 + "\n")
    assert container.memory_limit_mb() == expected


def test_caps_stay_below_the_container_and_never_rise_above_the_rubric(cgroups):
    (cgroups / "memory.max").write_text(str(400 << 20))
    fitted = container.fitted(Limits(memory_mb=700, run_memory_mb=875))
    room = 400 - container.HEADROOM_MB
    assert (fitted.memory_mb, fitted.run_memory_mb) == (room, room)
    (cgroups / "memory.max").write_text(str(8 << 30))
    assert container.fitted(Limits(memory_mb=700, run_memory_mb=875)) == Limits(memory_mb=700, run_memory_mb=875)


def test_without_a_limit_gradescopes_default_container_stands_in(cgroups):
    (cgroups / "memory.max").write_text("max")
    fitted = container.fitted(Limits(memory_mb=700, run_memory_mb=875, container_mb=768))
    assert (fitted.memory_mb, fitted.run_memory_mb) == (700, 768 - container.HEADROOM_MB)


def test_runs_at_once_split_the_containers_memory(cgroups, monkeypatch):
    (cgroups / "memory.max").write_text(str(1024 << 20))
    monkeypatch.setenv(container.RUNS_AT_ONCE_ENV, "2")
    fitted = container.fitted(Limits(memory_mb=700, run_memory_mb=875))
    assert fitted.run_memory_mb == 512 - container.HEADROOM_MB
    (cgroups / "memory.max").write_text(str(200 << 20))  # too small for anything: the floor
    assert container.fitted(Limits()).run_memory_mb == container.MIN_ROOM_MB
