"""The checks of the "initialization" assignment (chapter *Weight initialisation*,
``book/initialization.md``).

The checks and their inputs are declared in
``assignments/source/initialization/assignment.py``. As in :mod:`grader.checks.schedules`
(whose :class:`~grader.checks.schedules.FunctionCheck` they extend), each check's
``params`` say what to call (plain data), :mod:`grader.inside.probes` calls the student's
function with them and sends back what it returned as plain data (numbers, or an array
as its shape and flat values), and ``verify`` judges that data in the grader's own
process:

- ``glorot_std``/``he_std``: the formulas, exactly, at fan-ins and fan-outs;
- ``glorot_normal``/``he_normal``: each array's shape, mean, standard deviation and share
  within one standard deviation, with tolerances from the sample size, and its whole
  distribution (a Kolmogorov-Smirnov test against N(0, std²), :func:`sampled`); the same
  seed giving the same array, also from a second, fresh process (the hidden part's first
  repeated call is answered by one: :meth:`SampleCheck.fresh`, which :mod:`grader.host.run`
  honours), and another seed another, uncorrelated one, at any shape
  (:func:`_same_and_other_seeds`);
- ``activation_stds``: each layer's standard deviation against this module's reference
  (:func:`activation_stds`), in log space, within the band where the reference's own
  runs over many seeds lie (:func:`reference_band`);
- ``he_trains``: the student's ``he_normal`` weights for a deep ReLU network's layers
  (checked as above), trained here, in the grader's process, on an MNIST slice
  (:func:`train_accuracy`): the network must beat :func:`bar`, which the same run with
  N(0, 1) weights does not reach.

The student's functions are NumPy only: the grader runs these tests where Keras is not
installed (``isolated`` in the spec), and in the notebook the test cell fails if the
function imports Keras or calls a Keras initializer while it is tested.
"""
from __future__ import annotations

import contextlib
import functools
import math
import sys

from grader.checks.base import check  # noqa: F401 - what the notebook's test cells import
from grader.checks.schedules import FunctionCheck, RuleBroken, _call_text, _close

INITS = ("normal_1", "normal_0.01", "glorot", "he")
ACTIVATIONS = ("sigmoid", "tanh", "relu")
# The most elements an array may have: its JSON line (about 25 bytes a number) stays
# below the runner's limit on one result (grader.host.run.MAX_EVENT_BYTES, 4 MiB).
MAX_ARRAY_SIZE = 2**17
MAX_LAYERS = 64
# A statistic of a correct sample lies this many of its standard errors from its
# expectation with probability below 1e-6 (two-sided normal tail at 5: 5.7e-7).
Z = 5.0
WITHIN_ONE_STD = math.erf(1 / math.sqrt(2))  # 0.6827: the share of N(0, s²) within ±s
# The tails: N(0, s²)'s share beyond ±TAIL s, 1.24 %. A normal cut at two standard
# deviations and rescaled to the right one (Keras's TruncatedNormal) has none there, and
# passes the share within one and the Kolmogorov-Smirnov test at 6,000 weights.
TAIL = 2.5
BEYOND_TAIL = math.erfc(TAIL / math.sqrt(2))
# The Kolmogorov-Smirnov test of each array against N(0, std²) fails a correct sample with
# this probability (the exact distribution of the statistic, scipy.stats.kstwo). Per
# submission (33 arrays in its three sampling tests, 68 pairs of other seeds' arrays), by
# the union bound: 3.3e-5 from this test, 1.9e-5 from the share beyond TAIL, 1.5e-4 from
# all the statistics together. tests/grader/test_initialization_grading.py measures it on
# fresh correct samples (2,000 submissions' worth: none failed).
KS_ALPHA = 1e-6
# activation_stds: each layer's standard deviation is compared in log space with the
# mean log of REFERENCE_SEEDS runs of the reference (in float32, for speed), allowed ACT_Z of their standard
# deviations (per call and layer: a deep ReLU stack's last layers scatter far more than
# a first layer) plus ACT_FLOOR. Measured over 400 seeds: a run's largest deviation is
# 3.0-3.6 of these standard deviations (tests/grader/test_initialization_grading.py checks
# 200 fresh seeds of the reference against the check's own tolerance).
REFERENCE_SEEDS = tuple(range(1000, 1064))
ACT_Z = 6.0
ACT_FLOOR = 0.01


# --- the references ----------------------------------------------------------------

def glorot_std(fan_in: int, fan_out: int) -> float:
    """Glorot's (Xavier's) rule: std sqrt(2 / (fan_in + fan_out))."""
    return math.sqrt(2.0 / (fan_in + fan_out))


def he_std(fan_in: int) -> float:
    """He's rule for ReLU: std sqrt(2 / fan_in)."""
    return math.sqrt(2.0 / fan_in)


def init_std(init: str, fan_in: int, fan_out: int) -> float:
    """The weights' standard deviation of initialisation ``init`` for one layer."""
    if init == "normal_1":
        return 1.0
    if init == "normal_0.01":
        return 0.01
    if init == "glorot":
        return glorot_std(fan_in, fan_out)
    if init == "he":
        return he_std(fan_in)
    raise ValueError(f"unknown initialisation {init!r}")


def _activate(activation: str, z):
    import numpy as np

    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    raise ValueError(f"unknown activation {activation!r}")


def activation_stds(init: str, activation: str, widths, n: int = 1000, seed: int = 0,
                    dtype: str = "float64") -> list[float]:
    """The reference: ``n`` standard-normal inputs of ``widths[0]`` features through
    Dense layers of ``widths[1:]`` units (weights N(0, init_std²), biases 0), and the
    standard deviation of each layer's outputs (all of them, after the activation)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, widths[0]), dtype=dtype)
    out = []
    for fan_in, fan_out in zip(widths, widths[1:]):
        w = rng.standard_normal((fan_in, fan_out), dtype=dtype) * \
            np.asarray(init_std(init, fan_in, fan_out), dtype=dtype)
        a = _activate(activation, a @ w)
        out.append(float(a.std()))
    return out


def reference_band(init: str, activation: str, widths, n: int = 1000,
                   seeds=REFERENCE_SEEDS) -> tuple[list[float], list[float]]:
    """``(centre, tolerance)`` per layer, in log space: the mean and :data:`ACT_Z`
    standard deviations (plus :data:`ACT_FLOOR`) of the log of :func:`activation_stds`
    over ``seeds``: where one run's values lie."""
    import numpy as np

    logs = np.log(np.array([activation_stds(init, activation, widths, n, seed, "float32")
                            for seed in seeds]))
    return logs.mean(axis=0).tolist(), (ACT_Z * logs.std(axis=0) + ACT_FLOOR).tolist()


# --- the notebook's check ----------------------------------------------------------

BLOCKED = ("keras", "tensorflow", "jax", "jaxlib", "torch")


@contextlib.contextmanager
def numpy_only(name: str):
    """The notebook's rule "NumPy only", as the notebook's own test cell checks it: while
    the test calls the student's function, importing Keras (or TensorFlow, JAX, PyTorch)
    fails (they are out of ``sys.modules`` meanwhile, and an import finder refuses them)
    and calling a Keras initializer raises. The grader checks it for good by
    running the tests where Keras is not installed (``isolated`` in the spec)."""
    saved = {m: sys.modules[m] for m in list(sys.modules)
             if m.split(".")[0] in BLOCKED}
    patched = []
    keras = saved.get("keras")
    if keras is not None:
        def tripwire(self, *args, **kwargs):
            raise RuleBroken(f"{name} calls a Keras initializer: write it with NumPy")
        with contextlib.suppress(Exception):
            base = keras.initializers.Initializer
            classes = {v for v in vars(keras.initializers).values()
                       if isinstance(v, type) and issubclass(v, base) and "__call__" in vars(v)}
            for cls in classes:  # (one class may have several names)
                patched.append((cls, vars(cls)["__call__"]))
                cls.__call__ = tripwire
    for module in saved:
        del sys.modules[module]  # so that an import reaches the finder below
    finder = _Refuse(name)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for module in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
            del sys.modules[module]
        sys.modules.update(saved)
        for cls, original in patched:
            cls.__call__ = original


class NumpyOnlyCheck(FunctionCheck):
    """A check of a function the notebook asks to write with NumPy only
    (:func:`numpy_only`, while the notebook probes it)."""

    def rule(self):
        return numpy_only(self.name)


class _Refuse:
    """An import finder that refuses :data:`BLOCKED` packages, while a test runs."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{self.name} imports {fullname}: write it with NumPy "
                                      "(the tests run where only NumPy is installed)",
                                      name=fullname)
        return None


# --- the checks, as objects ----------------------------------------------------------

class FormulaCheck(NumpyOnlyCheck):
    """``glorot_std``/``he_std``: a number per call, compared with the formula."""

    def judge(self, part: str, data: dict) -> None:
        got, want = data["values"], self.expected(part)
        if _close(got, want):
            return
        if part == "hidden":
            raise AssertionError(f"{self.name} is wrong at further fan-ins and fan-outs the "
                                 "released tests do not show")
        bad = next(i for i, (g, w) in enumerate(zip(got, want)) if not _close([g], [w]))
        raise AssertionError(f"{_call_text(self.name, self.calls(part)[bad], part)} returned "
                             f"{got[bad]!r}, expected {want[bad]!r}")


def _array(data, shape: tuple[int, ...], call: str, part: str = "visible"):
    """An array the probe sent back (``{"shape", "values"}``), checked for its shape and
    its values, as a float64 NumPy array (a hidden part's reason names no shape)."""
    import numpy as np

    if not isinstance(data, dict) or not isinstance(data.get("shape"), list) \
            or not isinstance(data.get("values"), list):
        raise AssertionError(f"{call} sent back data that is not an array")
    got_shape = tuple(data["shape"])
    if got_shape != shape:
        raise AssertionError(f"{call} returned an array of the wrong shape" if part == "hidden"
                             else f"{call} returned an array of shape {got_shape}, expected {shape}")
    if len(data["values"]) != math.prod(shape) or \
            not all(type(v) in (float, int) for v in data["values"]):
        raise AssertionError(f"{call} sent back data that is not an array")
    a = np.asarray(data["values"], dtype="float64").reshape(shape)
    if not np.isfinite(a).all():
        raise AssertionError(f"{call} returned an array with NaN or infinite values")
    return a


def sampled(a, std: float, what: str, part: str = "visible") -> None:
    """Raise ``AssertionError`` unless ``a`` looks like a sample of N(0, std²): its mean,
    standard deviation and share within ±std each within :data:`Z` standard errors of
    what N(0, std²) gives for that many numbers (the standard deviation first: the other
    two are measured against it), its distribution function near the normal's (the
    Kolmogorov-Smirnov test at :data:`KS_ALPHA`), and its share beyond ±:data:`TAIL` std within
    :data:`Z` standard errors. A hidden part's reason names no number (they would tell
    its shapes)."""
    n = a.size
    mean, s = float(a.mean()), float(a.std())
    within = float((abs(a) < std).mean())
    limit = Z * math.sqrt(WITHIN_ONE_STD * (1 - WITHIN_ONE_STD) / n)
    hidden = part == "hidden"
    if abs(s / std - 1) > Z / math.sqrt(2 * n):
        raise AssertionError(f"{what}: the weights' standard deviation is wrong" if hidden else
                             f"{what}: the weights' standard deviation is {s:.4g}, expected "
                             f"{std:.4g} (allowed: within {100 * Z / math.sqrt(2 * n):.2g}% for "
                             f"{n} weights)")
    if abs(mean) > Z * std / math.sqrt(n):
        raise AssertionError(f"{what}: the weights' mean is not 0" if hidden else
                             f"{what}: the weights' mean is {mean:.3g}, not 0 (allowed: within "
                             f"{Z * std / math.sqrt(n):.2g} for {n} weights)")
    if abs(within - WITHIN_ONE_STD) > limit:
        share = "the share of weights within one standard deviation of 0 is not a normal " \
                "distribution's" if hidden else \
                f"{100 * within:.1f}% of the weights lie within one standard deviation of 0, " \
                f"a normal distribution has {100 * WITHIN_ONE_STD:.1f}%"
        raise AssertionError(f"{what}: {share} (draw them from a normal distribution, not a "
                             "uniform or truncated one)")
    distance, allowed = ks_distance(a, std), ks_limit(n)
    if distance > allowed:
        raise AssertionError(
            f"{what}: the weights are not distributed as N(0, std²)"
            + ("" if hidden else
               f": their distribution function is {distance:.3g} away from the normal's at its "
               f"farthest, where {n} draws from it stay within {allowed:.3g} but once in a "
               f"million")
            + " (a Kolmogorov-Smirnov test; draw them from a normal distribution, not a few "
            "values, rounded, uniform, truncated or heavy-tailed ones)")
    beyond = float((abs(a) > TAIL * std).mean())
    if abs(beyond - BEYOND_TAIL) > Z * math.sqrt(BEYOND_TAIL * (1 - BEYOND_TAIL) / n):
        share = f"the share of weights beyond {TAIL:g} standard deviations of 0 is not a normal " \
                "distribution's" if hidden else \
                f"{100 * beyond:.2f}% of the weights lie beyond {TAIL:g} standard deviations of " \
                f"0, a normal distribution has {100 * BEYOND_TAIL:.2f}%"
        raise AssertionError(f"{what}: {share} (draw them from a normal distribution, not a "
                             "truncated or heavy-tailed one)")


def ks_distance(a, std: float) -> float:
    """The Kolmogorov-Smirnov statistic of ``a`` against N(0, std²): the largest gap
    between its empirical distribution function and the normal's."""
    import numpy as np
    from scipy.special import ndtr

    x = np.sort(np.ravel(a))
    n = x.size
    cdf = ndtr(x / std)
    return float(max((np.arange(1, n + 1) / n - cdf).max(), (cdf - np.arange(n) / n).max()))


@functools.lru_cache(maxsize=64)
def ks_limit(n: int) -> float:
    """The statistic that ``n`` draws from the normal itself exceed with probability
    :data:`KS_ALPHA`."""
    from scipy.stats import kstwo

    return float(kstwo.isf(KS_ALPHA, n))


def _same_and_other_seeds(name: str, calls: list[tuple], arrays: list, part: str,
                          fresh: tuple[int, ...] = ()) -> None:
    """Calls with the same ``(fan_in, fan_out, seed)`` return the same array (also when
    one of them came from a fresh process: the calls from index ``fresh[k]`` on were
    answered by another process than those before); calls with other seeds return
    uncorrelated arrays, at any shape: their first values, as many as the smaller one
    has, flattened (a sampler that uses the seed only in part, ``seed % 2``, returns
    the same stream for two odd seeds, whatever the shapes)."""
    import numpy as np

    def process(i: int) -> int:
        return sum(i >= f for f in fresh)

    for i, (ci, ai) in enumerate(zip(calls, arrays)):
        for j, (cj, aj) in enumerate(zip(calls[i + 1:], arrays[i + 1:]), i + 1):
            where = "" if part == "hidden" else \
                f": {_call_text(name, ci, part)} and {_call_text(name, cj, part)}"
            if ci[2] == cj[2]:
                if tuple(ci[:2]) == tuple(cj[:2]) and not np.array_equal(ai, aj):
                    how = "make the generator from the seed, np.random.default_rng(seed), " \
                          "inside the function"
                    if process(i) != process(j):
                        how = "when graded, the hidden tests make the second call in a fresh " \
                              f"process: {how}, and keep nothing from call to call"
                    raise AssertionError(f"{name} returned different weights for the same "
                                         f"seed{where} ({how})")
                continue
            k = min(ai.size, aj.size)
            if not abs(float(np.corrcoef(ai.ravel()[:k], aj.ravel()[:k])[0, 1])) <= Z / math.sqrt(k):
                raise AssertionError(f"{name} returned the same or related weights for "
                                     f"different seeds{where}")


class SampleCheck(NumpyOnlyCheck):
    """``glorot_normal``/``he_normal(fan_in, fan_out, seed)``: an array per call, a sample
    of N(0, std(fan_in, fan_out)²) of shape (fan_in, fan_out)."""

    def __init__(self, name: str, calls: dict[str, list], std, function: str | None = None):
        super().__init__(name, calls, lambda calls: [std(c[0], c[1]) for c in calls])
        self.function = function or name  # the student's function, as messages name it

    def probe(self, part: str) -> dict:
        calls = self.calls(part)
        return {"kind": "calls", "calls": [list(c) for c in calls],
                "labels": [_call_text(self.function, c, part) for c in calls],
                "returns": "array", "max_size": MAX_ARRAY_SIZE, "fresh": self.fresh(part)}

    def fresh(self, part: str) -> list[int]:
        """The calls from which on a fresh process answers (:func:`grader.host.run.requests_for`):
        in the hidden part, the first call that repeats an earlier one, so that the same
        seed's weights come from two processes. One more process per test; the visible
        part (the notebook's test cell, one kernel) has none."""
        calls = self.calls(part)
        repeats = [j for j, c in enumerate(calls) if c in calls[:j]]
        return repeats[:1] if part == "hidden" else []

    def arrays(self, part: str, data: dict) -> list:
        calls = self.calls(part)
        values = data["values"]
        if not isinstance(values, list) or len(values) != len(calls):
            raise AssertionError("the submission's process sent back data that is not a "
                                 "check's result")
        return [_array(v, (c[0], c[1]), _call_text(self.function, c, part), part)
                for c, v in zip(calls, values)]

    def judge(self, part: str, data: dict) -> list:
        return self.judge_arrays(part, self.arrays(part, data))

    def judge_arrays(self, part: str, arrays: list) -> list:
        """Judge the arrays of ``part``'s calls (float64 NumPy arrays of the right shapes)
        as samples; return them."""
        calls, stds = self.calls(part), self.expected(part)
        for c, a, std in zip(calls, arrays, stds):
            sampled(a, std, _call_text(self.function, c, part), part)
        _same_and_other_seeds(self.function, calls, arrays, part, tuple(self.fresh(part)))
        return arrays


class ActivationCheck(NumpyOnlyCheck):
    """``activation_stds(init, activation, widths, n, seed)``: a list of numbers, one per
    layer, each within the reference's band in log space (:func:`reference_band`)."""

    def __init__(self, name: str, calls: dict[str, list]):
        super().__init__(name, calls, lambda calls: [reference_band(*c[:4]) for c in calls])

    def probe(self, part: str) -> dict:
        return {**super().probe(part), "returns": "numbers", "max_length": MAX_LAYERS}

    def judge(self, part: str, data: dict) -> None:
        calls, bands = self.calls(part), self.expected(part)
        values = data["values"]
        if not isinstance(values, list) or len(values) != len(calls):
            raise AssertionError("the submission's process sent back data that is not a "
                                 "check's result")
        for c, got, (centre, tolerance) in zip(calls, values, bands):
            call = _call_text(self.name, c, part)
            if not isinstance(got, list) or not all(type(g) in (float, int) for g in got):
                raise AssertionError(f"{call} sent back data that is not a list of numbers")
            if len(got) != len(centre):
                raise AssertionError(f"{call} returned a list of the wrong length (one standard "
                                     "deviation per layer)" if part == "hidden" else
                                     f"{call} returned {len(got)} standard deviations for "
                                     f"{len(centre)} layers")
            for layer, (g, m, tol) in enumerate(zip(got, centre, tolerance), 1):
                if not (math.isfinite(g) and g > 0 and abs(math.log(g) - m) <= tol):
                    if part == "hidden":
                        raise AssertionError(f"{self.name} is wrong at further widths, depths and "
                                             "initialisations the released tests do not show")
                    raise AssertionError(f"{call}: layer {layer}'s standard deviation is {g:.4g}, "
                                         f"expected about {math.exp(m):.4g} (within a factor "
                                         f"{math.exp(tol):.3g})")


# --- the training run --------------------------------------------------------------

# What the run is: the chapter's network (ReLU layers, a softmax output of Keras's
# default Glorot-uniform scale) trained with the chapter's optimizer, SGD at 0.01, on a
# slice of MNIST: 3,000 training images, 2 epochs in batches of 16 (376 steps), scored
# on the first 2,000 test images. 1-2 s on a 2-core CPU.
TRAINING = {"train": 3000, "valid": 2000, "epochs": 2, "batch_size": 16, "learning_rate": 0.01,
            "seed": 20261203}
# The bar is halfway between the course's recorded accuracies of this network under
# N(0, 1) and under He (book/results/reproduction.json, full profile):
BAR_FROM = (("init_relu_normal_1", "val_accuracy"), ("init_relu_he", "val_accuracy"))


@functools.lru_cache(maxsize=1)
def bar() -> float:
    """Halfway between the recorded accuracies of :data:`BAR_FROM` (full profile), rounded
    down to 0.01: 0.51 (0.095 under N(0, 1), 0.941 under He). The short run here reaches
    0.72-0.82 with He weights and at most 0.11 with N(0, 1) weights (4 seeds each,
    tests/grader/test_initialization_grading.py)."""
    from dlcourse.results import find_record, load_records

    records = load_records()
    means = []
    for experiment, metric in BAR_FROM:
        record = find_record(records, experiment, metric, "full")
        if record is None:
            raise LookupError(f"no full-profile record of {experiment} {metric}: run "
                              f"`python -m dlcourse.reproduce --profile full {experiment}`")
        means.append(record["mean"])
    return math.floor(round(sum(means) / len(means) * 100, 6)) / 100


def train_accuracy(kernels: list) -> float:
    """Train the ReLU network whose hidden layers start from ``kernels`` (float arrays of
    shapes (784, h1), (h1, h2), ...; biases 0) as :data:`TRAINING` says, in this
    process, and return its accuracy on the validation slice. Everything but the kernels
    is fixed: the output layer's weights and the order of the images come from
    :data:`TRAINING`'s seed."""
    import keras
    import numpy as np

    (x, y), (x_valid, y_valid) = training_data(TRAINING["train"], TRAINING["valid"])
    rng = np.random.default_rng(TRAINING["seed"])
    hidden = [k.shape[1] for k in kernels]
    model = keras.Sequential([keras.Input((x.shape[1],))]
                             + [keras.layers.Dense(h, activation="relu") for h in hidden]
                             + [keras.layers.Dense(10, activation="softmax")])
    limit = math.sqrt(6 / (hidden[-1] + 10))  # Keras's default, Glorot uniform
    for layer, kernel in zip(model.layers, kernels + [rng.uniform(-limit, limit, (hidden[-1], 10))]):
        layer.set_weights([np.asarray(kernel, dtype="float32"),
                           np.zeros(kernel.shape[1], dtype="float32")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=TRAINING["learning_rate"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    order = rng.permutation(len(x))
    model.fit(x[order], y[order], batch_size=TRAINING["batch_size"], epochs=TRAINING["epochs"],
              shuffle=False, verbose=0)
    predicted = np.asarray(model.predict(x_valid, batch_size=1000, verbose=0)).argmax(axis=1)
    return float((predicted == y_valid).mean())


@functools.lru_cache(maxsize=2)
def training_data(train: int, valid: int):
    """``((x_train, y_train), (x_valid, y_valid))`` of the training check: the first
    ``train`` MNIST training images and the first ``valid`` test images, flattened and
    scaled to [0, 1] as the chapter feeds its network (``dlcourse.data``), integer
    labels. Read in the grader's own process (and, for the notebook's test cell, in the
    student's kernel), never in the sandbox."""
    from dlcourse.data import scale
    from dlcourse.datasets import load_data

    (x, y), (x_test, y_test) = load_data("mnist")
    return ((scale(x[:train], flatten=True), y[:train].reshape(-1).astype("int64")),
            (scale(x_test[:valid], flatten=True), y_test[:valid].reshape(-1).astype("int64")))


class TrainingCheck(SampleCheck):
    """``he_normal`` for the shapes of a deep ReLU network (``calls[part]``: one call per
    hidden layer, then one call repeated): the arrays must be He samples, the repeated
    call must return the same array, and the network started from them must train
    (:func:`train_accuracy` at least :func:`bar`)."""

    def __init__(self, name: str, calls: dict[str, list]):
        super().__init__(name, calls, lambda fan_in, fan_out: he_std(fan_in), "he_normal")
        for part, found in calls.items():
            layers = found[:-1]
            assert layers[0][0] == 784 and all(a[1] == b[0] for a, b in zip(layers, layers[1:])), \
                f"{name} ({part}): the calls are not a network's layers"
            assert tuple(found[-1]) in {tuple(c) for c in layers}, "the last call repeats a layer's"
            assert all(c[0] * c[1] <= MAX_ARRAY_SIZE for c in found)

    def network(self, part: str) -> str:
        layers = self.calls(part)[:-1]
        return (f"the ReLU network 784 -> {' -> '.join(str(c[1]) for c in layers)} -> 10"
                if part == "visible" else "a deep ReLU network of other widths")

    def judge(self, part: str, data: dict) -> None:
        arrays = super().judge(part, data)  # He's samples, the same for the same seed
        accuracy, needed = train_accuracy(arrays[:-1]), bar()
        if accuracy < needed:
            raise AssertionError(
                f"{self.network(part)}, started from your he_normal weights, reached "
                f"a validation accuracy of {accuracy:.3f} in its short run, below {needed:.2f}")
