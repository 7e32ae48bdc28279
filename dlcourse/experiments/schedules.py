"""Chapter 3: learning-rate decay and schedules, compared on one Fashion-MNIST task.

Every schedule drives the same model (the chapter 2 network on the same 80/20 split)
trained with SGD, momentum 0.9, from a base rate of 0.01; only the way the rate moves
changes. A recorder callback logs the rate the optimizer really used at every batch,
so the plots show what happened, not what was meant to happen.
"""
from __future__ import annotations

import math

from dlcourse import schedules
from dlcourse.experiments import declare, table
from dlcourse.experiments.optimizers import split
from dlcourse.models import mlp
from dlcourse.profiles import RunSettings
from dlcourse.training import Run, train_classifier

BASE_RATE = 0.01
ONE_CYCLE_MAX_RATE = 0.05
NAMES = ("constant", "exp_scheduler", "exponential_decay", "piecewise_constant",
         "cosine_restarts", "reduce_on_plateau", "1cycle")


def setup(name: str, steps_per_epoch: int, epochs: int):
    """The optimizer's learning rate (a float or a schedule object) and the callbacks
    that implement schedule ``name``."""
    import keras

    s = keras.optimizers.schedules
    if name == "constant":
        return BASE_RATE, []
    if name == "exp_scheduler":
        return BASE_RATE, [keras.callbacks.LearningRateScheduler(schedules.scheduler_exp,
                                                                 verbose=1)]
    if name == "exponential_decay":
        # A tenfold drop over the whole run; decay_steps counts steps, not epochs.
        return s.ExponentialDecay(BASE_RATE, decay_steps=steps_per_epoch * epochs,
                                  decay_rate=0.1), []
    if name == "piecewise_constant":
        bounds = [steps_per_epoch * max(1, epochs // 5), steps_per_epoch * max(2, 3 * epochs // 5)]
        return s.PiecewiseConstantDecay(bounds, [BASE_RATE, BASE_RATE / 2, BASE_RATE / 10]), []
    if name == "cosine_restarts":
        return s.CosineDecayRestarts(BASE_RATE, first_decay_steps=1000), []
    if name == "reduce_on_plateau":
        return BASE_RATE, [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                             patience=2, verbose=1)]
    if name == "1cycle":
        from dlcourse.callbacks import OneCycleScheduler

        return BASE_RATE, [OneCycleScheduler(steps_per_epoch * epochs,
                                             max_rate=ONE_CYCLE_MAX_RATE)]
    raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(NAMES)}")


def train(name: str, settings: RunSettings, seed: int) -> Run:
    learning_rate, callbacks = setup(name, steps_per_epoch(settings), settings.epochs)
    return train_with(learning_rate, callbacks, settings, seed)


def steps_per_epoch(settings: RunSettings) -> int:
    """Batches per epoch on this profile's training split (schedule objects count these)."""
    return math.ceil(len(split(settings)[0][0]) / settings.batch_size)


def train_with(learning_rate, callbacks, settings: RunSettings, seed: int) -> Run:
    """:func:`train` with any rate (a float or a schedule object) and schedule callbacks
    instead of a named schedule (the exercises try their own)."""
    import keras

    from dlcourse.callbacks import LearningRateRecorder

    data = split(settings)
    recorder = LearningRateRecorder()
    run = train_classifier(lambda: mlp((28, 28)), data, settings, seed,
                           optimizer=keras.optimizers.SGD(learning_rate=learning_rate,
                                                          momentum=0.9),
                           callbacks=[*callbacks, recorder])
    run.rates = recorder.rates
    return run


def experiment_id(name: str) -> str:
    return f"sched_{name}"


for _name in NAMES:
    declare(experiment_id(_name), train, _name, label=_name, settings="fashion_schedules",
            metrics=("val_loss", "val_accuracy"), shown=("val_accuracy",))

TABLE = table("schedules")


def plateau_rates(val_losses, *, rate: float = BASE_RATE, factor: float = 0.5,
                  patience: int = 2, min_delta: float = 1e-4) -> list[float]:
    """The rate of each epoch that ``ReduceLROnPlateau`` (mode min, no cooldown) sets from
    the validation losses ``val_losses``, replayed by hand: the exercises compare it with
    the rates a run recorded."""
    rates, best, wait = [], None, 0
    for loss in val_losses:
        rates.append(rate)
        if best is None or loss < best - min_delta:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                rate, wait = rate * factor, 0
    return rates
