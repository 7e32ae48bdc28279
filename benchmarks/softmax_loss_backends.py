"""Why the same Keras code trains differently on TensorFlow and on JAX or PyTorch: the
cross-entropy of a softmax output, the smallest reproduction.

    python benchmarks/softmax_loss_backends.py [--backends tensorflow,jax,torch]
    python benchmarks/softmax_loss_backends.py --cifar10-c --epochs 30   # one backend

Part 1 (each backend in a process of its own): one ``Dense(10, softmax)`` layer, He
initialised, fed raw 0-255 pixel values as CIFAR-10 exercise 8(a) feeds its network, and
one batch of ``sparse_categorical_crossentropy``. It prints the loss, the same loss
computed from the logits (``from_logits=True``), and the size of the first update SGD
makes. On TensorFlow, Keras's softmax remembers its logits inside a compiled function
and the loss uses them: the exact cross-entropy, however confident the wrong answer. On
the other backends the loss takes the logarithm of the probabilities, clipped to
[1e-7, 1 - 1e-7]: a sample whose true class got less than 1e-7 costs at most 16.1 and
sends back no gradient at all. With raw pixels, every sample is such a one at the start.

Part 2 (``--cifar10-c``, the current backend): exercise 8(c) (batch normalisation, Nadam
5e-4) on the full data, and per epoch the validation loss as Keras reports it, the same
loss computed both ways from the model's predictions (exact, and with the clipped
probabilities), and the validation accuracy; which epoch early stopping on each loss
would keep.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EPSILON = 1e-7


def one_batch() -> dict:
    import keras
    import numpy as np

    keras.utils.set_random_seed(42)
    x = np.random.default_rng(0).integers(0, 256, (32, 3072)).astype("float32")
    y = np.random.default_rng(1).integers(0, 10, 32)
    found = {"backend": keras.backend.backend()}
    for name, activation, from_logits in (("softmax output", "softmax", False),
                                          ("logits output, from_logits=True", None, True)):
        keras.utils.set_random_seed(42)
        model = keras.Sequential([keras.Input((3072,)),
                                  keras.layers.Dense(10, activation=activation,
                                                     kernel_initializer="he_normal")])
        model.compile(optimizer=keras.optimizers.SGD(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits))
        before = model.get_weights()[0].copy()
        loss = float(model.train_on_batch(x, y))
        moved = float(np.abs(model.get_weights()[0] - before).max())
        found[name] = {"loss": loss, "largest weight change": moved}
    logits = x @ before  # the first model's initial weights, bias 0
    shifted = logits - logits.max(axis=1, keepdims=True)
    exact = float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(32), y]))
    found["exact cross-entropy of the first batch"] = exact
    found["clipped cross-entropy"] = float(np.mean(-np.log(np.clip(
        np.exp(shifted[np.arange(32), y]) / np.exp(shifted).sum(axis=1), EPSILON, 1 - EPSILON))))
    return found


def cifar10_c(epochs: int) -> dict:
    """Exercise 8(c), one seed, with both validation losses per epoch."""
    import keras
    import numpy as np

    from dlcourse.experiments import cifar10
    from dlcourse.profiles import Profile
    from dlcourse.seeding import seed_everything

    settings = Profile("full").settings("cifar10_deep")
    (x_train, y_train), (x_valid, y_valid) = cifar10.split(settings)
    seed_everything(42)
    model = cifar10.batchnorm_net()
    model.compile(optimizer=keras.optimizers.Nadam(5e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rows = []

    class Both(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            p = np.asarray(self.model.predict(x_valid, batch_size=1000, verbose=0), "float64")
            true = p[np.arange(len(y_valid)), y_valid]
            rows.append({"epoch": epoch + 1, "keras_val_loss": logs["val_loss"],
                         "clipped": float(np.mean(-np.log(np.clip(true, EPSILON, 1 - EPSILON)))),
                         "exact_floor": float(np.mean(-np.log(np.maximum(true, 1e-300)))),
                         "val_accuracy": logs["val_accuracy"],
                         "below_epsilon": float(np.mean(true < EPSILON))})
            print(json.dumps(rows[-1]), flush=True)

    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_data=(x_valid, y_valid),
              callbacks=[Both()], verbose=0)
    best = {k: min(rows, key=lambda r: r[k])["epoch"] for k in ("keras_val_loss", "clipped")}
    return {"backend": keras.backend.backend(), "rows": rows, "best_epoch": best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--cifar10-c", action="store_true")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.cifar10_c:
        result = cifar10_c(args.epochs)
        print(json.dumps({"backend": result["backend"], "best_epoch": result["best_epoch"]}))
        return
    if args.child:
        print(json.dumps(one_batch()))
        return
    import importlib.util
    for backend in args.backends.split(","):
        if importlib.util.find_spec(backend) is None:
            continue
        out = subprocess.run([sys.executable, __file__, "--child"], capture_output=True, text=True,
                             env={**os.environ, "KERAS_BACKEND": backend}, check=True).stdout
        found = json.loads(out.strip().splitlines()[-1])
        print(f"## {backend}")
        for key, value in found.items():
            if key != "backend":
                print(f"- {key}: {value}")
        print()


if __name__ == "__main__":
    main()
