"""Write what :mod:`grader.host.grade` found: ``gradebook.csv`` (one row per student and
test), ``gradebook.json`` (the same, with totals, cell errors and timings), one short
feedback file per student, ``feedback/<student>.txt``, and the instructor's log,
``log/<student>.txt`` (what the process printed, and the details that feedback leaves
out). Reasons of hidden tests never show their inputs, nor any text of the student's
code (the checks and :func:`grader.host.grade.hidden_failure` word them so).

Students are known by their :func:`grader.results.safe_output.student_id`; their files are
named by :func:`grader.results.safe_output.file_stem` (safe, unique and short whatever the
folder's name), and every CSV cell goes through :func:`grader.results.safe_output.csv_text`.

Several graders may write into one output folder at once (shards of a class on one
machine, or a second run started by mistake): each write takes a lock on the folder,
reads the gradebook as it is on disk, puts its own new records in and writes it back
atomically, so every student graded by any of them is in it exactly once.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.results.safe_output import csv_text, file_stem


@dataclass
class TestResult:
    """One test of one submission, as graded. A failed test also says which ``part``
    failed (visible or hidden), the ``kind`` of failure (``grader.host.grade.TestFailed``)
    and whether a ``limit`` stopped it: what the report and exports read, instead of
    parsing ``reason``, which is worded for the student."""

    __test__ = False  # not a test class, for pytest

    student: str
    test: str
    points: float
    max_points: float
    passed: bool
    reason: str = ""
    part: str = ""
    kind: str = ""
    limit: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def failed_part(self) -> str | None:
        """``"visible"`` or ``"hidden"`` for a failed test, None for a passed one. A record
        of a gradebook written before parts were recorded says it in its reason only."""
        if self.passed:
            return None
        if self.part:
            return self.part
        return "hidden" if self.reason.startswith("hidden tests:") else "visible"


@dataclass
class SubmissionRecord:
    """What grading one submission gave: its tests' results (in the assignment's order),
    what its cells raised, the notes on its notebook, the time it took, the digest of the
    files graded (what a rerun compares) and the instructor's log (kept beside the
    gradebook, never in it)."""

    student: str
    digest: str | None
    results: list[TestResult]
    cell_errors: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""

    @property
    def total(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def max_points(self) -> float:
        return sum(r.max_points for r in self.results)

FIELDS = ["student", "test", "points", "max_points", "passed", "reason"]
LOCK = ".gradebook.lock"


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader (or a crash) never sees half a file.
    Always UTF-8: a lone surrogate (a byte that was not UTF-8, in a process's output or
    an exception message) is written as its escape, not a reason to fail."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        f.write(text)
    os.replace(tmp, path)


@contextlib.contextmanager
def locked(out: str | Path):
    """Hold the output folder's lock (other graders writing into it wait)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield out
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read(out: str | Path, assignment: str | None = None) -> tuple[str | None, dict[str, SubmissionRecord]]:
    """``(assignment, {student: record})`` of the gradebook in ``out`` (empty when there
    is none, or it grades another assignment than ``assignment``), as :func:`write`
    takes it back: what a rerun resumes from and what a merge joins."""
    path = Path(out) / "gradebook.json"
    if not path.is_file():
        return assignment, {}
    book = json.loads(path.read_text())
    if assignment is not None and book.get("assignment") != assignment:
        return assignment, {}
    return book.get("assignment"), {
        student: SubmissionRecord(student, r.get("digest"), [TestResult(**t) for t in r["tests"]],
                                  r["cell_errors"], r.get("notes", []), r["seconds"],
                                  _log(Path(out), student))
        for student, r in book["students"].items()}


def student_file(out: str | Path, folder: str, student: str, suffix: str = ".txt") -> Path:
    """``out/<folder>/<stem><suffix>``: a file named after ``student`` (feedback, log)."""
    return Path(out) / folder / f"{file_stem(student)}{suffix}"


def _log(out: Path, student: str) -> str:
    path = student_file(out, "log", student)
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def write(graded: list[SubmissionRecord], out: str | Path, assignment: str) -> Path:
    """Put the records ``graded`` into the gradebook of ``out`` (under its lock, merged
    with what other graders wrote there) and write their feedback and logs."""
    with locked(out) as out:
        _, book = read(out, assignment)
        for submission in graded:
            book[submission.student] = submission
            _atomic_write(_own_folder(out, "feedback", submission.student),
                          feedback(submission, assignment))
            if submission.log:
                _atomic_write(_own_folder(out, "log", submission.student), submission.log)
        _write_tables([book[s] for s in sorted(book)], out, assignment)
    return out


def _own_folder(out: Path, name: str, student: str) -> Path:
    """The student's file in ``out/<name>/``, the folder made if need be."""
    path = student_file(out, name, student)
    path.parent.mkdir(exist_ok=True)
    return path


def _write_tables(graded: list[SubmissionRecord], out: Path, assignment: str) -> None:
    rows = [FIELDS]
    book = {"assignment": assignment, "students": {}}
    for submission in graded:
        rows += [[getattr(r, name) for name in FIELDS] for r in submission.results]
        book["students"][submission.student] = {
            "total": submission.total,
            "max_points": submission.max_points,
            "seconds": round(submission.seconds, 1),
            "digest": submission.digest,
            "tests": [r.as_dict() for r in submission.results],
            "cell_errors": submission.cell_errors,
            "notes": submission.notes,
        }
    _atomic_write(out / "gradebook.csv", csv_text(rows))
    _atomic_write(out / "gradebook.json", json.dumps(book, indent=1))


def feedback(submission: SubmissionRecord, assignment: str) -> str:
    lines = [f"Assignment {assignment!r}: {submission.total:g} / {submission.max_points:g} "
             "points", ""]
    for r in submission.results:
        mark = "passed" if r.passed else "FAILED"
        lines.append(f"{r.test}: {r.points:g}/{r.max_points:g} {mark}"
                     + (f" - {r.reason}" if r.reason else ""))
    if submission.notes:
        lines += ["", "About your notebook:"] + [f"  {note}" for note in submission.notes]
    if submission.cell_errors:
        lines += ["", "Cells of your notebook that raised an error:"]
        lines += [f"  {e['cell']}: {e['error']}" for e in submission.cell_errors]
    return "\n".join(lines) + "\n"


def merge(outs: list[str | Path], out: str | Path) -> dict:
    """Join the gradebooks of several shards (``python -m grader grade --shard K/N``) into
    one, as a single run would have written it. A student graded in two shards is an
    error: the shards were not of one class."""
    graded: dict[str, SubmissionRecord] = {}
    assignment = None
    for folder in outs:
        found, book = read(folder)
        if assignment not in (None, found):
            raise ValueError(f"{folder} grades {found!r}, not {assignment!r}")
        assignment = found
        for student, record in book.items():
            if student in graded:
                raise ValueError(f"{student} is graded in two shards")
            graded[student] = record
    write([graded[s] for s in sorted(graded)], out, assignment)
    return json.loads((Path(out) / "gradebook.json").read_text())


# What a student's grade is, for comparing two gradebooks: everything but the timing.
COMPARED = ("points", "passed", "reason")


def compare(old: str | Path, new: str | Path) -> list[str]:
    """How gradebook ``new`` differs from ``old`` for the same class (e.g. graded again
    by another version of the grader): one line per student or test whose points,
    reason, cell errors, notes or digest differ; no line when the grades are the same.
    Timings are not compared."""
    old_name, old_book = read(old)
    new_name, new_book = read(new)
    lines = [] if old_name == new_name else [f"assignment: {old_name!r} -> {new_name!r}"]
    for student in sorted(set(old_book) | set(new_book)):
        a, b = old_book.get(student), new_book.get(student)
        if a is None or b is None:
            lines.append(f"{student}: only in {'the new' if a is None else 'the old'} gradebook")
            continue
        tests_a = {r.test: r for r in a.results}
        tests_b = {r.test: r for r in b.results}
        for test in sorted(set(tests_a) | set(tests_b)):
            ra, rb = tests_a.get(test), tests_b.get(test)
            if ra is None or rb is None:
                lines.append(f"{student} {test}: only in {'the new' if ra is None else 'the old'} gradebook")
                continue
            for key in COMPARED:
                if getattr(ra, key) != getattr(rb, key):
                    lines.append(f"{student} {test} {key}: {getattr(ra, key)!r} -> {getattr(rb, key)!r}")
        for key in ("cell_errors", "notes", "digest"):
            if getattr(a, key) != getattr(b, key):
                lines.append(f"{student} {key}: {getattr(a, key)!r} -> {getattr(b, key)!r}")
    return lines
