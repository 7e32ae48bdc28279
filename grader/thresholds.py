"""The accuracy a model assignment asks for, from this course's own measured runs."""
from __future__ import annotations

import math

from dlcourse.profiles import current_profile
from dlcourse.results import RESULTS_PATH, find_record, load_records
from grader.assignment import model_assignment


def threshold(assignment: str, profile: str | None = None, path=RESULTS_PATH) -> float:
    """The recorded mean of the assignment's ``threshold_from`` in ``profile`` (default:
    the active one) less its ``margin``, rounded down to 0.01."""
    spec = model_assignment(assignment)
    profile = profile or current_profile().name
    experiment, metric = spec.threshold_from
    record = find_record(load_records(path), experiment, metric, profile)
    if record is None:
        raise LookupError(
            f"no {profile}-profile record of {experiment} {metric} in {path}: run "
            f"`python -m dlcourse.reproduce --profile {profile} {experiment}` first")
    return math.floor(round((record["mean"] - spec.margin) * 100, 6)) / 100
