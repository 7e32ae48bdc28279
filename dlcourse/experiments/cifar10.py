"""Chapter 6: a deep network on CIFAR-10 (Hands-On ML 2nd ed., ch. 11, exercise 8).

The setting of the handson-ml2 solution: validation set = the first 5,000 training images,
training set = the other 45,000; 20 hidden Dense(100) layers after Flatten, softmax
output, sparse categorical cross-entropy, batch 32, up to 100 epochs with early stopping
(patience 20) on the validation loss. (a)-(c) see the raw pixel values (0-255, as float);
(d)-(f) see pixels standardised with the training set's per-pixel mean and deviation, as
SELU's self-normalisation assumes. Rates: Nadam 5e-5 (a), the best of a search (b), 5e-4
with batch normalisation (c), 7e-4 with SELU (d), 5e-4 with alpha dropout (e); SGD with a
1cycle schedule peaking at 0.05, batch 128, 15 epochs (f).
"""
from __future__ import annotations

import dataclasses
import math
import tempfile
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from dlcourse.datasets import load_data
from dlcourse.experiments import declare, table
from dlcourse.models import output_layer
from dlcourse.profiles import RunSettings
from dlcourse.seeding import seed_everything
from dlcourse.training import Run, build_classifier, evaluated, fit, train_classifier

N_VALID = 5000
DEPTH, UNITS = 20, 100
SEARCH_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
HANDSON_RATE = 5e-5          # (a): the rate handson-ml2 settled on after its search
BN_RATE, SELU_RATE, ALPHA_RATE = 5e-4, 7e-4, 5e-4
ALPHA_DROPOUT = 0.1
ONE_CYCLE_MAX_RATE = 0.05    # handson-ml2's peak, read off its learning-rate finder plot
FINDER_RATES = (1e-5, 10.0)


# ------------------------------------------------------------------------------ data

@lru_cache(maxsize=1)
def _load():
    (x, y), _ = load_data("cifar10")
    return x, y.reshape(-1)


def split(settings: RunSettings | None = None, *, standardize: bool = False):
    """``((x_train, y_train), (x_valid, y_valid))``: validation = the first 5,000 training
    images, training = the rest, each cut to the profile's ``train_size``/``test_size``.

    Pixels stay on their raw 0-255 scale (as float32), as handson-ml2 feeds (a)-(c);
    ``standardize`` centres and scales each pixel with the training slice's mean and
    deviation, which SELU needs to self-normalise (d)-(f).
    """
    x, y = _load()
    x_train, y_train, x_valid, y_valid = x[N_VALID:], y[N_VALID:], x[:N_VALID], y[:N_VALID]
    if settings is not None:
        x_train, y_train = x_train[:settings.train_size], y_train[:settings.train_size]
        x_valid, y_valid = x_valid[:settings.test_size], y_valid[:settings.test_size]
    x_train, x_valid = x_train.astype("float32"), x_valid.astype("float32")
    if standardize:
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        x_train, x_valid = (x_train - mean) / std, (x_valid - mean) / std
    return (x_train, y_train), (x_valid, y_valid)


# ---------------------------------------------------------------------------- models

def elu_he_net(depth: int = DEPTH, units: int = UNITS, *, output: str = "logits"):
    """(a): Flatten -> 20 x Dense(100, ELU, He normal) -> Dense(10), its logits (the loss
    takes them with ``from_logits=True``; ``output="softmax"``: handson-ml2's softmax
    output instead).

    Fed raw 0-255 pixels, this network's first outputs are huge. The cross-entropy of a
    softmax output is then computed exactly only on TensorFlow, where Keras quietly takes
    the softmax's logits; JAX and PyTorch take the logarithm of the probabilities
    clipped to 1e-7, which leaves nearly every sample without a gradient, and the network
    never leaves 10 % (``benchmarks/softmax_loss_backends.py``, the chapter's numbers).
    Logits and ``from_logits=True`` give the exact loss on every backend."""
    import keras

    layers = [keras.Input((32, 32, 3)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(units, activation="elu", kernel_initializer="he_normal")
               for _ in range(depth)]
    return keras.Sequential(layers + [output_layer(output)], name="elu_he")


def softmax_trap(n_images: int = 32, seed: int = 42, clip: float = 1e-7) -> dict:
    """One SGD step of (a)'s network on its first training batch of raw pixels, built
    twice from the same initial weights: with a softmax output and the probability loss,
    and with logits and ``from_logits=True``. Per kind, the loss Keras reports and how
    far the step moved the weights; besides, the exact cross-entropy (from the logits,
    in float64) and the share of images whose true class gets a probability under
    Keras's clip. Run it on each backend (``dlcourse.backend.call_on``): the chapter's
    lesson on logits is the difference."""
    import keras

    (x, y), _ = split()
    x, y = x[:n_images], y[:n_images]
    found = {"backend": keras.backend.backend()}
    for kind in ("softmax", "logits"):
        seed_everything(seed)
        model = elu_he_net(output=kind)
        model.compile(optimizer=keras.optimizers.SGD(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=kind == "logits"))
        before = [np.array(w) for w in model.get_weights()]
        if kind == "logits":
            logits = np.asarray(model.predict(x, verbose=0), "float64")
        loss = float(model.train_on_batch(x, y))
        moved = max(float(np.abs(a - b).max()) for a, b in zip(model.get_weights(), before))
        found[kind] = {"loss": loss, "largest_weight_change": moved}
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted[np.arange(len(y)), y] - np.log(np.exp(shifted).sum(axis=1))
    found["exact_loss"] = float(-log_p.mean())
    found["below_clip"] = float(np.mean(log_p < np.log(clip)))
    found["clipped_loss_floor"] = float(-np.log(clip))
    return found


def batchnorm_net(depth: int = DEPTH, units: int = UNITS, *, output: str = "softmax"):
    """(c): as handson-ml2, BN after Flatten and between each Dense and its ELU (the Dense
    layers need no activation of their own, and BN's shift makes their bias redundant,
    but handson-ml2 keeps it, so we do)."""
    import keras

    layers = [keras.Input((32, 32, 3)), keras.layers.Flatten(),
              keras.layers.BatchNormalization()]
    for _ in range(depth):
        layers += [keras.layers.Dense(units, kernel_initializer="he_normal"),
                   keras.layers.BatchNormalization(), keras.layers.Activation("elu")]
    return keras.Sequential(layers + [output_layer(output)], name="batchnorm")


def selu_net(depth: int = DEPTH, units: int = UNITS, alpha_dropout: float = 0.0):
    """(d), and (e)/(f) with ``alpha_dropout``: SELU with LeCun normal weights, a plain
    stack of Dense layers (self-normalisation needs nothing else in between), and
    optionally AlphaDropout before the output, which keeps the mean and variance SELU
    relies on where ordinary dropout would shift them."""
    import keras

    layers = [keras.Input((32, 32, 3)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(units, activation="selu", kernel_initializer="lecun_normal")
               for _ in range(depth)]
    if alpha_dropout:
        layers.append(keras.layers.AlphaDropout(alpha_dropout))
    return keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")],
                            name="selu_alpha_dropout" if alpha_dropout else "selu")


def nadam_model(builder, learning_rate: float, seed: int, **kwargs):
    """A freshly seeded, built and compiled network with its own Nadam optimizer."""
    import keras

    return build_classifier(partial(builder, **kwargs), keras.optimizers.Nadam(learning_rate),
                            seed)


class Restartable:
    """One compiled network that can start over from its initial weights with a fresh
    optimizer, at any learning rate.

    Tracing the training step of a 20-layer network with Nadam costs seconds of CPU,
    more than a short search run itself, so the search restarts one compiled model
    instead of building seven. :meth:`restart` puts back the initial weights *and* every
    optimizer variable (moments, step count), and re-seeds, so each run is a fresh model
    in all but the Python object. :meth:`continue_with` changes only the rate and keeps
    everything else, which is what reusing a model object across rates amounts to.
    """

    def __init__(self, builder, seed: int, **kwargs):
        from dlcourse.callbacks import snapshot_state

        self.seed = seed
        self.model = nadam_model(builder, SEARCH_RATES[0], seed, **kwargs)
        # Build the loss and metrics now (an evaluation changes no weight): Keras on JAX
        # builds them in the first fit from a peek at a training batch, which draws one
        # more shuffle from NumPy, so the first run after a restart would see another
        # order than every later one.
        self.model.evaluate(np.zeros((1, *self.model.input_shape[1:]), "float32"),
                            np.zeros((1,), "int64"), verbose=0)
        self.initial = snapshot_state(self.model)

    def restart(self, learning_rate: float):
        from dlcourse.callbacks import restore_state

        seed_everything(self.seed)
        restore_state(self.model, self.initial)
        self.model.optimizer.learning_rate.assign(learning_rate)
        return self.model

    def continue_with(self, learning_rate: float):
        self.model.optimizer.learning_rate.assign(learning_rate)
        return self.model


# -------------------------------------------------------------------------- training

def train(model, data, settings: RunSettings, *, checkpoint_dir=None) -> Run:
    """Fit with early stopping on the validation loss (patience from the profile),
    keeping the best epoch's weights, and checkpoint the best model as ``.keras``.

    ``restore_best_weights`` leaves the best weights in memory; the checkpoint is what a
    long run leaves on disk should it be cut short (a temporary directory unless
    ``checkpoint_dir`` is given). Scores are the restored model's on the validation set.
    """
    import keras

    from dlcourse.callbacks import EpochTimer

    timer = EpochTimer()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(checkpoint_dir or tmp) / f"{model.name}.keras"
        callbacks = [keras.callbacks.EarlyStopping(patience=settings["patience"],
                                                   restore_best_weights=True),
                     keras.callbacks.ModelCheckpoint(path, save_best_only=True), timer]
        run = train_classifier(model, data, settings, callbacks=callbacks, scores=evaluated())
    run.history.update(epoch_seconds=timer.seconds, epoch_cpu_seconds=timer.cpu_seconds)
    return run


def seconds_per_epoch(run: Run, *, cpu: bool = False) -> float:
    """Median wall-clock (or ``cpu``) seconds of an epoch, leaving out the first, which
    includes tracing, when there are others."""
    seconds = run.history["epoch_cpu_seconds" if cpu else "epoch_seconds"]
    return float(np.median(seconds[1:] if len(seconds) > 1 else seconds))


def lr_search(net: Restartable, data, settings: RunSettings, rates=SEARCH_RATES, *,
              fresh: bool = True) -> dict[float, Run]:
    """Train ``settings["lr_search_epochs"]`` epochs at each rate, in increasing order.

    ``fresh=False`` reproduces the original post's mistake: one model goes on from rate
    to rate, so each rate starts where the previous one left the weights and the
    optimizer's moments.
    """
    runs = {}
    for i, rate in enumerate(rates):
        model = net.restart(rate) if fresh or i == 0 else net.continue_with(rate)
        runs[rate] = train_classifier(model, data, settings, epochs=settings["lr_search_epochs"])
    return runs


def best_rate(runs: dict[float, Run]) -> float:
    """The rate whose run ended with the highest validation accuracy."""
    scores = {rate: run.scores["val_accuracy"] for rate, run in runs.items()}
    return max(scores, key=lambda rate: -1.0 if math.isnan(scores[rate]) else scores[rate])


def inside_view(model, x) -> dict:
    """What a network looks like from inside, on the images ``x``, layer by layer.

    ``spread``: per hidden layer, how much its outputs vary from image to image (the mean
    over units of their standard deviation across images): where it falls to nothing, the
    layers above can no longer tell the images apart. ``saturated``: per hidden layer, the
    share of ELU units at their floor of -1 for every image, where their gradient (e^z)
    is nil. ``classes``: images per predicted class.
    """
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    probe = keras.Model(model.inputs[0], [layer.output for layer in dense])
    outputs = probe.predict(x, batch_size=1000, verbose=0)
    return {
        "spread": [float(out.std(axis=0).mean()) for out in outputs[:-1]],
        "saturated": [float((out.max(axis=0) < -0.99).mean()) for out in outputs[:-1]],
        "classes": np.bincount(outputs[-1].argmax(axis=1), minlength=10),
    }


def damage_carriers(net: Restartable, data, settings: RunSettings, rate: float) -> dict:
    """Which part of a reused model carries the damage: train ``lr_search_epochs`` epochs
    at ``rate`` from each mix of its current (reused) or initial weights with its current
    or a fresh optimizer state. ("reused", "reused") is what the original post did next."""
    from dlcourse.callbacks import restore_state, snapshot_state

    (x_train, y_train), validation = data
    current = snapshot_state(net.model)
    runs = {}
    for weights_name, weights in (("reused", current[0]), ("initial", net.initial[0])):
        for optimizer_name, optimizer in (("reused", current[1]), ("fresh", net.initial[1])):
            seed_everything(net.seed)
            restore_state(net.model, (weights, optimizer))
            net.model.optimizer.learning_rate.assign(rate)
            runs[(weights_name, optimizer_name)] = fit(
                net.model, x_train, y_train, settings, validation_data=validation,
                epochs=settings["lr_search_epochs"])
    return runs


def train_batchnorm(settings: RunSettings, seed: int) -> Run:
    return train(nadam_model(batchnorm_net, BN_RATE, seed), split(settings), settings)


def train_selu(settings: RunSettings, seed: int) -> Run:
    return train(nadam_model(selu_net, SELU_RATE, seed), split(settings, standardize=True),
                 settings)


_ALPHA_RUNS: dict = {}


def train_alpha_dropout(settings: RunSettings, seed: int) -> Run:
    """(e). Remembered per (settings, seed), so the MC-dropout experiment reuses the
    model trained here instead of training the same network a second time."""
    key = (repr(settings), seed)
    if key not in _ALPHA_RUNS:
        model = nadam_model(selu_net, ALPHA_RATE, seed, alpha_dropout=ALPHA_DROPOUT)
        _ALPHA_RUNS.clear()  # keep one trained model, not one per call
        _ALPHA_RUNS[key] = train(model, split(settings, standardize=True), settings)
    return _ALPHA_RUNS[key]


def mc_dropout_model(model):
    """A model sharing ``model``'s layers and weights in which AlphaDropout stays active
    at inference (handson-ml2's ``MCAlphaDropout`` trick): every ``predict`` draws a new
    dropout mask, while every other layer behaves as at inference."""
    import keras

    class MCAlphaDropout(keras.layers.AlphaDropout):
        def call(self, inputs, training=None):
            return super().call(inputs, training=True)

    return keras.Sequential([MCAlphaDropout(layer.rate)
                             if isinstance(layer, keras.layers.AlphaDropout) else layer
                             for layer in model.layers], name="mc_" + model.name)


def mc_predict(model, x, n_samples: int) -> np.ndarray:
    """``n_samples`` stochastic predictions, shape (n_samples, len(x), classes)."""
    mc_model = mc_dropout_model(model)
    return np.stack([mc_model.predict(x, batch_size=1000, verbose=0) for _ in range(n_samples)])


def accuracy(probabilities, y) -> float:
    return float((np.argmax(probabilities, axis=-1) == np.asarray(y).reshape(-1)).mean())


def accuracy_by_passes(samples, y) -> np.ndarray:
    """The accuracy of MC dropout's mean of the first 1, 2, ..., n passes of ``samples``
    (as :func:`mc_predict` returns them): how many passes the average needs."""
    means = np.cumsum(samples, axis=0) / np.arange(1, len(samples) + 1)[:, None, None]
    return (means.argmax(axis=-1) == np.asarray(y).reshape(-1)).mean(axis=1)


def smoothed(losses, beta: float = 0.98) -> np.ndarray:
    """A learning-rate finder's batch losses as an exponential moving average, corrected
    for its start at zero (as fastai's finder smooths them), to read the curve's shape
    through the noise of single batches."""
    values, average = [], 0.0
    for i, loss in enumerate(np.asarray(losses, "float64"), start=1):
        average = beta * average + (1 - beta) * loss
        values.append(average / (1 - beta ** i))
    return np.array(values)


def train_one_cycle(settings: RunSettings, seed: int, *, max_rate: float = ONE_CYCLE_MAX_RATE):
    """(f): the SELU + alpha dropout network with plain SGD. One epoch of the finder
    (which leaves the model as it found it), then the 1cycle run with the same compiled
    model. Returns ``(finder_rates, finder_losses, run, scheduler)``."""
    import keras

    from dlcourse.callbacks import EpochTimer, OneCycleScheduler, find_learning_rate

    data = split(settings, standardize=True)
    (x_train, y_train), _ = data
    model = build_classifier(partial(selu_net, alpha_dropout=ALPHA_DROPOUT),
                             keras.optimizers.SGD(), seed)
    rates, losses = find_learning_rate(model, x_train, y_train, batch_size=settings.batch_size,
                                       min_rate=FINDER_RATES[0], max_rate=FINDER_RATES[1])
    seed_everything(seed)
    iterations = math.ceil(len(x_train) / settings.batch_size) * settings.epochs
    scheduler, timer = OneCycleScheduler(iterations, max_rate=max_rate), EpochTimer()
    run = train_classifier(model, data, settings, callbacks=[scheduler, timer])
    run.history.update(epoch_seconds=timer.seconds, epoch_cpu_seconds=timer.cpu_seconds)
    return rates, losses, run, scheduler


# ------------------------------------------------------------------------ registry

HANDSON, CIFAR_POST = "geron2019", "post_cifar10"   # keys of dlcourse.sources


def _declare(id, train=None, *, label, settings="cifar10_deep", references=(),
             metrics=("val_accuracy",)):
    """Every part is scored by its validation accuracy, beside handson-ml2's (and the post's)."""
    return declare(id, train, label=label, settings=settings, metrics=metrics,
                   shown=("val_accuracy",), references={"val_accuracy": list(references)})


@_declare("cifar10_a_elu_he", label="(a) ELU + He, Nadam 5e-5", references=[(0.476, HANDSON)])
def train_elu_he(settings: RunSettings, seed: int) -> Run:
    data, net = split(settings), Restartable(elu_he_net, seed)
    return train(net.restart(HANDSON_RATE), data, settings)


# (b) also records the rate its search picked, for the chapter to quote.
@_declare("cifar10_b_nadam_search", label="(b) rate from the search",
          references=[(0.476, HANDSON)], metrics=("best_rate", "val_accuracy"))
def train_searched(settings: RunSettings, seed: int) -> Run:
    data, net = split(settings), Restartable(elu_he_net, seed)
    rate = best_rate(lr_search(net, data, settings))
    run = train(net.restart(rate), data, settings)
    run.scores["best_rate"] = rate
    return run


_declare("cifar10_c_batchnorm", train_batchnorm, label="(c) batch norm",
         references=[(0.540, HANDSON), (0.525, CIFAR_POST)])
_declare("cifar10_d_selu", train_selu, label="(d) SELU",
         references=[(0.479, HANDSON), (0.479, CIFAR_POST)])
_declare("cifar10_e_alpha_dropout", train_alpha_dropout, label="(e) alpha dropout",
         references=[(0.489, HANDSON), (0.487, CIFAR_POST)])


@_declare("cifar10_e_mc_dropout", label="(e) MC dropout", references=[(0.489, HANDSON)])
def train_mc_dropout(settings: RunSettings, seed: int) -> Run:
    """(e)'s trained model, scored by the mean of ``mc_samples`` MC-dropout predictions."""
    run = train_alpha_dropout(settings, seed)
    _, (x_valid, y_valid) = split(settings, standardize=True)
    probabilities = mc_predict(run.model, x_valid, settings["mc_samples"]).mean(axis=0)
    return dataclasses.replace(run, scores={"val_accuracy": accuracy(probabilities, y_valid)})


@_declare("cifar10_f_1cycle", label="(f) 1cycle", settings="cifar10_1cycle",
          references=[(0.520, HANDSON)])
def train_one_cycle_run(settings: RunSettings, seed: int) -> Run:
    """The run, with its finder's curve and its per-batch rates kept for the records."""
    finder_rates, finder_losses, run, scheduler = train_one_cycle(settings, seed)
    run.finder, run.rates = (finder_rates, finder_losses), scheduler.rates
    return run


TABLE = table("cifar10")
