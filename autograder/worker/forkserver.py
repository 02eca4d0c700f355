"""The fork server: NumPy imported once, then a fresh student worker forked on request.

Started by the grading process with a control socket (SOCK_SEQPACKET). Each fork request
carries three file descriptors (the worker's socket, its output file and its stack-dump
file); the reply names the worker's pid. The server reaps its workers and tells their wait
status on request, so the grading process can say how a worker ended. It never imports
submitted code itself: only its forked children do.
"""
from __future__ import annotations

import faulthandler
import gc
import importlib
import os
import select
import signal
import socket
import sys
from pathlib import Path

import numpy  # noqa: F401 - imported once here, shared by every forked worker

from autograder.wire import codec, protocol
from autograder.wire import worker_messages as messages
from autograder.worker.server import WorkerServer  # imported once here, not in every worker

POLL_SECONDS = 0.02
CONTROL_BYTES = 1 << 16


def main(control_fd: int, preload: list[str] = ()) -> None:
    """Serve fork requests on `control_fd`, after importing `preload` (names of
    `protocol.PRELOADABLE`) for every worker to share."""
    for name in preload:
        if name in protocol.PRELOADABLE:
            _preload(name)
    gc.freeze()  # what is imported stays shared: a worker's collections never write to it
    control = socket.socket(fileno=control_fd)
    statuses: dict[int, int] = {}
    while True:
        ready, _, _ = select.select([control], [], [], POLL_SECONDS)
        _reap(statuses)
        if not ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(control, CONTROL_BYTES, 3)
        except OSError:
            return
        if not data:
            return
        try:
            request = messages.read_control_request(codec.decode(data))
        except protocol.MessageError as error:
            request = messages.RefusedReply(str(error))
        if isinstance(request, messages.ForkRequest):
            reply = _fork(request, fds, control)
        else:
            for fd in fds:
                os.close(fd)
            reply = (messages.StatusReply(_status(request, statuses))
                     if isinstance(request, messages.StatusRequest) else request)
        control.send(codec.encode(messages.to_wire(reply)))


def _fork(request: messages.ForkRequest, fds, control):
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return messages.RefusedReply("a fork request needs three file descriptors")
    pid = os.fork()
    if pid == 0:
        try:
            _become_worker(fds, Path(request.submission_dir), request.cwd, control)
        finally:
            os._exit(70)
    for fd in fds:
        os.close(fd)
    return messages.ForkReply(pid)


def _preload(name: str) -> None:
    """Import a library once, here, so that every later worker shares it."""
    module = importlib.import_module(name)
    if name == "torch":
        module.set_num_threads(1)  # grading is single-threaded and reproducible
        importlib.import_module("torch._dynamo")  # what a first optimizer imports: about 1 s


def _status(request: messages.StatusRequest, statuses: dict[int, int]):
    """The wait status of a finished worker, waiting up to `wait` seconds; None if running."""
    pid = request.pid
    waited = 0.0
    while pid not in statuses and waited < float(request.wait or 0):
        select.select([], [], [], POLL_SECONDS)
        waited += POLL_SECONDS
        _reap(statuses)
    return statuses.pop(pid, None)


def _reap(statuses: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = status


def _become_worker(fds: list[int], submission_dir: Path, cwd: str | None,
                   control: socket.socket) -> None:
    control.close()
    if cwd:
        os.chdir(cwd)
    os.setsid()  # its own process group: killing the group ends whatever it started
    connection_fd, output_fd, dump_fd = fds
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(null)
    os.close(output_fd)
    faulthandler.register(signal.SIGUSR1, file=dump_fd, all_threads=True)
    sys.path.insert(0, str(submission_dir))
    WorkerServer(socket.socket(fileno=connection_fd), submission_dir).serve()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2].split(",") if len(sys.argv) > 2 else [])
