"""The course's one training path, so every chapter trains (and is timed) the same way."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from dlcourse.profiles import RunSettings


@dataclass
class Run:
    """What a training run leaves behind: its curves, its final scores, its cost."""

    history: dict
    seconds: float
    scores: dict = field(default_factory=dict)  # e.g. test_loss, test_accuracy
    model: object = field(default=None, repr=False)  # the trained Keras model

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    def last(self, metric: str) -> float:
        return self.history[metric][-1]

    def best(self, metric: str) -> float:
        values = [v for v in self.history[metric] if not math.isnan(v)]
        if not values:
            return math.nan
        return min(values) if "loss" in metric else max(values)


def fit(model, x, y, settings: RunSettings, *, validation_data=None, callbacks=(),
        epochs: int | None = None, verbose: int = 0) -> Run:
    """``model.fit`` with the profile's epochs and batch size; returns a :class:`Run`."""
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs or settings.epochs, batch_size=settings.batch_size,
                        validation_data=validation_data, callbacks=list(callbacks),
                        verbose=verbose)
    return Run(history=history.history, seconds=time.perf_counter() - start, model=model)


def evaluate(model, x, y, batch_size: int = 1000) -> dict:
    """Loss and metrics on held-out data, as a dict (``loss``, ``accuracy``, ...)."""
    return model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
