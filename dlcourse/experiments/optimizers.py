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
    return train_with(optimizers()[name](), settings, seed)


def train_with(optimizer, settings: RunSettings, seed: int) -> Run:
    """:func:`train` with any fresh optimizer object instead of a named default (the
    exercises try other rates)."""
    return train_classifier(lambda: mlp((28, 28)), split(settings), settings, seed,
                            optimizer=optimizer,
                            scores=last_epoch("train_accuracy", "val_loss", "val_accuracy"))


def first_step(name: str, x, y, seed: int) -> tuple[list, list]:
    """The gradient of the loss on the batch ``(x, y)`` at the weights :func:`train`
    starts from with ``seed``, and the change one step of optimizer ``name`` makes to
    each weight (the exercises check the update rule by hand)."""
    import keras
    import numpy as np

    from dlcourse.gradients import gradients
    from dlcourse.training import build_classifier

    model = build_classifier(lambda: mlp((28, 28)), optimizers()[name](), seed)
    variables = list(model.trainable_variables)

    def loss(outputs):
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, outputs))
    grads = gradients(model, loss, x, variables)
    before = [np.array(keras.ops.convert_to_numpy(v)) for v in variables]
    model.train_on_batch(x, y)
    return grads, [keras.ops.convert_to_numpy(v) - b for v, b in zip(variables, before)]


def adagrad_rates(model):
    """Every weight's own rate, ``learning_rate / sqrt(accumulator + epsilon)``, in a model
    that Adagrad trained: what its growing sum of squared gradients left of the rate."""
    import keras
    import numpy as np

    optimizer = model.optimizer
    rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    sums = [keras.ops.convert_to_numpy(v).ravel() for v in optimizer.variables
            if v.name.endswith("_accumulator")]
    return rate / np.sqrt(np.concatenate(sums) + optimizer.epsilon)


def experiment_id(name: str) -> str:
    return f"fashion_{name.lower()}"


OPT_POST = "post_optimizers"   # a key of dlcourse.sources
PUBLISHED = {"Adam": {"train_accuracy": [(0.8860, OPT_POST)], "val_loss": [(0.3354, OPT_POST)],
                      "val_accuracy": [(0.8782, OPT_POST)]}}

# Adam first, with every score the post published; the others by validation accuracy.
for _name in ("Adam", *(n for n in NAMES if n != "Adam")):
    declare(experiment_id(_name), train, _name, label=_name, settings="fashion_optimizers",
            metrics=("train_accuracy", "val_loss", "val_accuracy"),
            shown=None if _name in PUBLISHED else ("val_accuracy",),
            references=PUBLISHED.get(_name))

TABLE = table("optimizers")
