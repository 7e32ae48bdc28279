"""Call the student's object as a check asks and return plain data: numbers and lists.

This is the only check code that runs next to student code, in the notebook's kernel
and in the grader's sandbox. It imports nothing of the course (the sandbox has only
the standard library, NumPy and Keras), and it holds no reference value: what to call,
and with which arguments, comes in ``params`` from the trusted side
(a check's ``params``, :mod:`grader.checks.schedules`), and the comparison with the references
happens there too. Whatever the student's code does to this module, the most it can
change is the numbers that come back, which is what its functions could return anyway.
"""
from __future__ import annotations

import math

from grader.inside.call_timeout import time_limit


class NotANumber(TypeError):
    """The student's code returned something that is not a real number."""


def number(value, call: str) -> float:
    """The number the student's code returned, as a plain float; refuses strings and
    objects that only pretend to be numbers (a float subclass counts at its stored
    value, whatever its ``__float__`` or ``__eq__`` say)."""
    if isinstance(value, (bool, str, bytes)):
        raise NotANumber(f"{call} returned {type(value).__name__} {value!r}, not a number")
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, int):
        return float(int.__index__(value))
    if type(value).__module__.split(".")[0] in ("numpy", "tensorflow", "keras", "jax", "torch"):
        import numpy as np
        array = np.asarray(value)
        if array.size == 1 and array.dtype.kind in "iuf":
            return float(array.reshape(()))
    raise NotANumber(f"{call} returned {type(value).__name__}, not a number")


def numbers(value, call: str, max_length: int) -> list[float]:
    """The list of numbers the student's code returned (a list, tuple or 1-D NumPy
    array of at most ``max_length`` real numbers), as plain floats."""
    if isinstance(value, (list, tuple)) or type(value).__module__.split(".")[0] == "numpy":
        size = len(value) if isinstance(value, (list, tuple)) else getattr(value, "size", None)
        if isinstance(size, int) and size <= max_length:
            items = value if isinstance(value, (list, tuple)) else list(value.reshape(-1))
            if type(value).__module__.split(".")[0] != "numpy" or value.ndim == 1:
                return [number(v, f"{call}: an element") for v in items]
        raise NotANumber(f"{call} returned {type(value).__name__} of {size!r} elements, not a "
                         f"list of at most {max_length} numbers")
    raise NotANumber(f"{call} returned {type(value).__name__}, not a list of numbers")


def array(value, call: str, max_size: int) -> dict:
    """The array of real numbers the student's code returned (a NumPy array, or nested
    lists), of at most ``max_size`` elements, as ``{"shape": [...], "values": [...]}``
    (flattened, plain floats; NaN and infinity kept for the check to refuse)."""
    import numpy as np

    if not isinstance(value, (np.ndarray, list, tuple)):
        raise NotANumber(f"{call} returned {type(value).__name__}, not a NumPy array")
    size = np.ndarray.__getattribute__(value, "size") if isinstance(value, np.ndarray) else None
    if size is not None and size > max_size:
        raise NotANumber(f"{call} returned an array of {size} elements, more than the "
                         f"{max_size} it may")
    try:
        a = np.array(value, copy=True)
    except (ValueError, TypeError) as exc:
        raise NotANumber(f"{call} returned {type(value).__name__} that is not an array of "
                         f"numbers ({type(exc).__name__})") from None
    if a.dtype.kind not in "iuf":
        raise NotANumber(f"{call} returned an array of {a.dtype}, not of real numbers")
    if a.size > max_size:
        raise NotANumber(f"{call} returned an array of {a.size} elements, more than the "
                         f"{max_size} it may")
    return {"shape": [int(d) for d in a.shape], "values": a.astype("float64").ravel().tolist()}


def _returned(value, label: str, params: dict):
    """What one call returned, as ``params["returns"]`` asks: ``"number"`` (the
    default), ``"numbers"`` (a list, at most ``max_length`` long) or ``"array"`` (at
    most ``max_size`` elements)."""
    returns = params.get("returns", "number")
    if returns == "numbers":
        return numbers(value, label, int(params["max_length"]))
    if returns == "array":
        return array(value, label, int(params["max_size"]))
    return number(value, label)


def run(params: dict, obj) -> dict:
    """Probe ``obj`` as ``params`` say: ``{"kind": "calls", "calls": [args, ...],
    "labels": [...]}`` returns ``{"values": [...]}`` (each a number, or what
    ``params["returns"]`` asks for: :func:`_returned`); ``{"kind": "one_cycle", "run":
    {...}}`` returns ``{"rates": [...], "batches_per_epoch": n}``. A probe running past
    ``params["timeout"]`` seconds is interrupted."""
    with time_limit(params.get("timeout"), params.get("what", "the check")):
        if params["kind"] == "calls":
            return {"values": [_returned(obj(*args), label, params)
                               for args, label in zip(params["calls"], params["labels"])]}
        if params["kind"] == "one_cycle":
            return one_cycle_rates(obj, params["run"])
    raise KeyError(f"no probe of kind {params['kind']!r}")


def one_cycle_rates(cls, run: dict) -> dict:
    """Fit a one-layer model on tiny random data with ``cls(**run["callback"])`` and
    record the rate the optimizer holds as each batch starts (after the student's
    callback has run: the rate that batch trains with)."""
    import keras
    import numpy as np

    rates: list[float] = []

    class Recorder(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    rng = np.random.default_rng(0)
    x = rng.normal(size=(run["samples"], run["features"])).astype("float32")
    y = rng.normal(size=(run["samples"], 1)).astype("float32")
    model = keras.Sequential([keras.Input((run["features"],)), keras.layers.Dense(1)])
    # A rate no schedule here produces: a batch that trains with it was never set.
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.fit(x, y, batch_size=run["batch_size"], epochs=run["epochs"], shuffle=False,
              callbacks=[cls(**run["callback"]), Recorder()], verbose=0)
    return {"rates": [number(r, "the optimizer's learning rate") for r in rates],
            "batches_per_epoch": math.ceil(run["samples"] / run["batch_size"])}
