"""The book's figures as a reader meets them (issue 30): at most two panels a row, text
that stays readable in the content column, legends off the data, one colour per name in
a chapter, and alt text that says what the data show. Fast: matplotlib's Agg, no build."""
from __future__ import annotations

import base64
import html
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import plotting, results  # noqa: E402
from dlcourse.experiments import initialization as init_exp  # noqa: E402
from dlcourse.experiments import regularization as reg_exp  # noqa: E402

COLUMN_PX = 690  # the book's content column at a 1280 px window (the narrowest it gets)
MIN_TEXT_PX = 9

HISTORIES = {"baseline": {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.8]},
             "L2(0.01)": {"loss": [1.0, 0.6, 0.52], "val_loss": [1.2, 0.66, 0.61]},
             "L1(0.001) kernel + activity": {"loss": [1.3, 0.9, 0.7], "val_loss": [1.4, 1.0, 0.9]},
             "Dropout(0.5)": {"loss": [1.5, 0.8, 0.6], "val_loss": [1.3, 0.75, 0.58]}}


def _recorded(experiment, profile="full", path=None):
    """Three seeds of a recorded run, its curves different per experiment."""
    shift = sum(map(ord, experiment)) % 7 / 10
    curve = [2.0 + shift, 1.2 + shift, 0.9 + shift]
    return {s: {name: [v + s / 100 for v in curve] for name in
                ("loss", "val_loss", "crossentropy", "val_crossentropy", "val_accuracy")}
            for s in (1, 2, 3)}


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(results, "load_histories", _recorded)
    if hasattr(plotting, "reset_colors"):
        plotting.reset_colors()
    yield
    plt.close("all")


def _outputs():
    rng = np.random.default_rng(0)
    return {init: [np.tanh(rng.normal(size=(50, 100)) * 0.6 ** k) for k in range(5)]
            for init in init_exp.INITIALIZERS}


def _runs(names, history):
    return {name: type("Run", (), {"history": history})() for name in names}


REG_HISTORY = {"crossentropy": [1.0, 0.5], "val_crossentropy": [1.1, 0.9]}
RATES = np.geomspace(1e-5, 1, 50)
# Each of the book's plotting helpers, as a chapter calls it: name -> its figure.
FIGURES = {
    "plot_histories": lambda: plotting.plot_histories(
        {"baseline": HISTORIES["baseline"], "early stopping": HISTORIES["L2(0.01)"]}, "loss").figure,
    "plot_sweep": lambda: plotting.plot_sweep(
        [1e-6, 1e-3, 0.5], [0.8, 0.98, 0.31], marked=[1e-6, 0.5],
        reference_points={1e-6: 0.79, 1e-3: 0.979, 0.5: 0.35}).figure,
    "plot_train_val": lambda: plotting.plot_train_val(HISTORIES, "loss"),
    "plot_lr_finder": lambda: plotting.plot_lr_finder(
        RATES, 2.3 - np.log10(RATES) / 10, marked=0.05, label="full, seed 1").figure,
    "plot_rate_schedule": lambda: plotting.plot_rate_schedule(
        np.linspace(0.01, 0.001, 40), label="cosine").figure,
    "plot_recorded": lambda: plotting.plot_recorded(
        {"lr=0.001": "a", "lr=0.5": "b"}, "val_accuracy",
        build={"lr=0.001": {"val_accuracy": [0.9, 0.95]}}).figure,
    "plot_seeds": lambda: plotting.plot_seeds("cifar10_c", "val_accuracy", kept_by=None,
                                              title="(c) batch norm").figure,
    "initialization.plot_grid": lambda: init_exp.plot_grid(_outputs(), "tanh"),
    "initialization.plot_training": lambda: init_exp.plot_training(
        {key: run for key, run in zip(init_exp.TRAINED,
                                      _runs(range(len(init_exp.TRAINED)), HISTORIES["baseline"]).values())}),
    "regularization.plot_recorded_train_val": lambda: reg_exp.plot_recorded_train_val(
        _runs(("baseline", "l2", "l1", "dropout"), REG_HISTORY)),
}


@pytest.fixture(params=list(FIGURES))
def figure(request):
    """(name, figure) of one helper, drawn after the fixtures have set the stage."""
    return request.param, FIGURES[request.param]()


def _finished(fig):
    """The figure as :func:`dlcourse.plotting.show` shows it (its legend placed)."""
    if not fig.legends and hasattr(plotting, "legend_outside"):  # (before issue 30: none)
        plotting.legend_outside(fig)
    fig.canvas.draw()
    return fig


def _series(fig):
    """Every labelled series with data: (label, final finite value)."""
    for ax in fig.axes:
        for line in ax.get_lines():
            y = np.asarray(line.get_ydata(), dtype=float)
            if not line.get_label().startswith("_") and np.isfinite(y).any():
                yield line.get_label(), y[np.isfinite(y)][-1]


def test_alt_text_names_every_series_and_its_final_value(figure):
    name, fig = figure
    alt = plotting.describe(_finished(fig))
    series = list(_series(fig))
    if name == "initialization.plot_grid":
        alt = init_exp.describe_grid(_outputs(), "tanh")
        for label, layers in zip(init_exp.LABELS.values(), _outputs().values()):
            assert label in alt and all(f"{a.std():.2g}" in alt for a in layers), alt
        return
    assert series, f"{name} plots no labelled series"
    for label, last in series:
        assert label in alt, f"{name}: the alt text does not name {label!r}: {alt}"
        assert f"{last:.3g}" in alt, f"{name}: no final value {last:.3g} of {label!r} in {alt}"


def test_the_alt_text_of_a_learning_rate_figure_reads_as_a_sentence():
    fig, (ax,) = plotting.panels(1)
    for rate, acc in (("10⁻³", [0.9, 0.98]), ("10⁻⁶", [0.5, 0.8]), ("0.5", [0.4, 0.31])):
        ax.plot([1, 2], acc, label=rate)
    ax.set(title="test accuracy per epoch", xlabel="epoch")
    assert plotting.describe(fig) == ("test accuracy per epoch against epoch: 10⁻³ ends at "
                                      "0.98; 10⁻⁶ ends at 0.8; 0.5 ends at 0.31.")


def _columns(fig) -> int:
    return len({round(ax.get_position().x0, 2) for ax in fig.axes if ax.get_visible()})


def test_no_figure_has_more_than_two_columns_of_panels(figure):
    name, fig = figure
    assert _columns(_finished(fig)) <= 2, f"{name} has {_columns(fig)} panels a row"


def test_legends_do_not_cover_the_data(figure):
    name, fig = figure
    fig = _finished(fig)
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends, f"{name} has no legend"
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), \
                f"{name}: a legend lies over the data of {ax.get_title() or 'a panel'}"


def test_text_stays_readable_in_the_content_column(figure):
    """Every text at >= 9 px when the page shows the figure at the column's width (or
    its own, if narrower): a figure drawn wide and scaled down has unreadable text."""
    name, fig = figure
    fig = _finished(fig)
    natural_px = fig.get_figwidth() * 96  # the SVG's size in CSS px (72 pt an inch, 4/3 px a pt)
    scale = min(1.0, COLUMN_PX / natural_px)
    for text in fig.findobj(matplotlib.text.Text):
        if text.get_text().strip() and text.get_visible():
            px = text.get_fontsize() * 4 / 3 * scale
            assert px >= MIN_TEXT_PX, f"{name}: {text.get_text()!r} at {px:.1f} px"


def _line_colors(fig, label_part):
    """The colours of the lines of ``label_part`` (in their label or their panel's
    title), leaving out grey: this build's key, the same in every panel."""
    return {matplotlib.colors.to_hex(line.get_color()) for ax in fig.axes
            for line in ax.get_lines() if label_part in ax.get_title() + " " + line.get_label()
            } - {matplotlib.colors.to_hex(plotting.NEUTRAL if hasattr(plotting, "NEUTRAL") else "grey")}


def test_a_name_keeps_its_colour_across_calls():
    first = plotting.plot_histories({"Adam": HISTORIES["baseline"], "SGD": HISTORIES["L2(0.01)"]})
    second = plotting.plot_histories({"SGD": HISTORIES["L2(0.01)"], "Nadam": HISTORIES["baseline"]})
    assert _line_colors(first.figure, "SGD") == _line_colors(second.figure, "SGD")
    assert len(_line_colors(second.figure, "SGD")) == 1
    assert _line_colors(second.figure, "Nadam") != _line_colors(first.figure, "Adam")


def test_the_regularisation_figures_give_a_regulariser_the_same_colour():
    """The chapter's two figures once flipped: C0 was the baseline in the first and the
    training curve in the second."""
    runs = _runs(("baseline", "l2", "l1", "dropout"), REG_HISTORY)
    ours = plotting.plot_train_val({reg_exp.LABELS[n]: REG_HISTORY for n in runs}, "crossentropy")
    recorded = reg_exp.plot_recorded_train_val(runs)
    for name in runs:
        label = reg_exp.LABELS[name]
        colours = _line_colors(ours, label) | _line_colors(recorded, label)
        assert len(colours) == 1, f"{label} is drawn in {colours}"


@pytest.mark.parametrize("shape", [(10, 28, 28), (10, 32, 32, 3)], ids=["grey", "photos"])
def test_sample_images_are_described_by_their_labels(shape):
    x = np.random.default_rng(0).integers(0, 255, shape).astype("uint8")
    fig = plotting.show_images(x, np.arange(10), [f"class {i}" for i in range(10)], title="mnist")
    alt = plotting.describe(fig)
    assert all(f"class {i}" in alt for i in range(10)) and "mnist" in alt, alt
    html_ = plotting.figure_html(fig, "The first ten.", alt)
    assert ("dl-photo" in html_) == (len(shape) == 4)  # photos are not inverted in dark mode


def test_show_writes_an_svg_with_its_alt_text_and_a_caption(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    ax = plotting.plot_sweep([1e-3, 0.5], [0.98, 0.31])
    plotting.show(ax.figure, "Final accuracy per rate.")
    page = shown[0]["text/html"]
    src, alt = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page).groups()
    assert base64.b64decode(src).lstrip().startswith(b"<?xml") and b"<svg" in base64.b64decode(src)
    assert "0.98" in html.unescape(alt) and "0.31" in html.unescape(alt)
    assert "<figcaption>Final accuracy per rate.</figcaption>" in page
