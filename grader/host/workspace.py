"""The one temporary folder a grading process works in, and its removal.

Everything the grader writes outside the output folder (snapshots of submissions, the
sandboxes' runtimes, the training and image files of a model assignment) lives under
one folder per grading run, ``$TMPDIR/grader-<pid>-*``. It is removed when the run
ends, normally or interrupted: on exit, on Ctrl-C (pytest's own teardown) and on
SIGTERM (turned into the same interruption). pytest-xdist workers make theirs inside
the controller's (``$DLCOURSE_GRADER_TMP``), which the controller removes last, so a
worker that is killed leaves nothing behind either.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from pathlib import Path

ENV = "DLCOURSE_GRADER_TMP"
_root: Path | None = None


def root() -> Path:
    """This process's folder (made on first use)."""
    global _root
    if _root is None:
        parent = os.environ.get(ENV)
        base = parent if parent and os.path.isdir(parent) else None
        _root = Path(tempfile.mkdtemp(prefix=f"grader-{os.getpid()}-", dir=base))
        os.chmod(_root, 0o755)  # the sandbox's user reads the runtime below it
        atexit.register(cleanup)
    return _root


def folder(prefix: str) -> Path:
    """A new folder under :func:`root`."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=root()))
    os.chmod(path, 0o755)
    return path


_inbox: Path | None = None


def inbox() -> Path:
    """This worker's inbox, which a warm process sees (:mod:`grader.host.warm`): the
    folders its submissions' processes are started in (made on first use)."""
    global _inbox
    if _inbox is None or not _inbox.is_dir():
        _inbox = folder("inbox-")
    return _inbox


def cleanup() -> None:
    global _root
    if _root is not None:
        shutil.rmtree(_root, ignore_errors=True)
        _root = None


def share_with_workers() -> None:
    """Make :func:`root` the parent of the worker processes' folders."""
    os.environ[ENV] = str(root())


def interrupt_on_sigterm() -> None:
    """SIGTERM interrupts the run as Ctrl-C does, so that every ``finally`` and the
    folder's removal still run."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)
