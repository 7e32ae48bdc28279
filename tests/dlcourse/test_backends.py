"""What the course needs of its Keras backend, on the default one and on TensorFlow (the
supported alternative), each checked in processes of their own: the default is set in
one place and ``KERAS_BACKEND`` overrides it; per-batch callbacks see every batch, and
the rate a callback sets before a batch is the one that batch trains with; a callback
may read weights after a batch; a seeded run repeats bit for bit; a ``.keras`` file
saved on one backend loads and predicts the same on the other; and the cross-entropy of
a softmax output differs between them as the CIFAR-10 chapter says."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from dlcourse import backend

OTHER = "tensorflow" if backend.DEFAULT != "tensorflow" else "jax"
BACKENDS = (backend.DEFAULT, OTHER)


def python(code: str, backend_name: str | None, cwd, timeout: float = 300) -> str:
    env = dict(os.environ)
    env.pop("KERAS_BACKEND", None)
    if backend_name:
        env["KERAS_BACKEND"] = backend_name
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_the_environment_runs_the_default_backend_unless_keras_backend_says_otherwise(tmp_path):
    code = "import keras; print(keras.backend.backend())"
    assert python(code, None, tmp_path) == backend.DEFAULT
    assert python(code, OTHER, tmp_path) == OTHER


CALLBACKS = """
import json, keras, numpy as np
from dlcourse.callbacks import LearningRateRecorder, OneCycleScheduler
rng = np.random.default_rng(0)
x, y = rng.random((80, 4), dtype="float32"), rng.random((80, 1), dtype="float32")

class ReadsWeights(keras.callbacks.Callback):
    # What a student's callback may do after a batch: read weights and the rate.
    def on_train_batch_end(self, batch, logs=None):
        self.kernel = np.array(self.model.layers[0].kernel.numpy())
        self.weights = self.model.get_weights()
        self.rate = float(self.model.optimizer.learning_rate.numpy())

class Trained(keras.callbacks.Callback):
    # The rate each batch trained with, from the update it made (SGD: w -= rate * grad).
    def on_train_batch_begin(self, batch, logs=None):
        self.before = np.array(self.model.layers[0].kernel.numpy())
    def on_train_batch_end(self, batch, logs=None):
        self.steps = getattr(self, "steps", []) + [self.before - self.model.layers[0].kernel.numpy()]

keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
cycle, recorder, reader, trained = OneCycleScheduler(30, 0.05), LearningRateRecorder(), ReadsWeights(), Trained()
model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
          callbacks=[cycle, recorder, reader, trained])
print(json.dumps({"set": cycle.rates, "seen": recorder.rates, "batches": len(trained.steps),
                  "read": reader.rate, "kernel_shape": list(reader.kernel.shape)}))
"""


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_per_batch_callbacks_see_every_batch_and_set_the_rate_it_trains_with(backend_name, tmp_path):
    found = json.loads(python(CALLBACKS, backend_name, tmp_path))
    assert found["batches"] == 30 and len(found["set"]) == 30
    np.testing.assert_allclose(found["seen"], found["set"], rtol=1e-6)
    assert found["read"] == pytest.approx(found["set"][-1], rel=1e-6)
    assert found["kernel_shape"] == [4, 1]


SEEDED = """
import hashlib, keras, numpy as np
from dlcourse import seed_everything
from dlcourse.models import mlp
from dlcourse.training import fit
from dlcourse.profiles import RunSettings
rng = np.random.default_rng(0)
x, y = rng.random((512, 20), dtype="float32"), rng.integers(0, 10, 512)
seed_everything(777)
model = mlp((20,), (32,))
model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy")
fit(model, x, y, RunSettings(epochs=2, batch_size=32))
print(hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest())
"""


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_seeded_run_repeats_bit_for_bit_in_fresh_processes(backend_name, tmp_path):
    assert python(SEEDED, backend_name, tmp_path) == python(SEEDED, backend_name, tmp_path)


SAVE = """
import keras, numpy as np
keras.utils.set_random_seed(3)
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(100, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy")
rng = np.random.default_rng(0)
model.fit(rng.random((256, 784), dtype="float32"), rng.integers(0, 10, 256), epochs=1, verbose=0)
model.save("model.keras")
x = rng.random((64, 784), dtype="float32")
np.save("x.npy", x)
np.save("predicted.npy", model.predict(x, verbose=0))
print("saved")
"""
LOAD = """
import json, numpy as np
from grader.inside import model_probes
from grader.checks.models import network_problems, setup_problems
from grader.assignments.registry import get
x = np.load("x.npy")
model = model_probes.load("model.keras")
p = np.asarray(model.predict(x, verbose=0))
found = model_probes.probe("model.keras", {"setup": True, "max_unpacked": 2**28}, x)
spec = get("learning_rate").architecture
print(json.dumps({"max_diff": float(np.abs(p - np.load("predicted.npy")).max()),
                  "problems": network_problems(found["network"], spec) + setup_problems(found["setup"], spec)}))
"""


@pytest.mark.parametrize("saved_on,loaded_on", [(OTHER, backend.DEFAULT), (backend.DEFAULT, OTHER)])
def test_a_saved_model_moves_between_backends(saved_on, loaded_on, tmp_path):
    """A model a student trains at home on one backend grades the same on the other: the
    grader's probe loads it, sees the network and optimizer asked for, and predicts
    what the student's own backend predicted."""
    python(SAVE, saved_on, tmp_path)
    found = json.loads(python(LOAD, loaded_on, tmp_path))
    assert found["problems"] == []
    assert found["max_diff"] < 1e-5


LOSS = """
import json, subprocess, sys
print(subprocess.run([sys.executable, "benchmarks/softmax_loss_backends.py", "--child"],
                     capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
"""


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_the_cross_entropy_of_a_softmax_output_per_backend(backend_name, root):
    """The difference the CIFAR-10 chapter explains: on TensorFlow, Keras computes the
    loss of a softmax output from its logits (the exact cross-entropy); elsewhere from
    the probabilities clipped to 1e-7, which caps it near 16 and starves the gradient."""
    found = json.loads(python(LOSS, backend_name, root))
    softmax, logits = found["softmax output"], found["logits output, from_logits=True"]
    assert logits["loss"] == pytest.approx(found["exact cross-entropy of the first batch"], rel=1e-4)
    if backend_name == "tensorflow":
        assert softmax["loss"] == pytest.approx(logits["loss"], rel=1e-5)
    else:
        assert softmax["loss"] == pytest.approx(found["clipped cross-entropy"], rel=1e-4)
        assert softmax["loss"] < 17 < logits["loss"]
        assert softmax["largest weight change"] < logits["largest weight change"] / 4


ORDER = """
import json, sys
sys.path.insert(0, "benchmarks")
from shuffle_order import orders
print(json.dumps({"course": orders("dlcourse.seed_everything", True),
                  "again": orders("dlcourse.seed_everything", True),
                  "keras": orders("dlcourse.seed_everything", False)}))
"""


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_the_course_fit_draws_a_new_order_every_epoch_and_a_seed_repeats_it(backend_name, root):
    """Keras's own fit on TensorFlow shows a seeded run the same order in every epoch
    (benchmarks/shuffle_order.py); the course's fit reshuffles on every backend."""
    found = json.loads(python(ORDER, backend_name, root))
    epochs = found["course"]
    assert epochs[0] != epochs[1] != epochs[2], "the course's fit must reshuffle every epoch"
    assert found["again"] == epochs, "the same seed must give the same orders"
    assert all(len(epoch) == 20 for epoch in epochs)
    if backend_name == "tensorflow":
        assert found["keras"][0] == found["keras"][1] == found["keras"][2], (
            "Keras's fit on TensorFlow reshuffles a seeded run now: the workaround in "
            "dlcourse.training.fit (_repeats_the_first_order) can go")
    else:
        assert found["keras"][0] != found["keras"][1]
