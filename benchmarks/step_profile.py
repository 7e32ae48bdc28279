"""What limits one training step on JAX: a step taken apart, layer of cost by layer.

    KERAS_BACKEND=jax python benchmarks/step_profile.py [--seconds 3] [--models mnist,cifar]

The throughput benchmark says how fast a model trains; this one says where a step's
time goes, by timing the same step with less and less in it, all in one process and
with the variants taking turns (``--rounds``), at the model's own batch size:

1. ``fit``: the course's training path (``model.fit`` with ``steps_per_execution``);
2. Keras's compiled step alone: ``model.train_step`` under ``jax.jit``, called in a
   Python loop on one batch (no data slicing, callbacks or logs): what ``fit`` adds;
3. the Dense layers and their activations in plain JAX (no batch norm), plain SGD, no
   metrics: what Keras's layers, optimizer (Nadam/RMSprop/Adam) and metrics add;
4. only the step's matmuls, in XLA (forward ``x @ W``; backward ``x.T @ g``, ``g @ W.T``);
5. only the step's matmuls, in NumPy (the throughput benchmark's "same-shape" ceiling).

Each line gives steps/s, the model's GFLOP/s at that rate (the matmul arithmetic, as in
``training_throughput.py``) and its share of the machine's 2048x2048 matmul peak.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from training_throughput import (builders, dense_shapes, matmul_gflops,  # noqa: E402
                                 same_shape_gflops, step_flops)


def rate(step, seconds: float, block=lambda out: None) -> float:
    """Steps per second of ``step()``, called for about ``seconds``."""
    out = step()
    block(out)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        out = step()
        count += 1
    block(out)
    return count / (time.perf_counter() - start)


def variants(build, shape, batch: int, optimizer, seconds: float) -> dict:
    """Each variant as a zero-argument timer returning steps/s."""
    import jax
    import jax.numpy as jnp
    import keras
    import numpy as np

    from dlcourse.models import outputs_logits
    from dlcourse.training import course_compile_options

    rng = np.random.default_rng(0)
    steps = 256
    x = rng.random((steps * batch, *shape), dtype=np.float32)
    y = rng.integers(0, 10, steps * batch)
    keras.utils.set_random_seed(42)
    model = build()
    logits = outputs_logits(model)
    model.compile(optimizer=optimizer(), metrics=["accuracy"], **course_compile_options(callbacks=()),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=logits))
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # builds and compiles

    def fit():
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        return steps / (time.perf_counter() - start)

    train_step = jax.jit(model.train_step, donate_argnums=0)
    # A copy of the model's state: the jitted step donates (frees) the arrays it is given.
    state = [jax.tree_util.tree_map(jnp.copy, model._get_jax_state(
        trainable_variables=True, non_trainable_variables=True,
        optimizer_variables=True, metrics_variables=True))]
    data = (jnp.asarray(x[:batch]), jnp.asarray(y[:batch]))

    def keras_step():
        logs, state[0] = train_step(state[0], data)
        return logs

    # The same network in plain JAX: the Dense layers' shapes and activations, SGD.
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    acts = [layer.activation for layer in dense]
    params = [(jnp.asarray(layer.kernel.numpy()), jnp.asarray(layer.bias.numpy())) for layer in dense]
    flat_x = data[0].reshape(batch, -1)

    def loss(params, xb, yb):
        h = xb
        for (w, b), act in zip(params[:-1], acts[:-1]):
            h = act(h @ w + b)
        w, b = params[-1]
        z = h @ w + b
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(z), yb[:, None], axis=1))

    @jax.jit
    def sgd(params, xb, yb):
        grads = jax.grad(loss)(params, xb, yb)
        return jax.tree_util.tree_map(lambda p, g: p - 1e-3 * g, params, grads)

    pure = [params]

    def jax_step():
        pure[0] = sgd(pure[0], flat_x, data[1])
        return pure[0]

    shapes = dense_shapes(model)
    mats = [(jnp.ones((batch, i), jnp.float32), jnp.ones((i, o), jnp.float32),
             jnp.ones((batch, o), jnp.float32)) for i, o in shapes]

    @jax.jit
    def matmuls(mats):
        return [(x @ w, x.T @ g, g @ w.T) for x, w, g in mats]

    block = jax.block_until_ready
    return {
        "1. fit, the course path": fit,
        "2. Keras's jitted train_step alone": lambda: rate(keras_step, seconds, block),
        "3. plain JAX: its Dense layers and activations, SGD, no metrics": lambda: rate(jax_step, seconds, block),
        "4. the step's matmuls only (XLA)": lambda: rate(lambda: matmuls(mats), seconds, block),
        "5. the step's matmuls only (NumPy)":
            lambda: same_shape_gflops(shapes, batch, seconds) * 1e9 / step_flops(model, batch),
    }, step_flops(model, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default="MNIST,CIFAR-10 20x100 ELU",
                        help="comma-separated prefixes of the throughput benchmark's model names")
    args = parser.parse_args()
    import keras

    wanted = args.models.split(",")
    peak = matmul_gflops()
    print(f"# Step profile, {time.strftime('%Y-%m-%d')}, Keras {keras.__version__} on "
          f"{keras.backend.backend()}, {os.cpu_count()} CPUs: `python benchmarks/step_profile.py "
          f"--seconds {args.seconds} --rounds {args.rounds}`; median of {args.rounds} rounds")
    print(f"# fp32 matmul peak (2048x2048, NumPy): {peak:.0f} GFLOP/s\n")
    print("| model | what runs | steps/s | GFLOP/s | of matmul peak | time per step |")
    print("|---|---|---|---|---|---|")
    for name, (build, shape, batch, optimizer) in builders().items():
        if not any(name.startswith(w) for w in wanted):
            continue
        timers, flops = variants(build, shape, batch, optimizer, args.seconds)
        found = {label: [] for label in timers}
        for _ in range(args.rounds):
            for label, timer in timers.items():
                found[label].append(timer())
        for label, rates in found.items():
            steps = statistics.median(rates)
            gflops = steps * flops / 1e9
            print(f"| {name} (batch {batch}) | {label} | {steps:.0f} | {gflops:.1f} | "
                  f"{gflops / peak:.0%} | {1e6 / steps:.0f} µs |")


if __name__ == "__main__":
    main()
