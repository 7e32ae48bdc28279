"""Plots the chapters share, so each chapter shows its figures in one line.

Every figure of the book goes through :func:`panels` (at most two panels a row, at a
width the page shows unscaled) and :func:`show` (SVG, a caption under it and an alt
text read back from the plotted data), with its legend outside the data
(:func:`legend_outside`) and one colour per name for a whole chapter (:func:`color_for`).
"""
from __future__ import annotations

import base64
import html
import io
import math

import numpy as np

# Inches; matplotlib's SVG is 72 pt per inch, which the browser shows at 4/3 px per pt,
# so 7.2 in is 691 CSS px: the book's content column at 1280 px shows it unscaled.
WIDTH = 7.2
ONE_PANEL_WIDTH = 5.4  # a single panel at 518 px: on a 390 px phone it keeps ~10 px text
MAX_COLUMNS = 2
# Font sizes in pt (x 4/3 = px at natural size): >= 9 px wherever the page shows them.
STYLE = {"font.size": 10, "axes.titlesize": 10.5, "axes.labelsize": 10, "xtick.labelsize": 9,
         "ytick.labelsize": 9, "legend.fontsize": 9, "figure.titlesize": 11,
         # Transparent, so the page's own background (light or dark) shows through.
         "figure.facecolor": "none", "axes.facecolor": "none", "savefig.facecolor": "none",
         "savefig.transparent": True, "savefig.dpi": 150, "svg.hashsalt": "dlcourse"}
NEUTRAL = "grey"  # this build's runs, references: not a variant of the chapter
PALETTE = [f"C{i}" for i in range(10)]
_colors: dict[str, str] = {}


def book_style() -> None:
    """The book's rcParams, and SVG for any figure the inline backend shows by itself.
    Chapters call it through :func:`dlcourse.report.glue_environment`."""
    import matplotlib

    matplotlib.rcParams.update(STYLE)
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        set_matplotlib_formats("svg")
    except Exception:  # not in IPython (tests, scripts): nothing to configure
        pass


def color_for(name: str) -> str:
    """The colour of ``name`` for the whole chapter (one kernel): the first name asked
    for gets C0, the next C1, ..., and a name keeps its colour in every later figure."""
    if name not in _colors:
        _colors[name] = PALETTE[len(_colors) % len(PALETTE)]
    return _colors[name]


def reset_colors(names=()) -> None:
    """Forget the assigned colours, then assign ``names`` in this order."""
    _colors.clear()
    for name in names:
        color_for(name)


def panels(n: int = 1, *, height: float | None = None, sharey=False, sharex=False):
    """A figure of ``n`` panels, at most :data:`MAX_COLUMNS` a row, with constrained
    layout (so a legend outside the axes gets its own room). Returns (fig, flat axes)."""
    import matplotlib.pyplot as plt

    book_style()
    cols = min(n, MAX_COLUMNS)
    rows = math.ceil(n / cols)
    width = WIDTH if cols > 1 else ONE_PANEL_WIDTH
    fig, axes = plt.subplots(rows, cols, figsize=(width, height or 3.2 * rows + 0.6),
                             layout="constrained", squeeze=False, sharey=sharey, sharex=sharex)
    for ax in axes.flat[n:]:
        ax.remove()
    return fig, list(axes.flat[:n])


def _neutral(handle):
    """A legend key with the handle's line style and marker, in grey: for keys that
    mean the same in every panel while the panels' colours differ."""
    from matplotlib.lines import Line2D

    if not isinstance(handle, Line2D):
        return handle
    return Line2D([], [], color=NEUTRAL, linestyle=handle.get_linestyle(),
                  marker=handle.get_marker(), markersize=handle.get_markersize(),
                  fillstyle=handle.get_fillstyle(), linewidth=handle.get_linewidth())


def legend_outside(fig, *, neutral=(), ncols=None, axes=None):
    """One legend for the whole figure, below the axes where it covers no data: the
    axes' legends are removed and their entries merged, one per label. ``neutral``:
    labels whose keys are drawn in grey (they mean the same in every panel); ``axes``:
    the panels whose entries it lists (default: all)."""
    entries = {}
    for ax in fig.axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if axes is None or ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                entries.setdefault(label, handle)
    if not entries:
        return None
    handles = [_neutral(h) if label in neutral else h for label, h in entries.items()]
    longest = max(len(label) for label in entries)
    ncols = ncols or max(1, min(len(entries), 3 if longest < 28 else 2 if longest < 45 else 1))
    return fig.legend(handles, list(entries), loc="outside lower center", ncols=ncols,
                      frameon=False)


def _number(value) -> str:
    value = float(value)
    return "nan" if not math.isfinite(value) else f"{value:.3g}"


def _series(line, along_epochs: bool) -> str:
    """A line as words: its final (last finite) value, or each point of a short sweep."""
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    finite = np.isfinite(y)
    if not finite.any():
        return f"{line.get_label()} has no finite value"
    if not along_epochs and len(y) <= 8:
        points = ", ".join(f"{x[i]:g}: {_number(y[i])}" for i in range(len(y)))
        return f"{line.get_label()} ({points})"
    last = np.flatnonzero(finite)[-1]
    return f"{line.get_label()} ends at {_number(y[last])}"


def describe(fig) -> str:
    """Alt text from what the figure plots: per panel its title (or y label) and each
    labelled series with its final value (for a short sweep: every point)."""
    parts = []
    labels = [ax.get_title() for ax in fig.axes if ax.images and ax.get_title()]
    if labels:
        title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
        parts.append(f"{title or 'images'}, {len(labels)} images labelled " + ", ".join(labels))
    for ax in fig.axes:
        lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")
                 and len(line.get_xdata()) > 0]
        if not lines:
            continue
        xlabel = ax.get_xlabel()
        along = any(word in xlabel for word in ("epoch", "batch", "step", "pass", "share"))
        what = ax.get_title() or ax.get_ylabel() or "values"
        if ax.get_ylabel() and ax.get_ylabel() not in what:
            what = f"{what}, {ax.get_ylabel()}"
        if xlabel:
            what += f" against {xlabel}"
        parts.append(f"{what}: " + "; ".join(_series(line, along) for line in lines))
    return ". ".join(parts) + ("." if parts else "")


def figure_html(fig, caption: str, alt: str) -> str:
    """The figure as an HTML <figure>: an SVG <img> (as a data URI: a notebook output
    has no file of its own) with its alt text, and the caption under it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    wide = fig.get_figwidth() > ONE_PANEL_WIDTH + 0.1  # two panels a row
    classes = "dl-figure" + (" dl-wide" if wide else "") + (
        " dl-photo" if any(im.get_array().ndim == 3 for ax in fig.axes for im in ax.images)
        else "")
    # On a phone a two-panel figure is wider than the column: its frame scrolls, so the
    # keyboard must reach it and a screen reader must name it (axe's scrollable-region rule).
    return (f'<figure class="{classes}"><div class="dl-figure-frame" tabindex="0" role="region" '
            f'aria-label="figure: {html.escape(caption)}">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}"></div>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def show(fig, caption: str, *, alt: str | None = None) -> None:
    """Display ``fig`` with ``caption`` under it and ``alt`` (default: :func:`describe`)
    as its alt text, then close it so the inline backend does not show it again."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    if not fig.legends:
        legend_outside(fig)
    alt = alt or describe(fig) or caption
    display({"text/html": figure_html(fig, caption, alt), "text/plain": caption}, raw=True)
    plt.close(fig)



def _axes(ax):
    """``ax``, or the one panel of a new book figure."""
    return ax if ax is not None else panels(1)[1][0]


def show_images(x, y, class_names=None, *, n=10, title=None):
    """The first ``n`` images in two rows, each titled with its label (thumbnails, not
    plots: five a row keeps them large enough on a phone)."""
    import matplotlib.pyplot as plt

    book_style()
    cols = math.ceil(n / 2)
    fig, axes = plt.subplots(2, cols, figsize=(ONE_PANEL_WIDTH, 2.6), layout="constrained",
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    # Photos are not inverted in dark mode (figures.css): their text is mid grey, which
    # reads on the light page and on the dark one.
    text = {"color": "#808080"} if np.asarray(x[:1]).ndim == 4 else {}
    for ax, image, label in zip(axes.flat, x[:n], np.asarray(y).reshape(-1)[:n]):
        ax.imshow(image, cmap="binary" if image.ndim == 2 else None)
        ax.set_title(class_names[label] if class_names else str(label), fontsize=9, **text)
    if title:
        fig.suptitle(title, **text)
    return fig


def plot_histories(histories: dict, metric: str = "loss", *, validation: bool = True,
                   ax=None, title=None):
    """One learning curve per named ``keras.callbacks.History`` (or its ``.history`` dict),
    each name in its chapter colour (:func:`color_for`); validation dashed."""
    ax = _axes(ax)
    for name, history in histories.items():
        record = getattr(history, "history", history)
        epochs = np.arange(1, len(record[metric]) + 1)
        ax.plot(epochs, record[metric], color=color_for(name), label=f"{name}")
        if validation and f"val_{metric}" in record:
            ax.plot(epochs, record[f"val_{metric}"], color=color_for(name), linestyle="--",
                    label=f"{name}, validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric + (" (dashed: validation)" if validation else ""))
    if title:
        ax.set_title(title)
    return ax


def plot_sweep(values, scores, *, marked=(), reference_points=None, xlabel="learning rate",
               ylabel="test accuracy", ax=None, title=None, label="this build"):
    """Final score against a hyper-parameter on a log axis, with chosen points marked."""
    ax = _axes(ax)
    ax.semilogx(values, scores, "o-", label=label, color=color_for(label))
    if reference_points:
        xs, ys = zip(*sorted(reference_points.items()))
        ax.semilogx(xs, ys, "s--", color=NEUTRAL, label="full profile (recorded)")
    for value in marked:
        if value in values:
            score = scores[list(values).index(value)]
            ax.annotate(f"{value:g}", (value, score), textcoords="offset points",
                        xytext=(0, 10), ha="center", fontweight="bold")
            ax.plot([value], [score], "o", color="black", markersize=11, fillstyle="none")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def best_epoch(values, metric: str) -> int:
    """The index of the best value: the lowest of a loss, the highest of anything else."""
    lower = "loss" in metric or "entropy" in metric
    return int(np.nanargmin(values) if lower else np.nanargmax(values))


def plot_train_val(histories: dict, metric: str = "loss", *, title=None):
    """One panel per named run (two a row), training (solid) against validation (dashed)
    on a shared y axis, the best validation epoch marked: over-fitting shows as the gap
    between the two curves and as a validation curve that turns up. Each run in its
    chapter colour; one legend below, its keys in grey (they mean the same in each panel)."""
    fig, axes = panels(len(histories), sharey=True)
    for ax, (name, history) in zip(axes, histories.items()):
        record = getattr(history, "history", history)
        train, valid = record[metric], record[f"val_{metric}"]
        epochs = np.arange(1, len(train) + 1)
        color = color_for(name)
        ax.plot(epochs, train, color=color, label="training")
        ax.plot(epochs, valid, color=color, linestyle="--", label="validation")
        best = best_epoch(valid, metric)
        ax.plot([epochs[best]], [valid[best]], "o", color=color, fillstyle="none",
                markersize=9, label="best validation epoch")
        ax.set_title(f"{name} (best epoch {epochs[best]})")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in axes[::MAX_COLUMNS]:
        ax.set_ylabel(metric)
    if title:
        fig.suptitle(title)
    legend_outside(fig, neutral=("training", "validation", "best validation epoch"))
    return fig


def plot_lr_finder(rates, losses, *, marked=None, ax=None, title=None, label="batch loss",
                   **style):
    """Batch loss against a learning rate that grew every batch, on a log axis.

    The y range stops a little above the first loss: the explosion at the largest rates
    would otherwise squash the interesting part, the valley before it.
    """
    ax = _axes(ax)
    rates, losses = np.asarray(rates), np.asarray(losses)
    finite = losses[np.isfinite(losses)]
    style.setdefault("color", color_for(label))
    ax.semilogx(rates, losses, label=label, **style)
    ax.axhline(finite.min(), color=NEUTRAL, linewidth=0.8, linestyle=":")
    ax.set_ylim(finite.min() * 0.95, max(finite[0], finite.min()) * 1.3)
    if marked is not None:
        ax.axvline(marked, color="black", linestyle="--", label=f"chosen peak rate {marked:g}")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss")
    if title:
        ax.set_title(title)
    return ax


def plot_rate_schedule(rates, *, ax=None, title=None, label=None, steps=None, **style):
    """The learning rate a scheduler set at each batch (``steps``: the batch numbers, from
    0, when the rates are a subsample)."""
    ax = _axes(ax)
    batches = np.arange(1, len(rates) + 1) if steps is None else np.asarray(steps) + 1
    if label:
        style.setdefault("color", color_for(label))
    ax.plot(batches, rates, label=label, **style)
    ax.set_xlabel("batch (iteration)")
    ax.set_ylabel("learning rate")
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
                  profile: str = "full", log=False, ylabel=None, colors=None, linestyle="-"):
    """The recorded curves of each labelled experiment (``label -> experiment id``): the
    mean over its seeds with a min–max band, from ``book/results/histories``; and, thin
    and dotted in the same colour, this build's own run (``build``: label -> history).
    Each label in its chapter colour (:func:`color_for`) unless ``colors`` names one."""
    from matplotlib.ticker import MaxNLocator

    from dlcourse.results import load_histories

    ax = _axes(ax)
    for label, experiment in experiments.items():
        color = (colors or {}).get(label) or color_for(label)
        seeds = load_histories(experiment, profile)
        curves = [h[curve] for h in seeds.values() if curve in h]
        if curves:
            epochs, mean, low, high = seed_band(curves)
            ax.plot(epochs, mean, color=color, linestyle=linestyle,
                    label=f"{label} ({profile}, {len(curves)} seeds)")
            ax.fill_between(epochs, low, high, color=color, alpha=0.2, linewidth=0)
        history = (build or {}).get(label)
        if history is not None:
            values = getattr(history, "history", history).get(curve)
            if values:
                ax.plot(np.arange(1, len(values) + 1), values, color=color, linestyle=":",
                        marker=".", linewidth=1)
    if build:
        ax.plot([], [], color=NEUTRAL, linestyle=":", marker=".", linewidth=1, label=build_label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel or curve.replace("_", " "))
    if title:
        ax.set_title(title)
    return ax


def plot_seeds(experiment: str, curve: str = "val_accuracy", *, ax=None, title=None,
               kept_by: str | None = "val_loss", build=None, build_label: str = "this build",
               profile: str = "full", color=None, ylabel=None):
    """Each recorded seed's curve of one experiment, thin, with a star at the epoch early
    stopping kept (the lowest ``kept_by``; None: no early stopping), and this build's own
    run (``build``: a history) dotted. Where the seeds part, the spread is the seeds'.
    The seeds' keys are for :func:`legend_outside` with ``neutral`` (grey)."""
    from matplotlib.ticker import MaxNLocator

    from dlcourse.results import load_histories
    from dlcourse.training import kept_epoch

    ax = _axes(ax)
    color = color or color_for(title or experiment)
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
            ax.plot(np.arange(1, len(values) + 1), values, color=NEUTRAL, linestyle=":",
                    marker=".", linewidth=1, label=build_label)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel or curve.replace("val_", "validation ").replace("_", " "))
    if title:
        ax.set_title(title)
    return ax
