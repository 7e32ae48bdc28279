"""Callbacks that set the learning rate batch by batch (a learning-rate finder, 1cycle),
and an epoch timer.

The rate callbacks assign ``model.optimizer.learning_rate`` before or after every batch,
so they work with any Keras optimizer built with a plain float rate (a
``LearningRateSchedule`` has no variable to assign). The book's chapters, the
assignments and the grader import them from here; the state helpers let a search leave
a model exactly as it found it.
"""
from __future__ import annotations

import math
import time

import keras
import numpy as np

from dlcourse.schedules import one_cycle_rate


def snapshot_state(model) -> tuple[list, list]:
    """Copies of the weights and of every optimizer variable (moments, step count, rate).

    Restoring only the weights, as many learning-rate finders do, leaves behind the moment
    estimates that the largest rates filled with huge values; the next fit inherits them.
    """
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return model.get_weights(), [v.numpy() for v in optimizer.variables]


def restore_state(model, state: tuple[list, list]) -> None:
    """Put back what :func:`snapshot_state` copied."""
    weights, optimizer_values = state
    model.set_weights(weights)
    for variable, value in zip(model.optimizer.variables, optimizer_values):
        variable.assign(value)


class EpochTimer(keras.callbacks.Callback):
    """Seconds of each epoch, validation included: wall-clock (``seconds``) and CPU time
    of this process (``cpu_seconds``), which other jobs on a shared machine barely change.
    Compare epochs after the first: the first also pays for tracing the training step."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start[0])
        self.cpu_seconds.append(time.process_time() - self._start[1])


class LearningRateRecorder(keras.callbacks.Callback):
    """Record, as each batch starts (after any schedule callback listed before it), the
    rate the optimizer holds: the rate that batch really trains with.

    With a ``LearningRateSchedule`` the rate is a function of the optimizer's step
    count, so the recorder keeps the step of each batch and evaluates the schedule once,
    on all of them, when training ends: evaluated one step at a time outside a compiled
    step, ``CosineDecayRestarts`` costs 0.1-0.2 s a call on JAX (its ``ops.cond``
    compiles anew each time; ``benchmarks/schedule_call_cost.py``)."""

    def on_train_begin(self, logs=None):
        self.rates: list[float] = []
        self._steps: list[int] = []
        rate = self.model.optimizer._learning_rate
        self._schedule = rate if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule) else None

    def on_train_batch_begin(self, batch, logs=None):
        if self._schedule is not None:
            self._steps.append(int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)))
        else:
            self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    def on_train_end(self, logs=None):
        if self._schedule is not None and self._steps:
            self.rates += _evaluate(self._schedule, self._steps)
            self._steps = []


def _evaluate(schedule, steps: list[int]) -> list[float]:
    """``schedule`` at every step, in one call where the backend allows it (on PyTorch,
    Keras 3.15's ``PiecewiseConstantDecay`` fails on an array of steps)."""
    try:
        rates = keras.ops.convert_to_numpy(schedule(np.asarray(steps, dtype="float32")))
        return [float(r) for r in np.broadcast_to(rates, (len(steps),))]
    except RuntimeError:
        return [float(keras.ops.convert_to_numpy(schedule(step))) for step in steps]


class ExponentialLearningRate(keras.callbacks.Callback):
    """Multiply the rate by ``factor`` after every batch and record (rate, batch loss).

    Keras reports the mean loss of the epoch so far, not the loss of the last batch; the
    batch's own loss is recovered from two consecutive running means, so the finder's curve
    reacts at the rate that caused it instead of being smeared over the whole epoch.
    Training stops once the loss is no longer finite: nothing after that can be learned.
    """

    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor
        self.rates: list[float] = []
        self.losses: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._sum = 0.0

    def on_train_batch_end(self, batch, logs=None):
        total = logs["loss"] * (batch + 1)
        loss, self._sum = total - self._sum, total
        rate = float(self.model.optimizer.learning_rate.numpy())
        self.rates.append(rate)
        self.losses.append(loss)
        self.model.optimizer.learning_rate.assign(rate * self.factor)
        if not math.isfinite(loss):
            self.model.stop_training = True


def find_learning_rate(model, x, y, *, epochs: int = 1, batch_size: int = 32,
                       min_rate: float = 1e-5, max_rate: float = 10.0):
    """Train ``epochs`` epochs with the rate growing exponentially from ``min_rate`` to
    ``max_rate``; return the rates and batch losses, and leave the model (weights,
    optimizer state and rate) as it was."""
    state = snapshot_state(model)
    iterations = math.ceil(len(x) / batch_size) * epochs
    callback = ExponentialLearningRate((max_rate / min_rate) ** (1 / iterations))
    model.optimizer.learning_rate.assign(min_rate)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, callbacks=[callback], verbose=0)
    restore_state(model, state)
    return np.array(callback.rates), np.array(callback.losses)


class OneCycleScheduler(keras.callbacks.Callback):
    """The 1cycle schedule (Smith, 2018), stepped every batch.

    The rate rises linearly from ``start_rate`` (default ``max_rate / 10``) to ``max_rate``
    over the first half of the cycle, falls back linearly to ``start_rate`` over the second
    half, and in the last ``last_iterations`` batches (default ~10 % of them) drops
    linearly to ``last_rate`` (default ``start_rate / 1000``), where it stays. The high
    middle lets SGD cross flat regions fast; the final annealing settles it in a minimum.
    ``iterations`` is the number of batches the whole run will see. Every rate set is
    appended to ``rates``, one per batch.
    """

    def __init__(self, iterations: int, max_rate: float, start_rate: float | None = None,
                 last_iterations: int | None = None, last_rate: float | None = None):
        super().__init__()
        self.iterations = int(iterations)
        self.max_rate = max_rate
        self.start_rate = max_rate / 10 if start_rate is None else start_rate
        self.last_iterations = (self.iterations // 10 + 1 if last_iterations is None
                                else last_iterations)
        self.last_rate = self.start_rate / 1000 if last_rate is None else last_rate
        self.iteration = 0
        self.rates: list[float] = []

    def rate(self) -> float:
        """The rate of the current iteration (:func:`dlcourse.schedules.one_cycle_rate`)."""
        if self.iteration >= self.iterations:
            return self.last_rate
        return one_cycle_rate(self.iteration, self.iterations, self.max_rate, self.start_rate,
                              self.last_iterations, self.last_rate)

    def on_train_batch_begin(self, batch, logs=None):
        rate = self.rate()
        self.model.optimizer.learning_rate.assign(rate)
        self.rates.append(rate)
        self.iteration += 1


def error_of_a_function_as_callback() -> str:
    """What ``fit`` raises when a schedule function is passed in ``callbacks=`` instead of
    being wrapped in ``LearningRateScheduler`` (a mistake copied from post to post); the
    wording depends on the backend, which calls a different hook first."""
    import keras
    import numpy as np

    from dlcourse.schedules import scheduler_exp

    tiny = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    tiny.compile(optimizer="sgd", loss="mse")
    try:
        tiny.fit(np.zeros((8, 4)), np.zeros((8, 1)), epochs=1, callbacks=[scheduler_exp],
                 verbose=0)
    except Exception as error:  # noqa: BLE001 - the error is what is shown
        return f"{type(error).__name__}: {error}"
    return "no error"
