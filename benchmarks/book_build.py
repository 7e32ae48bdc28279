"""Book build times: the quick profile from scratch, then a cached rebuild after an edit
of one chapter's prose; and the full profile's cost, summed from the recorded runs.

    python benchmarks/book_build.py [--chapter book/optimizers.md] [--backends jax,tensorflow]
    python benchmarks/book_build.py --profile full     # the whole book at full scale

The build runs on a copy of the repository's tracked files in a temporary folder (the
working tree and its `_build/` are never touched), with the command
``make book`` runs, ``jupyter-book build -W --keep-going .``. The full profile is not rebuilt here (hours):
its figure is the sum of the ``seconds`` of every full-profile record in
``book/results/reproduction.json``, which ``python -m dlcourse.reproduce --profile full``
measured, per chapter. With ``--backends``, the scratch build runs once per Keras backend
(``KERAS_BACKEND`` for every kernel), one after the other in one run, each on a fresh copy;
the cached rebuild runs on the first.

``--profile full`` builds the whole book once with ``DLCOURSE_PROFILE=full`` instead (one
to two hours on 2 cores), prints each chapter's execution time as myst-nb measured it,
checks every claim of the book as tests/book/test_book.py checks the quick build's (and fails
on a contradiction), and compares every number the chapters' tables measured with the
records' seeds: the same seed (the profile's first) and the mean ± 2 std of all of them.
"""
from __future__ import annotations

import argparse
import collections
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(folder: Path, backend: str | None = None, profile: str = "quick",
          log: list | None = None) -> tuple[float, int]:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "DLCOURSE_PROFILE": profile}
    if backend:
        env["KERAS_BACKEND"] = backend
    start = time.perf_counter()
    proc = subprocess.run([str(jupyter_book), "build", "-W", "--keep-going", "."], cwd=folder,
                          capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if log is not None:
        log.append(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def edit_prose(text: str) -> str:
    """The chapter with its first paragraph of prose (after the front matter, outside
    code cells) one sentence longer: what an author's typo fix looks like to the cache."""
    lines = text.splitlines()
    start = lines.index("---", 1) + 1 if lines and lines[0] == "---" else 0
    fenced = False
    for i in range(start, len(lines)):
        if lines[i].startswith("```"):
            fenced = not fenced
        elif not fenced and lines[i][:1].isalpha():
            lines[i] += " (Edited.)"
            return "\n".join(lines) + "\n"
    raise ValueError("no prose line found")


def full_profile_seconds() -> dict[str, float]:
    """Seconds of every full-profile run per chapter (an experiment's metrics share one
    run, so each experiment counts once)."""
    from dlcourse.experiments import load_all
    from dlcourse.results import load_records

    experiments = load_all()
    totals: dict[str, float] = collections.defaultdict(float)
    seen = set()
    for record in load_records():
        if record["profile"] != "full" or record["experiment"] in seen:
            continue
        seen.add(record["experiment"])
        totals[experiments[record["experiment"]].chapter] += record.get("seconds", 0.0)
    return dict(totals)


EXECUTED = re.compile(r"book/(\w+)\.md: Executed notebook in ([\d.]+) seconds")


def glued_numbers(build: Path) -> dict[str, float]:
    """Every number the chapters glued (myst-nb's ``glue``), by key, from the executed
    notebooks of the build's cache (the copies in ``jupyter_execute`` lose them)."""
    import json

    found = {}
    cells = [cell for executed in (build / ".jupyter_cache" / "executed").glob("*/base.ipynb")
             for cell in json.loads(executed.read_text())["cells"]]
    for cell in cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            text = output.get("data", {}).get("application/papermill.record/text/plain")
            if name and text:
                try:
                    found[name] = float(text)
                except ValueError:
                    pass
    return found


def report_claims(copy: Path) -> None:
    """The book's comparative sentences checked against this build's numbers, as
    tests/book/test_book.py checks the quick build's; the run fails on any contradiction."""
    from dlcourse.claims import check_build
    from dlcourse.experiments import chapters

    experiment_pages = [f"book/{chapter}" for chapter in chapters()]
    found, problems = check_build(copy / "_build", copy, experiment_pages)
    print(f"- claims checked: {sum(map(len, found.values()))} in all")
    for page, claims in found.items():
        if claims:
            kinds = collections.Counter(c["kind"] for c in claims.values())
            print(f"  - {page} ({kinds['build']} about this build, {kinds['records']} about "
                  f"the records): " + ", ".join(
                      f"{n} ({'yes' if c['holds'] else 'no'})" if c["kind"] == "build" else n
                      for n, c in claims.items()))
    missing = [page for page in experiment_pages if not found.get(page)]
    if missing or problems:
        raise SystemExit("claims that fail:\n" + "\n".join(problems + [f"no claim on {m}" for m in missing]))


def full_build() -> None:
    from dlcourse.report import measured_key, table_items
    from dlcourse.results import find_record, load_records

    with tempfile.TemporaryDirectory(prefix="book-full-") as tmp:
        copy = Path(tmp) / "repo"
        for name in subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                                   text=True, check=True).stdout.split():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
        log: list[str] = []
        seconds, peak = build(copy, profile="full", log=log)
        print(f"- full profile, from scratch: {seconds / 60:.0f} min; peak memory of one "
              f"process: {peak / 2**10:.0f} MiB")
        chapters = dict((c, float(t)) for c, t in EXECUTED.findall(log[0]))
        print("- per chapter (execution): " + "; ".join(
            f"{c} {t / 60:.1f} min" for c, t in chapters.items()))
        report_claims(copy)
        records, glued = load_records(), glued_numbers(copy / "_build")
        print("\n| chapter | experiment | metric | this build | seed's record | "
              "records: mean ± std (n) | within 2 std |\n| --- | --- | --- | --- | --- | --- | --- |")
        for chapter, experiment, metric, label in table_items():
            value = glued.get(measured_key(experiment, metric))
            record = find_record(records, experiment, metric, "full")
            if value is None or record is None:
                print(f"| {chapter} | {label} | {metric} | {value} | – | – | – |")
                continue
            same = dict(zip(record["seeds"], record["values"])).get(record["seeds"][0])
            inside = abs(value - record["mean"]) <= max(2 * record["std"], 0.01)
            print(f"| {chapter} | {label} | {metric} | {value:.4f} | {same:.4f} | "
                  f"{record['mean']:.4f} ± {record['std']:.4f} ({len(record['values'])}) | "
                  f"{'yes' if inside else 'no'} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="book/optimizers.md")
    parser.add_argument("--backends", help="comma-separated Keras backends, built in turn")
    parser.add_argument("--profile", choices=("quick", "full"), default="quick")
    args = parser.parse_args()
    if args.profile == "full":
        from dlcourse.results import hardware   # the records hold theirs: XLA compiles per CPU

        print(f"# Full-profile book build, {time.strftime('%Y-%m-%d')}, {hardware()}")
        return full_build()
    print(f"# Book builds, {time.strftime('%Y-%m-%d')}, {platform.node()}: {os.cpu_count()} CPUs")
    print("# `python benchmarks/book_build.py" + (f" --backends {args.backends}" if args.backends else "") + "`\n")
    backends = args.backends.split(",") if args.backends else [None]
    with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split()
        first = None
        for backend in backends:
            copy = Path(tmp) / (backend or "repo")
            for name in files:
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, copy / name)
            scratch, peak = build(copy, backend)
            first = first or (copy, backend, scratch)
            on = f" on {backend}" if backend else ""
            print(f"- quick profile{on}, from scratch: {scratch:.0f} s ({scratch / 60:.1f} min); "
                  f"peak memory of one process: {peak / 2**10:.0f} MiB", flush=True)
        copy, backend, scratch = first
        chapter = copy / args.chapter
        chapter.write_text(edit_prose(chapter.read_text()))
        cached, _ = build(copy, backend)
        print(f"- rebuild after editing the prose of {args.chapter}: {cached:.1f} s "
              f"({scratch / cached:.0f}x faster than from scratch)")
    totals = full_profile_seconds()
    print(f"- full profile, from the recorded runs: {sum(totals.values()) / 3600:.1f} h in all: "
          + "; ".join(f"{c} {s / 60:.0f} min" for c, s in sorted(totals.items())))


if __name__ == "__main__":
    main()
