"""Where TensorFlow's and JAX's arithmetic part ways on the same network, the same
weights and the same batches: a ladder from one forward pass to a thousand steps.

    python benchmarks/backend_agreement.py [--backends tensorflow,jax] [--steps 1000]

Each backend runs in a process of its own (``KERAS_BACKEND``) from one set of initial
weights (written by the first, read by the others) on the same CIFAR-10 batches, in the
same order (no shuffling), and saves what it computed at each rung: the inference
forward pass, the training-mode forward pass (batch statistics), the loss and the
weights after 1, 10, 100 and ``--steps`` training steps, and the validation accuracy
after the last. Printed: per configuration (network, optimizer, op determinism) and
rung, the largest difference between the backends, relative to the largest value.

Float arithmetic in another order differs in its last bits, and training amplifies
such differences step by step, so the weights of two backends always drift apart in
the end; a backend whose arithmetic differs *in kind* (another formula for a layer, the
optimizer or the loss) shows it at the first rungs instead, where rounding alone gives
differences near 1e-6.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CONFIGS = {
    # name: (builder, optimizer, rate, standardize)
    "(c) batch norm, Nadam": ("batchnorm_net", "Nadam", 5e-4, False),
    "(c) batch norm, SGD": ("batchnorm_net", "SGD", 1e-3, False),
    "(a) no batch norm, Nadam, logits": ("elu_he_net", "Nadam", 5e-5, False),
}
RUNGS = (1, 10, 100)


def child(config: str, weights: str, steps: int, deterministic: bool, out: str) -> None:
    import keras

    from dlcourse.experiments import cifar10
    from dlcourse.seeding import seed_everything

    builder, optimizer, rate, standardize = CONFIGS[config]
    settings_size, batch = steps * 32, 32
    (x, y), (x_valid, y_valid) = cifar10.split(standardize=standardize)
    x, y = x[:settings_size], y[:settings_size]
    seed_everything(0, deterministic_ops=deterministic)
    model = cifar10.compiled(getattr(cifar10, builder)(),
                             getattr(keras.optimizers, optimizer)(rate))
    path = Path(weights)
    if path.exists():
        with np.load(path) as saved:
            model.set_weights([saved[f"w{i}"] for i in range(len(saved.files))])
    else:
        np.savez(path, **{f"w{i}": w for i, w in enumerate(model.get_weights())})
    found = {"inference forward pass": np.asarray(model(x[:batch], training=False)),
             "training-mode forward pass": np.asarray(model(x[:batch], training=True))}
    losses = []
    for step in range(steps):
        losses.append(float(model.train_on_batch(x[step * batch:(step + 1) * batch],
                                                 y[step * batch:(step + 1) * batch])))
        if step + 1 in RUNGS or step + 1 == steps:
            found[f"loss at step {step + 1}"] = np.asarray(losses[-1])
            found[f"weights after {step + 1} steps"] = np.concatenate(
                [np.ravel(w) for w in model.get_weights()])
    predicted = np.asarray(model.predict(x_valid, batch_size=1000, verbose=0)).argmax(axis=1)
    found["validation accuracy after the last step"] = np.asarray((predicted == y_valid).mean())
    np.savez(out, **found)


def relative(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()), 1e-30)
    return float(np.abs(a - b).max()) / scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--configs", help="comma-separated prefixes of configuration names")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        config, weights, steps, deterministic, out = args.child
        child(config, weights, int(steps), deterministic == "1", out)
        return
    backends = args.backends.split(",")
    wanted = args.configs.split(",") if args.configs else None
    work = Path(tempfile.mkdtemp(prefix="agreement-"))
    print(f"# `python benchmarks/backend_agreement.py --backends {args.backends} --steps "
          f"{args.steps}`: largest difference {backends[0]} vs {backends[1]}, relative to the "
          "largest value (accuracy: the two values)\n")
    print("| configuration | op determinism | " + " | ".join(
        ["inference forward", "training forward", "loss, step 1"]
        + [f"weights after {n}" for n in (*RUNGS, args.steps)] + ["validation accuracy"]) + " |")
    print("|---|---|" + "---|" * (4 + len(RUNGS) + 1))
    for index, config in enumerate(CONFIGS):
        if wanted and not any(config.startswith(w) for w in wanted):
            continue
        for deterministic in ("1", "0"):
            weights = work / f"start{index}.npz"
            results = []
            for backend in backends:
                out = work / f"{index}-{deterministic}-{backend}.npz"
                env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
                subprocess.run([sys.executable, __file__, "--child", config, str(weights),
                                str(args.steps), deterministic, str(out)], env=env, check=True)
                results.append(dict(np.load(out)))
            a, b = results
            cells = [f"{relative(a[k], b[k]):.1e}" for k in (
                "inference forward pass", "training-mode forward pass", "loss at step 1")]
            cells += [f"{relative(a[f'weights after {n} steps'], b[f'weights after {n} steps']):.1e}"
                      for n in (*RUNGS, args.steps)]
            accuracy = "validation accuracy after the last step"
            cells.append(f"{float(a[accuracy]):.4f} vs {float(b[accuracy]):.4f}")
            print(f"| {config} | {'on' if deterministic == '1' else 'off'} | "
                  + " | ".join(cells) + " |", flush=True)
    print(json.dumps({"work": str(work)}))


if __name__ == "__main__":
    main()
