"""The course's training path (dlcourse.training.fit): several batches per call of the
compiled step where nothing needs every batch, and the same numbers as a plain fit."""
from __future__ import annotations

import keras
import numpy as np
import pytest

from dlcourse import training
from dlcourse.callbacks import LearningRateRecorder, OneCycleScheduler
from dlcourse.models import mlp
from dlcourse.profiles import RunSettings

SETTINGS = RunSettings(epochs=3, batch_size=16)


def data(n=400):
    rng = np.random.default_rng(0)
    return rng.random((n, 8), dtype=np.float32), rng.integers(0, 10, n)


def model():
    keras.utils.set_random_seed(7)
    m = mlp((8,), (16,))
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


class EveryBatch(keras.callbacks.Callback):
    """Does nothing, but per batch: the course path then runs one batch per call."""

    def on_train_batch_end(self, batch, logs=None):
        pass


def test_the_course_path_gives_one_batch_per_calls_numbers():
    """Same seed, same batches in the same order: the same curves as one batch per call."""
    x, y = data()
    ours = model()
    run = training.fit(ours, x, y, SETTINGS, validation_data=(x[:50], y[:50]))
    assert ours.steps_per_execution == training.STEPS_PER_EXECUTION
    single = model()
    one = training.fit(single, x, y, SETTINGS, validation_data=(x[:50], y[:50]),
                       callbacks=[EveryBatch()])
    assert single.steps_per_execution == 1
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(run.history[key], one.history[key], rtol=1e-5, err_msg=key)


def test_the_course_path_is_a_plain_fit_of_what_it_hands_keras():
    """The arrays themselves where Keras's own fit reshuffles every epoch; on TensorFlow
    (which, seeded, would not) a dataset that reshuffles: either way, a plain fit of the
    same input gives the same curves."""
    x, y = data()
    run = training.fit(model(), x, y, SETTINGS, validation_data=(x[:50], y[:50]))
    plain = model()
    given = ({"x": training.reshuffled_each_epoch(x, y, 16), "shuffle": False}
             if training._repeats_the_first_order() else {"x": x, "y": y, "batch_size": 16})
    history = plain.fit(**given, epochs=3, verbose=0, validation_data=(x[:50], y[:50])).history
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(run.history[key], history[key], rtol=1e-5, err_msg=key)


def test_per_batch_callbacks_keep_one_batch_per_call():
    x, y = data()
    m = model()
    recorder = LearningRateRecorder()
    training.fit(m, x, y, SETTINGS, callbacks=[OneCycleScheduler(75, max_rate=0.1), recorder])
    assert m.steps_per_execution == 1
    assert len(recorder.rates) == 3 * 25  # every batch seen
    assert len(set(recorder.rates)) > 30  # it changed batch by batch


def test_the_recorder_reads_a_schedule_at_every_batch_s_step():
    """With a schedule object the recorder keeps each batch's step and evaluates the
    schedule once at the end (one eager call a batch cost 0.2 s on JAX); the rates are
    still one per batch, each the schedule's rate at that batch's step."""
    from dlcourse.schedules import cosine_decay_restarts

    x, y = data()
    keras.utils.set_random_seed(7)
    m = mlp((8,), (16,))
    schedule = keras.optimizers.schedules.CosineDecayRestarts(0.05, first_decay_steps=20)
    m.compile(optimizer=keras.optimizers.SGD(schedule), loss="sparse_categorical_crossentropy")
    recorder = LearningRateRecorder()
    training.fit(m, x, y, SETTINGS, callbacks=[recorder])
    expected = [cosine_decay_restarts(step, 0.05, 20) for step in range(3 * 25)]
    np.testing.assert_allclose(recorder.rates, expected, rtol=1e-5, atol=1e-8)


def test_a_later_fit_with_per_batch_callbacks_undoes_it():
    x, y = data()
    m = model()
    training.fit(m, x, y, SETTINGS)
    assert m.steps_per_execution == training.STEPS_PER_EXECUTION
    recorder = LearningRateRecorder()
    training.fit(m, x, y, SETTINGS, callbacks=[recorder], epochs=1)
    assert m.steps_per_execution == 1 and len(recorder.rates) == 25


@pytest.mark.parametrize("options", [{"steps_per_execution": 4}])
def test_a_chapters_own_setting_is_kept(options):
    x, y = data()
    m = model()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", **options)
    training.fit(m, x, y, SETTINGS, epochs=1)
    assert m.steps_per_execution == 4


def test_train_classifier_is_the_seed_build_compile_fit_score_sequence():
    """The same numbers as the sequence written out (seed before the build, whose
    initializers draw their seeds), and the scores its ``scores`` names."""
    from dlcourse.seeding import seed_everything

    x, y = data()
    validation = (x[:50], y[:50])
    run = training.train_classifier(lambda: mlp((8,), (16,)), ((x, y), validation), SETTINGS,
                                    7, optimizer=keras.optimizers.SGD(0.05),
                                    scores=training.last_epoch("train_accuracy", "val_loss"))
    seed_everything(7)
    by_hand = mlp((8,), (16,))
    by_hand.compile(optimizer=keras.optimizers.SGD(0.05), metrics=["accuracy"],
                    loss="sparse_categorical_crossentropy")
    history = training.fit(by_hand, x, y, SETTINGS, validation_data=validation).history
    assert run.history == history
    assert run.scores == {"train_accuracy": history["accuracy"][-1],
                          "val_loss": history["val_loss"][-1]}
    evaluated = training.evaluated("test")(run, ((x, y), validation))
    assert evaluated == pytest.approx({"test_loss": history["val_loss"][-1],
                                       "test_accuracy": history["val_accuracy"][-1]}, rel=1e-5)
    again = training.train_classifier(run.model, ((x, y), validation), SETTINGS, epochs=1)
    assert again.epochs_run == 1 and set(again.scores) == {"val_loss", "val_accuracy"}


def test_the_default_loss_follows_the_output_layer():
    for output in ("softmax", "logits"):
        model = training.compile_classifier(mlp((8,), (4,), output=output), "sgd")
        assert model.loss.get_config()["from_logits"] == (output == "logits")


def test_kept_epoch_is_the_first_lowest_validation_loss_skipping_gaps():
    from dlcourse.training import kept_epoch

    assert kept_epoch({"val_loss": [2.0, 1.5, None, 1.5, float("nan"), 1.7]}) == 2
    assert kept_epoch({"loss": [1.0]}) is None


def test_records_keep_a_finders_curve_and_per_batch_rates_subsampled():
    from types import SimpleNamespace

    from dlcourse.experiments import BATCH_POINTS, curves

    rates = [0.001 * i for i in range(1, 1001)]
    run = SimpleNamespace(history={"loss": [1.0]}, rates=rates,
                          finder=(rates[:50], [3.0 - 0.01 * i for i in range(50)]))
    found = curves(run)
    assert len(found["batch"]) <= BATCH_POINTS + 1 and found["batch"][-1] == 999
    assert found["batch_learning_rate"][-1] == rates[-1]
    assert found["finder_rate"] == rates[:50] and len(found["finder_loss"]) == 50


def test_a_model_evaluated_before_its_first_fit_is_scored_on_every_validation_image():
    """An evaluation before the first fit (as ``cifar.Restartable`` does to build the
    metrics) compiles a one-batch test step; the course path then runs several batches
    per call, and a test step kept from before would score only the first batch of
    each group (CIFAR-10 (b) was scored on 64 of 2,000 images). The validation accuracy
    ``fit`` reports is the one every image gives."""
    x, y = data()
    m = model()
    m.evaluate(x[:1], y[:1], verbose=0)
    m.predict(x[:1], verbose=0)
    run = training.fit(m, x, y, SETTINGS, validation_data=(x[:200], y[:200]))
    assert m.steps_per_execution == training.STEPS_PER_EXECUTION
    logits = keras.ops.convert_to_numpy(m(x[:200], training=False))
    accuracy = float(np.mean(logits.argmax(axis=1) == y[:200]))
    assert run.history["val_accuracy"][-1] == pytest.approx(accuracy, abs=1e-6), \
        "the validation accuracy is not that of all 200 images"
    assert m.evaluate(x[:200], y[:200], verbose=0, return_dict=True)["accuracy"] == \
        pytest.approx(accuracy, abs=1e-6)
    predicted = m.predict(x[:200], verbose=0, batch_size=16)
    assert predicted.shape == (200, 10)
    np.testing.assert_allclose(predicted, logits, rtol=1e-5, atol=1e-6)
