"""Every message to and from a worker is one record, read back only if it is exactly one:
an unknown kind, a missing or an unexpected field is an error, never a default."""
import numpy as np
import pytest

from autograder.wire import codec
from autograder.wire import worker_messages as messages
from autograder.wire.protocol import ErrorInfo, MessageError

REQUESTS = [
    messages.ImportRequest("layers"),
    messages.LibraryRequest("numpy.random.seed"),
    messages.ResetRequest(3),
    messages.ReleaseRequest([1, 2]),
    messages.BlockRequest([["/s/layers.py", "relu_forward", 4, "Timed out"]]),
    messages.CallRequest(None, [np.arange(3)], {"reg": 0.5}, "loss",
                         messages.CallOptions(errstate={"over": "raise"}, count_lines=True)),
    messages.RunSuiteRequest("/s/tests", "test*.py", "Test Failed: ", True, True, ids=["a.b"]),
]


def through_the_wire(record):
    return codec.decode(codec.encode(messages.to_wire(record)))


@pytest.mark.parametrize("request_record", REQUESTS, ids=lambda record: record.KIND)
def test_a_request_reads_back_as_the_record_it_was(request_record):
    read = messages.read_request(through_the_wire(request_record))
    assert type(read) is type(request_record)
    if isinstance(read, messages.CallRequest):
        assert read.options == request_record.options and read.kwargs == {"reg": 0.5}
        np.testing.assert_array_equal(read.args[0], np.arange(3))
    else:
        assert read == request_record


@pytest.mark.parametrize("message, why", [
    ({"kind": "exec", "code": "print(1)"}, "unknown kind"),
    ({"module": "layers"}, "unknown kind"),
    ({"kind": "import"}, "malformed"),
    ({"kind": "import", "module": "layers", "as_root": True}, "malformed"),
    (["import", "layers"], "not a mapping"),
    ({"kind": "call", "target": None, "args": [], "kwargs": {}, "options": {"trace": False}},
     "call options"),
])
def test_anything_but_one_known_request_is_refused(message, why):
    with pytest.raises(MessageError, match=why):
        messages.read_request(message)


def test_a_reply_is_ok_or_a_validated_error():
    assert messages.read_reply(through_the_wire(messages.OkReply(5, lines=12))) == messages.OkReply(5, 12)
    error = ErrorInfo("ValueError", ["ValueError", "Exception", "BaseException"], "bad", None,
                      [("/s/layers.py", 3, "relu_forward", "raise ValueError('bad')")])
    assert messages.read_reply(through_the_wire(messages.ErrorReply(error))).error == error
    for lie in ({"kind": "ok"}, {"kind": "ok", "value": 1, "lines": "many"},
                {"kind": "error", "error": {"type_name": "X"}}, {"ok": 1}, {"kind": "suite_start", "id": "t"}):
        with pytest.raises(MessageError):
            messages.read_reply(lie)


def test_suite_frames_are_checked_too():
    frame = messages.read_suite_message(through_the_wire(messages.SuiteEntryFrame("t", "name", "passed", "", 1, None)))
    assert frame == messages.SuiteEntryFrame("t", "name", "passed", "", 1, None)
    for lie in ({"kind": "suite_entry", "id": "t", "entry": {}}, {"kind": "suite_entry", "id": "t", "score": [1]},
                {"kind": "suite_entry", "id": "t", "status": True}, {"kind": "suite_start", "id": 7},
                {"kind": "suite_done"}):
        with pytest.raises(MessageError):
            messages.read_suite_message(lie)


def test_the_fork_server_answers_in_kind_or_says_why_it_refused():
    assert messages.read_control_reply({"kind": "forked", "pid": 9}, messages.ForkReply).pid == 9
    with pytest.raises(MessageError, match="refused: no descriptors"):
        messages.read_control_reply({"kind": "refused", "why": "no descriptors"}, messages.ForkReply)
    with pytest.raises(MessageError, match="unknown kind"):  # a status is not a fork's answer
        messages.read_control_reply({"kind": "status_of", "status": 0}, messages.ForkReply)
    with pytest.raises(MessageError, match="unknown kind"):  # was once read as a status query
        messages.read_control_request({"kind": "kill", "pid": 1})
