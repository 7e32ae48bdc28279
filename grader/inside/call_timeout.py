"""A wall-clock limit on one call of student code, the same in a notebook kernel and in
the grader's subprocess."""
from __future__ import annotations

import contextlib
import signal
import threading


class CallTimeout(BaseException):
    """Raised into student code that runs past its limit. A ``BaseException``, so that a
    student's ``except Exception:`` cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str = "the call"):
    """Interrupt the block after ``seconds`` with :class:`CallTimeout` (a SIGALRM timer:
    main thread only; elsewhere the block runs unlimited and the caller's own limit, the
    nbgrader cell timeout or the grader's process timeout, applies)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise CallTimeout(f"{what} did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
