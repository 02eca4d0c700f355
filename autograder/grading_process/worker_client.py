"""The grading process's side of its student workers: start them, talk to them, end them.

A fork server (`autograder.worker.forkserver`) is started once, on first need; each `WorkerHandle`
is a fresh fork of it with its own socket, output file and stack-dump file (memory files the
grading process reads itself). Every request waits at most until the current test's time
limit: past it the worker's stack is dumped, its whole process group is killed, and the call
fails with `CallTimedOut`. A worker that dies answers with `WorkerDied`, and one whose reply is
malformed or too large with `BadReply`; the grading process itself never blocks on a worker.
"""
from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from autograder.grading_process import session
from autograder.grading_process.session import TestBudget
from autograder.paths import PROJECT_ROOT
from autograder.sentences import OUTPUT_CUT
from autograder.sandbox import process_control
from autograder.sandbox.exits import (describe_exit, innermost_submission_frame,
                                      innermost_submission_function)
from autograder.wire import codec, protocol
from autograder.wire import worker_messages as messages
from autograder.wire.time_limits import DEFAULT_TIMEOUT_S

DUMP_WAIT_SECONDS = 0.5
STATUS_WAIT_SECONDS = 2.0
STOPPING_WAIT_SECONDS = 15.0
RECEIVE_BYTES = 4 << 20
SOCKET_BUFFER_BYTES = 4 << 20
OUTPUT_REWIND_BYTES = 1 << 20
BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv[1]); "
             "from autograder.worker.forkserver import main; "
             "main(int(sys.argv[2]), [name for name in sys.argv[3].split(',') if name])")


class WorkerFailure(Exception):
    """The worker could not answer. `function`: what was being called (e.g.
    `layers.relu_backward`); `message`: a sentence for the student."""

    def __init__(self, function: str, message: str):
        super().__init__(message)
        self.function = function
        self.message = message


class CallTimedOut(WorkerFailure):
    """`message` names where the worker was stuck; `stuck_in`: (filename, function, line) of
    that frame when its stack dump showed one."""

    def __init__(self, function: str, message: str, stuck_in: tuple[str, str, int] | None = None):
        super().__init__(function, message)
        self.stuck_in = stuck_in


class WorkerDied(WorkerFailure):
    """`message` is the cause ("crashed (segmentation fault)"); `exited`: it ended itself."""

    def __init__(self, function: str, message: str, exited: bool):
        super().__init__(function, message)
        self.exited = exited


class BadReply(WorkerFailure):
    pass


def begin_test(timeout: float, output_limit: int) -> None:
    """Called by the plugin as each test starts: its requests end by `timeout` seconds from now
    (the call deadline of `autograder.wire.time_limits`)."""
    test = session.current().test
    test.budget = TestBudget(time.monotonic() + timeout, timeout, output_limit)
    test.number += 1


def test_number() -> int:
    """Which test is running (changes when the next one begins)."""
    return session.current().test.number


def end_test() -> None:
    session.current().test.budget = TestBudget()


def _budget() -> TestBudget:
    return session.current().test.budget


def _deadline() -> float:
    """When the running test's calls end (a call outside any test: the default limit)."""
    return _budget().deadline or time.monotonic() + DEFAULT_TIMEOUT_S


def in_test() -> bool:
    """Whether a test is running (not: the test modules are being loaded)."""
    return _budget().deadline is not None


def current_timeout() -> float:
    return _budget().timeout


def time_is_up() -> str | None:
    """The message of the call that used up the current test's time, if one did."""
    return _budget().spent


def spend_test_time(message: str) -> None:
    _budget().spent = message


def _pool():
    return session.current().workers


def _setup() -> "WorkerSetup":
    return _pool().setup or WorkerSetup()


class ForkServer:
    """A process that forks workers after importing `preload` (e.g. `("torch",)`) once, so
    that its workers share it; one per preload set, started on first need (kept in the
    session's `WorkerPool`)."""

    def __init__(self, preload: tuple[str, ...] = ()):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        package_parent = str(PROJECT_ROOT)
        setup = _setup()
        drop = {} if setup.drop_to is None else {
            "user": setup.drop_to.uid, "group": setup.drop_to.gid, "extra_groups": []}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", "-c", BOOTSTRAP, package_parent,
             str(theirs.fileno()), ",".join(preload)],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=worker_environment(), cwd=setup.worker_dir,
            preexec_fn=setup.limits, **drop)
        theirs.close()
        self.control = ours

    @classmethod
    def get(cls, preload: tuple[str, ...] = ()) -> "ForkServer":
        """The server for `preload`, started now (without waiting for its imports) if none runs."""
        preload = tuple(name for name in preload if name in protocol.PRELOADABLE)
        if _pool().setup is None and os.environ.get(protocol.PLAN_ENV):
            raise RuntimeError("a worker was asked for before the grading run said how workers run")
        _wait_while_stopping()
        servers = _pool().servers
        server = servers.get(preload)
        if server is None or server.process.poll() is not None:
            server = servers[preload] = cls(preload)
        return server

    @classmethod
    def stop_superseded(cls, preload: tuple[str, ...]) -> None:
        """End the servers whose imports are a part of `preload`'s and from which no live
        worker came: once Part B's workers come from the torch server, Part A's server only
        holds memory."""
        busy = {id(worker.server) for worker in _pool().live.values() if worker.alive}
        for other, server in list(_pool().servers.items()):
            if other != preload and set(other) <= set(preload) and id(server) not in busy:
                server._retire()

    @classmethod
    def running_pids(cls) -> set[int]:
        return {server.process.pid for server in _pool().servers.values()
                if server.process.poll() is None}

    def _ask(self, request, expected: type, fds: list[int] = ()):
        """The server's reply of kind `expected` (it runs as the student's user: its word is
        checked); any failure ends the server, so that a late reply is never read as the next
        one's."""
        try:
            socket.send_fds(self.control, [codec.encode(messages.to_wire(request))], list(fds))
            ready, _, _ = select.select([self.control], [], [], 30)
            if not ready:
                raise RuntimeError("the worker fork server did not answer")
            try:
                return messages.read_control_reply(codec.decode(self.control.recv(1 << 16)),
                                                   expected)
            except protocol.MessageError as error:
                raise RuntimeError(str(error)) from None
        except Exception:
            self._retire()
            raise

    def _retire(self) -> None:
        """End this server and forget it (the next request for its preload starts another)."""
        servers = _pool().servers
        for preload, server in list(servers.items()):
            if server is self:
                del servers[preload]
        self.control.close()
        self.process.kill()
        self.process.wait()

    def fork(self, submission_dir: Path, cwd: str | None = None) -> "WorkerHandle":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        for end in (ours, theirs):  # arrays of a few MB cross in a few chunks
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER_BYTES)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER_BYTES)
        output = os.memfd_create("worker-output")
        dump = os.memfd_create("worker-stack-dump")
        try:
            request = messages.ForkRequest(str(submission_dir), cwd or _setup().worker_dir or os.getcwd())
            pid = self._ask(request, messages.ForkReply, [theirs.fileno(), output, dump]).pid
            if type(pid) is not int or not self._is_child(pid):
                self._retire()
                raise RuntimeError(f"the worker fork server named {pid!r:.40} as its worker")
        except Exception:
            for fd in (output, dump):
                os.close(fd)
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        return WorkerHandle(pid, ours, output, dump, self, submission_dir)

    def _is_child(self, pid: int) -> bool:
        """Whether `pid` is a live child of this server (never a pid the grading process, as
        root, must not signal)."""
        try:
            return pid > 1 and psutil.Process(pid).ppid() == self.process.pid
        except psutil.Error:
            return False

    def exit_status(self, pid: int) -> int | None:
        status = self._ask(messages.StatusRequest(pid, STATUS_WAIT_SECONDS),
                           messages.StatusReply).status
        return status if type(status) is int else None


@dataclass(frozen=True)
class WorkerSetup:
    """How workers are started: `worker_dir`, their working folder (None: ours); `drop_to`,
    the `SandboxUser` they run as (None: ours); `limits`, a
    `preexec_fn` that applies the resource limits to the fork server, and so to every worker;
    `stop_report`, the file in which the harness says why it ended the workers, if it did."""

    worker_dir: str | None = None
    drop_to: protocol.SandboxUser | None = None
    limits: object = None
    stop_report: str | None = None


def configure(setup: WorkerSetup) -> None:
    """Set how the fork servers and their workers run; start the servers `warm_up` asked for."""
    pool = _pool()
    pool.setup = setup
    for server in list(pool.servers.values()):
        server._retire()  # started with other rights or limits
    for preload in sorted(pool.wanted):
        ForkServer.get(preload)


def configure_for(plan: protocol.GradingPlan) -> None:
    """Workers as `plan` says: its working folder, its sandbox user, its limits."""
    configure(WorkerSetup(
        worker_dir=plan.worker_dir, drop_to=plan.drop_to, stop_report=plan.stop_report,
        limits=process_control.limit_setter(plan.memory_mb, plan.processes, plan.cpu_seconds,
                                            plan.drop_to.uid if plan.drop_to else None)))


def warm_up(preload: tuple[str, ...]) -> None:
    """Start the fork server for `preload` now, or once `configure` has said how, so that its
    imports run while the tests load instead of when a test first needs a worker."""
    if _pool().setup is not None:
        ForkServer.get(preload)
    else:
        _pool().wanted.add(tuple(preload))


def worker_dir() -> str | None:
    return _setup().worker_dir


def _wait_while_stopping() -> None:
    """Start no worker while the harness ends them (it would end the new one too)."""
    stop_report = _setup().stop_report
    if not stop_report:
        return
    marker = protocol.GradingPlan.stopping_marker(stop_report)
    waited = 0.0
    while os.path.exists(marker) and waited < STOPPING_WAIT_SECONDS:
        time.sleep(0.05)
        waited += 0.05


def _read_stop_report() -> str:
    """Why the harness ended the workers (a limit they went past), once; "" when it did not."""
    stop_report = _setup().stop_report
    if not stop_report:
        return ""
    try:
        with open(stop_report) as report:
            text = report.read(1000)
        os.unlink(stop_report)
    except OSError:
        return ""
    return text


def live_pids() -> frozenset[int]:
    """The fork server's and the live workers' pids (what may outlive a test)."""
    pids = {pid for pid, worker in _pool().live.items() if worker.alive}
    return frozenset(pids | ForkServer.running_pids())


def worker_environment() -> dict[str, str]:
    """What student code sees of the environment: nothing of the harness's."""
    keep = ("PATH", "HOME", "TMPDIR", "LANG")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    if os.environ.get(protocol.WORKER_HOME_ENV):
        env["HOME"] = os.environ[protocol.WORKER_HOME_ENV]
    setup = _setup()
    if setup.worker_dir:
        env["TMPDIR"] = setup.worker_dir  # the grading process's own temp folder is root's
    if setup.drop_to:
        env["USER"] = env["LOGNAME"] = setup.drop_to.name  # a spare uid has no account
    env.update(protocol.RUNTIME_ENV, PYTHONHASHSEED="0")
    return env


class WorkerHandle:
    """One student worker process and the connection to it."""

    def __init__(self, pid: int, connection: socket.socket, output_fd: int, dump_fd: int,
                 server: ForkServer, submission_dir: Path):
        self.pid = pid
        self.submission_root = str(submission_dir)
        self.connection = connection
        self.output_fd = output_fd
        self.dump_fd = dump_fd
        self.server = server
        self.output_read = 0  # bytes of the output file already forwarded
        self.failure: WorkerFailure | None = None
        _pool().live[pid] = self

    @property
    def alive(self) -> bool:
        return self.failure is None

    def request(self, request, function: str, encode_handle, decode_handle):
        """Send one request (a record of `worker_messages`) and return the worker's reply, an
        `OkReply` or an `ErrorReply` (validated: `read_reply`); raises `WorkerFailure`."""
        if self.failure is not None:
            raise self.failure
        deadline = _deadline()
        try:
            self._send(codec.encode(messages.to_wire(request), encode_handle), deadline, function)
            return self._receive(deadline, function, codec.unpacker(decode_handle),
                                 messages.read_reply)
        except WorkerFailure as failure:
            self.failure = failure
            self.stop()
            raise
        finally:
            self.forward_output()

    def _send(self, data: bytes, deadline: float, function: str) -> None:
        view = memoryview(data)
        while view:
            self._wait(deadline, function, write=True)
            try:
                sent = self.connection.send(view)
            except BlockingIOError:
                continue
            except OSError:
                raise self._died(function) from None
            view = view[sent:]

    def frames(self, request, function: str):
        """Send one request and yield every message the worker sends back (validated:
        `read_suite_message`), its final reply last; each waits until the current test's
        deadline, read anew for every message (`begin_test` moves it). Raises `WorkerFailure`."""
        if self.failure is not None:
            raise self.failure
        reader = codec.unpacker(None)
        try:
            self._send(codec.encode(messages.to_wire(request)), _deadline(), function)
            while True:
                frame = self._receive(_deadline(), function, reader, messages.read_suite_message)
                self.forward_output()
                yield frame
        except WorkerFailure as failure:
            self.failure = failure
            self.stop()
            raise
        finally:
            self.forward_output()

    def _receive(self, deadline: float, function: str, reader, read):
        """The next message off `reader`, as the record `read` (a `worker_messages` reader)
        makes of it; raises `WorkerFailure`."""
        while True:
            try:
                message = next(reader)
            except StopIteration:
                pass
            except protocol.MessageError as error:
                raise BadReply(function, f"sent a reply the grader refuses: {error}") from None
            except Exception as error:  # noqa: BLE001 - msgpack's errors for bad or huge input
                raise BadReply(function, f"sent a reply the grader could not read "
                                         f"({type(error).__name__})") from None
            else:
                try:
                    return read(message)
                except protocol.MessageError as error:
                    raise BadReply(function, f"sent a reply the grader could not read "
                                             f"({error})") from None
            self._wait(deadline, function)
            try:
                data = self.connection.recv(RECEIVE_BYTES)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                raise self._died(function)
            try:
                reader.feed(data)
            except Exception:  # noqa: BLE001 - msgpack's BufferFull
                raise BadReply(function, f"sent a reply larger than the grader accepts "
                                         f"({protocol.MAX_MESSAGE_BYTES >> 20} MB)") from None

    def _wait(self, deadline: float, function: str, write: bool = False) -> None:
        left = deadline - time.monotonic()
        if left > 0:
            streams = [self.connection]
            ready = select.select([], streams, [], left) if write else select.select(streams, [], [], left)
            if ready[1 if write else 0]:
                return
        dump = self._stack_dump()
        stuck_in = innermost_submission_frame(dump, self.submission_root)
        where = innermost_submission_function(dump, self.submission_root) or function
        raise CallTimedOut(function, where, stuck_in)

    def _stack_dump(self) -> str:
        """The worker's stack dump (untrusted text: `exits` believes only names that look like
        a function of a submission file)."""
        try:
            os.kill(self.pid, signal.SIGUSR1)
        except OSError:
            return ""
        waited = 0.0
        while waited < DUMP_WAIT_SECONDS and not os.fstat(self.dump_fd).st_size:
            time.sleep(0.02)
            waited += 0.02
        time.sleep(0.05)
        return os.pread(self.dump_fd, 64 * 1024, 0).decode("utf-8", "replace")

    def _died(self, function: str) -> WorkerDied:
        stopped_for = _read_stop_report()
        if stopped_for:
            return WorkerDied(function, stopped_for, exited=False)
        status = None
        try:
            status = self.server.exit_status(self.pid)
        except (OSError, RuntimeError, protocol.MessageError):
            pass
        exited = status is not None and os.WIFEXITED(status)
        return WorkerDied(function, describe_exit(status), exited)

    def forward_output(self) -> None:
        """Copy what the worker printed since the last call to our stdout (which pytest
        captures for the current test), up to the test's output allowance."""
        try:
            size = os.fstat(self.output_fd).st_size
        except OSError:
            return
        while self.output_read < size:
            chunk = os.pread(self.output_fd, min(RECEIVE_BYTES, size - self.output_read),
                             self.output_read)
            if not chunk:
                break
            self.output_read += len(chunk)
            budget = _budget()
            shown = chunk[: max(budget.output_left, 0)]
            budget.output_left -= len(shown)
            sys.stdout.write(shown.decode("utf-8", "replace"))
            if len(shown) < len(chunk) and not budget.output_cut:
                budget.output_cut = True
                sys.stdout.write(f"\n{OUTPUT_CUT}\n")
        if self.output_read >= OUTPUT_REWIND_BYTES:
            # The worker is idle between requests: start its output file over, so that the
            # written-file limit applies to what one call prints, not to the whole module.
            os.ftruncate(self.output_fd, 0)
            os.lseek(self.output_fd, 0, os.SEEK_SET)
            self.output_read = 0

    def stop(self) -> None:
        """Kill the worker and everything in its process group."""
        _pool().live.pop(self.pid, None)
        for pid_kill in (os.killpg, os.kill):
            try:
                pid_kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass

    def close(self) -> None:
        self.stop()
        for fd in (self.output_fd, self.dump_fd):
            try:
                os.close(fd)
            except OSError:
                pass
