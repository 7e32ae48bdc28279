"""Training throughput: steps per second of each chapter's model, the seeds' plain code
against the options Keras and TensorFlow offer, measured side by side in one process.

    python benchmarks/training_throughput.py [--steps 200] [--repeats 5] [--models mnist,...]

For each model and variant: build and compile the model, one warm-up epoch (tracing,
compilation), then ``--repeats`` timed epochs of ``--steps`` steps each; the figure is
the median steps per second, and the ratio is against "plain" (``model.fit`` on NumPy
arrays, default settings: what the original notebooks do). The variants of a model take
turns epoch by epoch, so machine noise hits them alike.
Prints a Markdown table and the peak resident memory of the process.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def builders():
    import keras

    from dlcourse.experiments import cifar10
    from dlcourse.models import mlp

    return {
        # name: (build, input shape, batch size, optimizer)
        "MNIST MLP 784-100-10": (lambda: mlp((784,), (100,)), (784,), 100,
                                 lambda: keras.optimizers.RMSprop(1e-3)),
        "Fashion-MNIST MLP 28x28-100-10": (lambda: mlp((28, 28), (100,)), (28, 28), 32,
                                           lambda: keras.optimizers.Adam()),
        "CIFAR-10 20x100 ELU": (cifar10.elu_he_net, (32, 32, 3), 32,
                                lambda: keras.optimizers.Nadam(5e-5)),
        "CIFAR-10 20x100 ELU + BN": (cifar10.batchnorm_net, (32, 32, 3), 32,
                                     lambda: keras.optimizers.Nadam(5e-4)),
        "CIFAR-10 20x100 SELU": (cifar10.selu_net, (32, 32, 3), 32,
                                 lambda: keras.optimizers.Nadam(7e-4)),
    }


VARIANTS = {
    # name: (compile options, use a tf.data pipeline); "course" = dlcourse.training's own
    "plain": ({}, False),
    "tf.data+prefetch": ({}, True),
    "jit_compile": ({"jit_compile": True}, False),
    "course path (steps_per_execution=32)": ("course", False),
    "steps_per_execution=128": ({"steps_per_execution": 128}, False),
    "jit+steps_per_execution=32": ({"jit_compile": True, "steps_per_execution": 32}, False),
}


def prepare(build, shape, batch, optimizer, options, use_dataset, steps):
    """A compiled model and its one-epoch training call, warmed up (traced, compiled)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from dlcourse.training import course_compile_options

    rng = np.random.default_rng(0)
    x = rng.random((steps * batch, *shape), dtype=np.float32)
    y = rng.integers(0, 10, steps * batch)
    keras.utils.set_random_seed(42)
    model = build()
    if options == "course":
        options = course_compile_options(callbacks=())
    model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], **options)
    if use_dataset:
        data = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0)
                .batch(batch).prefetch(tf.data.AUTOTUNE))

        def epoch():
            model.fit(data, epochs=1, verbose=0)
    else:
        def epoch():
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    epoch()
    return epoch


def measure(spec, variants, steps, repeats) -> dict[str, float]:
    """Median steps per second of each variant; the variants take turns epoch by epoch,
    so that the machine's noise falls on all of them alike."""
    build, shape, batch, optimizer = spec
    epochs = {v: prepare(build, shape, batch, optimizer, *variants[v], steps) for v in variants}
    rates: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(repeats):
        for v, epoch in epochs.items():
            start = time.perf_counter()
            epoch()
            rates[v].append(steps / (time.perf_counter() - start))
    return {v: statistics.median(r) for v, r in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", help="comma-separated prefixes of model names")
    parser.add_argument("--variants", help="comma-separated variant names")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    models = builders()
    if args.models:
        wanted = args.models.split(",")
        models = {k: v for k, v in models.items() if any(k.startswith(w) for w in wanted)}
    variants = VARIANTS if not args.variants else {k: VARIANTS[k] for k in args.variants.split(",")}
    print(f"# Training throughput, {time.strftime('%Y-%m-%d')}, {platform.node()}: "
          f"{os.cpu_count()} CPUs, TensorFlow {tf.__version__}, "
          f"GPU: {bool(tf.config.list_physical_devices('GPU'))}")
    print(f"# `python benchmarks/training_throughput.py --steps {args.steps} "
          f"--repeats {args.repeats}`: median of {args.repeats} epochs of {args.steps} steps\n")
    print("| model | batch | " + " | ".join(variants) + " |")
    print("|---|---|" + "---|" * len(variants))
    for name, (build, shape, batch, optimizer) in models.items():
        rates = measure((build, shape, batch, optimizer), variants, args.steps, args.repeats)
        base = rates.get("plain")
        cells = [f"{r:.0f}/s" + (f" ({r / base:.2f}x)" if base and v != "plain" else "")
                 for v, r in rates.items()]
        print(f"| {name} | {batch} | " + " | ".join(cells) + " |", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"\npeak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
