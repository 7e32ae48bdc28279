"""The warm process of a grading worker: started once in a bubblewrap sandbox, it
imports what every submission imports (NumPy, Keras and its backend) and then forks,
per submission, a process that runs in a fresh sandbox of its own.

Per request (a JSON message and the submission's descriptors on a socket that only
the grader holds) it forks a *keeper*, which

1. makes new mount, PID, IPC, network and UTS namespaces;
2. binds the submission's folder (under ``/inbox``, which the grader fills) to
   ``/snapshot``, read-only, and unmounts ``/inbox``: other submissions are not in its
   filesystem;
3. forks the *reaper*, PID 1 of the new PID namespace, which mounts a ``/proc`` of that
   namespace (the warm process and its other children are not in it), brings up the
   loopback device, forks the submission's process and, holding no capability any
   more, waits for it: when it ends, the reaper ends, and the kernel kills every process
   left in the namespace;
4. waits for the reaper, or for the grader to close the *lifeline* (a time limit): then
   it kills the reaper, and so the whole namespace. It writes the exit status on the
   *status* descriptor.

The submission's process (PID 2) takes its descriptors, resource limits and
environment from the request, and then does what a cold start's process does
(:func:`grader.inside.boot.run`): a tmpfs with the quotas at ``/scratch``, its own ``/tmp``
and ``/dev/shm`` in it, every privilege dropped, then the student's cells. Nothing of it
outlives it: its memory is its own (a copy-on-write fork that ends), its files were in
its namespace's tmpfs. The warm process itself never runs student code, holds no
hidden input (those come to the submission's process on its own standard input) and is
in none of the submissions' namespaces.

Standard library only, like :mod:`grader.inside.boot`.
"""
from __future__ import annotations

import ctypes
import fcntl
import importlib
import json
import os
import resource
import select
import signal
import socket
import struct
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH, PR_SET_PDEATHSIG = 2, 1
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 1
INBOX = "/inbox"
# What bubblewrap's own /proc leaves read-only (its --proc), done again for the new one.
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus")
FAILED = 70  # as grader.inside.boot: the sandbox could not be made

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, options=None) -> None:
    _check(_libc.mount(source.encode() if source else None, target.encode(),
                       fstype.encode() if fstype else None, ctypes.c_ulong(flags),
                       options.encode() if options else None), f"mount {target}")


def _new_namespaces(folder: str) -> None:
    """Steps 1 and 2."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS),
           "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    source = os.path.realpath(os.path.join(INBOX, folder))
    if not source.startswith(INBOX + "/"):
        raise ValueError(f"not a folder of the inbox: {folder!r}")
    _mount(source, "/snapshot", None, MS_BIND | MS_REC)
    _mount(None, "/snapshot", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _check(_libc.umount2(INBOX.encode(), MNT_DETACH), "umount /inbox")


def _fresh_proc() -> None:
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for name in PROC_READ_ONLY:
        path = f"/proc/{name}"
        if os.path.exists(path):
            _mount(path, path, None, MS_BIND | MS_REC)
            _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _close_all_but(keep) -> None:
    start = 0
    for fd in [*sorted(keep), resource.getrlimit(resource.RLIMIT_NOFILE)[0]]:
        if start < fd:  # closerange(n, n) would close every descriptor from n on
            os.closerange(start, fd)
        start = fd + 1


def _place(fds: dict[int, int]) -> None:
    """Put each descriptor ``source`` at number ``target`` and close every other one."""
    high = {target: fcntl.fcntl(source, fcntl.F_DUPFD, 1024) for target, source in fds.items()}
    for target, source in high.items():
        os.dup2(source, target)
    keep = sorted(high)
    _close_all_but(keep)
    for fd in keep:
        os.set_inheritable(fd, True)


def _exit_status(status: int) -> int:
    """A wait status as an exit code, 128 + signal for a killed process (as bwrap)."""
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _submission(request: dict, fds: dict[int, int]) -> None:
    """PID 2: the submission's process, as a cold start's (grader.inside.boot) from here on."""
    from grader.inside import boot

    os.setsid()
    _place(fds)
    for which, value in request["rlimits"]:
        resource.setrlimit(which, (value, value))
    os.environ.clear()
    os.environ.update(request["env"])
    if "numpy" in sys.modules:  # a fresh process's global generator is seeded afresh
        sys.modules["numpy"].random.seed()
    boot.run(request["boot"])


def _reaper(request: dict, fds: dict[int, int]) -> None:
    """PID 1 of the new namespace: step 3."""
    from grader.inside import boot

    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _fresh_proc()
    _loopback_up()
    child = os.fork()
    if child == 0:
        try:
            _submission(request, fds)
        finally:
            os._exit(FAILED)
    _close_all_but(())
    boot.drop_privileges(None)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if pid == child:
            os._exit(_exit_status(status))


def _keeper(request: dict, fds: list[int]) -> None:
    """Steps 1, 2 and 4; never returns."""
    stdin, log, events, outputs, lifeline, status = fds
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        _new_namespaces(request["folder"])
    except Exception as exc:  # noqa: BLE001 - the sandbox's failure, reported as boot's
        os.write(log, f"grader sandbox: cannot start: {type(exc).__name__}: {exc}\n".encode())
        os.write(status, json.dumps({"exit": FAILED}).encode() + b"\n")
        os._exit(FAILED)
    placed = {0: stdin, 1: log, 2: log, request["events_fd"]: events}
    if request.get("outputs_fd") is not None:
        placed[request["outputs_fd"]] = outputs
    reaper = os.fork()
    if reaper == 0:
        try:
            _reaper(request, placed)
        except BaseException as exc:  # noqa: BLE001
            os.write(log, f"grader sandbox: cannot start: {type(exc).__name__}: {exc}\n".encode())
        os._exit(FAILED)
    for fd in (stdin, log, events, outputs):
        os.close(fd)
    watch, waiting = os.pidfd_open(reaper), [lifeline]
    while True:
        ready, _, _ = select.select([watch, *waiting], [], [])
        if lifeline in ready and not os.read(lifeline, 64):
            os.kill(reaper, signal.SIGKILL)  # the grader's time limit: the namespace ends
            waiting = []
        if watch in ready:
            break
    _, code = os.waitpid(reaper, 0)
    os.write(status, json.dumps({"exit": _exit_status(code)}).encode() + b"\n")
    os._exit(0)


def serve(control: socket.socket) -> None:
    """Fork a keeper per request until the grader closes the socket."""
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 8)
        except OSError:
            message, fds = b"", []
        if not message:
            os._exit(0)
        request = json.loads(message)
        keeper = os.fork()
        if keeper == 0:
            control.close()
            _keeper(request, fds)
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"started": keeper}).encode())
        while True:  # keepers that ended
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    control = socket.socket(fileno=spec["control_fd"])
    for name in spec["preload"]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the submission's own import will say why
            pass
    control.send(json.dumps({"ready": os.getpid()}).encode())
    serve(control)
