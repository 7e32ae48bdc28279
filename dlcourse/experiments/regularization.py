"""Chapter 5: over-fitting on a small training set, and four ways to hold it back.

The setting: the first few thousand Fashion-MNIST training images, a 2 × 300 ReLU MLP
that can memorise them, Adam at its default rate; validation on 10,000 other training
images (the last ones of the training split, never trained on), so the test split stays
untouched even though early stopping chooses its epoch on the validation set.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from dlcourse.data import head, scale
from dlcourse.datasets import load_data
from dlcourse.experiments import declare, table
from dlcourse.profiles import RunSettings
from dlcourse.training import Run, evaluate, train_classifier

NAMES = ("baseline", "l2", "l1", "dropout", "early_stopping")
LABELS = {"baseline": "baseline", "l2": "L2(0.01)", "l1": "L1(0.001) kernel + activity",
          "dropout": "Dropout(0.5)", "early_stopping": "early stopping"}
L2 = 0.01
L1_KERNEL, L1_ACTIVITY = 1e-3, 1e-3
HIDDEN = (300, 300)
VALIDATION_START = 50000  # validation images: the training split from here on
CHECKPOINT = "best.keras"


def split(settings: RunSettings | None = None):
    """Training images from the start of the training split, validation images from its
    end (``VALIDATION_START`` on), each cut to the profile's size and scaled."""
    (x, y), _ = load_data("fashion_mnist")
    x_train, y_train = x[:VALIDATION_START], y[:VALIDATION_START]
    x_val, y_val = x[VALIDATION_START:], y[VALIDATION_START:]
    if settings is not None:
        x_train, y_train = head(x_train, y_train, settings.train_size)
        x_val, y_val = head(x_val, y_val, settings.test_size)
    return (scale(x_train), y_train), (scale(x_val), y_val)


def build(name: str, *, l2: float = L2):
    """The 2 × 300 MLP with the regulariser ``name`` (early stopping and the baseline
    share the plain model: early stopping acts on training, not on the network);
    ``l2``: the factor of the L2 variant (the exercises try others)."""
    import keras

    reg = keras.regularizers
    kernel = {"l2": reg.L2(l2), "l1": reg.L1(L1_KERNEL)}.get(name)
    activity = reg.L1(L1_ACTIVITY) if name == "l1" else None
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in HIDDEN:
        layers.append(keras.layers.Dense(units, activation="relu", kernel_regularizer=kernel,
                                         activity_regularizer=activity))
        if name == "dropout":
            layers.append(keras.layers.Dropout(0.5))
    layers.append(keras.layers.Dense(10, activation="softmax", kernel_regularizer=kernel))
    return keras.Sequential(layers, name=name)


def train(name: str, settings: RunSettings, seed: int, *, checkpoint_dir=None,
          l2: float = L2) -> Run:
    """Train variant ``name``; the scores are of the final model (for early stopping the
    restored best one), measured in inference mode on the whole training slice and the
    validation set, without the penalty terms, so all five compare like for like.

    Early stopping writes its best model to ``checkpoint_dir``/best.keras (a temporary
    folder, deleted afterwards, when none is given). ``l2``: the L2 variant's factor.
    """
    import keras

    if name not in NAMES:
        raise ValueError(f"unknown variant {name!r}; choose one of {', '.join(NAMES)}")
    if name == "early_stopping" and checkpoint_dir is None:
        with tempfile.TemporaryDirectory() as folder:
            return train(name, settings, seed, checkpoint_dir=folder, l2=l2)
    callbacks = []
    if name == "early_stopping":
        callbacks = [
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings["patience"],
                                          restore_best_weights=True),
            keras.callbacks.ModelCheckpoint(str(Path(checkpoint_dir) / CHECKPOINT),
                                            monitor="val_loss", save_best_only=True),
        ]
    # "crossentropy" is the data term alone; "loss" also holds the L1/L2 penalties.
    # Validation in batches of 1,000: in the training batch size (32) it would cost more
    # than the training steps themselves on a CPU.
    return train_classifier(
        lambda: build(name, l2=l2), split(settings), settings, seed, optimizer=keras.optimizers.Adam(),
        metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="crossentropy")],
        callbacks=callbacks, validation_batch_size=1000, scores=_scores)


def _scores(run: Run, data) -> dict:
    (x_train, y_train), (x_val, y_val) = data
    on_train, on_val = evaluate(run.model, x_train, y_train), evaluate(run.model, x_val, y_val)
    return {"train_accuracy": on_train["accuracy"], "val_accuracy": on_val["accuracy"],
            "train_crossentropy": on_train["crossentropy"],
            "val_crossentropy": on_val["crossentropy"],
            "loss_gap": on_val["crossentropy"] - on_train["crossentropy"],
            "calibrated_loss_gap": calibrated_loss_gap(run.model, data),
            "accuracy_gap": on_train["accuracy"] - on_val["accuracy"]}


def calibrated_loss_gap(model, data) -> float:
    """The gap of ``model``'s cross-entropy once its outputs are recalibrated on the
    validation images (a temperature and a per-class offset,
    :func:`dlcourse.calibration.calibrated_gap`): what a rescaled output layer cannot
    shrink; the regularization assignment's bound is the mean of two of these records."""
    from dlcourse.calibration import calibrated_gap, log_probabilities

    (x_train, y_train), (x_val, y_val) = data
    logs = [log_probabilities(model.predict(x, batch_size=1000, verbose=0))
            for x in (x_train, x_val)]
    return calibrated_gap(logs[0], y_train, logs[1], y_val)["gap"]


def summary(runs: dict) -> str:
    """A text table of the runs' final scores (inference mode, penalties left out)."""
    lines = [f"{'':28s}{'epochs':>7s}{'train acc':>10s}{'val acc':>9s}{'train CE':>10s}"
             f"{'val CE':>8s}{'CE gap':>8s}"]
    for name, run in runs.items():
        s = run.scores
        lines.append(f"{LABELS[name]:28s}{run.epochs_run:7d}{s['train_accuracy']:10.4f}"
                     f"{s['val_accuracy']:9.4f}{s['train_crossentropy']:10.4f}"
                     f"{s['val_crossentropy']:8.4f}{s['loss_gap']:8.4f}")
    return "\n".join(lines)


def best_epoch(run: Run) -> int:
    """The epoch (from 1) with the lowest validation loss: the one early stopping keeps."""
    losses = run.history["val_loss"]
    return losses.index(min(losses)) + 1


def kernels(model) -> list:
    """The Dense layers' weight matrices as NumPy arrays: what the L1 and L2 penalties
    act on (the biases go unpenalised)."""
    import numpy as np

    return [np.asarray(layer.kernel) for layer in model.layers if hasattr(layer, "kernel")]


def active_share(model, x) -> list[float]:
    """Per hidden layer, the mean share of its units whose ReLU output is positive for an
    image (inference mode), by hand in NumPy: what L1's activity penalty pushes down."""
    import numpy as np

    h, shares = np.asarray(x, "float32").reshape(len(x), -1), []
    dense = [layer for layer in model.layers if hasattr(layer, "kernel")]
    for layer in dense[:-1]:
        h = np.maximum(h @ np.asarray(layer.kernel) + np.asarray(layer.bias), 0)
        shares.append(float((h > 0).mean()))
    return shares


def crossentropy(model, x, y, *, training: bool) -> tuple[float, float]:
    """Cross-entropy and accuracy of ``model`` on ``x``, with dropout on (``training``,
    as during ``fit``) or off (as at inference): the two ways to score a dropout net."""
    import keras
    import numpy as np

    p = np.asarray(model(x, training=training))
    return (float(np.mean(keras.losses.sparse_categorical_crossentropy(y, p))),
            float((p.argmax(axis=1) == y).mean()))


def replay_early_stopping(val_losses, patience: int) -> tuple[int, int]:
    """``(kept, stopped)`` epochs (from 1) of EarlyStopping(patience,
    restore_best_weights=True) on a validation-loss curve, replayed by hand: how the
    exercises predict where a run stops without training it."""
    best, kept = float("inf"), 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, kept = loss, epoch
        elif epoch - kept >= patience:
            return kept, epoch
    return kept, len(val_losses)


def experiment_id(name: str) -> str:
    return f"reg_{name}"


SHOWN = ("loss_gap", "val_crossentropy", "val_accuracy")
METRICS = SHOWN + ("calibrated_loss_gap",)  # recorded, not in the chapter's table

for _name in NAMES:
    declare(experiment_id(_name), train, _name, label=LABELS[_name], settings="regularization",
            metrics=METRICS, shown=SHOWN)

TABLE = table("regularization")


def plot_recorded_train_val(runs: dict, *, build_label: str = "this build"):
    """One panel per regulariser (two a row), in its chapter colour as in
    :func:`dlcourse.plotting.plot_train_val`: its recorded full-profile training (solid)
    and validation (dashed) cross-entropy, the mean over the seeds with a min-max band,
    this build's run dotted."""
    from dlcourse.plotting import color_for, legend_outside, panels, plot_recorded

    fig, axes = panels(len(runs), sharey=True)
    for ax, (name, run) in zip(axes, runs.items()):
        for curve, label, style in (("crossentropy", "training", "-"),
                                    ("val_crossentropy", "validation", "--")):
            plot_recorded({label: experiment_id(name)}, curve, ax=ax,
                          colors={label: color_for(LABELS[name])}, linestyle=style,
                          build={label: run.history}, build_label=build_label,
                          title=LABELS[name], ylabel="cross-entropy")
    recorded = [label for label in dict.fromkeys(
        text for ax in axes for text in ax.get_legend_handles_labels()[1])]
    legend_outside(fig, neutral=recorded)
    return fig
