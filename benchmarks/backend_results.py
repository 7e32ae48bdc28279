"""The same experiments on each Keras backend: do they give the same results?

    python benchmarks/backend_results.py [--backends tensorflow,jax,torch]
        [--profile quick] [--out DIR] [--seeds 1,2,3] [ID_PREFIX ...]

Runs ``python -m dlcourse.reproduce`` once per backend (``KERAS_BACKEND``), with the same
code, data and seeds, each into its own records file ``DIR/<backend>.json`` (default: a
temporary folder; give ``--out`` to keep them, ``--reuse`` to read them back without
running). ``--seeds`` replaces the profile's seeds, for a spread; ``--also LABEL=FILE``
adds a column from another records file, such as the book's recorded runs. Prints one
table, per experiment and metric: each backend's mean (± the spread over seeds where
there are several), then each experiment's run time per backend. A backend that is not
installed is skipped.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run(backend: str, profile: str, out: Path, patterns: list[str], seeds: str | None) -> float:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dlcourse.reproduce", "--profile", profile, "--force",
                    "--output", str(out), *(["--seeds", seeds] if seeds else []), *patterns],
                   env=env, check=True, cwd=ROOT)
    return time.perf_counter() - start


def cell(record: dict | None) -> str:
    if record is None:
        return "-"
    if len(record["values"]) > 1:
        return f"{record['mean']:.4f} ± {record['std']:.4f} ({len(record['values'])})"
    return f"{record['mean']:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*")
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--profile", default="quick", choices=("quick", "full"))
    parser.add_argument("--out", help="keep the records files here")
    parser.add_argument("--seeds", help="comma-separated seeds instead of the profile's")
    parser.add_argument("--reuse", action="store_true", help="read --out's files, run nothing")
    parser.add_argument("--also", action="append", default=[], metavar="LABEL=FILE",
                        help="another records file, shown as a column")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if importlib.util.find_spec(b)]
    out = Path(args.out or tempfile.mkdtemp(prefix="backend-results-"))
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    for backend in backends:
        if not args.reuse:
            seconds[backend] = run(backend, args.profile, out / f"{backend}.json", args.patterns,
                                   args.seeds)
    records = {b: json.loads((out / f"{b}.json").read_text()) for b in backends}
    wanted = lambda r: not args.patterns or r["experiment"].startswith(tuple(args.patterns))
    for label, path in (item.split("=", 1) for item in args.also):
        records[label] = [r for r in json.loads(Path(path).read_text()) if wanted(r)]
    columns = list(records)
    keys = sorted({(r["experiment"], r["metric"]) for b in backends for r in records[b]
                   if r["profile"] == args.profile})
    print(f"# Results per backend, {args.profile} profile, {time.strftime('%Y-%m-%d')}: "
          f"`python benchmarks/backend_results.py --profile {args.profile} "
          f"--backends {','.join(backends)} {' '.join(args.patterns)}`\n")
    print("| experiment | metric | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for experiment, metric in keys:
        found = {c: next((r for r in records[c] if (r["experiment"], r["metric"], r["profile"])
                          == (experiment, metric, args.profile)), None) for c in columns}
        print(f"| {experiment} | {metric} | " + " | ".join(cell(found[c]) for c in columns) + " |")
    print("\n| experiment | " + " | ".join(f"{c}: run time" for c in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for experiment in sorted({e for e, _ in keys}):
        times = [next((f"{r['seconds']:.0f} s" for r in records[c] if r["experiment"] == experiment
                       and r["profile"] == args.profile), "-") for c in columns]
        print(f"| {experiment} | " + " | ".join(times) + " |")
    if seconds:
        print("\nin all: " + ", ".join(f"{b}: {s / 60:.1f} min" for b, s in seconds.items()))


if __name__ == "__main__":
    main()
