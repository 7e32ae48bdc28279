"""The quick profile shows each chapter's phenomenon (real training on small slices)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from dlcourse.experiments import learning_rate, optimizers, schedules
from dlcourse.profiles import Profile

pytestmark = pytest.mark.slow
QUICK = Profile("quick")


@pytest.mark.training_smoke
def test_learning_rate_too_large_is_far_below_the_default():
    settings = QUICK.settings("mnist_lr")
    large = learning_rate.train(0.5, settings, 777).scores["test_accuracy"]
    default = learning_rate.train(1e-3, settings, 777).scores["test_accuracy"]
    assert default > 0.85, f"the default rate should learn MNIST, got {default:.3f}"
    assert large < default - 0.3, f"lr 0.5 reached {large:.3f}, default {default:.3f}"


def test_learning_rate_too_small_barely_moves():
    settings = QUICK.settings("mnist_lr")
    run = learning_rate.train(1e-6, settings, 777)
    losses = run.history["loss"]
    assert losses[-1] < losses[0], "the loss should still fall, slowly"
    assert run.scores["test_accuracy"] < 0.85


def test_adam_is_ahead_of_plain_sgd_after_the_same_epochs():
    settings = QUICK.settings("fashion_optimizers")
    adam = optimizers.train("Adam", settings, 42).scores["val_accuracy"]
    sgd = optimizers.train("SGD", settings, 42).scores["val_accuracy"]
    assert adam > sgd + 0.01, f"Adam {adam:.3f} vs SGD {sgd:.3f}"


def test_exp_scheduler_divides_the_applied_rate_by_e_each_epoch():
    settings = QUICK.settings("fashion_schedules", epochs=3)
    run = schedules.train("exp_scheduler", settings, 42)
    steps = math.ceil(settings.train_size / settings.batch_size)
    per_epoch = [run.rates[e * steps] for e in range(3)]
    np.testing.assert_allclose(per_epoch, [0.01 * math.exp(-e) for e in range(3)], rtol=1e-5)


@pytest.mark.training_smoke
def test_one_cycle_run_rises_then_anneals_every_batch():
    settings = QUICK.settings("fashion_schedules", epochs=2)
    run = schedules.train("1cycle", settings, 42)
    rates = np.array(run.rates)
    steps = 2 * math.ceil(settings.train_size / settings.batch_size)
    assert len(rates) == steps, "one rate per batch"
    assert rates.max() == pytest.approx(schedules.ONE_CYCLE_MAX_RATE, rel=0.02)
    assert rates[0] < rates.max() / 5 and rates[-1] < rates[0] / 10
    assert len(np.unique(rates)) > steps // 2, "the rate should change at every batch"
