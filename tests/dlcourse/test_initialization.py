"""Chapter 4: what the initialisation does to the signal through untrained layers, and
to training (real quick-profile runs)."""
from __future__ import annotations

import math

import pytest

from dlcourse.experiments import REGISTRY
from dlcourse.experiments import initialization as init_exp
from dlcourse.profiles import Profile

QUICK = Profile("quick")


def stds(activation: str, init: str) -> list[float]:
    return [float(a.std()) for a in init_exp.layer_outputs(activation, init)]


def test_tiny_weights_make_the_signal_vanish_layer_by_layer():
    for activation in ("tanh", "relu"):
        s = stds(activation, "normal_0.01")
        assert all(later < earlier / 5 for earlier, later in zip(s, s[1:])), (activation, s)
        assert s[-1] < 1e-4, (activation, s)


def test_he_keeps_relu_outputs_at_one_size_where_others_explode_or_shrink():
    he, glorot, large = stds("relu", "he"), stds("relu", "glorot"), stds("relu", "normal_1")
    assert 0.5 < he[-1] / he[0] < 2, he
    assert glorot[-1] < glorot[0] / 2, glorot
    assert large[-1] > 1000 * large[0], large


def test_unit_variance_weights_saturate_sigmoid_and_tanh_and_glorot_does_not():
    for activation in ("sigmoid", "tanh"):
        big = [init_exp.flat_share(a, activation)
               for a in init_exp.layer_outputs(activation, "normal_1")]
        glorot = [init_exp.flat_share(a, activation)
                  for a in init_exp.layer_outputs(activation, "glorot")]
        assert min(big) > 0.3, (activation, big)
        assert max(glorot) < 0.05, (activation, glorot)


def test_initializers_have_the_promised_scale():
    import numpy as np

    for name, std in (("normal_1", 1.0), ("normal_0.01", 0.01), ("glorot", 0.1),
                      ("he", math.sqrt(0.02))):
        w = np.asarray(init_exp.initializer(name)((100, 100)))
        assert w.std() == pytest.approx(std, rel=0.05), name


def test_each_trained_configuration_is_a_registered_experiment():
    ids = {e.id for e in REGISTRY.values() if e.chapter == "initialization"}
    assert ids == {init_exp.experiment_id(a, i) for a, i in init_exp.TRAINED}
    for experiment_id in ids:
        experiment = REGISTRY[experiment_id]
        assert experiment.settings_key == "init_training"
        assert "val_accuracy" in experiment.metrics
    assert {e for e, _, _ in init_exp.TABLE} == ids


@pytest.mark.slow
def test_he_trains_the_relu_network_while_tiny_weights_leave_it_at_chance():
    settings = QUICK.settings("init_training")
    he = init_exp.train("relu", "he", settings, 42)
    tiny = init_exp.train("relu", "normal_0.01", settings, 42)
    assert he.scores["val_accuracy"] > 0.7, he.history
    assert tiny.scores["val_accuracy"] < 0.2, tiny.history
    assert tiny.last("loss") == pytest.approx(math.log(10), abs=0.01), "a uniform guess"


@pytest.mark.slow
def test_glorot_trains_tanh_far_better_than_unit_variance_weights():
    settings = QUICK.settings("init_training")
    glorot = init_exp.train("tanh", "glorot", settings, 42).scores["val_accuracy"]
    big = init_exp.train("tanh", "normal_1", settings, 42).scores["val_accuracy"]
    assert glorot > big + 0.2, (glorot, big)


def test_the_histogram_grid_names_each_layer_and_each_initialisation():
    """Each panel says which initialisation it shows, and the legend which layer each
    shade is: without them the 'exploding' panel reads like the 'vanishing' one. (Issue
    30: one panel per initialisation, layers overlaid, at most two panels a row.)"""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    outputs = {init: [np.random.default_rng(i).normal(size=(50, 8)) for i in range(3)]
               for init in list(init_exp.LABELS)[:2]}
    fig = init_exp.plot_grid(outputs, "tanh")
    try:
        assert [ax.get_title().split(":")[0] for ax in fig.axes] == [init_exp.LABELS[k] for k in outputs]
        (legend,) = fig.legends
        assert [t.get_text() for t in legend.get_texts()] == ["layer 1", "layer 2", "layer 3"]
    finally:
        plt.close(fig)
