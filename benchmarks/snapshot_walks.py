"""How many times grading walks a submission's folder.

``python benchmarks/snapshot_walks.py [CHECKOUT]`` grades the ``schedules`` samples with
``python -m grader grade``, run in this process with the checkout's grader, and counts
the snapshots (``take``) and the tree walks inside them (``_walk``, which copies, and
``_signature``, which detects a change during the read); then it grades again with
nothing changed (a resume). To compare with an older checkout (a ``git worktree``), run
it with that checkout first on ``PYTHONPATH`` too, so that its ``grader`` is imported.
"""
from __future__ import annotations

import collections
import importlib
import sys
import tempfile
from pathlib import Path

TREE = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
PACKAGES = (TREE / "grader" / "host").is_dir()  # the layout of issue 31, or the flat one
sys.path[:0] = [str(TREE), str(TREE / "tests" / ("grader" if PACKAGES else ""))]

COUNTS: collections.Counter = collections.Counter()


def counted(module, name: str) -> None:
    function = getattr(module, name)

    def wrapper(*args, **kwargs):
        COUNTS[name] += 1
        return function(*args, **kwargs)
    setattr(module, name, wrapper)


def main() -> None:
    snapshot = importlib.import_module("grader.host.snapshot" if PACKAGES else "grader.snapshot")
    for name in ("take", "_walk", "_signature"):
        counted(snapshot, name)  # before the modules that import ``take`` by name
    from grader import __main__ as cli
    if PACKAGES:
        from grader.assignments.registry import get
        from grader.authoring import samples
    else:
        from grader import samples
        from grader.assignment import get
    from assignment_samples import make_submissions

    spec = get("schedules")
    found = samples.load(spec)
    folder = Path(tempfile.mkdtemp(prefix="walks-"))
    make_submissions(spec, found, folder / "submitted", spec.notebook_path, None)
    for run in ("first grading", "rerun, nothing changed"):
        COUNTS.clear()
        cli.main(["grade", str(folder / "submitted"), "--assignment", spec.name,
                  "--out", str(folder / "out"), "--source", str(spec.notebook_path),
                  "--nbgrader-db", "none", "--start", "cold"])
        n = len(found)
        print(f"{TREE.name}, {run}: {n} submissions; per submission {COUNTS['take'] / n:g} "
              f"snapshots, {(COUNTS['_walk'] + COUNTS['_signature']) / n:g} walks of its tree")


if __name__ == "__main__":
    main()
