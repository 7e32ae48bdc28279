"""The experiments of the book, one module per chapter.

Each experiment id names one training configuration; :data:`REGISTRY` maps it to a
function ``run(settings, seed) -> {metric: value, ..., "epochs_run": n}`` so that
``python -m dlcourse.reproduce`` can record it for the reproduction table, while the
chapters call the same functions to show their curves.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Experiment:
    id: str
    settings_key: str        # the entry of dlcourse.profiles that sizes it
    run: Callable            # run(settings, seed) -> dict of metric values and epochs_run
    metrics: tuple[str, ...]  # the metrics recorded for the table
    chapter: str


REGISTRY: dict[str, Experiment] = {}
CHAPTERS = ("learning_rate", "optimizers", "schedules", "initialization", "regularization",
            "cifar10")  # in the book's order


def scored(train: Callable, *args) -> Callable:
    """A registry ``run`` from a chapter's ``train(*args, settings, seed) -> Run``."""
    def run(settings, seed):
        result = train(*args, settings, seed)
        return {**result.scores, "epochs_run": result.epochs_run}
    return run


def register(experiment: Experiment) -> Experiment:
    REGISTRY[experiment.id] = experiment
    return experiment


def load_all() -> dict[str, Experiment]:
    """Import every chapter's module so that all experiments are registered."""
    import importlib

    for module in CHAPTERS:
        importlib.import_module(f"dlcourse.experiments.{module}")
    return REGISTRY
