"""Write what :mod:`grader.grade` found: ``gradebook.csv`` (one row per student and
test), ``gradebook.json`` (the same, with totals, cell errors and timings) and one short
feedback file per student, ``feedback/<student>.txt``. Reasons of hidden tests never
show their inputs (the checks word them so)."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

FIELDS = ["student", "test", "points", "max_points", "passed", "reason"]


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader (or a crash) never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write(graded: list[dict], out: str | Path, assignment: str) -> Path:
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    table = io.StringIO()
    writer = csv.DictWriter(table, FIELDS)
    writer.writeheader()
    for submission in graded:
        for result in submission["results"]:
            writer.writerow(result.as_dict())
    book = {"assignment": assignment, "students": {}}
    for submission in graded:
        results = submission["results"]
        book["students"][submission["student"]] = {
            "total": sum(r.points for r in results),
            "max_points": sum(r.max_points for r in results),
            "seconds": round(submission["seconds"], 1),
            "digest": submission.get("digest"),
            "tests": [r.as_dict() for r in results],
            "cell_errors": submission["cell_errors"],
            "notes": submission.get("notes", []),
        }
        _atomic_write(out / "feedback" / f"{submission['student']}.txt",
                      feedback(submission, assignment))
    _atomic_write(out / "gradebook.csv", table.getvalue())
    _atomic_write(out / "gradebook.json", json.dumps(book, indent=1))
    return out


def feedback(submission: dict, assignment: str) -> str:
    results = submission["results"]
    total, most = sum(r.points for r in results), sum(r.max_points for r in results)
    lines = [f"Assignment {assignment!r}: {total:g} / {most:g} points", ""]
    for r in results:
        mark = "passed" if r.passed else "FAILED"
        lines.append(f"{r.test}: {r.points:g}/{r.max_points:g} {mark}"
                     + (f" - {r.reason}" if r.reason else ""))
    if submission.get("notes"):
        lines += ["", "About your notebook:"] + [f"  {note}" for note in submission["notes"]]
    if submission["cell_errors"]:
        lines += ["", "Cells of your notebook that raised an error:"]
        lines += [f"  {e['cell']}: {e['error']}" for e in submission["cell_errors"]]
    return "\n".join(lines) + "\n"


def merge(outs: list[str | Path], out: str | Path) -> dict:
    """Join the gradebooks of several shards (``python -m grader grade --shard K/N``) into
    one, as a single run would have written it. A student graded in two shards is an
    error: the shards were not of one class."""
    from grader.grade import TestResult

    graded: dict[str, dict] = {}
    assignment = None
    for folder in outs:
        book = json.loads((Path(folder) / "gradebook.json").read_text())
        if assignment not in (None, book["assignment"]):
            raise ValueError(f"{folder} grades {book['assignment']!r}, not {assignment!r}")
        assignment = book["assignment"]
        for student, r in book["students"].items():
            if student in graded:
                raise ValueError(f"{student} is graded in two shards")
            graded[student] = {"student": student, "digest": r.get("digest"),
                               "results": [TestResult(**t) for t in r["tests"]],
                               "cell_errors": r["cell_errors"], "notes": r.get("notes", []),
                               "seconds": r["seconds"]}
    write([graded[s] for s in sorted(graded)], out, assignment)
    return json.loads((Path(out) / "gradebook.json").read_text())
