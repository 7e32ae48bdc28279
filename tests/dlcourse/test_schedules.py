"""The reference schedule functions against Keras's own implementations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from dlcourse import schedules


def test_scheduler_exp_keeps_epoch_zero_then_divides_by_e():
    assert schedules.scheduler_exp(0, 0.01) == 0.01
    assert schedules.scheduler_exp(1, 0.01) == pytest.approx(0.01 / math.e)
    assert schedules.scheduler_exp(7, 2e-3) == pytest.approx(2e-3 * math.exp(-1))
    assert isinstance(schedules.scheduler_exp(3, np.float32(0.1)), float)


def test_scheduler_exp_drives_keras_learning_rate_scheduler():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    seen = []
    record = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(
        float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))))
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=4, verbose=0,
              callbacks=[keras.callbacks.LearningRateScheduler(schedules.scheduler_exp), record])
    np.testing.assert_allclose(seen, [0.01 * math.exp(-k) for k in range(4)], rtol=1e-6)


def test_exponential_decay_drops_tenfold_every_s_epochs():
    fn = schedules.exponential_decay(0.01, 20)
    assert fn(0) == pytest.approx(0.01)
    assert fn(20) == pytest.approx(0.001)
    assert fn(10) == pytest.approx(0.01 * 0.1 ** 0.5)


def test_piecewise_constant_switches_at_the_boundaries():
    fn = schedules.piecewise_constant([5, 15], [0.01, 0.005, 0.001])
    assert [fn(e) for e in (0, 4, 5, 14, 15, 40)] == [0.01, 0.01, 0.005, 0.005, 0.001, 0.001]
    with pytest.raises(ValueError):
        schedules.piecewise_constant([5], [0.1])


@pytest.mark.parametrize("t_mul, m_mul, alpha", [(2.0, 1.0, 0.0), (1.0, 1.0, 0.0),
                                                 (2.0, 0.5, 0.1), (1.5, 0.9, 0.0)])
def test_cosine_decay_restarts_matches_keras_at_many_steps(t_mul, m_mul, alpha):
    import keras

    schedule = keras.optimizers.schedules.CosineDecayRestarts(
        0.01, first_decay_steps=1000, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    steps = np.unique(np.concatenate([np.arange(0, 20000, 37), [999, 1000, 1001, 2999, 3000]]))
    theirs = keras.ops.convert_to_numpy(schedule(steps)).astype(float)
    ours = [schedules.cosine_decay_restarts(int(s), 0.01, 1000, t_mul, m_mul, alpha)
            for s in steps]
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-9)


def test_one_cycle_rate_rises_falls_and_anneals():
    n, top = 1000, 0.05
    rates = [schedules.one_cycle_rate(i, n, top) for i in range(n)]
    peak = int(np.argmax(rates))
    assert rates[0] == pytest.approx(top / 10)
    assert rates[peak] == pytest.approx(top, rel=0.01)
    assert all(a <= b for a, b in zip(rates[:peak], rates[1:peak + 1])), "not rising"
    assert all(a >= b for a, b in zip(rates[peak:], rates[peak + 1:])), "not falling"
    assert rates[-1] < top / 10 / 10, "no final annealing far below the start rate"
    assert schedules.one_cycle_rate(n, n, top) == pytest.approx(top / 10 / 1000)
