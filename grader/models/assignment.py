"""A model assignment: a network the student trains and saves, graded by the three or
four checks of :mod:`grader.checks.models` on data :mod:`grader.models.data` prepares."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignments import registry
from grader.assignments.spec import Assignment
from grader.checks.models import model_tests
from grader.config import Limits
from grader.models import data, runtime_files


@dataclass(frozen=True)
class ModelAssignment(Assignment):
    """A network the student trains and saves as ``model_file``. The grader loads the
    file itself (Keras's safe mode, in a process that never runs student code), checks
    it is the network ``architecture`` asks for, and scores it on held-out images the
    notebook never loads. Its three tests (:mod:`grader.checks.models`) need no list.

    The threshold is this course's own recorded mean of ``threshold_from`` (experiment,
    metric) in the active profile, less ``margin`` (:mod:`grader.models.thresholds`). The notebook
    trains with the ``settings_key`` entry of ``dlcourse.profiles``; run again for
    grading it trains on the quick slices and saves to :attr:`grading_file`, whose model
    must beat ``trains_above``.

    Opt-ins: ``split_from`` names the ``dlcourse.experiments`` module whose ``split``
    the notebook trains on (default: the dataset's first chapter's); ``gap_from`` adds a
    fourth test, ``test_gap``: the saved model's cross-entropy on held-out images less
    that on its training images is at most the mean of these records (``(experiment,
    metric)`` pairs; :func:`grader.models.thresholds.max_gap`)."""

    tests: dict = field(default_factory=dict)
    dataset: str = ""
    settings_key: str = ""
    model_file: str = ""
    threshold_from: tuple[str, str] = ("", "")
    margin: float = 0.0
    architecture: dict = field(default_factory=dict)
    trains_above: float = 0.0
    split_from: str = ""
    gap_from: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "tests", model_tests(self))

    @property
    def grading_file(self) -> str:
        stem, dot, suffix = self.model_file.rpartition(".")
        return f"{stem}.grading.{suffix}"

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.grading_file,)

    def required_files(self, limits: Limits) -> dict[str, int]:
        return {**super().required_files(limits), self.model_file: limits.model_bytes}

    def preflight(self) -> None:
        data.heldout_data(self), data.training_data(self)

    def write_runtime(self, folder: Path, *, files: bool) -> None:
        """The file checks' image sets (never their labels), or what the set-up cell
        asks for in grading mode: the answers and the training slice."""
        if files:
            (folder / "images").mkdir()
            for name in ("validation", "heldout") + (("training",) if self.gap_from else ()):
                runtime_files.link(runtime_files.image_file(self, name),
                                   folder / "images" / f"{name}.npy")
        else:
            (folder / "assignment.json").write_text(json.dumps(data.grading_job(self)))
            runtime_files.link(runtime_files.training_file(self), folder / "training.npz")


def model_assignment(name: str) -> ModelAssignment:
    """The model assignment called ``name`` (for the notebook API, which knows names)."""
    found = registry.get(name)
    if not isinstance(found, ModelAssignment):
        raise KeyError(f"{name!r} is not a model assignment")
    return found
