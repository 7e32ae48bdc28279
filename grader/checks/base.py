"""What every check is, and the one function a notebook's test cells call.

A check has two halves, so that the notebook's test cells and the grader run the same
code and give the same points: :meth:`Check.params`, plain data that says what to probe
(no reference value), for the probe that runs where the student's code is
(:mod:`grader.inside.probes`, :mod:`grader.inside.model_probes`); and
:meth:`Check.verify`, the verdict on the plain data that comes back. In the grader the
two run in different processes (:mod:`grader.host.grade`); in a notebook, :func:`check`
runs both in one.
"""
from __future__ import annotations

import contextlib

from grader.assignments.registry import find_check
from grader.inside import probes


class Check:
    """One check of an assignment, named as the notebook's test cell names it."""

    name: str

    def params(self, part: str) -> dict:
        """What the probe needs for ``part`` (``"visible"`` or ``"hidden"``)."""
        raise NotImplementedError

    def verify(self, part: str, data: dict) -> str | None:
        """Raise ``AssertionError`` with a reason a student can act on unless ``data``
        passes; a note on a pass, or None."""
        raise NotImplementedError

    def rule(self):
        """The notebook's rule for the student's code while it is probed in the notebook
        (e.g. "do not call the Keras schedule"); the grader holds it for good by running
        the test where the forbidden package is not installed."""
        return contextlib.nullcontext()

    def in_notebook(self, target, part: str) -> str | None:
        """Both halves in the notebook's own process, on the student's ``target``."""
        with self.rule():
            data = probes.run(self.params(part), target)
        return self.verify(part, data)


def check(name: str, target, part: str = "visible") -> None:
    """Run check ``name`` (part ``"visible"`` or ``"hidden"``) on the student's
    ``target`` (an object of theirs, or the path of a saved model); raise
    ``AssertionError`` if it fails. What the notebook's test cells call (imported as
    ``grader.checks.<kind>.check``, one function under each name)."""
    note = find_check(name).in_notebook(target, part)
    print(f"{name}: {part} tests passed" + (f" ({note})" if note else ""))
