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
from dlcourse.experiments import Experiment, register, scored
from dlcourse.models import mlp
from dlcourse.profiles import RunSettings
from dlcourse.seeding import seed_everything
from dlcourse.training import Run, evaluate, fit

EXTREMES = (0.5, 1e-6)
CONTROL = 1e-3
SWEEP = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.5)


def experiment_id(learning_rate: float) -> str:
    return f"mnist_rmsprop_lr_{learning_rate:g}"


MAIN = EXTREMES + (CONTROL,)
# What the chapter's table (and the reproduction page) shows: (experiment, metric, label).
TABLE = [(experiment_id(r), m, f"lr {r:g}") for r in MAIN for m in ("test_loss", "test_accuracy")]
TABLE += [(experiment_id(r), "test_accuracy", f"lr {r:g} (sweep)") for r in SWEEP if r not in MAIN]


def train(learning_rate: float, settings: RunSettings, seed: int, output: str = "logits") -> Run:
    """Train the MNIST MLP with RMSprop at ``learning_rate``; scores are on the test set.
    ``output="softmax"``: the seeds' softmax output and probability loss instead."""
    import keras

    (x_train, y_train), (x_test, y_test) = load_scaled("mnist", settings, flatten=True,
                                                       one_hot_labels=True)
    seed_everything(seed)
    model = mlp((784,), output=output)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=output == "logits"),
                  metrics=["accuracy"])
    run = fit(model, x_train, y_train, settings, validation_data=(x_test, y_test))
    scores = evaluate(model, x_test, y_test)
    run.scores = {"test_loss": scores["loss"], "test_accuracy": scores["accuracy"]}
    return run


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


for _lr in SWEEP:
    register(Experiment(
        id=experiment_id(_lr),
        settings_key="mnist_lr" if _lr in MAIN else "mnist_lr_sweep",
        run=scored(train, _lr), metrics=("test_loss", "test_accuracy"), chapter="learning_rate"))
