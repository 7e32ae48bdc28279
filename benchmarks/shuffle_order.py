"""Does ``fit`` draw a new order of the training examples every epoch? Per backend, and
per way of seeding, Keras's own ``fit(shuffle=True)`` and the course's
``dlcourse.training.fit``.

    python benchmarks/shuffle_order.py [--backends tensorflow,jax,torch]

Each backend runs in a process of its own. A one-weight model is trained for three
epochs on the examples 0, 1, ..., 639 (batch 32), eagerly, with a ``train_step`` that
notes the first example of each batch. Found with Keras 3.15.1 and TensorFlow 2.21.0:
once ``keras.utils.set_random_seed`` has been called, Keras's ``fit`` on TensorFlow shows
the examples in the same order in every epoch (its shuffle is a seeded random op in a
``tf.data`` map, which starts over with each epoch's iterator); unseeded, and on JAX and
PyTorch, it reshuffles. The same batches every epoch train a network differently (with
batch normalisation, each batch's statistics repeat too): on CIFAR-10 exercise 8(c) it
overfits within a few epochs (``book/results/backends.json``). The course's ``fit``
reshuffles on every backend, seeded.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WAYS = ("unseeded", "keras.utils.set_random_seed", "dlcourse.seed_everything")


def orders(way: str, course: bool) -> list[list[int]]:
    """The first example of each batch, per epoch."""
    import keras
    import numpy as np

    from dlcourse.seeding import seed_everything

    if way == "keras.utils.set_random_seed":
        keras.utils.set_random_seed(42)
    elif way == "dlcourse.seed_everything":
        seed_everything(42)
    x, y = np.arange(640, dtype="float32").reshape(-1, 1), np.zeros(640, "float32")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    seen: list[list[int]] = []
    step = model.train_step

    def noting(*args):
        seen[-1].append(int(np.asarray(args[-1][0])[0, 0]))
        return step(*args)

    class Epochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append([])

    model.train_step = noting
    if course:
        from dlcourse.profiles import RunSettings
        from dlcourse.training import fit
        fit(model, x, y, RunSettings(epochs=3, batch_size=32), callbacks=[Epochs()])
    else:
        model.fit(x, y, batch_size=32, epochs=3, shuffle=True, verbose=0, callbacks=[Epochs()])
    return seen


def child() -> dict:
    import keras

    found = {"backend": keras.backend.backend()}
    for way in WAYS:
        for course in (False, True):
            seen = orders(way, course)
            found[f"{'course fit' if course else 'keras fit'}, {way}"] = {
                "same order every epoch": seen[0] == seen[1] == seen[2],
                "first batches per epoch": [epoch[:4] for epoch in seen]}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child()))
        return
    print("| backend | fit | seeding | same order every epoch |\n|---|---|---|---|")
    for backend in args.backends.split(","):
        if importlib.util.find_spec(backend) is None:
            continue
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        out = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True,
                             capture_output=True, text=True).stdout
        found = json.loads(out.strip().splitlines()[-1])
        for key, value in found.items():
            if key != "backend":
                fit, way = key.split(", ")
                print(f"| {backend} | {fit} | {way} | "
                      f"{'**yes**' if value['same order every epoch'] else 'no'} |")


if __name__ == "__main__":
    main()
