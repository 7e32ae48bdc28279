"""The accuracy a model assignment asks for, and the bound on its generalisation gap
where it has one, from this course's own measured runs."""
from __future__ import annotations

import math

from dlcourse.profiles import current_profile
from dlcourse.results import RESULTS_PATH, find_record, load_records


def _record(experiment: str, metric: str, profile: str, path) -> dict:
    """The book's record of ``experiment``'s ``metric`` in ``profile``."""
    record = find_record(load_records(path), experiment, metric, profile)
    if record is None:
        raise LookupError(
            f"no {profile}-profile record of {experiment} {metric} in {path}: run "
            f"`python -m dlcourse.reproduce --profile {profile} {experiment}` first")
    return record


def _floor(value: float) -> float:
    return math.floor(round(value * 100, 6)) / 100


def threshold(assignment, profile: str | None = None, path=RESULTS_PATH) -> float:
    """The recorded mean of the assignment's ``threshold_from`` in ``profile`` (default:
    the active one) less its ``margin``, rounded down to 0.01."""
    profile = profile or current_profile().name
    experiment, metric = assignment.threshold_from
    return _floor(_record(experiment, metric, profile, path)["mean"] - assignment.margin)


def max_gap(assignment, profile: str | None = None, path=RESULTS_PATH) -> float:
    """The most a saved model's held-out cross-entropy may exceed its training
    cross-entropy: the mean of the recorded means of the assignment's ``gap_from`` in
    ``profile`` (e.g. halfway between the unregularised network's recorded gap and the
    L2 network's), rounded down to 0.01."""
    if not assignment.gap_from:
        raise LookupError(f"{assignment.name} has no bound on the generalisation gap")
    profile = profile or current_profile().name
    means = [_record(e, m, profile, path)["mean"] for e, m in assignment.gap_from]
    return _floor(sum(means) / len(means))
