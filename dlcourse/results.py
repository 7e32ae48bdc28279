"""Recorded results: what each experiment measured, beside its published reference.

``book/results/reproduction.json`` holds one record per (experiment, metric, profile).
The chapters and the reproduction table read it, so the text never drifts from the
numbers; ``python -m dlcourse.reproduce`` writes it.
"""
from __future__ import annotations

import json
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


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
