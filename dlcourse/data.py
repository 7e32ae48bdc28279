"""Turn raw dataset arrays into model inputs, sliced to the run profile's sizes."""
from __future__ import annotations

import numpy as np

from dlcourse.datasets import load_data
from dlcourse.profiles import RunSettings


def head(x: np.ndarray, y: np.ndarray, n: int | None):
    """The first ``n`` examples (all of them when ``n`` is None)."""
    return (x, y) if n is None else (x[:n], y[:n])


def scale(x: np.ndarray, *, flatten: bool = False) -> np.ndarray:
    """Pixels to float32 in [0, 1], optionally one row per image."""
    x = x.astype("float32") / 255.0
    return x.reshape(len(x), -1) if flatten else x


def one_hot(y: np.ndarray, n_classes: int = 10) -> np.ndarray:
    return np.eye(n_classes, dtype="float32")[np.asarray(y).reshape(-1)]


def load_scaled(name: str, settings: RunSettings | None = None, *, flatten: bool = False,
                one_hot_labels: bool = False):
    """Load ``name``, cut it to the profile's sizes and scale the pixels to [0, 1]."""
    (x_train, y_train), (x_test, y_test) = load_data(name)
    if settings is not None:
        x_train, y_train = head(x_train, y_train, settings.train_size)
        x_test, y_test = head(x_test, y_test, settings.test_size)
    y_train, y_test = y_train.reshape(-1), y_test.reshape(-1)
    if one_hot_labels:
        y_train, y_test = one_hot(y_train), one_hot(y_test)
    return (scale(x_train, flatten=flatten), y_train), (scale(x_test, flatten=flatten), y_test)
