"""Chapter 1: RMSprop on MNIST with a learning rate too large (0.5) or too small (1e-6).

The original setting: pixels / 255, 784 -> Dense(100, relu) -> Dense(10, softmax),
one-hot labels, categorical cross-entropy, batch 100, 30 epochs, seed 777. Here the
output layer gives logits and the loss takes them (``from_logits=True``): the same
model and the same loss, computed exactly on every backend. With a softmax output a rate
of 0.1 or 0.5 saturates the softmax; TensorFlow still computes that loss from the
logits, but on JAX and PyTorch the clipped probabilities stop the training (the
chapter's last section; ``benchmarks/backend_results.py``, BENCHMARKS.md section 2).
"""
from __future__ import annotations

from dlcourse.data import load_scaled
from dlcourse.experiments import declare, table
from dlcourse.models import mlp
from dlcourse.profiles import RunSettings
from dlcourse.training import Run, evaluated, train_classifier

EXTREMES = (0.5, 1e-6)
CONTROL = 1e-3
SWEEP = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.5)


def experiment_id(learning_rate: float) -> str:
    return f"mnist_rmsprop_lr_{learning_rate:g}"


MAIN = EXTREMES + (CONTROL,)
LR_POST = "post_learning_rate"   # a key of dlcourse.sources
PUBLISHED = {0.5: {"test_loss": [(4.290, LR_POST)], "test_accuracy": [(0.3456, LR_POST)]},
             1e-6: {"test_loss": [(1.021, LR_POST)], "test_accuracy": [(0.8087, LR_POST)]}}


def train(learning_rate: float, settings: RunSettings, seed: int, output: str = "logits") -> Run:
    """Train the MNIST MLP with RMSprop at ``learning_rate``; scores are on the test set.
    ``output="softmax"``: the seeds' softmax output and probability loss instead."""
    import keras

    data = load_scaled("mnist", settings, flatten=True, one_hot_labels=True)
    return train_classifier(
        lambda: mlp((784,), output=output), data, settings, seed,
        optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
        loss=keras.losses.CategoricalCrossentropy(from_logits=output == "logits"),
        scores=evaluated("test"))


def output_comparison(learning_rate: float = 0.1, seed: int = 777) -> dict:
    """The quick profile's run at ``learning_rate`` twice, with a softmax output and with
    logits, on this process's backend (``dlcourse.backend.call_on`` for the others):
    where a large rate saturates the softmax, only TensorFlow still trains the former."""
    import keras

    from dlcourse.profiles import Profile

    settings = Profile("quick").settings("mnist_lr")
    found = {"backend": keras.backend.backend()}
    for output in ("softmax", "logits"):
        found[output] = train(learning_rate, settings, seed, output=output).scores
    return found


def dead_fraction(model, x) -> float:
    """Share of the hidden ReLU units that output zero for every one of the images ``x``:
    units that a too-large step killed, since no gradient reaches them any more."""
    import keras

    hidden = keras.Model(model.inputs, model.layers[0].output)
    activations = hidden.predict(x, batch_size=1000, verbose=0)
    return float((activations.max(axis=0) <= 0).mean())


def initial_weights(seed: int) -> list:
    """The weights :func:`train` starts from with ``seed``, before any step (the
    exercises measure how far a run moved from them)."""
    import keras

    from dlcourse.training import build_classifier

    return build_classifier(lambda: mlp((784,), output="logits"),
                            keras.optimizers.RMSprop(), seed).get_weights()


def largest_change(model, seed: int) -> float:
    """The largest distance any single weight of ``model`` moved from its start."""
    import numpy as np

    return float(max(np.abs(np.asarray(w) - w0).max()
                     for w, w0 in zip(model.get_weights(), initial_weights(seed))))


# The main rates first, as the chapter's table shows them; the sweep only its accuracy.
for _lr in MAIN + tuple(r for r in SWEEP if r not in MAIN):
    declare(experiment_id(_lr), train, _lr, metrics=("test_loss", "test_accuracy"),
            label=f"lr {_lr:g}" if _lr in MAIN else f"lr {_lr:g} (sweep)",
            settings="mnist_lr" if _lr in MAIN else "mnist_lr_sweep",
            shown=None if _lr in MAIN else ("test_accuracy",), references=PUBLISHED.get(_lr))

TABLE = table("learning_rate")
