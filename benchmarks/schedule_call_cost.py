"""What one eager read of a schedule-driven learning rate costs, per Keras backend.

    python benchmarks/schedule_call_cost.py [--backends tensorflow,jax,torch] [--calls 50]

A callback that records the rate of every batch (the schedules chapter's recorder, a
student's logger) reads ``optimizer.learning_rate`` outside the compiled step, which
calls the schedule eagerly. On JAX, ``CosineDecayRestarts`` costs about 0.2 s a call,
since its ``ops.cond`` compiles its branches again at every call; the course's
recorder therefore evaluates a schedule once, on all the batches' steps, at the end
(``dlcourse.callbacks.LearningRateRecorder``). Per backend, in a process of its own:
milliseconds per eager call for each of Keras's schedules, and for one call on the
steps of a whole run (``--run-steps``) at once ("fails": Keras 3.15's
``PiecewiseConstantDecay`` on PyTorch cannot take an array of steps).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time


def schedules():
    import keras

    s = keras.optimizers.schedules
    return {
        "ExponentialDecay": s.ExponentialDecay(0.01, decay_steps=1000, decay_rate=0.1),
        "PiecewiseConstantDecay": s.PiecewiseConstantDecay([1000, 3000], [0.01, 0.005, 0.001]),
        "CosineDecay": s.CosineDecay(0.01, decay_steps=10000),
        "CosineDecayRestarts": s.CosineDecayRestarts(0.01, first_decay_steps=1000),
    }


def child(calls: int, run_steps: int) -> dict:
    import keras
    import numpy as np

    found = {"backend": keras.backend.backend(), "schedules": {}}
    for name, schedule in schedules().items():
        optimizer = keras.optimizers.SGD(learning_rate=schedule)
        optimizer.build([keras.Variable(np.zeros(3, "float32"))])
        float(keras.ops.convert_to_numpy(optimizer.learning_rate))  # warm-up
        start = time.perf_counter()
        for _ in range(calls):
            float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        per_call = (time.perf_counter() - start) / calls
        start = time.perf_counter()
        try:
            keras.ops.convert_to_numpy(schedule(np.arange(run_steps, dtype="float32")))
            at_once = (time.perf_counter() - start) * 1e3
        except RuntimeError:  # PiecewiseConstantDecay on PyTorch, Keras 3.15
            at_once = None
        found["schedules"][name] = {"ms_per_call": per_call * 1e3, "ms_all_steps": at_once}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--run-steps", type=int, default=43000,
                        help="steps of a whole run (the schedules chapter's full profile: 25 x 1719)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.calls, args.run_steps)))
        return
    backends = [b for b in args.backends.split(",") if importlib.util.find_spec(b)]
    print(f"# Eager reads of a schedule's rate, {time.strftime('%Y-%m-%d')}: "
          f"`python benchmarks/schedule_call_cost.py --calls {args.calls}`\n")
    print("| schedule | " + " | ".join(f"{b}: one call" for b in backends) + " | "
          + " | ".join(f"{b}: {args.run_steps} steps at once" for b in backends) + " |")
    print("|---|" + "---|" * 2 * len(backends))
    found = {}
    for backend in backends:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        out = subprocess.run([sys.executable, __file__, "--child", "--calls", str(args.calls),
                              "--run-steps", str(args.run_steps)], env=env, check=True,
                             capture_output=True, text=True).stdout
        found[backend] = json.loads(out.strip().splitlines()[-1])["schedules"]
    for name in found[backends[0]]:
        one = [f"{found[b][name]['ms_per_call']:.1f} ms" for b in backends]
        whole = [f"{found[b][name]['ms_all_steps']:.0f} ms" if found[b][name]["ms_all_steps"]
                 is not None else "fails" for b in backends]
        print(f"| {name} | " + " | ".join(one + whole) + " |")


if __name__ == "__main__":
    main()
