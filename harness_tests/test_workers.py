"""Student workers and the proxies that reach them, without the harness around them: values,
handles, exceptions as data, time limits, crashes, output."""
import os
import textwrap
import time

import numpy as np
import pytest

from autograder.grading_process import not_called_again, session, worker_client
from autograder.grading_process.problems import CallFailed
from autograder.grading_process.proxies import RemoteModule, RemoteObject
from autograder.grading_process.remote_errors import SubmissionError
from autograder.grading_process.remote_operations import fill
from autograder.grading_process.worker_slot import WorkerSlot

STUDENT = textwrap.dedent("""
    import ctypes
    import os
    import numpy as np

    class Net:
        def __init__(self, size):
            self.params = {"W": np.zeros((size, size))}
            self.size = size

        def total(self):
            return float(self.params["W"].sum())

    def double(x):
        return 2 * x

    def pair(x):
        return x, [x.shape]

    def same(value):
        return value

    def bad_index(x):
        return x[10]

    class KindError(Exception):
        pass

    def custom():
        raise KindError("no such kind")

    def asserting():
        assert False, "student assert"

    def hang():
        while True:
            pass

    def calls_hang():
        return hang()

    def also_calls_hang():
        return hang()

    DISPATCH = {"hang": hang}

    def dispatches_to_hang():
        return DISPATCH["hang"]()

    def exit_now():
        os._exit(3)

    def segfault():
        return ctypes.string_at(0)

    def chatty(text):
        print(text)
        return len(text)
    """)


@pytest.fixture
def student(tmp_path):
    (tmp_path / "student.py").write_text(STUDENT)
    slot = WorkerSlot(tmp_path)
    worker_client.begin_test(timeout=2, output_limit=1000)
    yield RemoteModule(slot, "student")
    worker_client.end_test()
    slot.close()
    session.current().not_called_again = session.NotCalledAgain()


def test_values_cross_as_copies_and_objects_as_handles(student):
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(student.double(x), 2 * x)
    got, shapes = student.pair(x)
    assert type(got) is np.ndarray and shapes == [(2, 3)]
    net = student.Net(3)
    assert isinstance(net, RemoteObject) and repr(net) == "<your Net>"
    assert student.same(net) is net  # one proxy per object of the worker
    params = net.params
    params["W"][...] = 1.0  # a copy: the worker's net is unchanged
    assert net.total() == 0.0
    fill(net, ("params", "W"), np.ones((3, 3)))
    assert net.total() == 9.0
    net.size = 5
    assert net.size == 5


def test_builtin_exceptions_are_reraised_as_themselves_with_the_students_frame(student):
    with pytest.raises(IndexError) as raised:
        student.bad_index(np.zeros(3))
    error = raised.value
    assert error.remote_type == "IndexError" and "out of bounds" in error.remote_message
    filename, line, function, code = error.remote_frames[-1]
    assert (function, code) == ("bad_index", "return x[10]")


def test_other_exceptions_arrive_as_submission_errors(student):
    with pytest.raises(SubmissionError) as raised:
        student.custom()
    assert raised.value.remote_type == "KindError"
    with pytest.raises(SubmissionError) as raised:  # a student's assert is not the grader's
        student.asserting()
    assert raised.value.remote_type == "AssertionError"


def test_dunder_attributes_are_never_looked_up_remotely(student):
    net = student.Net(2)
    assert not hasattr(net, "__array_interface__")
    with pytest.raises(AttributeError):
        net.__len__  # noqa: B018


def test_a_hang_costs_one_time_limit_and_is_not_called_again(student):
    started = time.monotonic()
    with pytest.raises(CallFailed) as raised:
        student.calls_hang()
    assert time.monotonic() - started < 4
    assert "Timed out after 2 s in `student.hang`" in str(raised.value)
    worker_client.begin_test(timeout=2, output_limit=1000)  # the next test
    started = time.monotonic()
    with pytest.raises(CallFailed) as raised:
        student.calls_hang()
    assert time.monotonic() - started < 0.5 and "is not called again" in str(raised.value)
    assert student.double(2) == 4  # a fresh worker serves the rest


def test_a_function_that_hung_is_not_run_again_from_other_callers(student):
    with pytest.raises(CallFailed):
        student.calls_hang()
    worker_client.begin_test(timeout=2, output_limit=1000)
    started = time.monotonic()
    with pytest.raises(CallFailed) as raised:
        student.also_calls_hang()  # a fresh worker, whose `hang` now refuses to run
    assert time.monotonic() - started < 1
    assert "Timed out after 2 s in `student.hang`" in str(raised.value)
    assert "`student.hang` is not called again" in str(raised.value)
    with pytest.raises(CallFailed, match="is not called again"):
        student.dispatches_to_hang()  # held in a dict: its code was replaced
    assert student.double(5) == 10


def test_what_is_not_called_again_holds_in_the_next_grading_process(student, tmp_path):
    """The harness starts a new grading process after one ends mid-test: it reads the record."""
    record = tmp_path / "not-called-again.jsonl"
    not_called_again.remember_in(str(record))
    with pytest.raises(CallFailed):
        student.calls_hang()
    with open(record, "a") as cut_short:  # a grading process killed while writing a line
        cut_short.write('{"function": "student.dou')
    session.current().not_called_again = session.NotCalledAgain()  # a new grading process's
    not_called_again.remember_in(str(record))
    worker_client.begin_test(timeout=2, output_limit=1000)
    started = time.monotonic()
    with pytest.raises(CallFailed, match="`student.calls_hang` is not called again"):
        student.calls_hang()
    with pytest.raises(CallFailed, match="`student.hang` is not called again"):
        student.also_calls_hang()  # a fresh worker, told of the frame `hang` was stuck in
    assert time.monotonic() - started < 1
    assert student.double(5) == 10


def test_the_rest_of_a_test_that_ran_out_of_time_fails_at_once(student):
    with pytest.raises(CallFailed):
        student.hang()
    started = time.monotonic()
    with pytest.raises(CallFailed):
        student.double(1)
    assert time.monotonic() - started < 0.2


@pytest.mark.parametrize("function, cause", [("exit_now", "ended its process (exit code 3)"),
                                             ("segfault", "crashed (segmentation fault)")])
def test_a_dying_worker_is_described_and_replaced(student, function, cause):
    net = student.Net(2)
    with pytest.raises(CallFailed) as raised:
        getattr(student, function)()
    assert f"`student.{function}` {cause}" in str(raised.value)
    with pytest.raises(CallFailed, match="lost when its process ended"):
        net.total()
    assert student.double(3) == 6


def test_printed_output_reaches_our_stdout_up_to_the_allowance(student, capsys):
    assert student.chatty("hello") == 5
    assert capsys.readouterr().out == "hello\n"
    student.chatty("x" * 5000)
    out = capsys.readouterr().out
    assert out.startswith("x" * 990) and "output cut at the grader's limit" in out


def test_the_fork_server_is_believed_only_about_its_own_children():
    server = worker_client.ForkServer.get()
    assert not server._is_child(0) and not server._is_child(1) and not server._is_child(-1)
    assert not server._is_child(os.getpid())  # the grading process itself
