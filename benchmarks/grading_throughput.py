"""Grading throughput, cold starts against warm ones (``--start``), serially and with
pytest-xdist workers, side by side in one run: wall time, submissions per minute,
median and worst time per submission, peak memory.

    python benchmarks/grading_throughput.py [--schedules 100] [--models 20]
        [--model-assignments learning_rate,optimizers,deep_cifar10] [--workers 0,2]
        [--before COMMIT]

With ``--before COMMIT`` it grades each class with that commit's grader and with this
checkout's instead, taking turns (cold and warm), to price a change per submission.

The classes are built from each assignment's samples (``samples.py``): "schedules" has
four correct submissions in five and one "wrong" (two of its tests fail); a model
assignment's are its "correct" sample, with the model file its notebook saved when a
real kernel ran it once here (quick profile). Each configuration grades the same
folders from scratch (``--regrade``), cold and warm taking turns. Peak memory is the
largest sum of the resident memory of the grader and everything it started (sandboxes
and warm processes included), sampled every 0.2 s; forked processes share their
parent's pages until they write them, and the sum counts shared pages once per
process, so it overstates a warm run's real use.

Also measured, the floor of a submission's cost: the time from "the submission's
process is asked for" to "its first cell has run" (the notebook's first cell, ``import
math`` and ``import keras``, as every assignment's starts), cold and warm (median of 5;
the warm process's own start, paid once per worker and configuration, apart).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "grader")]
STARTS = ("cold", "warm")


def make_class(course: Path, assignment: str, n: int) -> Path:
    import nbformat

    from grader.assignments.registry import get
    from grader.authoring import samples
    from grader.models.assignment import ModelAssignment
    spec = get(assignment)
    found = samples.load(spec)
    submitted = course / assignment / "submitted"
    model = None
    if isinstance(spec, ModelAssignment):
        from assignment_samples import execute  # a real kernel, as a student runs it
        run = course / assignment / "student-run"
        run.mkdir(parents=True)
        execute(samples.submission(spec, found["correct"]), run)
        model = run / spec.model_file
    for i in range(n):
        folder = submitted / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        sample = found["wrong"] if assignment == "schedules" and i % 5 == 4 else found["correct"]
        nbformat.write(samples.submission(spec, sample), str(folder / spec.notebook))
        if model:
            shutil.copy(model, folder / spec.model_file)
    return submitted


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


def grade(submitted: Path, assignment: str, workers: int, start: str,
          tree: Path = ROOT, label: str = "") -> dict:
    """Grade the class with the grader of ``tree`` (this checkout, or an earlier
    commit's, :func:`checkout`)."""
    out = submitted.parent / f"grades-{start}-{workers}{label}"
    command = [sys.executable, "-m", "grader", "grade", str(submitted), "--assignment",
               assignment, "--out", str(out), "--start", start, "--", "--regrade",
               "-n", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    began = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tree, env=env)
    memory = PeakMemory(proc.pid)
    output = proc.communicate()[0]
    seconds = time.perf_counter() - began
    peak = memory.stop()
    if proc.returncode != 0:
        raise SystemExit(output[-3000:])
    book = json.loads((out / "gradebook.json").read_text())["students"]
    return {"seconds": seconds, "n": len(book), "peak": peak, "out": out,
            "totals": {s: r["total"] for s, r in book.items()},
            "per_submission": sorted(r["seconds"] for r in book.values())}


# The schedules notebook's first cell (every assignment's starts the same way), then the time.
FIRST_CELL = [{"id": "first", "source": "import math\n\nimport keras\nimport time\n"
                                        "raise SystemExit(repr(time.time()))"}]


def floor_seconds(start: str, repeat: int = 5) -> tuple[float, float]:
    """(the first launch, the median of ``repeat`` more): seconds from asking for a
    submission's process to its first cell running."""
    from grader import config
    from grader.assignments.registry import get
    from grader.host import grade as grading
    from grader.host.run import run_submission
    from grader.host.sandbox import sandbox_of

    sandbox = sandbox_of("bwrap", start)
    runtime = grading._runtime(get("schedules"), sandbox)
    times = []
    for _ in range(repeat + 1):
        work = sandbox.work_folder()
        snapshot = work / "snapshot"
        snapshot.mkdir()
        (snapshot / "schedules.ipynb").write_bytes(b"x" * 200_000)  # a notebook's size
        began = time.time()
        run = run_submission(FIRST_CELL, [], "grader.inside.probes", snapshot, runtime,
                             config.DEFAULT_LIMITS, sandbox=sandbox, scratch=work / "run",
                             env={config.GRADING_ENV: "1"})
        times.append(float(run["cell_errors"][0]["error"].split(": ")[1]) - began)
        shutil.rmtree(work)
    return times[0], sorted(times[1:])[repeat // 2]


def floor_table() -> None:
    """Each start measured in a process of its own (a fresh grader, as a worker is)."""
    print("| start | first submission of a worker | each next one (median of 5) |")
    print("|---|---|---|")
    for start in STARTS:
        code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'benchmarks')!r}]; "
                f"import grading_throughput as g; print(*g.floor_seconds({start!r}))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        first, next_ = map(float, out.stdout.split()[-2:])
        print(f"| {start} | {first:.2f} s | {next_:.2f} s |", flush=True)


def checkout(ref: str, folder: Path) -> Path:
    """The files of commit ``ref`` in ``folder`` (its grader, course code and specs)."""
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def before_after(args, tmp: Path) -> None:
    """Each configuration graded by the grader of ``--before`` and by this checkout's,
    taking turns, on the same class: the cost of what changed, per submission."""
    before = checkout(args.before, tmp / "before")
    print(f"\n| assignment | submissions | workers | start | grader | wall time | "
          f"median per submission | worst | points (all) |")
    print("|---|---|---|---|---|---|---|---|---|")
    classes = [("schedules", args.schedules)] + [
        (a, args.models) for a in args.model_assignments.split(",") if a and args.models]
    for assignment, n in classes:
        submitted = make_class(tmp, assignment, n)
        for w in [int(w) for w in args.workers.split(",")]:
            for start in STARTS:
                for label, tree in ((args.before[:7], before), ("this", ROOT)):
                    r = grade(submitted, assignment, w, start, tree, f"-{label}")
                    per = r["per_submission"]
                    print(f"| {assignment} | {r['n']} | {w} | {start} | {label} | "
                          f"{r['seconds']:.0f} s | {per[len(per) // 2]:.2f} s | {per[-1]:.2f} s | "
                          f"{sum(r['totals'].values()):g} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=100)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--model-assignments", default="learning_rate,optimizers,deep_cifar10")
    parser.add_argument("--workers", default="0,2", help="pytest-xdist workers per run; 0: serial")
    parser.add_argument("--before", metavar="COMMIT", help="instead: this checkout's grader "
                        "against COMMIT's, side by side, cold and warm")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    workers = [int(w) for w in args.workers.split(",")]
    print(f"# Grading throughput, {time.strftime('%Y-%m-%d')}, {platform.node()}: "
          f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"Keras backend {os.environ.get('KERAS_BACKEND', 'the default')}")
    print(f"# `python benchmarks/grading_throughput.py --schedules {args.schedules} "
          f"--models {args.models} --model-assignments {args.model_assignments} "
          f"--workers {args.workers}`\n")
    if args.before:
        with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
            before_after(args, Path(tmp))
        return
    print("Floor: from asking for a submission's process to its first cell (`import keras`) "
          "having run.\n")
    floor_table()
    print("\n| assignment | submissions | workers | start | wall time | submissions/min | "
          "median per submission | worst | peak memory |")
    print("|---|---|---|---|---|---|---|---|---|")
    classes = [("schedules", args.schedules)] + [
        (a, args.models) for a in args.model_assignments.split(",") if a and args.models]
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        for assignment, n in classes:
            if not n:
                continue
            submitted = make_class(Path(tmp), assignment, n)
            for w in workers:
                found = {start: grade(submitted, assignment, w, start) for start in STARTS}
                cold = found["cold"]
                for start, r in found.items():
                    rate = r["n"] / r["seconds"] * 60
                    ratio = f" ({cold['seconds'] / r['seconds']:.1f}x)" if start != "cold" else ""
                    per = r["per_submission"]
                    print(f"| {assignment} | {r['n']} | {w} | {start} | {r['seconds']:.0f} s{ratio} | "
                          f"{rate:.1f} | {per[len(per) // 2]:.1f} s | {per[-1]:.1f} s | "
                          f"{r['peak'] / 2**30:.2f} GiB |", flush=True)
                if found["warm"]["totals"] != cold["totals"]:
                    raise SystemExit(f"{assignment}: cold and warm grades differ")


if __name__ == "__main__":
    main()
