"""The notebook API of a model assignment's thresholds, by name (``from grader.thresholds
import threshold``): :mod:`grader.models.thresholds` for the assignment called so."""
from __future__ import annotations

from dlcourse.results import RESULTS_PATH
from grader.models import thresholds
from grader.models.assignment import model_assignment


def threshold(assignment: str, profile: str | None = None, path=RESULTS_PATH) -> float:
    return thresholds.threshold(model_assignment(assignment), profile, path)


def max_gap(assignment: str, profile: str | None = None, path=RESULTS_PATH) -> float:
    return thresholds.max_gap(model_assignment(assignment), profile, path)
