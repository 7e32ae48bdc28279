"""What an assignment is to the grader: its tests (objects, each with its check), its
points (read from the notebook's cells, where nbgrader reads them too, so the two cannot
disagree) and its limits. :mod:`grader.assignments.registry` finds the course's
assignments; a model assignment is :class:`grader.models.assignment.ModelAssignment`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader.config import DEFAULT_LIMITS, Limits

SOURCE = Path(__file__).resolve().parents[2] / "assignments" / "source"
SPEC_FILE = "assignment.py"
PARTS = ("visible", "hidden")  # a test's two halves: in the released notebook, and not
# When the submission was handed in, as nbgrader's collect copies it (never run, only read
# by grader.results.deadlines); a larger one is refused, so its time is named unknown.
TIMESTAMP = "timestamp.txt"
TIMESTAMP_BYTES = 1024


class Check(Protocol):
    """What a check is to the grader: the plain data its probe needs for each part, and
    a verdict on the plain data that comes back (``AssertionError`` with a reason)."""

    name: str  # what the notebook's test cell passes to ``check(name, ...)``

    def params(self, part: str) -> dict: ...

    def verify(self, part: str, data: dict) -> None: ...


@dataclass(frozen=True)
class CodeTest:
    """A test that probes ``name``, an object the student's code defines, in the
    process that ran it."""

    check: Check
    name: str
    what: str  # what it checks, as the notebook's table of tests says it

    @property
    def target(self) -> str:  # the runner's wire format (grader/inside/runner.py)
        return self.name


@dataclass(frozen=True)
class FileTest:
    """A test of ``file``, a file of the submission (or one the grading run wrote),
    opened in a process that never ran student code."""

    check: Check
    file: str
    what: str

    @property
    def target(self) -> str:
        return "file:" + self.file


@dataclass(frozen=True)
class Assignment:
    """Code the student writes (functions, classes), probed where it ran.

    ``isolated``: grade_id -> the only packages besides the standard library that the
    test's own process may import, so that a rule like "do not call the Keras schedule"
    holds where Keras is not installed; ``isolation_note`` says so in its failures.
    ``due`` and ``late_policy`` are the defaults of :mod:`grader.results.deadlines` (a
    due date in nbgrader's database, or on the command line, wins)."""

    name: str
    title: str
    tests: dict[str, CodeTest | FileTest]
    limits: Limits = DEFAULT_LIMITS
    isolated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    isolation_note: str = ""
    due: str | None = None
    late_policy: str = "none"

    @property
    def folder(self) -> Path:
        return SOURCE / self.name

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def notebook_path(self) -> Path:
        return self.folder / self.notebook

    @functools.cached_property
    def points(self) -> dict[str, float]:
        """grade_id -> points, from the notebook's test cells, in the spec's order."""
        found = notebook_points(self.notebook_path)
        if set(found) != set(self.tests):
            raise ValueError(f"{self.notebook_path}: graded cells {sorted(found)}, but "
                             f"{SPEC_FILE} has tests {sorted(self.tests)}")
        return {grade_id: found[grade_id] for grade_id in self.tests}

    @property
    def max_points(self) -> float:
        return sum(self.points.values())

    @property
    def outputs(self) -> tuple[str, ...]:
        """The files the grading run of the student's code writes and the file tests
        read (never taken from the submission itself)."""
        return ()

    def required_files(self, limits: Limits) -> dict[str, int]:
        """The files the grader reads of a submission, with their size limits: read
        first, so that no number of other files can push them out of the snapshot."""
        return {self.notebook: limits.notebook_bytes, TIMESTAMP: TIMESTAMP_BYTES}

    def checks(self) -> dict:
        return {test.check.name: test.check for test in self.tests.values()}

    def preflight(self) -> None:
        """What the grader needs before grading anyone (raises an exception that names
        what is missing); nothing for code assignments."""

    def write_runtime(self, folder: Path, *, files: bool) -> None:
        """Add to a sandbox's ``/runtime`` what this assignment's process reads; nothing
        for code assignments."""


def notebook_points(path: Path) -> dict[str, float]:
    """grade_id -> points of a notebook's graded cells (nbgrader's cell metadata)."""
    import nbformat

    found = {}
    for cell in nbformat.read(str(path), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            found[meta["grade_id"]] = meta.get("points", 0)
    return found
