"""What a model assignment's set-up cell imports (``grader.data``, ``grader.thresholds``)
as the grader's sandbox provides it: the same names, answered from files the grader
wrote beforehand (``assignment.json``, ``training.npz`` beside the ``grader``
folder), so that the student's process needs neither the datasets (held-out labels
included) nor the course's code and results. Copied into the sandbox as
``grader/data.py``; standard library and NumPy only."""
from __future__ import annotations

import json
from pathlib import Path

_HERE = Path(__file__).resolve().parent.parent


def _job() -> dict:
    return json.loads((_HERE / "assignment.json").read_text())


class Settings:
    """The attributes and ``settings["key"]`` lookups of ``dlcourse.profiles.RunSettings``."""

    def __init__(self, fields: dict):
        self.__dict__.update({k: v for k, v in fields.items() if k != "extra"})
        self.extra = dict(fields.get("extra", {}))

    def __getitem__(self, key):
        return self.extra[key]


def grading() -> bool:
    return True


def training_settings(assignment: str) -> Settings:
    return Settings(_job()["settings"])


def model_path(assignment: str) -> str:
    return _job()["model_path"]


def threshold(assignment: str, profile=None) -> float:
    return _job()["threshold"]


def max_gap(assignment: str, profile=None) -> float:
    return _job()["max_gap"]


def training_data(assignment: str, *, graded_sizes: bool = True):
    import numpy as np

    with np.load(_HERE / "training.npz") as f:
        return (f["x_train"], f["y_train"]), (f["x_valid"], f["y_valid"])
