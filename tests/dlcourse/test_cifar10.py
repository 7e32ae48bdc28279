"""Chapter 6 (CIFAR-10, Hands-On ML ch. 11 ex. 8): networks, callbacks and MC dropout.

The training tests fit real models on tiny slices of the real data; nothing is mocked.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from dlcourse.experiments import cifar10 as cifar
from dlcourse.models import outputs_logits
from dlcourse.profiles import RunSettings

TINY = RunSettings(epochs=2, batch_size=32, train_size=256, test_size=128,
                   extra={"patience": 1, "lr_search_epochs": 1, "mc_samples": 5})


def _kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def test_elu_net_is_twenty_he_initialised_elu_layers_of_100():
    model = cifar.elu_he_net()
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    hidden, output = dense[:-1], dense[-1]
    assert _kinds(model)[0] == "Flatten" and len(hidden) == 20
    assert {layer.units for layer in hidden} == {100}
    assert {layer.activation.__name__ for layer in hidden} == {"elu"}
    assert {type(layer.kernel_initializer).__name__ for layer in hidden} == {"HeNormal"}
    assert output.units == 10 and output.activation.__name__ == "linear"  # logits
    assert outputs_logits(model) and not outputs_logits(cifar.elu_he_net(output="softmax"))


def test_batchnorm_net_normalises_the_input_and_every_layer_before_its_activation():
    kinds = _kinds(cifar.batchnorm_net())
    assert kinds[:2] == ["Flatten", "BatchNormalization"]
    assert kinds[2:-1] == ["Dense", "BatchNormalization", "Activation"] * 20
    model = cifar.batchnorm_net()
    hidden = [layer for layer in model.layers if type(layer).__name__ == "Dense"][:-1]
    assert {layer.activation.__name__ for layer in hidden} == {"linear"}


def test_selu_nets_use_lecun_normal_and_alpha_dropout_sits_before_the_output():
    plain, dropped = cifar.selu_net(), cifar.selu_net(alpha_dropout=0.1)
    hidden = [layer for layer in plain.layers if type(layer).__name__ == "Dense"][:-1]
    assert len(hidden) == 20
    assert {layer.activation.__name__ for layer in hidden} == {"selu"}
    assert {type(layer.kernel_initializer).__name__ for layer in hidden} == {"LecunNormal"}
    assert "AlphaDropout" not in _kinds(plain)
    assert _kinds(dropped)[-2:] == ["AlphaDropout", "Dense"] and dropped.layers[-2].rate == 0.1


def test_validation_is_the_first_5000_training_images_and_standardising_uses_the_training_slice():
    import dlcourse

    (x, y), _ = dlcourse.load_data("cifar10")
    (x_train, y_train), (x_valid, y_valid) = cifar.split(TINY)
    assert x_train.dtype == np.float32 and x_train.max() > 1  # raw 0-255 pixels
    np.testing.assert_array_equal(x_valid, x[:128])
    np.testing.assert_array_equal(x_train, x[5000:5256])
    np.testing.assert_array_equal(y_train, y[5000:5256].reshape(-1))
    (s_train, _), (s_valid, _) = cifar.split(TINY, standardize=True)
    np.testing.assert_allclose(s_train.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(s_train.std(axis=0), 1, atol=1e-3)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    np.testing.assert_allclose(s_valid, (x_valid - mean) / std, rtol=1e-5, atol=1e-5)


def test_every_exercise_part_is_registered_for_the_reproduction_table():
    from dlcourse.experiments import load_all
    from dlcourse.profiles import Profile

    ours = {e.id: e for e in load_all().values() if e.chapter == "cifar10"}
    parts = [e.label.split()[0] for e in ours.values()]
    assert parts == sorted(parts) and set(parts) >= {f"({part})" for part in "abcdef"}
    assert [row[0] for row in cifar.TABLE] == list(ours)  # every id has a table row
    for experiment in ours.values():
        assert experiment.id.startswith("cifar10_") and experiment.references["val_accuracy"]
        assert experiment.metrics[-1] == "val_accuracy"
        for profile in ("quick", "full"):
            Profile(profile).settings(experiment.settings_key)


def _small_model(optimizer):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def _applied_rates():
    """A callback reading the optimizer's rate after each batch: the rate it really used."""
    import keras

    class Recorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rates = []

        def on_train_batch_end(self, batch, logs=None):
            self.rates.append(float(self.model.optimizer.learning_rate.numpy()))

    return Recorder()


@pytest.mark.slow
def test_one_cycle_rises_falls_and_anneals_one_rate_per_batch():
    import keras

    from dlcourse.callbacks import OneCycleScheduler

    (x, y), _ = cifar.split(RunSettings(epochs=3, batch_size=32, train_size=320, test_size=32),
                            standardize=True)
    batches = math.ceil(len(x) / 32) * 3
    scheduler, applied = OneCycleScheduler(batches, max_rate=0.05), _applied_rates()
    model = _small_model(keras.optimizers.SGD())
    model.fit(x, y, epochs=3, batch_size=32, callbacks=[scheduler, applied], verbose=0)

    rates = np.array(scheduler.rates)
    assert len(rates) == batches == 30
    np.testing.assert_allclose(applied.rates, rates, rtol=1e-6)  # every batch used its rate
    peak = int(np.argmax(rates))
    assert rates[0] == pytest.approx(0.005) and rates[peak] == pytest.approx(0.05)
    assert 0 < peak < batches - 1
    assert np.all(np.diff(rates[:peak + 1]) > 0), "the rate must rise up to the peak"
    assert np.all(np.diff(rates[peak:]) < 0), "then fall all the way"
    half = (batches - scheduler.last_iterations) // 2
    tail = rates[2 * half + 1:]  # after the cycle is back at the start
    assert np.all(tail < rates[0]) and rates[-1] < rates[0] / 2, \
        "the last iterations anneal below the start rate"


def test_one_cycle_stays_at_its_last_rate_past_the_planned_iterations():
    from dlcourse.callbacks import OneCycleScheduler

    scheduler = OneCycleScheduler(20, max_rate=1.0, start_rate=0.1, last_rate=0.001)
    rates = []
    for _ in range(25):
        rates.append(scheduler.rate())
        scheduler.iteration += 1
    assert max(rates) == pytest.approx(1.0)
    assert rates[20:] == [0.001] * 5


@pytest.mark.slow
def test_learning_rate_finder_grows_the_rate_exponentially_and_leaves_the_model_as_it_was():
    import keras

    from dlcourse.callbacks import find_learning_rate

    (x, y), _ = cifar.split(RunSettings(epochs=1, batch_size=32, train_size=640, test_size=32),
                            standardize=True)
    model = _small_model(keras.optimizers.SGD(learning_rate=0.01))
    model.fit(x[:32], y[:32], verbose=0)  # build the optimizer's state first
    weights = [w.copy() for w in model.get_weights()]
    rates, losses = find_learning_rate(model, x, y, batch_size=32, min_rate=1e-4, max_rate=1.0)

    assert rates[0] == pytest.approx(1e-4)
    ratios = rates[1:] / rates[:-1]
    np.testing.assert_allclose(ratios, (1.0 / 1e-4) ** (1 / 20), rtol=1e-4)
    assert len(losses) == len(rates) and np.isfinite(losses[0])
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)


@pytest.mark.slow
def test_restart_is_a_fresh_model_and_continuing_is_not():
    data = cifar.split(TINY)
    net = cifar.Restartable(cifar.elu_he_net, seed=7)
    alone = cifar.lr_search(net, data, TINY, rates=(1e-3,))[1e-3].history["loss"]
    fresh = cifar.lr_search(net, data, TINY, rates=(1e-4, 1e-3))
    reused = cifar.lr_search(net, data, TINY, rates=(1e-4, 1e-3), fresh=False)
    assert fresh[1e-3].history["loss"] == alone, "a restarted run must repeat a fresh one"
    assert reused[1e-4].history["loss"] == fresh[1e-4].history["loss"]
    assert reused[1e-3].history["loss"] != alone, "a reused model goes on from the last run"
    assert int(net.model.optimizer.iterations.numpy()) > 0
    net.restart(1e-3)
    assert int(net.model.optimizer.iterations.numpy()) == 0
    assert float(net.model.optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    for now, initial in zip(net.model.get_weights(), net.initial[0]):
        np.testing.assert_array_equal(now, initial)


@pytest.mark.slow
def test_mc_dropout_samples_differ_and_average_to_a_probability_distribution():
    run = cifar.train_alpha_dropout(TINY, seed=3)
    assert cifar.train_alpha_dropout(TINY, seed=3) is run, "(e) and MC dropout share one model"
    _, (x_valid, y_valid) = cifar.split(TINY, standardize=True)

    samples = cifar.mc_predict(run.model, x_valid, TINY["mc_samples"])
    assert samples.shape == (5, 128, 10)
    assert not np.allclose(samples[0], samples[1]), "dropout must stay on at prediction time"
    mean = samples.mean(axis=0)
    np.testing.assert_allclose(mean.sum(axis=1), 1, atol=1e-5)
    assert (mean >= 0).all()
    plain = run.model.predict(x_valid, verbose=0)
    np.testing.assert_allclose(plain, run.model.predict(x_valid, verbose=0))  # model untouched
    assert 0 <= cifar.accuracy(mean, y_valid) <= 1


@pytest.mark.slow
def test_training_keeps_the_best_epoch_and_checkpoints_it(tmp_path):
    import keras

    data = cifar.split(TINY, standardize=True)
    model = cifar.nadam_model(cifar.selu_net, 7e-4, seed=1, depth=2, units=16)
    run = cifar.train(model, data, TINY, checkpoint_dir=tmp_path)
    best = int(np.argmin(run.history["val_loss"]))
    assert run.scores["val_loss"] == pytest.approx(run.history["val_loss"][best], rel=1e-5)
    saved = keras.models.load_model(tmp_path / f"{model.name}.keras")
    x_valid, y_valid = data[1]
    np.testing.assert_allclose(saved.predict(x_valid, verbose=0),
                               model.predict(x_valid, verbose=0), rtol=1e-5, atol=1e-6)
    assert len(run.history["epoch_seconds"]) == run.epochs_run
