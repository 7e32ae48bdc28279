"""The course's one training path, so every chapter trains (and is timed) the same way."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from dlcourse.models import outputs_logits
from dlcourse.profiles import RunSettings
from dlcourse.seeding import seed_everything


@dataclass
class Run:
    """What a training run leaves behind: its curves, its final scores, its cost."""

    history: dict
    seconds: float
    scores: dict = field(default_factory=dict)  # e.g. test_loss, test_accuracy
    model: object = field(default=None, repr=False)  # the trained Keras model

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    def last(self, metric: str) -> float:
        return self.history[metric][-1]

    def best(self, metric: str) -> float:
        values = [v for v in self.history[metric] if not math.isnan(v)]
        if not values:
            return math.nan
        return min(values) if "loss" in metric else max(values)


# Batches one call of the compiled training function runs (Keras's steps_per_execution):
# it saves the per-batch trip through Python, which dominates small models' steps on a
# CPU; benchmarks/training_throughput.py measured it (BENCHMARKS.md). The batches, their
# order and the arithmetic are unchanged.
STEPS_PER_EXECUTION = 32
_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")


def has_batch_hooks(callbacks) -> bool:
    """Whether a callback acts per batch (a 1cycle schedule, a learning-rate finder):
    those need Keras to come back to Python after every batch."""
    import keras

    base = keras.callbacks.Callback
    return any(getattr(type(cb), hook, None) is not getattr(base, hook)
               for cb in callbacks for hook in _BATCH_HOOKS)


def course_compile_options(callbacks=()) -> dict:
    """The options the course's training path adds to ``model.compile`` (none on
    PyTorch, whose trainer runs one batch per call)."""
    import keras

    if has_batch_hooks(callbacks) or keras.backend.backend() == "torch":
        return {}
    return {"steps_per_execution": STEPS_PER_EXECUTION}


def _use_course_path(model, callbacks) -> None:
    """Set ``steps_per_execution`` on a model compiled with the default (1), before its
    training function is built; undo it for a later fit with per-batch callbacks.

    Either way every compiled function is dropped: Keras builds each one for the number
    of steps set when it is first called and keeps it, so a test step compiled by an
    earlier ``evaluate`` (one batch per call) would, given a group of 32 batches, score
    only the group's first (tests/dlcourse/test_training.py)."""
    wanted = course_compile_options(callbacks).get("steps_per_execution", 1)
    ours = getattr(model, "_course_steps_per_execution", None)
    if model.steps_per_execution == 1 and model.train_function is None and wanted > 1:
        model.steps_per_execution = model._course_steps_per_execution = wanted
    elif ours and model.steps_per_execution == ours and wanted == 1:
        model.steps_per_execution, model._course_steps_per_execution = 1, None
    else:
        return
    model.train_function = model.test_function = model.predict_function = None


def fit(model, x, y, settings: RunSettings, *, validation_data=None, callbacks=(),
        epochs: int | None = None, verbose: int = 0,
        validation_batch_size: int | None = None) -> Run:
    """``model.fit`` with the profile's epochs and batch size, several batches per call
    of the compiled step where no callback needs every batch; returns a :class:`Run`.
    ``validation_batch_size``: evaluate in bigger batches than training (on a CPU a
    validation pass in batches of 32 can cost more than the training steps)."""
    callbacks = list(callbacks)
    _use_course_path(model, callbacks)
    start = time.perf_counter()
    data = {"x": x, "y": y, "batch_size": settings.batch_size}
    if _repeats_the_first_order():
        data = {"x": reshuffled_each_epoch(x, y, settings.batch_size), "shuffle": False}
    history = model.fit(**data, epochs=epochs or settings.epochs,
                        validation_data=validation_data, callbacks=callbacks,
                        validation_batch_size=validation_batch_size, verbose=verbose)
    return Run(history=history.history, seconds=time.perf_counter() - start, model=model)


def _repeats_the_first_order() -> bool:
    """Whether Keras's own ``fit(shuffle=True)`` would show the same order every epoch:
    Keras 3 on TensorFlow does, once a global seed is set (``keras.utils.set_random_seed``,
    which every seeded run of this course calls), as its shuffle is a seeded random op
    inside a ``tf.data`` map that starts over with each epoch's iterator
    (``benchmarks/shuffle_order.py``). Unseeded runs, and JAX and PyTorch, reshuffle."""
    import keras

    return keras.backend.backend() == "tensorflow"


def reshuffled_each_epoch(x, y, batch_size: int):
    """The TensorFlow dataset ``fit`` is meant to see: every epoch a new permutation of
    the examples (seeded by the global seed, so a seeded run repeats), in batches."""
    import tensorflow as tf

    n = len(x)
    x, y = tf.constant(x), tf.constant(y)
    indices = tf.data.Dataset.range(n).shuffle(n, reshuffle_each_iteration=True)
    return (indices.batch(batch_size)
            .map(lambda i: (tf.gather(x, i), tf.gather(y, i)), num_parallel_calls=1)
            .prefetch(2))


def evaluate(model, x, y, batch_size: int = 1000) -> dict:
    """Loss and metrics on held-out data, as a dict (``loss``, ``accuracy``, ...)."""
    return model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)


# ------------------------------------------------------- one classifier, start to end

def compile_classifier(model, optimizer, *, loss=None, metrics=("accuracy",)):
    """``model.compile``; the default loss is the sparse cross-entropy, taken from the
    logits where the network outputs them (:func:`dlcourse.models.output_layer`)."""
    import keras

    if loss is None:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=outputs_logits(model))
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


def build_classifier(build, optimizer, seed: int, *, loss=None, metrics=("accuracy",)):
    """Seed, then build, then compile: the seed must come first, as Keras draws an
    initializer's own seed when the initializer is created, inside ``build()``."""
    seed_everything(seed)
    return compile_classifier(build(), optimizer, loss=loss, metrics=metrics)


def last_epoch(*names: str):
    """Scores read off the history's last epoch (``train_accuracy``: its ``accuracy``)."""
    return lambda run, data: {name: run.last(name.removeprefix("train_")) for name in names}


def kept_epoch(history: dict, monitor: str = "val_loss") -> int | None:
    """The epoch (from 1) whose weights ``EarlyStopping(restore_best_weights=True)`` keeps:
    the lowest ``monitor``, the first of equals, not-a-number and missing values skipped."""
    values = [(v, i) for i, v in enumerate(history.get(monitor) or [], start=1)
              if v is not None and not math.isnan(v)]
    return min(values)[1] if values else None


def evaluated(prefix: str = "val"):
    """Scores of the final model (the restored one, after early stopping) evaluated on
    the validation data: ``<prefix>_loss`` and ``<prefix>_accuracy``."""
    def scores(run, data):
        found = evaluate(run.model, *data[1])
        return {f"{prefix}_loss": found["loss"], f"{prefix}_accuracy": found["accuracy"]}
    return scores


def train_classifier(model, data, settings: RunSettings, seed: int | None = None, *,
                     optimizer=None, loss=None, metrics=("accuracy",), callbacks=(),
                     scores=last_epoch("val_loss", "val_accuracy"), epochs: int | None = None,
                     validation_batch_size: int | None = None) -> Run:
    """Seed, build, compile, fit and score one classifier: every chapter's training run.

    ``model``: a function that builds the network, which :func:`build_classifier`
    seeds, builds and compiles with ``optimizer``, ``loss`` and ``metrics``; or, with no
    ``optimizer``, a network compiled (and seeded) already. ``data``: ``((x_train,
    y_train), validation_data)``. ``scores(run, data)``: the run's final scores
    (:func:`last_epoch`, :func:`evaluated`). The rest goes to :func:`fit`.
    """
    if optimizer is not None:
        model = build_classifier(model, optimizer, seed, loss=loss, metrics=metrics)
    (x_train, y_train), validation = data
    run = fit(model, x_train, y_train, settings, validation_data=validation,
              callbacks=callbacks, epochs=epochs, validation_batch_size=validation_batch_size)
    run.scores = scores(run, data)
    return run
