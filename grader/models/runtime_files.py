"""The files a model assignment's sandboxes read, made once per grading process (under
:mod:`grader.host.workspace`) and linked into each submission's ``/runtime``: the grading
run's training slice, and the checks' image sets (never their labels)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from grader.host import workspace
from grader.models import data

_SHARED: dict[str, Path] = {}


def _shared_file(key: str, write) -> Path:
    if key not in _SHARED:
        folder = workspace.folder("shared-")
        path = folder / key
        write(path)
        os.chmod(path, 0o644)
        _SHARED[key] = path
    return _SHARED[key]


def link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy(source, target)


def training_file(assignment) -> Path:
    """The grading run's training data, as one ``.npz`` file: all the sandbox gets of
    the dataset."""
    def write(path):
        import numpy as np

        (x_train, y_train), (x_valid, y_valid) = data.training_data(assignment, grading_mode=True)
        with open(path, "wb") as f:
            np.savez(f, x_train=x_train, y_train=y_train, x_valid=x_valid, y_valid=y_valid)
    return _shared_file(f"{assignment.name}-training.npz", write)


def image_file(assignment, name: str) -> Path:
    """The images (never their labels) of one of the checks' image sets."""
    def write(path):
        import numpy as np

        with open(path, "wb") as f:
            np.save(f, data.image_set(assignment, name)[0])
    return _shared_file(f"{assignment.name}-{name}.npy", write)
