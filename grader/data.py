"""The notebook API of a model assignment's data, by name: what its set-up cell imports
(``from grader.data import training_data, ...``). Each call finds the assignment once,
here at the edge, and hands the object to :mod:`grader.models.data`. In the grader's
sandbox the same names are answered from files instead (:mod:`grader.inside.notebook_facade`).
"""
from __future__ import annotations

from dlcourse.profiles import RunSettings
from grader.models import data, thresholds
from grader.models.assignment import model_assignment
from grader.models.data import GRADING_CLASSES, MNIST_VALID, grading, grading_labels  # noqa: F401


def training_settings(assignment: str) -> RunSettings:
    return data.training_settings(model_assignment(assignment))


def model_path(assignment: str) -> str:
    return data.model_path(model_assignment(assignment))


def max_gap(assignment: str, profile: str | None = None) -> float:
    """The bound on the saved model's generalisation gap, here too so that a set-up cell
    imports it from the module the sandbox answers."""
    return thresholds.max_gap(model_assignment(assignment), profile)


def grading_job(assignment: str) -> dict:
    return data.grading_job(model_assignment(assignment))


def training_data(assignment: str, *, graded_sizes: bool = True, grading_mode: bool | None = None):
    return data.training_data(model_assignment(assignment), graded_sizes=graded_sizes,
                              grading_mode=grading_mode)


def heldout_data(assignment: str):
    return data.heldout_data(model_assignment(assignment))
