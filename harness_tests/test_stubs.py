"""A call into a function that is still the template's stub fails its test at once."""
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.grading_process import session
from autograder.grading_process.feedback import describe_failure
from autograder.grading_process.remote_errors import raise_remote
from autograder.grading_process.stubs import NotImplementedYet
from autograder.template_stubs import stub_functions
from autograder.wire import protocol

SOURCE = textwrap.dedent('''
    def stub(x):
        """Docstring kept."""
        raise NotImplementedError

    def stub_with_message(x):
        raise NotImplementedError("write me")

    def partly_done(x, mode):
        if mode == "a":
            return x
        raise NotImplementedError

    def raises_another_error(x):
        raise ValueError

    class Net:
        def loss(self, X):
            """Docstring."""
            raise NotImplementedError()

        def train(self, X):
            return self.loss(X)
    ''')


def test_only_bodies_that_are_just_the_raise_are_stubs():
    assert stub_functions("model", SOURCE) == {"model.stub", "model.stub_with_message", "Net.loss"}


def test_a_file_with_a_syntax_error_has_no_stubs():
    assert stub_functions("model", "def f(:\n") == set()


def test_hypothesis_stops_at_the_first_call_instead_of_shrinking():
    calls = []

    @settings(max_examples=50, database=None)
    @given(st.integers())
    def check(value):
        calls.append(value)
        raise NotImplementedYet("layers.relu_forward")

    with pytest.raises(NotImplementedYet):
        check()
    assert len(calls) == 1


def test_the_student_reads_which_function_is_not_implemented():
    assert describe_failure(NotImplementedYet("TwoLayerNet.loss"), None) == (
        "Not implemented yet: `TwoLayerNet.loss` still raises `NotImplementedError`.")


@pytest.mark.parametrize("frames, stub", [
    ([("/s/models.py", 22, "Digit_Classifier.forward", "raise NotImplementedError")],
     "Digit_Classifier.forward"),
    ([("/s/layers.py", 9, "relu_forward", "raise NotImplementedError")], "layers.relu_forward"),
])
def test_a_stub_reached_through_another_call_is_named(monkeypatch, frames, stub):
    """A model's `forward` runs under a tool's call (`tools.forward`): the stub is named from
    the frame that raised, so the student reads the model's method, not the tool."""
    monkeypatch.setattr(session.current(), "stubs", {"Digit_Classifier.forward", "layers.relu_forward"})
    info = protocol.ErrorInfo("NotImplementedError", ["NotImplementedError", "RuntimeError",
                                                      "Exception", "BaseException"], "", None, frames)
    with pytest.raises(NotImplementedYet) as raised:
        raise_remote(info, "tools.forward")
    assert raised.value.function == stub


def test_a_not_implemented_error_of_finished_code_is_not_a_stub(monkeypatch):
    monkeypatch.setattr(session.current(), "stubs", {"Digit_Classifier.forward"})
    frames = [("/s/models.py", 30, "Digit_Classifier.__init__", "raise NotImplementedError('no')")]
    info = protocol.ErrorInfo("NotImplementedError", ["NotImplementedError", "RuntimeError",
                                                      "Exception", "BaseException"], "no", None, frames)
    with pytest.raises(NotImplementedError) as raised:
        raise_remote(info, "tools.forward")
    assert not isinstance(raised.value, NotImplementedYet)


def _not_implemented(function: str, frames=()) -> protocol.ErrorInfo:
    return protocol.ErrorInfo("NotImplementedError", ["NotImplementedError", "RuntimeError",
                                                      "Exception", "BaseException"], "", None,
                              list(frames))


def test_the_stubs_are_read_off_the_sources_snapshot_when_a_call_first_raises(monkeypatch):
    """The submitted sources are parsed for stubs only once a call raises NotImplementedError:
    `partly_done` is not a stub, `stub` and `Net.loss` are."""
    grading = session.GradingSession()
    grading.files.sources.update({"mod": SOURCE, "": ""})
    monkeypatch.setattr(session, "_current", grading)
    assert grading.stubs is None
    with pytest.raises(NotImplementedYet) as raised:
        raise_remote(_not_implemented("mod.stub"), "mod.stub")
    assert raised.value.function == "mod.stub"
    assert grading.stubs == {"mod.stub", "mod.stub_with_message", "Net.loss"}
    with pytest.raises(NotImplementedError) as raised:
        raise_remote(_not_implemented("mod.partly_done"), "mod.partly_done")
    assert not isinstance(raised.value, NotImplementedYet)


def test_taking_the_snapshot_parses_nothing(monkeypatch, tmp_path):
    """The sources are read before any worker runs, but parsed only when a call first raises
    NotImplementedError (a submission that never does is never parsed for stubs)."""
    from autograder.grading_process import grading_api, remote_errors
    from autograder.wire.protocol import SUBMISSION_DIR_ENV

    (tmp_path / "mod.py").write_text(SOURCE)
    monkeypatch.setenv(SUBMISSION_DIR_ENV, str(tmp_path))
    grading = session.GradingSession()
    monkeypatch.setattr(session, "_current", grading)
    parsed = []
    monkeypatch.setattr(remote_errors, "stub_functions",
                        lambda module, source: parsed.append(module) or stub_functions(module, source))
    grading_api.snapshot_sources()
    assert grading.files.sources["mod"] == SOURCE and parsed == []
    with pytest.raises(NotImplementedYet):
        raise_remote(_not_implemented("mod.stub"), "mod.stub")
    with pytest.raises(NotImplementedYet):
        raise_remote(_not_implemented("Net.loss"), "Net.loss")
    assert parsed == ["mod"]  # once, then kept


def test_a_source_python_cannot_parse_has_no_stubs_and_costs_no_call_its_error(monkeypatch):
    """A NUL byte (ValueError from the parser) or a too deep expression (RecursionError) in one
    submitted file: a `NotImplementedError` still comes back as itself, never as the parser's
    error a test might expect."""
    grading = session.GradingSession()
    grading.files.sources.update({"broken": "x = 1\x00\n", "deep": "x = " + "1+" * 200_000 + "1",
                                  "mod": SOURCE, "": ""})
    monkeypatch.setattr(session, "_current", grading)
    with pytest.raises(NotImplementedError) as raised:
        raise_remote(_not_implemented("broken.f"), "broken.f")
    assert not isinstance(raised.value, NotImplementedYet)
    assert grading.stubs == {"mod.stub", "mod.stub_with_message", "Net.loss"}


def test_before_the_snapshot_no_call_is_taken_for_a_stub(monkeypatch):
    grading = session.GradingSession()
    grading.files.sources["mod"] = SOURCE  # read, but the snapshot is not marked as taken
    monkeypatch.setattr(session, "_current", grading)
    with pytest.raises(NotImplementedError) as raised:
        raise_remote(_not_implemented("mod.stub"), "mod.stub")
    assert not isinstance(raised.value, NotImplementedYet)
    assert grading.stubs is None  # asked again once the snapshot exists
