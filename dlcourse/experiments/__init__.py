"""The experiments of the book, one module per chapter, each declared once.

:func:`declare` registers an experiment id with everything derived from it: the
``run(settings, seed)`` that ``python -m dlcourse.reproduce`` records, the rows of its
chapter's table (:func:`table`) and of the reproduction page, and its published
references. The chapters call the same train functions to show their curves.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

TOC = Path(__file__).resolve().parents[2] / "_toc.yml"


@dataclass(frozen=True)
class Experiment:
    id: str
    label: str               # its name in the chapter's table
    settings_key: str        # the entry of dlcourse.profiles.SETTINGS that sizes it
    run: Callable            # run(settings, seed) -> {metric: value, ..., "epochs_run": n,
                             #                        "history": {curve: per-epoch values}}
    metrics: tuple[str, ...]  # recorded by reproduce; the last one tells a run is recorded
    shown: tuple[str, ...]    # the metrics its chapter's table shows
    chapter: str
    references: dict = field(default_factory=dict)  # metric -> [(value, source key), ...]

    def __post_init__(self):
        from dlcourse.sources import SOURCES

        unknown = {s for refs in self.references.values() for _, s in refs} - set(SOURCES)
        if unknown:
            raise ValueError(f"{self.id}: sources {sorted(unknown)} are not in dlcourse.sources")
        if not set(self.references) <= set(self.shown) <= set(self.metrics):
            raise ValueError(f"{self.id}: references {sorted(self.references)} must be shown "
                             f"{self.shown}, and shown metrics recorded {self.metrics}")

    def reference(self, metric: str) -> tuple[float | None, str | None]:
        """The primary reference of a metric, or (None, None) when none was published."""
        found = self.references.get(metric)
        return found[0] if found else (None, None)


REGISTRY: dict[str, Experiment] = {}


def declare(id: str, train: Callable | None = None, *args, label: str, settings: str,
            metrics: tuple[str, ...], shown: tuple[str, ...] | None = None,
            references: dict | None = None):
    """Register ``train(*args, settings, seed) -> Run`` (a training.Run with ``scores``)
    as experiment ``id`` of the chapter whose module defines ``train``; without
    ``train``, a decorator that does so. ``shown``: what the table shows (all metrics)."""
    if train is None:
        def decorator(fn):
            declare(id, fn, label=label, settings=settings, metrics=metrics, shown=shown,
                    references=references)
            return fn
        return decorator

    def run(run_settings, seed):
        result = train(*args, run_settings, seed)
        return {**{m: result.scores[m] for m in metrics}, "epochs_run": result.epochs_run,
                "history": curves(result)}

    experiment = Experiment(id=id, label=label, settings_key=settings, run=run,
                            metrics=tuple(metrics), shown=tuple(shown or metrics),
                            chapter=train.__module__.rsplit(".", 1)[-1],
                            references=dict(references or {}))
    REGISTRY[id] = experiment
    return experiment


BATCH_POINTS = 300  # per-batch curves are kept at about this many points


def _subsampled(count: int) -> list[int]:
    """About BATCH_POINTS indices out of ``count``, evenly spaced, the last one kept."""
    stride = max(1, -(-count // BATCH_POINTS))
    steps = list(range(0, count, stride))
    if steps[-1] != count - 1:
        steps.append(count - 1)
    return steps


def curves(result) -> dict[str, list]:
    """A run's per-epoch history; its per-batch learning rate where it recorded one
    (``rates``: a schedule's) and its learning-rate finder's rates and batch losses where
    it ran one (``finder``: ``(rates, losses)``), each subsampled to about BATCH_POINTS
    points (``batch``/``batch_learning_rate``, ``finder_rate``/``finder_loss``)."""
    found = dict(getattr(result, "history", None) or {})
    rates = list(getattr(result, "rates", None) or [])
    if rates:
        found["batch"] = _subsampled(len(rates))
        found["batch_learning_rate"] = [float(rates[i]) for i in found["batch"]]
    finder = getattr(result, "finder", None)
    if finder is not None and len(finder[0]):
        steps = _subsampled(len(finder[0]))
        found["finder_rate"] = [float(finder[0][i]) for i in steps]
        found["finder_loss"] = [float(finder[1][i]) for i in steps]
    return found


def table(chapter: str) -> list[tuple[str, str, str]]:
    """The (experiment, metric, label) rows of a chapter's table, in declaration order."""
    importlib.import_module(f"{__name__}.{chapter}")
    return [(e.id, metric, e.label) for e in REGISTRY.values() if e.chapter == chapter
            for metric in e.shown]


@lru_cache(maxsize=1)
def chapters() -> tuple[str, ...]:
    """The chapters of ``_toc.yml`` that have an experiments module, in the book's order."""
    import yaml

    def files(node):  # every entry's ``file``, at any depth, in the book's order
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                yield node["file"]
            for value in node.values():
                yield from files(value)
        elif isinstance(node, list):
            for item in node:
                yield from files(item)

    here = Path(__file__).parent
    pages = [f.removeprefix("book/") for f in files(yaml.safe_load(TOC.read_text()))]
    return tuple(page for page in pages if "/" not in page and (here / f"{page}.py").exists())


def load_all() -> dict[str, Experiment]:
    """Import every chapter's module so that all experiments are registered."""
    for chapter in chapters():
        importlib.import_module(f"{__name__}.{chapter}")
    return REGISTRY


def find(experiment_id: str) -> Experiment | None:
    return load_all().get(experiment_id)
