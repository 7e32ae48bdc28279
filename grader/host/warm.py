"""Warm starts: a grading worker's long-lived process (:mod:`grader.inside.zygote`) that has
imported NumPy, Keras and its backend once, and forks each submission's process, in a
fresh sandbox of its own, from that state.

A cold start (:class:`Cold`) runs bubblewrap and a new interpreter per process; its
start-up (``import keras`` above all) is most of a small assignment's grading time. A
warm start keeps the same sandbox, limits and protocol (:mod:`grader.host.run` cannot tell
the two apart) and saves the start-up. One warm process per configuration (the
runtime folder, the packages a process may import, the environment) lives as long as
the worker; if it dies, the next start makes a new one, and a submission whose process
it took down is graded again from scratch (:class:`WarmProcessDied`).

The grader keeps the only end of the warm process's socket. Every submission's folder
lies in one *inbox* per worker (bound read-only into the warm process at ``/inbox``),
of which each forked process keeps its own folder only.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from grader.host import workspace
from grader.host.errors import SandboxError

START_TIMEOUT_S = 300  # importing Keras on a busy machine, once per worker
PROGRAM = ("import sys; sys.path[:0] = [{runtime!r}, '']; "
           "from grader.inside.zygote import main; main(sys.argv)")
PRELOAD = ("numpy", "keras", "grader.inside.probes", "grader.inside.model_probes", "grader.inside.runner")
INBOX_INSIDE = "/inbox"


class WarmProcessDied(RuntimeError):
    """The warm process ended while a submission's process ran (it was killed, or the
    machine ran out of memory): not the student's doing, so the submission is graded
    again from scratch."""


class Zygote:
    """One warm process, in a bubblewrap sandbox made by ``sandbox``."""

    def __init__(self, sandbox, runtime: Path, env: dict, packages):
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = workspace.folder("warm-") / "warm.log"
        argv = [sys.executable, "-I", "-c", PROGRAM.format(runtime="/runtime"),
                json.dumps({"control_fd": theirs.fileno(), "preload": PRELOAD})]
        command = sandbox.command(argv, runtime, None, env, packages, inbox=workspace.inbox())
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         pass_fds=(theirs.fileno(),))
        theirs.close()
        reply = self._reply(START_TIMEOUT_S)
        if reply is None or "ready" not in reply:
            killed = self.proc.poll() in (-signal.SIGKILL, 128 + signal.SIGKILL)
            self.stop()
            if killed:  # by an instructor or the kernel (out of memory): start again
                raise WarmProcessDied("the warm process was killed while it started")
            raise SandboxError("the warm process did not start: "
                               + self.log.read_text(errors="replace")[-1000:])
        self.pid_inside = reply["ready"]

    def _reply(self, timeout: float) -> dict | None:
        ready, _, _ = select.select([self.control], [], [], timeout)
        if not ready:
            return None
        try:
            message = self.control.recv(1 << 16)
        except OSError:
            return None
        return json.loads(message) if message else None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self, request: dict, fds: list[int]) -> None:
        """Ask for one submission's process; raises :class:`WarmProcessDied` if the warm
        process is gone."""
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], fds)
        except OSError:
            raise WarmProcessDied("the warm process is gone") from None
        reply = self._reply(60)
        if reply is None or "started" not in reply:
            raise WarmProcessDied("the warm process did not start the submission's process")

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.control.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


_POOL: dict[tuple, Zygote] = {}


def zygote(sandbox, runtime: Path, env: dict, packages) -> Zygote:
    """The live warm process of this configuration, started if there is none."""
    key = (str(runtime), tuple(sorted(env.items())), packages, sandbox.uid)
    current = _POOL.get(key)
    if current is None or not current.alive():
        if current is not None:
            current.stop()
        _POOL[key] = current = Zygote(sandbox, runtime, env, packages)
    return current


@atexit.register
def stop_all() -> None:
    for z in _POOL.values():
        z.stop()
    _POOL.clear()


class Started:
    """A submission's process forked by a warm process: what :mod:`grader.host.run` needs of
    a ``subprocess.Popen`` (its input, a kill, a wait)."""

    def __init__(self, stdin, lifeline: int, status: int):
        self.stdin, self.lifeline, self.status = stdin, lifeline, status
        self.returncode = None
        self._buffer = b""

    def kill(self) -> None:
        """End its namespace (the keeper kills the reaper when the lifeline closes)."""
        if self.lifeline is not None:
            os.close(self.lifeline)
            self.lifeline = None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is not None:
            return self.returncode
        if self.status is None:  # its warm process died on an earlier wait
            raise WarmProcessDied("the warm process ended while a submission ran")
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.status], [], [], left)
            if not ready:
                raise subprocess.TimeoutExpired("warm start", timeout)
            chunk = os.read(self.status, 4096)
            if not chunk:
                self.close()
                raise WarmProcessDied("the warm process ended while a submission ran")
            self._buffer += chunk
        self.returncode = json.loads(self._buffer.split(b"\n")[0])["exit"]
        self.close()
        return self.returncode

    def close(self) -> None:
        self.kill()
        with contextlib.suppress(OSError):
            self.stdin.close()
        if self.status is not None:
            os.close(self.status)
            self.status = None


def start(sandbox, runtime: Path, snapshot: Path, env: dict, packages, limits, boot: dict,
          log_fd: int, events_fd: int, outputs_fd: int | None) -> Started:
    """Fork the process that runs the boot ``boot`` on ``snapshot`` (a folder of the
    inbox) from the warm process of this configuration."""
    folder = str(Path(snapshot).resolve().relative_to(workspace.inbox().resolve()))
    z = zygote(sandbox, runtime, env, packages)
    stdin_r, stdin_w = os.pipe()
    lifeline_r, lifeline_w = os.pipe()
    status_r, status_w = os.pipe()
    request = {"folder": folder, "events_fd": events_fd, "outputs_fd": outputs_fd,
               "rlimits": sandbox.rlimits(limits), "env": env, "boot": boot}
    outputs = outputs_fd if outputs_fd is not None else os.open(os.devnull, os.O_WRONLY)
    try:
        z.fork(request, [stdin_r, log_fd, events_fd, outputs, lifeline_r, status_w])
    except WarmProcessDied:
        for fd in (stdin_w, lifeline_w, status_r):
            os.close(fd)
        raise
    finally:
        for fd in (stdin_r, lifeline_r, status_w):
            os.close(fd)
        if outputs_fd is None:
            os.close(outputs)
    return Started(os.fdopen(stdin_w, "wb"), lifeline_w, status_r)
