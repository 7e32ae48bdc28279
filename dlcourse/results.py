"""Recorded results: what each experiment measured, beside its published reference.

``book/results/reproduction.json`` holds one record per (experiment, metric, profile).
The chapters and the reproduction table read it, so the text never drifts from the
numbers; ``python -m dlcourse.reproduce`` writes it. Beside it,
``histories/<experiment>.<profile>.json`` keeps each seed's per-epoch curves (loss and
accuracy on the training and held-out data, and the learning rate where a schedule
changes it), rounded to 4 significant digits: what the chapters' figures draw.
"""
from __future__ import annotations

import json
import math
import os
import platform
import statistics
import tempfile
from datetime import date
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parents[1] / "book" / "results"
RESULTS_PATH = RESULTS_DIR / "reproduction.json"
FIELDS = ("experiment", "metric", "reference", "reference_source", "profile", "seeds", "values",
          "mean", "std", "epochs_run", "seconds", "date", "hardware", "versions")


HISTORY_DIGITS = 4


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def histories_path(experiment: str, profile: str, records: Path = RESULTS_PATH) -> Path:
    """Where the curves of ``experiment`` live, beside the records file ``records``."""
    return Path(records).parent / "histories" / f"{experiment}.{profile}.json"


def compact(history: dict) -> dict[str, list]:
    """A Keras history as short lists: values rounded to HISTORY_DIGITS significant
    digits (NaN and infinities as null), batch numbers as integers, the learning rate
    only where it changes."""
    def rounded(value):
        value = float(value)
        return float(f"{value:.{HISTORY_DIGITS}g}") if math.isfinite(value) else None

    out = {key: [int(v) for v in values] if key == "batch" else [rounded(v) for v in values]
           for key, values in sorted(history.items())}
    if "learning_rate" in out and len(set(out["learning_rate"])) <= 1:
        del out["learning_rate"]
    return out


def save_histories(experiment: str, profile: str, seeds, histories: list[dict],
                   records: Path = RESULTS_PATH) -> Path:
    """Write each seed's curves, one line per curve, so that a re-run diffs line by line."""
    path = histories_path(experiment, profile, records)
    seeds_text = ",\n".join(
        f" {json.dumps(str(seed))}: {{\n" + ",\n".join(
            f"  {json.dumps(curve)}: {json.dumps(values)}" for curve, values in compact(h).items())
        + "\n }" for seed, h in zip(seeds, histories))
    _atomic_write(path, f'{{"experiment": {json.dumps(experiment)}, '
                        f'"profile": {json.dumps(profile)},\n"seeds": {{\n{seeds_text}\n}}}}\n')
    return path


def load_histories(experiment: str, profile: str = "full",
                   records: Path = RESULTS_PATH) -> dict[int, dict[str, list]]:
    """seed -> curve -> per-epoch values ({} when none was recorded)."""
    path = histories_path(experiment, profile, records)
    if not path.exists():
        return {}
    return {int(seed): curves for seed, curves in json.loads(path.read_text())["seeds"].items()}


def load_records(path: Path = RESULTS_PATH) -> list[dict]:
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else []


def find_record(records: list[dict], experiment: str, metric: str,
                profile: str = "full") -> dict | None:
    for record in records:
        if (record["experiment"], record["metric"], record["profile"]) == (experiment, metric,
                                                                          profile):
            return record
    return None


def save_record(record: dict, path: Path = RESULTS_PATH) -> None:
    """Insert or replace one record; the file is rewritten atomically, sorted for diffs."""
    missing = [f for f in FIELDS if f not in record]
    if missing:
        raise ValueError(f"record lacks {missing}")
    path = Path(path)
    key = (record["experiment"], record["metric"], record["profile"])
    records = [r for r in load_records(path)
               if (r["experiment"], r["metric"], r["profile"]) != key]
    records.append({f: record[f] for f in FIELDS})
    records.sort(key=lambda r: (r["experiment"], r["metric"], r["profile"]))
    _atomic_write(path, json.dumps(records, indent=1) + "\n")


def make_record(experiment: str, metric: str, values: list[float], *, seeds, profile: str,
                epochs_run, seconds: float, reference=None, reference_source=None) -> dict:
    values = [float(v) for v in values]
    return {
        "experiment": experiment, "metric": metric, "reference": reference,
        "reference_source": reference_source, "profile": profile, "seeds": list(seeds),
        "values": values, "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "epochs_run": epochs_run, "seconds": round(float(seconds), 1),
        "date": date.today().isoformat(), "hardware": hardware(), "versions": versions(),
    }


def hardware() -> str:
    """A one-line description of where the run happened (CPU model, cores, GPU if any)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    text = f"{cpu}, {os.cpu_count()} cores"
    from dlcourse import backend
    gpus = backend.accelerators()
    if gpus:
        text += f", {gpus} GPU"
    return text


def versions() -> dict:
    import keras
    import numpy

    from dlcourse import backend
    return {"python": platform.python_version(), "keras": keras.__version__,
            "backend": backend.name(), backend.name(): backend.version(),
            "numpy": numpy.__version__}
