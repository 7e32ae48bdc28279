"""The data of the model assignments: what the notebook trains on, and the held-out
images only the grader scores on. One place, so that the notebook, the grader and
nbgrader's autograde all prepare images the same way. Each function takes the
:class:`~grader.models.assignment.ModelAssignment`; the notebook's by-name API is
:mod:`grader.data`."""
from __future__ import annotations

import os

from dlcourse.data import head, scale
from dlcourse.datasets import load_data
from dlcourse.profiles import Profile, RunSettings, current_profile
from grader import config
from grader.models import thresholds

MNIST_VALID = 10_000  # the last 10,000 training images: the learning-rate notebook's validation
# In grading mode the notebook trains on its slice with the classes renamed: class c is
# called GRADING_CLASSES[c] (a shuffled numbering, no class keeps its number), in its
# training and its validation labels alike. A network trained by that run predicts the
# new names; one trained before (the submitted file, copied, re-saved or edited) predicts
# the old ones, so the trains check can tell them apart (grader.checks.models).
GRADING_CLASSES = (3, 8, 5, 0, 9, 1, 7, 2, 4, 6)


def grading() -> bool:
    """Whether the notebook runs to be graded (``$DLCOURSE_GRADING=1``), not by its student."""
    return os.environ.get(config.GRADING_ENV, "").strip() not in ("", "0")


def training_settings(assignment) -> RunSettings:
    """What the notebook trains with: the active profile's settings, the quick profile's
    in grading mode."""
    return _settings(assignment, grading())


def _settings(assignment, quick: bool = False) -> RunSettings:
    profile = Profile("quick") if quick else current_profile()
    return profile.settings(assignment.settings_key)


def model_path(assignment) -> str:
    """Where the notebook saves its model: the file the student submits, or, in grading
    mode, a scratch file beside it (the submitted one stays as it was handed in)."""
    return assignment.grading_file if grading() else assignment.model_file


def grading_job(assignment) -> dict:
    """What the set-up cell's calls return in grading mode, as plain data: the answers
    the grader's sandbox gives the notebook (``grader/inside/notebook_facade.py``)."""
    import dataclasses

    job = {"model_path": assignment.grading_file,
           "threshold": thresholds.threshold(assignment),
           "settings": dataclasses.asdict(_settings(assignment, quick=True))}
    if assignment.gap_from:
        job["max_gap"] = thresholds.max_gap(assignment)
    return job


def training_data(assignment, *, graded_sizes: bool = True, grading_mode: bool | None = None):
    """``((x_train, y_train), (x_valid, y_valid))`` for the notebook, as the chapter feeds
    its network: MNIST flattened and scaled to [0, 1] (train: the first 50,000 training
    images, validation: the last 10,000); Fashion-MNIST scaled, split 80/20 with
    ``random_state=42`` (or the split of the spec's ``split_from`` chapter: regularization's
    keeps the last 10,000 training images for validation); CIFAR-10 raw 0-255 floats,
    validation = the first 5,000. Cut to
    the profile's sizes, the quick profile's in grading mode (``grading_mode``, default:
    :func:`grading`), unless not
    ``graded_sizes``: the checks score on the profile's own validation slice, so that the
    grader and nbgrader's autograde score the same images). Labels are integers; in
    grading mode (with ``graded_sizes``) under the grading run's names of the classes
    (:data:`GRADING_CLASSES`)."""
    quick = grading() if grading_mode is None else grading_mode
    found = _training_data(assignment, quick, graded_sizes)
    if quick and graded_sizes:  # the grading run's slice: its classes renamed
        (x_train, y_train), (x_valid, y_valid) = found
        return (x_train, grading_labels(y_train)), (x_valid, grading_labels(y_valid))
    return found


def grading_labels(y):
    """Labels ``y`` under the grading run's names of the classes (:data:`GRADING_CLASSES`)."""
    import numpy as np

    y = np.asarray(y)
    return np.asarray(GRADING_CLASSES, dtype=y.dtype)[y.astype(int)]


def _training_data(assignment, quick: bool, graded_sizes: bool):
    s = _settings(assignment, quick) if graded_sizes else _settings(assignment)
    if assignment.split_from:  # a chapter's own split (e.g. regularization's: validation last)
        import importlib
        return importlib.import_module(f"dlcourse.experiments.{assignment.split_from}").split(s)
    dataset = assignment.dataset
    if dataset == "mnist":
        (x, y), _ = load_data("mnist")
        x, y = scale(x, flatten=True), y.reshape(-1)
        train = head(x[:-MNIST_VALID], y[:-MNIST_VALID], s.train_size)
        valid = head(x[-MNIST_VALID:], y[-MNIST_VALID:], s.test_size)
        return train, valid
    if dataset == "fashion_mnist":
        from dlcourse.experiments.optimizers import split
        return split(s)
    if dataset == "cifar10":
        from dlcourse.experiments.cifar10 import split
        return split(s)
    raise KeyError(dataset)


def heldout_data(assignment):
    """``(x_test, y_test)``: the official test set, prepared as :func:`training_data`
    prepares its images, cut to the active profile's ``test_size``."""
    dataset = assignment.dataset
    _, (x, y) = load_data(dataset)
    x, y = head(x, y.reshape(-1), _settings(assignment).test_size)
    if dataset == "cifar10":
        return x.astype("float32"), y
    return scale(x, flatten=dataset == "mnist"), y


def image_set(assignment, name: str):
    """One of the checks' image sets of ``assignment`` with its labels, ``(x, y)``:
    ``validation`` (the notebook's own), ``training`` (the notebook's own training
    images) or ``heldout`` (test images it never loads)."""
    if name == "validation":
        return training_data(assignment, graded_sizes=False)[1]
    if name == "training":
        return training_data(assignment, graded_sizes=False)[0]
    return heldout_data(assignment)
