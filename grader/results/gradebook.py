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
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from grader.results import deadlines, overrides
from grader.results.deadlines import Lateness
from grader.results.files import atomic_write
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
    override: dict | None = None  # the instructor's (grader.results.overrides), in force

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def score(self) -> float:
        """The test's points: the instructor's override where there is one, else the
        automatic verdict's (``points``, which a regrade replaces)."""
        return self.override["points"] if self.override else self.points

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
    timestamp: str | None = None  # the submission's timestamp.txt (its start), if any
    submitted: str | None = None  # when it was handed in (ISO, UTC), if known
    submitted_from: str = ""  # how the grader knows (grader.results.deadlines.Submitted)
    late: Lateness | None = None  # what the deadline settings make of it

    @property
    def raw_total(self) -> float:
        """The points before any late penalty (overrides applied)."""
        return sum(r.score for r in self.results)

    @property
    def penalty(self) -> float:
        return self.late.penalty if self.late else 0.0

    @property
    def total(self) -> float:
        """The grade: the raw total less the late penalty."""
        return max(0.0, round(self.raw_total - self.penalty, 4))

    @property
    def max_points(self) -> float:
        return sum(r.max_points for r in self.results)

FIELDS = ["student", "test", "points", "max_points", "passed", "reason", "automatic_points",
          "override"]
PENALTY_ROW = "late penalty"  # gradebook.csv's row of a penalty (its points are negative)
LOCK = ".gradebook.lock"


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
                                  _log(Path(out), student), r.get("timestamp"),
                                  r.get("submitted"), r.get("submitted_from", ""),
                                  Lateness(**r["late"]) if r.get("late") else None)
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
        apply(out, graded)
        for submission in graded:
            atomic_write(_own_folder(out, "feedback", submission.student),
                         feedback(submission, assignment))
            if submission.log:
                atomic_write(_own_folder(out, "log", submission.student), submission.log)
        _write_tables([book[s] for s in sorted(book)], out, assignment)
    return out


def apply(out: Path, records: list[SubmissionRecord]) -> None:
    """Put the overrides and the deadline settings now in ``out`` on ``records``."""
    deadline = deadlines.load(out)
    in_force = overrides.current(out)
    for record in records:
        for r in record.results:
            found = in_force.get((record.student, r.test))
            r.override = found.as_dict() if found else None
        record.late = deadlines.lateness(deadline, record.student,
                                         deadlines.from_iso(record.submitted), record.raw_total)


@contextlib.contextmanager
def changing(out: str | Path):
    """Change an output folder's deadline settings or overrides (inside the ``with``):
    every record is then graded again by the new rules, without running any code, and
    its tables and every student's feedback are written anew. Yields
    ``(assignment, {student: record})`` as it was before."""
    with locked(out) as out:
        assignment, book = read(out)
        if assignment is None:
            raise ValueError(f"no gradebook in {out}")
        yield assignment, book
        apply(out, list(book.values()))
        for record in book.values():
            atomic_write(_own_folder(out, "feedback", record.student),
                         feedback(record, assignment))
        _write_tables([book[s] for s in sorted(book)], out, assignment)


def _own_folder(out: Path, name: str, student: str) -> Path:
    """The student's file in ``out/<name>/``, the folder made if need be."""
    path = student_file(out, name, student)
    path.parent.mkdir(exist_ok=True)
    return path


def _write_tables(graded: list[SubmissionRecord], out: Path, assignment: str) -> None:
    rows = [FIELDS]
    book = {"assignment": assignment, "students": {}}
    for submission in graded:
        rows += [[submission.student, r.test, r.score, r.max_points, r.passed, r.reason,
                  r.points, r.override["reason"] if r.override else ""]
                 for r in submission.results]
        if submission.late and submission.late.share:
            rows.append([submission.student, PENALTY_ROW, -submission.penalty, 0, "", late_line(
                submission), "", ""])
        book["students"][submission.student] = {
            "total": submission.total,
            "raw_total": submission.raw_total,
            "penalty": submission.penalty,
            "max_points": submission.max_points,
            "seconds": round(submission.seconds, 1),
            "digest": submission.digest,
            "submitted": submission.submitted,
            "submitted_from": submission.submitted_from,
            "timestamp": submission.timestamp,
            "late": submission.late.as_dict() if submission.late else None,
            "tests": [r.as_dict() for r in submission.results],
            "cell_errors": submission.cell_errors,
            "notes": submission.notes,
        }
    atomic_write(out / "gradebook.csv", csv_text(rows))
    atomic_write(out / "gradebook.json", json.dumps(book, indent=1))


def late_line(record: SubmissionRecord) -> str:
    """The lateness of ``record`` in one line (feedback, gradebook.csv, the report)."""
    late = record.late
    if late is None:
        return ""
    due = deadlines.shown_time(deadlines.from_iso(late.due))
    when = deadlines.shown_time(deadlines.from_iso(record.submitted))
    extended = " (extended)" if late.extended else ""
    if not late.seconds_late:
        return f"submitted {when}, due {due}{extended}: on time"
    if late.seconds_late <= deadlines.Policy.parse(late.policy).grace.total_seconds():
        return (f"submitted {when}, due {due}{extended}: within the grace period "
                f"({deadlines.shown_duration(timedelta(seconds=late.seconds_late))} late)")
    text = (f"submitted {when}, due {due}{extended}: "
            f"{deadlines.shown_duration(timedelta(seconds=late.seconds_late))} late")
    if late.share:
        counted = f", {late.units} started {deadlines.Policy.parse(late.policy).per}(s)" \
            if late.units else ""
        text += f"; penalty {100 * late.share:g}%{counted}: -{late.penalty:g} points"
    else:
        text += "; no penalty"
    return text


def feedback(submission: SubmissionRecord, assignment: str) -> str:
    lines = [f"Assignment {assignment!r}: {submission.total:g} / {submission.max_points:g} "
             "points", ""]
    if submission.late:
        policy = deadlines.Policy.parse(submission.late.policy).described()
        lines[1:1] = [f"Submission: {late_line(submission)} (late policy: {policy})."]
        if submission.penalty:
            lines[2:2] = [f"Points before the penalty: {submission.raw_total:g}."]
    for r in submission.results:
        mark = "passed" if r.passed else "FAILED"
        if r.override:
            lines.append(f"{r.test}: {r.score:g}/{r.max_points:g} set by the instructor - "
                         f"{r.override['reason']} (the automatic verdict was {r.points:g}/"
                         f"{r.max_points:g} {mark}" + (f" - {r.reason})" if r.reason else ")"))
            continue
        lines.append(f"{r.test}: {r.points:g}/{r.max_points:g} {mark}"
                     + (f" - {r.reason}" if r.reason else ""))
    if submission.notes:
        lines += ["", "About your notebook:"] + [f"  {note}" for note in submission.notes]
    if submission.cell_errors:
        lines += ["", "Cells of your notebook that raised an error:"]
        lines += [f"  {e['cell']}: {e['error']}" for e in submission.cell_errors]
    return "\n".join(lines) + "\n"


def merge(outs: list[str | Path], out: str | Path, progress=None) -> dict:
    """Join the gradebooks of several shards (``python -m grader grade --shard K/N``) into
    one, as a single run would have written it, with their deadline settings (which
    must agree). A student graded in two shards is an error: the shards were not of one
    class. ``progress`` (:class:`grader.results.progress.Progress`) shows each student."""
    graded: dict[str, SubmissionRecord] = {}
    assignment = None
    settings = None
    for folder in outs:
        found, book = read(folder)
        if assignment not in (None, found):
            raise ValueError(f"{folder} grades {found!r}, not {assignment!r}")
        assignment = found
        theirs = deadlines.load(folder).as_dict()
        if settings not in (None, theirs):
            raise ValueError(f"{folder} has other deadline settings than {outs[0]}")
        settings = theirs
        for student, record in book.items():
            if student in graded:
                raise ValueError(f"{student} is graded in two shards")
            graded[student] = record
    Path(out).mkdir(parents=True, exist_ok=True)
    deadlines.save(out, deadlines.Deadline.from_dict(settings or {}))
    records = [graded[s] for s in sorted(graded)]
    write(records, out, assignment)
    if progress is not None:
        progress.begin(len(records))
        for record in records:
            progress.graded(record)
        progress.finish()
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
