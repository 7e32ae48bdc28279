"""Plots the chapters share, so each chapter shows its figures in one line."""
from __future__ import annotations

import numpy as np


def show_images(x, y, class_names=None, *, n=10, title=None):
    """A row of the first ``n`` images with their labels."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(1.2 * n, 1.6))
    for ax, image, label in zip(axes, x[:n], np.asarray(y).reshape(-1)[:n]):
        ax.imshow(image, cmap="binary" if image.ndim == 2 else None)
        ax.set_title(class_names[label] if class_names else str(label), fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def plot_histories(histories: dict, metric: str = "loss", *, validation: bool = True,
                   ax=None, title=None):
    """One learning curve per named ``keras.callbacks.History`` (or its ``.history`` dict)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for i, (name, history) in enumerate(histories.items()):
        record = getattr(history, "history", history)
        color = f"C{i % 10}"
        epochs = np.arange(1, len(record[metric]) + 1)
        ax.plot(epochs, record[metric], color=color, label=f"{name}")
        if validation and f"val_{metric}" in record:
            ax.plot(epochs, record[f"val_{metric}"], color=color, linestyle="--")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric + (" (dashed: validation)" if validation else ""))
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_sweep(values, scores, *, marked=(), reference_points=None, xlabel="learning rate",
               ylabel="test accuracy", ax=None, title=None, label="this build"):
    """Final score against a hyper-parameter on a log axis, with chosen points marked."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    ax.semilogx(values, scores, "o-", label=label)
    if reference_points:
        xs, ys = zip(*sorted(reference_points.items()))
        ax.semilogx(xs, ys, "s--", color="grey", label="full profile (recorded)")
    for value in marked:
        if value in values:
            score = scores[list(values).index(value)]
            ax.annotate(f"{value:g}", (value, score), textcoords="offset points",
                        xytext=(0, 10), ha="center", color="C3", fontweight="bold")
            ax.plot([value], [score], "o", color="C3", markersize=10, fillstyle="none")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_train_val(histories: dict, metric: str = "loss", *, title=None):
    """One panel per named run, training (solid) against validation (dashed) on a shared
    y axis, the best validation epoch marked: over-fitting shows as the gap between
    the two curves and as a validation curve that turns up."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(histories), figsize=(3.3 * len(histories), 3.4),
                             sharey=True, squeeze=False)
    for i, (ax, (name, history)) in enumerate(zip(axes[0], histories.items())):
        record = getattr(history, "history", history)
        train, valid = record[metric], record[f"val_{metric}"]
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, color=f"C{i % 10}", label="training")
        ax.plot(epochs, valid, color=f"C{i % 10}", linestyle="--", label="validation")
        best = int(np.nanargmin(valid) if "loss" in metric or "entropy" in metric
                   else np.nanargmax(valid))
        ax.plot([epochs[best]], [valid[best]], "o", color=f"C{i % 10}", fillstyle="none",
                markersize=9, label=f"best validation (epoch {epochs[best]})")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel(metric)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_lr_finder(rates, losses, *, marked=None, ax=None, title=None, label="batch loss",
                   **style):
    """Batch loss against a learning rate that grew every batch, on a log axis.

    The y range stops a little above the first loss: the explosion at the largest rates
    would otherwise squash the interesting part, the valley before it.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    rates, losses = np.asarray(rates), np.asarray(losses)
    finite = losses[np.isfinite(losses)]
    ax.semilogx(rates, losses, label=label, **style)
    ax.axhline(finite.min(), color="grey", linewidth=0.8, linestyle=":")
    ax.set_ylim(finite.min() * 0.95, max(finite[0], finite.min()) * 1.3)
    if marked is not None:
        ax.axvline(marked, color="C3", linestyle="--", label=f"chosen peak rate {marked:g}")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_rate_schedule(rates, *, ax=None, title=None, label=None, steps=None, **style):
    """The learning rate a scheduler set at each batch (``steps``: the batch numbers, from
    0, when the rates are a subsample)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    batches = np.arange(1, len(rates) + 1) if steps is None else np.asarray(steps) + 1
    ax.plot(batches, rates, label=label, **style)
    ax.set_xlabel("batch (iteration)")
    ax.set_ylabel("learning rate")
    if label:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def seed_band(curves: list[list]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(epochs, mean, min, max) over seeds' curves of unequal length (early stopping):
    each epoch over the seeds that reached it."""
    longest = max(len(c) for c in curves)
    table = np.full((len(curves), longest), np.nan)
    for i, curve in enumerate(curves):
        table[i, :len(curve)] = [np.nan if v is None else v for v in curve]
    return (np.arange(1, longest + 1), np.nanmean(table, axis=0), np.nanmin(table, axis=0),
            np.nanmax(table, axis=0))


def plot_recorded(experiments: dict[str, str], curve: str, *, ax=None, title=None,
                  build: dict | None = None, build_label: str = "this build",
                  profile: str = "full", log=False, ylabel=None, colors=None):
    """The recorded curves of each labelled experiment (``label -> experiment id``): the
    mean over its seeds with a min–max band, from ``book/results/histories``; and, thin
    and dotted in the same colour, this build's own run (``build``: label -> history).
    ``colors``: label -> colour, to keep one colour per label across panels."""
    import matplotlib.pyplot as plt

    from dlcourse.results import load_histories

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for i, (label, experiment) in enumerate(experiments.items()):
        color = (colors or {}).get(label, f"C{i % 10}")
        seeds = load_histories(experiment, profile)
        curves = [h[curve] for h in seeds.values() if curve in h]
        if curves:
            epochs, mean, low, high = seed_band(curves)
            ax.plot(epochs, mean, color=color, label=f"{label} ({profile}, {len(curves)} seeds)")
            ax.fill_between(epochs, low, high, color=color, alpha=0.2, linewidth=0)
        history = (build or {}).get(label)
        if history is not None:
            values = getattr(history, "history", history).get(curve)
            if values:
                ax.plot(np.arange(1, len(values) + 1), values, color=color, linestyle=":",
                        marker=".", linewidth=1)
    if build:
        ax.plot([], [], color="grey", linestyle=":", marker=".", linewidth=1, label=build_label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel or curve.replace("_", " "))
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_seeds(experiment: str, curve: str = "val_accuracy", *, ax=None, title=None,
               kept_by: str | None = "val_loss", build=None, build_label: str = "this build",
               profile: str = "full", color="C0", ylabel=None):
    """Each recorded seed's curve of one experiment, thin, with a star at the epoch early
    stopping kept (the lowest ``kept_by``; None: no early stopping), and this build's own
    run (``build``: a history) dotted. Where the seeds part, the spread is the seeds'."""
    import matplotlib.pyplot as plt

    from dlcourse.results import load_histories
    from dlcourse.training import kept_epoch

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    seeds = load_histories(experiment, profile)
    for i, (seed, history) in enumerate(sorted(seeds.items())):
        values = history.get(curve)
        if not values:
            continue
        shade = 0.45 + 0.55 * i / max(1, len(seeds) - 1)
        line, = ax.plot(np.arange(1, len(values) + 1), values, color=color, alpha=shade,
                        linewidth=1.2, label=f"seed {seed}")
        kept = kept_epoch(history, kept_by) if kept_by else None
        if kept:
            ax.plot([kept], [values[kept - 1]], marker="*", markersize=11, color=line.get_color(),
                    markeredgecolor="black", linestyle="none")
    if kept_by:
        ax.plot([], [], marker="*", markersize=11, color=color, markeredgecolor="black",
                linestyle="none", label=f"kept (lowest {kept_by.replace('_', ' ')})")
    if build is not None:
        values = getattr(build, "history", build).get(curve)
        if values:
            ax.plot(np.arange(1, len(values) + 1), values, color="grey", linestyle=":",
                    marker=".", linewidth=1, label=build_label)
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel or curve.replace("val_", "validation ").replace("_", " "))
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title)
    return ax
