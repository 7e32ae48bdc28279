"""Training throughput of each chapter's model on each Keras backend (TensorFlow, JAX,
PyTorch), the seeds' plain code against the course's training path, side by side in
one run.

    python benchmarks/training_throughput.py [--backends tensorflow,jax,torch]
        [--steps 200] [--repeats 3] [--rounds 3] [--models mnist,...]

A backend is chosen when Keras is imported, so each one is measured in a process of its
own (``KERAS_BACKEND``); the backends take turns, round after round, so that machine
noise falls on all of them alike, and every figure is the median over the rounds. In
each process, per model: build and compile, one warm-up epoch (tracing, compilation),
then ``--repeats`` timed epochs of ``--steps`` steps per variant, the variants taking
turns epoch by epoch:

- "plain": ``model.fit`` on NumPy arrays with default settings, what the original
  notebooks do;
- "course path": ``dlcourse.training``'s own options (``steps_per_execution``).

Also per process: ``import keras`` (seconds, in a fresh interpreter), the machine's fp32
matmul peak (a 2048x2048 NumPy matmul, best of 5) and the process's peak resident
memory; and per model NumPy's rate on that model's own matmul shapes (its ceiling at
that batch size). A step's arithmetic is counted as 3 x the forward pass's multiply-adds x 2 (the
backward pass costs about twice the forward), so GFLOP/s and its fraction of the matmul
peak say how much of the machine a model's training uses. A backend that is not
installed is skipped (PyTorch: ``pip install torch==2.13.0``).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BACKENDS = ("tensorflow", "jax", "torch")
VARIANTS = ("plain", "course path")


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


def step_flops(model, batch: int) -> float:
    """Multiply-adds of the Dense layers, x2 for FLOPs, x3 for forward and backward."""
    total = 0
    for layer in model.layers:
        if type(layer).__name__ == "Dense":
            kernel = layer.kernel.shape
            total += int(kernel[0]) * int(kernel[1])
    return 2 * 3 * total * batch


def matmul_gflops(n: int = 2048, repeat: int = 5) -> float:
    import numpy as np

    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


def dense_shapes(model) -> list[tuple[int, int]]:
    return [(int(layer.kernel.shape[0]), int(layer.kernel.shape[1])) for layer in model.layers
            if type(layer).__name__ == "Dense"]


def same_shape_gflops(shapes, batch: int, seconds: float = 1.0) -> float:
    """NumPy's fp32 rate on one training step's own matmuls (per Dense layer: forward
    x @ W, and backward x.T @ g and g @ W.T), nothing else: the ceiling for a model
    whose step is those matmuls, at its batch size. Small matrices run far below the
    2048x2048 peak, which is what limits the MLPs."""
    import numpy as np

    rng = np.random.default_rng(0)
    mats = [(rng.random((batch, n_in), dtype=np.float32), rng.random((n_in, n_out), dtype=np.float32),
             rng.random((batch, n_out), dtype=np.float32)) for n_in, n_out in shapes]
    flops = sum(2 * 3 * batch * n_in * n_out for n_in, n_out in shapes)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for x, w, g in mats:
            x @ w
            x.T @ g
            g @ w.T
        steps += 1
    return steps * flops / (time.perf_counter() - start) / 1e9


def prepare(build, shape, batch, optimizer, variant, steps):
    """A compiled model and its one-epoch training call, warmed up (traced, compiled)."""
    import keras
    import numpy as np

    from dlcourse.models import outputs_logits
    from dlcourse.training import course_compile_options

    rng = np.random.default_rng(0)
    x = rng.random((steps * batch, *shape), dtype=np.float32)
    y = rng.integers(0, 10, steps * batch)
    keras.utils.set_random_seed(42)
    model = build()
    options = course_compile_options(callbacks=()) if variant == "course path" else {}
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=outputs_logits(model))
    model.compile(optimizer=optimizer(), loss=loss, metrics=["accuracy"], **options)

    def epoch():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    epoch()
    return epoch, step_flops(model, batch), dense_shapes(model)


def child(steps: int, repeats: int, wanted: list[str] | None) -> dict:
    """One backend's figures (this process imports Keras on it)."""
    import keras

    found = {"backend": keras.backend.backend(), "matmul_gflops": matmul_gflops(), "models": {}}
    for name, (build, shape, batch, optimizer) in builders().items():
        if wanted and not any(name.startswith(w) for w in wanted):
            continue
        epochs, flops, shapes = {}, 0, []
        for variant in VARIANTS:
            epochs[variant], flops, shapes = prepare(build, shape, batch, optimizer, variant, steps)
        rates = {v: [] for v in VARIANTS}
        for _ in range(repeats):
            for variant, epoch in epochs.items():
                start = time.perf_counter()
                epoch()
                rates[variant].append(steps / (time.perf_counter() - start))
        found["models"][name] = {"batch": batch, "flops": flops,
                                 "same_shape_gflops": same_shape_gflops(shapes, batch),
                                 **{v: statistics.median(r) for v, r in rates.items()}}
    found["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    return found


def import_seconds(backend: str) -> float:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import keras"], env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def installed(backend: str) -> bool:
    return importlib.util.find_spec(backend) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", help="comma-separated prefixes of model names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    wanted = args.models.split(",") if args.models else None
    if args.child:
        print(json.dumps(child(args.steps, args.repeats, wanted)))
        return
    backends = [b for b in args.backends.split(",") if installed(b)]
    runs: dict[str, list[dict]] = {b: [] for b in backends}
    imports: dict[str, list[float]] = {b: [] for b in backends}
    for _ in range(args.rounds):
        for backend in backends:  # the backends take turns
            imports[backend].append(import_seconds(backend))
            env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
            out = subprocess.run([sys.executable, __file__, "--child", backend,
                                  "--steps", str(args.steps), "--repeats", str(args.repeats),
                                  *(["--models", args.models] if args.models else [])],
                                 env=env, check=True, capture_output=True, text=True).stdout
            runs[backend].append(json.loads(out.strip().splitlines()[-1]))
    report(backends, runs, imports, args)


def _median(values):
    return statistics.median(values)


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version
    found = []
    for package in ("keras", "tensorflow-cpu", "tensorflow", "jax", "torch"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(found)


def report(backends, runs, imports, args) -> None:
    peak = _median([r["matmul_gflops"] for b in backends for r in runs[b]])
    print(f"# Training throughput, {time.strftime('%Y-%m-%d')}, {platform.node()}: "
          f"{os.cpu_count()} CPUs; {versions()}")
    print(f"# `python benchmarks/training_throughput.py --backends {','.join(backends)} "
          f"--steps {args.steps} --repeats {args.repeats} --rounds {args.rounds}`: median "
          f"over {args.rounds} rounds of the median of {args.repeats} epochs of {args.steps} steps")
    print(f"# fp32 matmul peak (2048x2048, NumPy): {peak:.0f} GFLOP/s\n")
    base = {name: _median([r["models"][name]["plain"] for r in runs["tensorflow"]])
            for name in runs["tensorflow"][0]["models"]} if "tensorflow" in runs else {}
    print("| model | batch | backend | plain | course path | course path / TF plain | "
          "GFLOP/s (course path) | of matmul peak | of same-shape matmuls |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in runs[backends[0]][0]["models"]:
        for backend in backends:
            figures = [r["models"][name] for r in runs[backend]]
            plain = _median([f["plain"] for f in figures])
            course = _median([f["course path"] for f in figures])
            gflops = course * figures[0]["flops"] / 1e9
            ratio = f"{course / base[name]:.2f}x" if name in base else "-"
            same = _median([f["same_shape_gflops"] for f in figures])
            print(f"| {name} | {figures[0]['batch']} | {backend} | {plain:.0f}/s | "
                  f"{course:.0f}/s | {ratio} | {gflops:.1f} | {gflops / peak:.0%} | "
                  f"{gflops / same:.0%} (of {same:.0f}) |")
    print("\n| backend | `import keras` | peak resident memory |")
    print("|---|---|---|")
    for backend in backends:
        print(f"| {backend} | {_median(imports[backend]):.1f} s | "
              f"{max(r['peak_mib'] for r in runs[backend]):.0f} MiB |")


if __name__ == "__main__":
    main()
