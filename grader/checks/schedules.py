"""The checks of the "schedules" assignment.

The checks and their inputs are declared in ``assignments/source/schedules/assignment.py``.
Each check has two halves, so that the notebook's test cells and the grader run exactly
the same code and give the same points:

- a check's ``params`` say what to call (plain data, no reference value), and
  :mod:`grader.inside.probes` calls the student's object (a function, or the 1cycle callback
  class) and returns plain data: numbers and lists, nothing else. In the grader that
  runs in the submission's sandboxed process, and only this data crosses back (as JSON).
- its ``verify`` compares that data with the references (``dlcourse.schedules`` and
  Keras's own ``CosineDecayRestarts``) and raises ``AssertionError`` with a reason.

:func:`grader.checks.base.check` is both in one call, for the notebook. Each check has a ``"visible"`` part
(the points shown in the released notebook) and a ``"hidden"`` part (further points,
only in the autograder's copy); failure messages of hidden parts never show their inputs.
"""
from __future__ import annotations

import contextlib
import math

from dlcourse import schedules as ref
from grader import config
from grader.assignments.spec import PARTS
from grader.checks.base import Check
from grader.checks.base import check  # noqa: F401 - what the notebook's test cells import


class RuleBroken(AssertionError):
    """The student's code did what the notebook says not to do."""


@contextlib.contextmanager
def _rule(name: str):
    """The notebook's rule for ``cosine_decay_restarts`` ("computed yourself with math,
    do not call the Keras schedule"), as the notebook's own test cell checks it: while
    the test calls the student's function, calling the Keras schedule (under any name)
    raises. The grader checks it for good by running that test where Keras is not
    installed (``isolated`` in the assignment's spec)."""
    if name != "cosine_decay_restarts":
        yield
        return
    try:
        import keras
        schedule = keras.optimizers.schedules.CosineDecayRestarts
    except Exception:  # noqa: BLE001 - no Keras: nothing to call
        yield
        return

    def tripwire(self, step):
        raise RuleBroken("cosine_decay_restarts calls the Keras schedule CosineDecayRestarts: "
                         "compute the rate yourself with math")

    original = schedule.__call__
    schedule.__call__ = tripwire
    try:
        yield
    finally:
        schedule.__call__ = original


# --- the checks, as objects: what to call, and the reference to compare with ----------

class _Check(Check):
    """A check of a function or class of the student's, probed where it ran."""

    name: str

    def rule(self):
        return _rule(self.name)

    def params(self, part: str) -> dict:
        """What :func:`grader.inside.probes.run` needs to probe the student's object: the calls
        to make (hidden calls are labelled without their arguments) or the 1cycle run,
        and the time limit. Plain data, no reference value."""
        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}")
        return {**self.probe(part), "timeout": config.CALL_TIMEOUT_S,
                "what": f"{self.name} ({part} tests)"}

    def verify(self, part: str, data: dict) -> None:
        """Raise ``AssertionError`` (with a reason a student can act on) unless ``data``
        from the probe matches the reference."""
        if "error" in data:  # the grader's runner puts the student's exception here
            raise AssertionError(data["error"])
        self.judge(part, data)


class FunctionCheck(_Check):
    """A function of the student's, called at ``calls[part]`` (argument tuples) and
    compared with ``reference(calls) -> values``."""

    def __init__(self, name: str, calls: dict[str, list], reference):
        self.name, self.inputs, self._reference = name, calls, reference
        self._expected: dict[str, list[float]] = {}  # per part: computed once per grader

    def calls(self, part: str) -> list[tuple]:
        return [tuple(c) if isinstance(c, (list, tuple)) else (c,) for c in self.inputs[part]]

    def probe(self, part: str) -> dict:
        calls = self.calls(part)
        return {"kind": "calls", "calls": [list(c) for c in calls],
                "labels": [_call_text(self.name, c, part) for c in calls]}

    def expected(self, part: str) -> list[float]:
        # A reference can be slow (Keras's CosineDecayRestarts, step by step) and is the
        # same for every submission of a class.
        if part not in self._expected:
            self._expected[part] = self._reference(self.calls(part))
        return list(self._expected[part])

    def judge(self, part: str, data: dict) -> None:
        got, want = data["values"], self.expected(part)
        if _close(got, want):
            return
        bad = [i for i, (g, w) in enumerate(zip(got, want)) if not _close([g], [w])]
        if part == "hidden":
            raise AssertionError(f"{self.name} is wrong at further points the released tests "
                                 "do not show")
        call = _call_text(self.name, self.calls(part)[bad[0]], part)
        raise AssertionError(f"{call} returned {got[bad[0]]!r}, expected {want[bad[0]]!r}")


class CallbackCheck(_Check):
    """A Keras callback class of the student's that sets the rate before every batch, run
    in a real fit (``runs[part]``: ``samples`` rows of ``features`` random numbers,
    ``batch_size`` per batch, ``epochs`` epochs, the callback constructed with
    ``callback``) and compared batch by batch with the 1cycle reference. A run longer
    than ``iterations`` checks that the rate then stays at ``last_rate``."""

    def __init__(self, name: str, runs: dict[str, dict]):
        self.name, self.runs = name, runs

    def probe(self, part: str) -> dict:
        return {"kind": "one_cycle", "run": self.runs[part]}

    def expected(self, part: str) -> list[float]:
        run = self.runs[part]
        cb = run["callback"]
        batches = run["epochs"] * math.ceil(run["samples"] / run["batch_size"])
        return [ref.one_cycle_rate(min(i, cb["iterations"]), **cb) for i in range(batches)]

    def judge(self, part: str, data: dict) -> None:
        _verify_one_cycle(self.name, part, data, self.expected(part), self.runs[part]["callback"])


def pointwise(fn):
    """A check's reference from a function of one call's arguments."""
    return lambda calls: [fn(*args) for args in calls]


def _call_text(name: str, args: tuple, part: str) -> str:
    return f"{name}({', '.join(map(repr, args))})" if part == "visible" else f"{name} (hidden tests)"


def keras_cosine_decay_restarts(**settings):
    """The reference of ``cosine_decay_restarts``: Keras's own ``CosineDecayRestarts``
    with ``settings`` (checked against ``dlcourse.schedules.cosine_decay_restarts``,
    which is what students read about)."""
    def reference(calls):
        import keras
        steps = [s for (s,) in calls]
        schedule = keras.optimizers.schedules.CosineDecayRestarts(**settings)
        values = [float(keras.ops.convert_to_numpy(schedule(step))) for step in steps]
        ours = [ref.cosine_decay_restarts(s, **settings) for s in steps]
        assert _close(values, ours), "the reference cosine_decay_restarts disagrees with Keras"
        return values
    return reference


def _close(got, want) -> bool:
    """Same length, every value a finite number within the tolerances of ours."""
    import numpy as np

    if len(got) != len(want):
        return False
    if not all(isinstance(g, (int, float)) for g in got):  # as math.isfinite refuses them
        raise TypeError("not a number")
    got = np.asarray(got, dtype="float64")
    return bool(np.all(np.isfinite(got))) and bool(
        np.all(np.isclose(got, np.asarray(want, dtype="float64"), rtol=config.RTOL,
                          atol=config.ATOL)))


def _verify_one_cycle(name: str, part: str, data: dict, want: list[float], cb: dict) -> None:
    got, per_epoch = data["rates"], data["batches_per_epoch"]
    if len(got) != len(want):
        if part == "hidden":
            raise AssertionError("the fit did not run the batches it should have")
        raise AssertionError(f"the fit ran {len(got)} batches, expected {len(want)}")
    if _close(got, want):
        return
    if got and got[0] == 1.0:
        raise AssertionError("the first batch trained with the optimizer's initial rate: "
                             "set the rate before every batch (on_train_batch_begin)")
    epochs = [got[i:i + per_epoch] for i in range(0, len(got), per_epoch)]
    if len(got) > per_epoch and all(len(set(e)) == 1 for e in epochs):
        raise AssertionError("the rate changes only between epochs: 1cycle steps it every batch")
    iterations = cb["iterations"]
    last = cb.get("last_iterations") or iterations // 10 + 1
    half = (iterations - last) // 2
    first = next(i for i, (g, w) in enumerate(zip(got, want)) if not _close([g], [w]))
    phase = ("the rise" if first < half else "the fall" if first < 2 * half
             else "the final annealing" if first <= iterations else "after the cycle")
    where = "" if part == "hidden" else f" (batch {first}: rate {got[first]!r}, expected {want[first]!r})"
    setting = ", ".join(f"{k}={v!r}" for k, v in cb.items()) if part == "visible" else "other settings"
    raise AssertionError(f"OneCycleScheduler({setting}): the rate is wrong from {phase} on{where}")
