"""The checks of the "initialization" assignment (grader/checks/initialization.py): their
tolerances hold for correct answers (fresh seeds of the reference) and refuse the wrong
ones they are meant to refuse, the reference agrees with the chapter's Keras layers, the
training run's bar comes from the course's records and separates He from N(0, 1), the
arrays fit the runner's limit on one result, and the notebook's "NumPy only" rule."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from grader.assignment import get
from grader.checks import initialization as ini

SPEC = get("initialization")
CHECKS = {test.check.name: test.check for test in SPEC.tests.values()}


def _stds_calls():
    check = CHECKS["activation_stds"]
    return [(part, c) for part in ("visible", "hidden") for c in check.calls(part)]


def test_the_band_holds_200_fresh_seeds_of_the_reference():
    check = CHECKS["activation_stds"]
    worst = 0.0
    for part, call in _stds_calls():
        centre, tolerance = check.expected(part)[check.calls(part).index(call)]
        for seed in range(200):  # not the band's own seeds (ini.REFERENCE_SEEDS)
            dtype = "float64" if seed < 10 else "float32"
            got = ini.activation_stds(*call[:4], seed, dtype)
            z = [abs(math.log(g) - m) / t for g, m, t in zip(got, centre, tolerance)]
            worst = max(worst, *z)
            assert max(z) <= 1, (call, seed, got)
    print(f"largest deviation: {worst:.2f} of the tolerance")


@pytest.mark.parametrize("init", ini.INITS)
@pytest.mark.parametrize("activation", ini.ACTIVATIONS)
def test_the_reference_agrees_with_the_chapters_keras_layers(init, activation):
    """dlcourse.experiments.initialization.layer_outputs (Keras Dense layers, the
    chapter's histograms) lies in the band of the chapter's setting; there Glorot's rule
    is the chapter's sqrt(1/n)."""
    from dlcourse.experiments import initialization as chapter

    centre, tolerance = ini.reference_band(init, activation, [100] * 6)
    got = [float(a.std()) for a in chapter.layer_outputs(activation, init)]
    assert all(abs(math.log(g) - m) <= t for g, m, t in zip(got, centre, tolerance)), \
        (got, [math.exp(m) for m in centre])


def _answer(**changes):
    """The reference's activation_stds with some initialisations' scales changed."""
    def stds(init, activation, widths, n=1000, seed=0):
        rng = np.random.default_rng(seed + 7)
        a = rng.standard_normal((n, widths[0]))
        out = []
        for fan_in, fan_out in zip(widths, widths[1:]):
            std = changes[init](fan_in, fan_out) if init in changes else \
                ini.init_std(init, fan_in, fan_out)
            a = ini._activate(activation, a @ (rng.standard_normal((fan_in, fan_out)) * std))
            out.append(float(a.std()))
        return out
    return stds


def _verdict(name: str, function, part: str) -> str:
    """What the notebook's test cell says: "passed", or its error."""
    try:
        ini.check(name, function, part)
    except Exception as exc:  # noqa: BLE001 - a test cell fails on any error
        return f"{type(exc).__name__}: {exc}"
    return "passed"


def test_activation_stds_refuses_wrong_scales():
    assert _verdict("activation_stds", _answer(), "visible") == "passed"
    assert _verdict("activation_stds", _answer(), "hidden") == "passed"
    # He's factor forgotten: visible already.
    assert "layer 1" in _verdict("activation_stds", _answer(he=lambda i, o: math.sqrt(1 / i)), "visible")
    # Glorot as the chapter's sqrt(1/fan_in): right at equal widths, wrong elsewhere.
    glorot_as_chapter = _answer(glorot=lambda i, o: math.sqrt(1 / i))
    assert _verdict("activation_stds", glorot_as_chapter, "visible") == "passed"
    assert "further widths" in _verdict("activation_stds", glorot_as_chapter, "hidden")
    # One layer too few.
    assert "standard deviations for" in _verdict(
        "activation_stds", lambda *a, **k: _answer()(*a, **k)[:-1], "visible")


def _sampler(draw):
    return lambda fan_in, fan_out, seed: draw(np.random.default_rng(seed), ini.he_std(fan_in),
                                              (fan_in, fan_out))


def test_he_normal_statistics_hold_for_correct_draws_and_refuse_other_distributions():
    normal = _sampler(lambda rng, s, shape: rng.normal(0, s, shape))
    for offset in range(20):  # other streams of a correct answer
        shifted = (lambda o: lambda i, j, seed: normal(i, j, seed + 1000 * o))(offset)
        for part in ("visible", "hidden"):
            assert _verdict("he_normal", shifted, part) == "passed"
    uniform = _sampler(lambda rng, s, shape: rng.uniform(-s * math.sqrt(3), s * math.sqrt(3), shape))
    assert "normal distribution" in _verdict("he_normal", uniform, "visible")

    def truncated(rng, s, shape):  # Keras's HeNormal: cut at 2 std, rescaled
        z = rng.normal(0, 1, size=(shape[0] * shape[1] * 2,))
        z = z[np.abs(z) < 2][:shape[0] * shape[1]].reshape(shape)
        return z * s / 0.87962566103423978
    assert "normal distribution" in _verdict("he_normal", _sampler(truncated), "visible")
    same = _sampler(lambda rng, s, shape: np.random.default_rng(0).normal(0, s, shape))
    assert "different seeds" in _verdict("he_normal", same, "visible")
    flipped = lambda i, j, seed: normal(i, j, 0) * (1 if seed % 2 == 0 else -1)  # noqa: E731
    assert "different seeds" in _verdict("he_normal", flipped, "visible")
    transposed = lambda i, j, seed: normal(j, i, seed)  # noqa: E731
    assert "shape" in _verdict("he_normal", transposed, "visible")
    off_centre = _sampler(lambda rng, s, shape: rng.normal(0.1 * s, s, shape))
    assert "mean" in _verdict("he_normal", off_centre, "visible")
    assert _verdict("he_normal", off_centre, "hidden") == \
        "AssertionError: he_normal (hidden tests): the weights' mean is not 0"


def test_the_bar_is_halfway_between_the_courses_records():
    from dlcourse.results import find_record, load_records

    records = load_records()
    low, high = (find_record(records, e, m, "full")["mean"] for e, m in ini.BAR_FROM)
    assert low < 0.15 and high > 0.9
    assert ini.bar() == math.floor((low + high) / 2 * 100) / 100 == 0.51


@pytest.mark.parametrize("part", ["visible", "hidden"])
def test_the_short_run_trains_from_he_weights_and_not_from_unit_variance_ones(part):
    check = CHECKS["he_trains"]
    layers = check.calls(part)[:-1]

    def kernels(std):
        return [np.random.default_rng(seed).normal(0, std(i), (i, o)) for i, o, seed in layers]
    he = ini.train_accuracy(kernels(ini.he_std))
    unit = ini.train_accuracy(kernels(lambda i: 1.0))
    assert he >= ini.bar() + 0.15, he
    assert unit <= ini.bar() - 0.3, unit


def test_every_array_fits_the_runners_limit_on_one_result():
    from grader.run import MAX_EVENT_BYTES

    worst = json.dumps({"event": "result", "id": "0" * 16, "data": {"values": [{
        "shape": [ini.MAX_ARRAY_SIZE], "values": [-1.2345678901234567e-300] * ini.MAX_ARRAY_SIZE}]}})
    assert len(worst) < MAX_EVENT_BYTES
    for name in ("glorot_normal", "he_normal", "he_trains"):
        for part in ("visible", "hidden"):
            assert all(c[0] * c[1] <= ini.MAX_ARRAY_SIZE for c in CHECKS[name].calls(part))


def test_the_notebook_refuses_keras_and_restores_it():
    import keras

    def imports(fan_in, fan_out, seed):
        import keras  # noqa: F401,F811
        return np.zeros((fan_in, fan_out))

    def calls(fan_in, fan_out, seed):
        return np.asarray(keras.initializers.HeNormal(seed)((fan_in, fan_out)))
    assert "he_normal imports keras: write it with NumPy" in _verdict("he_normal", imports, "visible")
    assert "calls a Keras initializer" in _verdict("he_normal", calls, "visible")
    assert np.asarray(keras.initializers.HeNormal(0)((3, 3))).shape == (3, 3)  # restored
    import sys
    assert sys.modules["keras"] is keras
