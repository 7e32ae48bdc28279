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

Part 2 (``--cifar10-c [--output softmax|logits]``, the current backend): exercise 8(c)
(batch normalisation, Nadam 5e-4) on the full data, and per epoch the validation loss as
Keras reports it, the same loss computed exactly (from the logits) and with the clipped
probabilities, and the validation accuracy; which epoch early stopping on each loss
would keep. ``--same-start NPZ``: both backends from the same initial weights and the
same batch order. ``--course-run SEED``: (c) as the course trains it. ``--record
book/results/backends.json`` keeps the run for the CIFAR-10 chapter.
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


def cifar10_c(epochs: int, output: str, same_start: str | None = None) -> dict:
    """Exercise 8(c), one seed, full data, and per epoch its validation loss three ways:
    as Keras reports it, exact (log-softmax of the logits, in float64, from the output
    layer's input) and with the probabilities clipped as Keras clips them; which epoch
    early stopping on each would keep. ``output``: "softmax" (handson-ml2's) or
    "logits" (with ``from_logits=True``). ``same_start``: an ``.npz`` file of initial
    weights (written by the first run, read by the next, on any backend) and a NumPy
    shuffle per epoch instead of the backend's, so that two backends start from the same
    weights and see the same batches: what then differs is the arithmetic alone."""
    import keras
    import numpy as np

    from dlcourse.experiments import cifar10
    from dlcourse.profiles import Profile
    from dlcourse.seeding import seed_everything
    from dlcourse.training import compile_classifier

    settings = Profile("full").settings("cifar10_deep")
    (x_train, y_train), (x_valid, y_valid) = cifar10.split(settings)
    seed_everything(42)
    model = cifar10.batchnorm_net(output=output)
    compile_classifier(model, keras.optimizers.Nadam(cifar10.BN_RATE))
    last = model.layers[-1]
    hidden = keras.Model(model.inputs, last.input)
    rows = []

    class ThreeWays(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            h = np.asarray(hidden.predict(x_valid, batch_size=1000, verbose=0), "float64")
            kernel, bias = (np.asarray(w, "float64") for w in last.get_weights())
            z = h @ kernel + bias
            z -= z.max(axis=1, keepdims=True)
            log_p = z[np.arange(len(y_valid)), y_valid] - np.log(np.exp(z).sum(axis=1))
            p = np.clip(np.exp(log_p), EPSILON, 1 - EPSILON)
            rows.append({"epoch": epoch + 1, "keras_val_loss": round(logs["val_loss"], 4),
                         "exact": round(float(-log_p.mean()), 4),
                         "clipped": round(float(-np.log(p).mean()), 4),
                         "val_accuracy": round(logs["val_accuracy"], 4),
                         "train_loss": round(logs["loss"], 4),
                         "below_epsilon": round(float(np.mean(log_p < math.log(EPSILON))), 4)})
            print(json.dumps(rows[-1]), flush=True)

    if same_start is None:
        model.fit(x_train, y_train, epochs=epochs, batch_size=settings.batch_size,
                  validation_data=(x_valid, y_valid), callbacks=[ThreeWays()], verbose=0)
    else:
        start = Path(same_start)
        if start.exists():
            with np.load(start) as saved:
                model.set_weights([saved[f"w{i}"] for i in range(len(saved.files))])
        else:
            np.savez(start, **{f"w{i}": w for i, w in enumerate(model.get_weights())})
        order = np.random.default_rng(42)
        for epoch in range(epochs):
            perm = order.permutation(len(x_train))
            model.fit(x_train[perm], y_train[perm], initial_epoch=epoch, epochs=epoch + 1,
                      batch_size=settings.batch_size, shuffle=False, verbose=0,
                      validation_data=(x_valid, y_valid), callbacks=[ThreeWays()])
    best = {k: min(rows, key=lambda r: r[k])["epoch"] for k in ("keras_val_loss", "exact", "clipped")}
    return {"backend": keras.backend.backend(), "output": output, "rows": rows,
            "best_epoch": best,
            "val_accuracy_at_best": {k: rows[e - 1]["val_accuracy"] for k, e in best.items()}}


def course_run(epochs: int, seed: int) -> dict:
    """Exercise 8(c) as the course trains it (``cifar10.train_batchnorm``: the backend's
    own seeding and shuffling, early stopping, the course's training path), at most
    ``epochs`` epochs, and its history."""
    import dataclasses

    import keras

    from dlcourse.experiments import cifar10
    from dlcourse.profiles import Profile

    settings = dataclasses.replace(Profile("full").settings("cifar10_deep"), epochs=epochs)
    run = cifar10.train_batchnorm(settings, seed)
    rows = [{"epoch": i + 1, "keras_val_loss": round(loss, 4),
             "val_accuracy": round(run.history["val_accuracy"][i], 4),
             "train_loss": round(run.history["loss"][i], 4)}
            for i, loss in enumerate(run.history["val_loss"])]
    best = min(rows, key=lambda r: r["keras_val_loss"])["epoch"]
    return {"backend": keras.backend.backend(), "output": "softmax", "same_start": False,
            "course_path": True, "seed": seed, "epochs": epochs, "rows": rows,
            "best_epoch": {"keras_val_loss": best},
            "val_accuracy_at_best": {"keras_val_loss": rows[best - 1]["val_accuracy"]}}


def keep(path: Path, run: dict) -> None:
    """Add ``run`` to the records file, replacing a run of the same kind."""
    run.setdefault("course_path", False)
    run.setdefault("order", "reshuffled every epoch")
    key = ("backend", "output", "same_start", "course_path", "order", "seed")
    runs = json.loads(path.read_text()) if path.exists() else []
    for old in runs:
        old.setdefault("course_path", False)
        old.setdefault("order", "reshuffled every epoch")
    runs = [r for r in runs if any(r.get(k) != run[k] for k in key)] + [run]
    runs.sort(key=lambda r: tuple(str(r[k]) for k in key))
    path.write_text(json.dumps(runs, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--cifar10-c", action="store_true")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--output", default="softmax", choices=("softmax", "logits"))
    parser.add_argument("--same-start", metavar="NPZ")
    parser.add_argument("--course-run", type=int, metavar="SEED",
                        help="(c) as the course trains it, this seed, at most --epochs")
    parser.add_argument("--record", metavar="JSON", help="keep the run in this file "
                        "(book/results/backends.json: the CIFAR-10 chapter reads it)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.course_run is not None:
        result = course_run(args.epochs, args.course_run)
        if args.record:
            keep(Path(args.record), result)
        print(json.dumps({k: v for k, v in result.items() if k != "rows"}))
        return
    if args.cifar10_c:
        result = cifar10_c(args.epochs, args.output, args.same_start)
        if args.record:
            keep(Path(args.record), {**result, "same_start": bool(args.same_start),
                                     "seed": 42, "epochs": args.epochs})
        print(json.dumps({k: v for k, v in result.items() if k != "rows"}))
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
