"""One seeding call makes a quick training run repeatable, bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from dlcourse import seed_everything
from dlcourse.data import load_scaled
from dlcourse.models import mlp
from dlcourse.profiles import Profile

SETTINGS = Profile("quick").settings("mnist_lr")

TRAIN_SNIPPET = """
import numpy as np
from dlcourse import seed_everything
from dlcourse.data import load_scaled
from dlcourse.models import mlp
from dlcourse.profiles import Profile
import keras
s = Profile("quick").settings("mnist_lr")
(x, y), _ = load_scaled("mnist", s, flatten=True, one_hot_labels=True)
seed_everything({seed})
model = mlp((784,))
model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="categorical_crossentropy")
model.fit(x, y, epochs=s.epochs, batch_size=s.batch_size, verbose=0)
np.savez({out!r}, *model.get_weights())
"""


@pytest.fixture(scope="module")
def mnist_slice():
    (x, y), _ = load_scaled("mnist", SETTINGS, flatten=True, one_hot_labels=True)
    return x, y


def quick_run(seed, x, y):
    import keras

    seed_everything(seed)
    model = mlp((784,))
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="categorical_crossentropy")
    model.fit(x, y, epochs=SETTINGS.epochs, batch_size=SETTINGS.batch_size, verbose=0)
    return model.get_weights()


def test_same_seed_gives_identical_weights(mnist_slice):
    first, second = quick_run(777, *mnist_slice), quick_run(777, *mnist_slice)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_other_seed_gives_other_weights(mnist_slice):
    first, other = quick_run(777, *mnist_slice), quick_run(778, *mnist_slice)
    assert not np.array_equal(first[0], other[0])


def test_seeded_runs_in_fresh_processes_agree(tmp_path, run_python):
    outs = [tmp_path / f"run{i}.npz" for i in range(2)]
    for out in outs:
        run_python(TRAIN_SNIPPET.format(seed=777, out=str(out)))
    a, b = np.load(outs[0]), np.load(outs[1])
    assert a.files == b.files and len(a.files) == 4
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key])


def test_seeding_covers_python_and_numpy():
    import random

    seed_everything(5)
    first = (random.random(), np.random.rand())
    seed_everything(5)
    assert (random.random(), np.random.rand()) == first
