"""Grading throughput: a generated class graded by ``python -m grader grade``, serially and
with pytest-xdist workers, in one run; submissions per minute and peak memory.

    python benchmarks/grading_throughput.py [--schedules 100] [--models 20] [--workers 1,2]

The class: ``--schedules`` submissions of the "schedules" assignment (four in five
correct, the rest with two wrong functions) and ``--models`` of "learning_rate" (the
solution notebook with a model trained once here). Each configuration grades the same
folders from scratch (``--regrade``). Peak memory is the largest sum of the resident
memory of the grader and everything it started (sandboxes included), sampled every
0.2 s. Also measured: how long a bare ``import keras`` takes inside the sandbox and
outside it, the floor of a submission's cost.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)
WRONG = {"answer_exponential_decay_fn": "def exponential_decay_fn(epoch):\n    return 0.01",
         "answer_piecewise_constant_fn": "def piecewise_constant_fn(epoch):\n    return 0.01"}


def student_copy(source: Path, answers: dict):
    import nbformat
    nb = nbformat.read(str(source), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers.get(meta["grade_id"], "\n".join(
                line for line in cell.source.splitlines() if "### " not in line))
        elif meta.get("grade"):
            cell.source = HIDDEN.sub("", cell.source)
    return nb


def make_class(course: Path, assignment: str, n: int) -> Path:
    import nbformat

    from grader.assignment import ModelAssignment, get
    spec = get(assignment)
    source = spec.notebook_path
    submitted = course / assignment / "submitted"
    model = None
    if isinstance(spec, ModelAssignment):
        model = course / "model.keras"
        _train_solution_model(assignment, model)
    for i in range(n):
        folder = submitted / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        answers = WRONG if assignment == "schedules" and i % 5 == 4 else {}
        nbformat.write(student_copy(source, answers), str(folder / source.name))
        if model:
            shutil.copy(model, folder / spec.model_file)
    return submitted


def _train_solution_model(assignment: str, path: Path) -> None:
    import keras

    from grader.data import training_data
    (x, y), _ = training_data(assignment)
    keras.utils.set_random_seed(777)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(100, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=100, epochs=10, verbose=0)
    model.save(path)


class PeakMemory:
    """The largest total RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int):
        self.root, self.peak, self.done = psutil.Process(pid), 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            total = 0
            try:
                for proc in [self.root, *self.root.children(recursive=True)]:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            self.done.wait(0.2)

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        return self.peak


def grade(submitted: Path, assignment: str, workers: int) -> dict:
    out = submitted.parent / f"grades-{workers}"
    command = [sys.executable, "-m", "grader", "grade", str(submitted), "--assignment",
               assignment, "--out", str(out), "--", "--regrade", "-n", str(workers)]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = PeakMemory(proc.pid)
    output = proc.communicate()[0]
    seconds = time.perf_counter() - start
    peak = memory.stop()
    if proc.returncode != 0:
        raise SystemExit(output[-3000:])
    book = json.loads((out / "gradebook.json").read_text())["students"]
    return {"seconds": seconds, "n": len(book), "peak": peak,
            "per_submission": sorted(r["seconds"] for r in book.values())}


def _process_seconds(cells: list[dict], kind: str, repeat: int = 5) -> list[tuple[float, float]]:
    """(time the cell reported, the whole process) for ``repeat`` runs of ``cells``."""
    from grader import config
    from grader.run import run_submission
    from grader.sandbox import sandbox_of, write_runtime

    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            snapshot, runtime = Path(tmp, "snapshot"), write_runtime(Path(tmp, "runtime"))
            snapshot.mkdir()
            (snapshot / "schedules.ipynb").write_bytes(b"x" * 200_000)  # a notebook's size
            sandbox = sandbox_of(kind)
            sandbox.write_etc(runtime)
            for path in [Path(tmp), *Path(tmp).rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            start = time.perf_counter()
            run = run_submission(cells, [], "grader.probes", snapshot, runtime,
                                 config.DEFAULT_LIMITS, sandbox=sandbox, scratch=Path(tmp, "run"))
            process = time.perf_counter() - start
            reported = run["cell_errors"][0]["error"].split(": ")[1] if run["cell_errors"] else "0"
            times.append((float(reported), process))
    return sorted(times, key=lambda t: t[1])


def sandbox_seconds() -> dict:
    """Per process, median of 5: a process that runs no code (the sandbox's own cost:
    bubblewrap, the tmpfs with its quotas, the copy of the submission, dropping every
    privilege) and a bare `import keras`, in the sandbox and outside it."""
    empty = [{"id": "empty", "source": "pass"}]
    keras = [{"id": "import", "source": "import time\nt = time.perf_counter()\nimport keras\n"
              "raise SystemExit(f'{time.perf_counter() - t:.2f}')"}]
    found = {}
    for kind in ("bwrap", "none"):
        found[kind] = {"empty": _process_seconds(empty, kind)[2][1],
                       "keras": _process_seconds(keras, kind, 3)[1]}
    return found


def snapshot_seconds(n: int = 20) -> float:
    """The grader's checked copy of one schedules submission (median of ``n``)."""
    from grader.assignment import get
    from grader.grade import required_files
    from grader.snapshot import take

    limits = get("schedules").limits
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "submitted", "s", "schedules")
        folder.mkdir(parents=True)
        (folder / "schedules.ipynb").write_bytes(b"x" * 200_000)
        for i in range(n):
            start = time.perf_counter()
            take(folder, Path(tmp, f"copy{i}"), required=required_files("schedules", limits),
                 max_bytes=limits.submission_bytes, max_files=limits.submission_files)
            times.append(time.perf_counter() - start)
    return sorted(times)[n // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=100)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--workers", default="0,2", help="pytest-xdist workers per run; 0: serial")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    workers = [int(w) for w in args.workers.split(",")]
    print(f"# Grading throughput, {time.strftime('%Y-%m-%d')}, {platform.node()}: "
          f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB")
    print(f"# `python benchmarks/grading_throughput.py --schedules {args.schedules} "
          f"--models {args.models} --workers {args.workers}`\n")
    print(f"- the grader's checked copy of a submission (grader/snapshot.py): "
          f"{snapshot_seconds() * 1000:.1f} ms")
    for kind, found in sandbox_seconds().items():
        inside, process = found["keras"]
        print(f"- sandbox {kind}: a process that runs no code {found['empty']:.2f} s; "
              f"`import keras` in it {inside:.1f} s (the whole process: {process:.1f} s)")
    print("\n| assignment | submissions | workers | wall time | submissions/min | "
          "median per submission | peak memory |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        for assignment, n in (("schedules", args.schedules), ("learning_rate", args.models)):
            if not n:
                continue
            submitted = make_class(Path(tmp), assignment, n)
            base = None
            for w in workers:
                r = grade(submitted, assignment, w)
                rate = r["n"] / r["seconds"] * 60
                base = base or rate
                median = r["per_submission"][len(r["per_submission"]) // 2]
                print(f"| {assignment} | {r['n']} | {w} | {r['seconds']:.0f} s | {rate:.1f}"
                      f"{f' ({rate / base:.2f}x)' if w != workers[0] else ''} | {median:.1f} s | "
                      f"{r['peak'] / 2**30:.2f} GiB |", flush=True)


if __name__ == "__main__":
    main()
