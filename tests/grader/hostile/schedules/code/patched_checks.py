# ---
# case = "patched_checks"
# attack = """
# Monkeypatching numpy.allclose, math.isclose, pytest.approx and the probe's own
# number(): comparisons happen in the grader's process, on plain JSON."""
# points = 6  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "expected"
# test_exponential_decay_fn = "expected"
# ---
# %% answer_scheduler_exp

import builtins, math, sys
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
math.isclose = lambda *a, **k: True
math.isfinite = lambda x: True
try:
    import pytest
    pytest.approx = lambda expected, *a, **k: _Anything()
except ImportError:
    pass
class _Anything(float):
    def __eq__(self, other): return True
    __ne__ = lambda self, other: False
import grader.inside.probes
_number = grader.inside.probes.number
# Anything that is not a float "is" 0.01 (the right answer at epoch 0).
grader.inside.probes.number = lambda value, call: _number(value, call) if type(value) is float else 0.01
for name in ("grader.checks.schedules", "grader.config", "dlcourse.schedules"):
    try:
        __import__(name)
    except ImportError as exc:
        print("not here:", exc)

def scheduler_exp(epoch, lr):
    return _Anything(0.5)
def exponential_decay_fn(epoch):
    return 0.5

# %% answer_exponential_decay_fn
pass
