import io
import os

from autograder.wire.channel import MAX_EVENT_BYTES, receive, send


def test_events_round_trip_through_a_pipe():
    read_fd, write_fd = os.pipe()
    send(write_fd, {"event": "result", "test": "t", "message": "é\\n" * 3})
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as stream:
        assert list(receive(stream)) == [{"event": "result", "test": "t", "message": "é\\n" * 3}]


def test_garbage_and_overlong_lines_are_dropped_without_holding_them():
    flood = b"x" * (3 * MAX_EVENT_BYTES) + b'{"event": "forged"}\n'
    stream = io.BytesIO(b'not json\n[1, 2]\n{"no": "event"}\n' + flood + b'{"event": "start", "test": "a"}\n')
    assert list(receive(stream)) == [{"event": "start", "test": "a"}]
