import io
import os

from autograder.wire.channel import MAX_EVENT_BYTES, receive, send
from autograder.wire.events import Result, read_event


def test_events_round_trip_through_a_pipe():
    read_fd, write_fd = os.pipe()
    sent = Result("t", passed=False, message="é\\n" * 3)
    send(write_fd, sent)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as stream:
        assert [read_event(event) for event in receive(stream)] == [sent]


def test_garbage_and_overlong_lines_are_dropped_without_holding_them():
    flood = b"x" * (3 * MAX_EVENT_BYTES) + b'{"event": "forged"}\n'
    stream = io.BytesIO(b'not json\n[1, 2]\n{"no": "event"}\n' + flood + b'{"event": "start", "test": "a"}\n')
    assert list(receive(stream)) == [{"event": "start", "test": "a"}]
