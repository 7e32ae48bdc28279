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
