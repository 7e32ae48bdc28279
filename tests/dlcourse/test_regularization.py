"""Chapter 5: over-fitting on a small slice and what holds it back (real quick-profile
runs; the training tests share one set of runs)."""
from __future__ import annotations

import pytest

from dlcourse.experiments import REGISTRY
from dlcourse.experiments import regularization as reg_exp
from dlcourse.profiles import Profile

QUICK = Profile("quick")


def test_each_variant_is_a_registered_experiment():
    ids = {e.id for e in REGISTRY.values() if e.chapter == "regularization"}
    assert ids == {reg_exp.experiment_id(name) for name in reg_exp.NAMES}
    for experiment_id in ids:
        experiment = REGISTRY[experiment_id]
        assert experiment.settings_key == "regularization"
        assert "val_accuracy" in experiment.metrics
    assert {e for e, _, _ in reg_exp.TABLE} == ids


def test_models_carry_their_regulariser():
    import keras

    def dense(model):
        return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]

    assert all(layer.kernel_regularizer is None for layer in dense(reg_exp.build("baseline")))
    assert all(layer.kernel_regularizer is not None for layer in dense(reg_exp.build("l2")))
    l1 = dense(reg_exp.build("l1"))
    assert all(layer.activity_regularizer is not None for layer in l1[:-1])
    dropout = [layer for layer in reg_exp.build("dropout").layers
               if isinstance(layer, keras.layers.Dropout)]
    assert [layer.rate for layer in dropout] == [0.5, 0.5]


def test_validation_images_come_from_the_end_of_the_training_split():
    import numpy as np

    from dlcourse.datasets import load_data

    settings = QUICK.settings("regularization")
    (x_train, _), (x_val, y_val) = reg_exp.split(settings)
    (x, y), _ = load_data("fashion_mnist")
    assert len(x_train) == settings.train_size < reg_exp.VALIDATION_START
    start = reg_exp.VALIDATION_START
    np.testing.assert_array_equal(x_val, x[start:start + settings.test_size] / np.float32(255))
    np.testing.assert_array_equal(y_val, y[start:start + settings.test_size])


@pytest.fixture(scope="module")
def runs():
    settings = QUICK.settings("regularization", epochs=10)  # the baseline turns at epoch 5
    return {name: reg_exp.train(name, settings, 42) for name in ("baseline", "l2", "dropout")}


@pytest.mark.slow
def test_the_baseline_over_fits(runs):
    run = runs["baseline"]
    assert reg_exp.best_epoch(run) < run.epochs_run, "validation loss should turn up"
    assert run.scores["loss_gap"] > 0.3, run.scores


@pytest.mark.slow
def test_dropout_and_l2_shrink_the_gap(runs):
    gap = {name: run.scores["loss_gap"] for name, run in runs.items()}
    assert gap["dropout"] < gap["baseline"] - 0.1, gap
    assert gap["l2"] < gap["baseline"] - 0.1, gap
    accuracy_gap = {name: run.scores["accuracy_gap"] for name, run in runs.items()}
    assert accuracy_gap["dropout"] < accuracy_gap["baseline"], accuracy_gap


@pytest.mark.slow
def test_early_stopping_stops_early_and_keeps_the_best_model_on_disk(tmp_path):
    import keras

    from dlcourse.training import evaluate

    settings = QUICK.settings("regularization", epochs=30)
    run = reg_exp.train("early_stopping", settings, 42, checkpoint_dir=tmp_path)
    assert run.epochs_run < settings.epochs
    assert run.epochs_run - reg_exp.best_epoch(run) == settings["patience"]
    checkpoint = tmp_path / reg_exp.CHECKPOINT
    assert checkpoint.is_file()
    (_, _), (x_val, y_val) = reg_exp.split(settings)
    reloaded = evaluate(keras.models.load_model(checkpoint), x_val, y_val)
    assert reloaded["accuracy"] == pytest.approx(run.scores["val_accuracy"], abs=1e-6)
    assert reloaded["crossentropy"] == pytest.approx(min(run.history["val_loss"]), abs=1e-4)


@pytest.mark.slow
def test_an_output_layer_rescaled_after_training_keeps_the_calibrated_gap(runs):
    """The gap the regularization assignment bounds (dlcourse.calibration: on outputs
    recalibrated on the validation images) is the over-fitted baseline's whatever is done
    to its last layers after training, while the raw gap shrinks to almost nothing; and
    it still ranks L2 and dropout below the baseline."""
    import numpy as np

    from dlcourse.calibration import calibrated_gap, log_probabilities

    (x_train, y_train), (x_val, y_val) = reg_exp.split(QUICK.settings("regularization"))

    def gap(model, mix=0.0):
        logs = [log_probabilities((1 - mix) * model.predict(x, batch_size=1000, verbose=0) + mix / 10)
                for x in (x_train, x_val)]
        return calibrated_gap(logs[0], y_train, logs[1], y_val)

    own = {name: gap(run.model)["gap"] for name, run in runs.items()}
    assert own["l2"] < own["baseline"] and own["dropout"] < own["baseline"], own
    model = runs["baseline"].model
    dense = [layer for layer in model.layers if hasattr(layer, "kernel")]
    found = {}
    for name, layer, scale, shift in (("output / 50", -1, 50, 0), ("last hidden / 50", -2, 50, 0),
                                      ("output bias + 100", -1, 1, 100)):
        kernel, bias = dense[layer].get_weights()
        dense[layer].set_weights([kernel / scale, bias / scale + shift])
        found[name] = gap(model)
        dense[layer].set_weights([kernel, bias])
    for mix in (0.5, 0.99):
        found[f"mixed with uniform, {mix}"] = gap(model, mix)
    assert found["output / 50"]["raw_gap"] < 0.1, found
    for name, measured in found.items():
        assert measured["gap"] > own["baseline"] - 0.01, (name, measured, own)
