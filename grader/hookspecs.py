"""The grader's own pytest hooks, called on the process that writes the gradebook (the
controller, under pytest-xdist): what a plugin such as the progress display
(:mod:`grader.results.progress`) follows of a grading run."""
from __future__ import annotations


def pytest_grader_selected(config, students: list[str], kept: list[str]) -> None:
    """The run will grade ``students`` (after ``-k`` and ``--shard``); ``kept`` are those
    whose records the gradebook already has, unchanged since, and are not graded again."""


def pytest_grader_graded(config, record) -> None:
    """``record`` (a :class:`grader.results.gradebook.SubmissionRecord`, lateness and
    overrides applied) is now in the gradebook on disk."""


def pytest_grader_not_graded(config, student: str) -> None:
    """The grader failed on ``student``'s submission: no record; a rerun grades it."""
