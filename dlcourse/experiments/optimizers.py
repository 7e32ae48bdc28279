"""Chapter 2: seven optimizers on Fashion-MNIST, same model, same data, same epochs.

The original setting: pixels / 255, an 80/20 train/validation split of the training set
with ``random_state=42``, Flatten -> Dense(100, relu) -> Dense(10, softmax), sparse
categorical cross-entropy, 5 epochs, Keras's default batch size (32) and each
optimizer's default learning rate.
"""
from __future__ import annotations

from dlcourse.datasets import load_data
from dlcourse.data import head, scale
from dlcourse.experiments import declare, table
from dlcourse.models import mlp
from dlcourse.profiles import RunSettings
from dlcourse.training import Run, last_epoch, train_classifier


def optimizers() -> dict:
    """Name -> a factory of a fresh optimizer (one object per model, never shared)."""
    import keras

    o = keras.optimizers
    return {
        "SGD": lambda: o.SGD(),
        "Momentum": lambda: o.SGD(momentum=0.9),
        "Nesterov": lambda: o.SGD(momentum=0.9, nesterov=True),
        "Adagrad": lambda: o.Adagrad(),
        "RMSprop": lambda: o.RMSprop(),
        "Adam": lambda: o.Adam(),
        "Nadam": lambda: o.Nadam(),
    }


NAMES = ("SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam", "Nadam")


def split(settings: RunSettings | None = None):
    """The 80/20 split of the Fashion-MNIST training set (``random_state=42``), scaled."""
    from sklearn.model_selection import train_test_split

    (x, y), _ = load_data("fashion_mnist")
    x_train, x_valid, y_train, y_valid = train_test_split(x, y, test_size=0.2, random_state=42)
    if settings is not None:
        x_train, y_train = head(x_train, y_train, settings.train_size)
        x_valid, y_valid = head(x_valid, y_valid, settings.test_size)
    return (scale(x_train), y_train), (scale(x_valid), y_valid)


def train(name: str, settings: RunSettings, seed: int) -> Run:
    return train_classifier(lambda: mlp((28, 28)), split(settings), settings, seed,
                            optimizer=optimizers()[name](),
                            scores=last_epoch("train_accuracy", "val_loss", "val_accuracy"))


def experiment_id(name: str) -> str:
    return f"fashion_{name.lower()}"


OPT_POST = "the original post (optimizers on Fashion-MNIST)"
PUBLISHED = {"Adam": {"train_accuracy": [(0.8860, OPT_POST)], "val_loss": [(0.3354, OPT_POST)],
                      "val_accuracy": [(0.8782, OPT_POST)]}}

# Adam first, with every score the post published; the others by validation accuracy.
for _name in ("Adam", *(n for n in NAMES if n != "Adam")):
    declare(experiment_id(_name), train, _name, label=_name, settings="fashion_optimizers",
            metrics=("train_accuracy", "val_loss", "val_accuracy"),
            shown=None if _name in PUBLISHED else ("val_accuracy",),
            references=PUBLISHED.get(_name))

TABLE = table("optimizers")
