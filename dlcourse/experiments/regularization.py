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


def build(name: str):
    """The 2 × 300 MLP with the regulariser ``name`` (early stopping and the baseline
    share the plain model: early stopping acts on training, not on the network)."""
    import keras

    reg = keras.regularizers
    kernel = {"l2": reg.L2(L2), "l1": reg.L1(L1_KERNEL)}.get(name)
    activity = reg.L1(L1_ACTIVITY) if name == "l1" else None
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in HIDDEN:
        layers.append(keras.layers.Dense(units, activation="relu", kernel_regularizer=kernel,
                                         activity_regularizer=activity))
        if name == "dropout":
            layers.append(keras.layers.Dropout(0.5))
    layers.append(keras.layers.Dense(10, activation="softmax", kernel_regularizer=kernel))
    return keras.Sequential(layers, name=name)


def train(name: str, settings: RunSettings, seed: int, *, checkpoint_dir=None) -> Run:
    """Train variant ``name``; the scores are of the final model (for early stopping the
    restored best one), measured in inference mode on the whole training slice and the
    validation set, without the penalty terms, so all five compare like for like.

    Early stopping writes its best model to ``checkpoint_dir``/best.keras (a temporary
    folder, deleted afterwards, when none is given).
    """
    import keras

    if name not in NAMES:
        raise ValueError(f"unknown variant {name!r}; choose one of {', '.join(NAMES)}")
    if name == "early_stopping" and checkpoint_dir is None:
        with tempfile.TemporaryDirectory() as folder:
            return train(name, settings, seed, checkpoint_dir=folder)
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
        lambda: build(name), split(settings), settings, seed, optimizer=keras.optimizers.Adam(),
        metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="crossentropy")],
        callbacks=callbacks, validation_batch_size=1000, scores=_scores)


def _scores(run: Run, data) -> dict:
    (x_train, y_train), (x_val, y_val) = data
    on_train, on_val = evaluate(run.model, x_train, y_train), evaluate(run.model, x_val, y_val)
    return {"train_accuracy": on_train["accuracy"], "val_accuracy": on_val["accuracy"],
            "train_crossentropy": on_train["crossentropy"],
            "val_crossentropy": on_val["crossentropy"],
            "loss_gap": on_val["crossentropy"] - on_train["crossentropy"],
            "accuracy_gap": on_train["accuracy"] - on_val["accuracy"]}


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


def experiment_id(name: str) -> str:
    return f"reg_{name}"


METRICS = ("loss_gap", "val_crossentropy", "val_accuracy")

for _name in NAMES:
    declare(experiment_id(_name), train, _name, label=LABELS[_name], settings="regularization",
            metrics=METRICS)

TABLE = table("regularization")


def plot_recorded_train_val(runs: dict, *, build_label: str = "this build"):
    """One panel per regulariser: its recorded full-profile training and validation
    cross-entropy (the mean over the seeds, min-max band), this build's run dotted."""
    import matplotlib.pyplot as plt

    from dlcourse.plotting import plot_recorded

    fig, axes = plt.subplots(1, len(runs), figsize=(3.6 * len(runs), 3.6), sharey=True,
                             squeeze=False)
    for ax, (name, run) in zip(axes[0], runs.items()):
        for curve, label, color in (("crossentropy", "training", "C0"),
                                    ("val_crossentropy", "validation", "C1")):
            plot_recorded({label: experiment_id(name)}, curve, ax=ax, colors={label: color},
                          build={label: run.history}, build_label=build_label,
                          title=LABELS[name], ylabel="cross-entropy")
        handles, labels = ax.get_legend_handles_labels()
        keep = dict(zip(labels, handles))  # the build's entry once
        ax.legend(keep.values(), keep.keys(), fontsize=7)
    fig.tight_layout()
    return fig
