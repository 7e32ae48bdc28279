"""Chapter 2: seven optimizers on Fashion-MNIST, same model, same data, same epochs.

The original setting: pixels / 255, an 80/20 train/validation split of the training set
with ``random_state=42``, Flatten -> Dense(100, relu) -> Dense(10, softmax), sparse
categorical cross-entropy, 5 epochs, Keras's default batch size (32) and each
optimizer's default learning rate.
"""
from __future__ import annotations

from dlcourse.datasets import load_data
from dlcourse.data import head, scale
from dlcourse.experiments import Experiment, register, scored
from dlcourse.models import mlp
from dlcourse.profiles import RunSettings
from dlcourse.seeding import seed_everything
from dlcourse.training import Run, fit


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
    (x_train, y_train), (x_valid, y_valid) = split(settings)
    seed_everything(seed)
    model = mlp((28, 28))
    model.compile(optimizer=optimizers()[name](), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    run = fit(model, x_train, y_train, settings, validation_data=(x_valid, y_valid))
    run.scores = {"train_accuracy": run.last("accuracy"), "val_loss": run.last("val_loss"),
                  "val_accuracy": run.last("val_accuracy")}
    return run


def experiment_id(name: str) -> str:
    return f"fashion_{name.lower()}"


TABLE = [("fashion_adam", m, "Adam") for m in ("train_accuracy", "val_loss", "val_accuracy")]
TABLE += [(experiment_id(n), "val_accuracy", n) for n in NAMES if n != "Adam"]


for _name in NAMES:
    register(Experiment(id=experiment_id(_name), settings_key="fashion_optimizers",
                        run=scored(train, _name), metrics=("train_accuracy", "val_loss", "val_accuracy"),
                        chapter="optimizers"))
