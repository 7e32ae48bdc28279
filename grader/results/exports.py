"""A grader output folder's gradebook in the formats other systems import: a Canvas
gradebook column (CSV) and Gradescope's ``results.json`` for one submission. Both give
the grade as the gradebook does: overrides applied, late penalty taken off.

Both read only ``gradebook.json`` (:func:`grader.results.gradebook.read`), whose reasons are
already worded for the student (hidden tests' without their inputs). The CSV is written
by :func:`grader.results.safe_output.csv_text`, so no cell (a student id, a roster's name) is
read as a formula by a spreadsheet.
"""
from __future__ import annotations

import csv
from pathlib import Path

from grader.assignments import registry as assignments
from grader.results import gradebook
from grader.results.safe_output import csv_text

# The columns Canvas's gradebook import reads to find a student, in its own order
# (Canvas's gradebook export starts with the same ones).
CANVAS_IDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


class ExportError(Exception):
    pass


def _book(out: str | Path) -> tuple[str, dict]:
    assignment, book = gradebook.read(out)
    if not book:
        raise ExportError(f"no gradebook in {out}")
    return assignment, book


def canvas_csv(out: str | Path, roster: str | Path | None = None, match: str = "SIS Login ID",
               column: str | None = None) -> tuple[str, list[str]]:
    """(the CSV text, the students left out): one row per graded student with Canvas's
    identifying columns and the total under ``column`` (default: the assignment's name),
    after a "Points Possible" row.

    With ``roster`` (a CSV that has Canvas's identifying columns, such as Canvas's own
    gradebook export), each student's row is the roster's row whose ``match`` column is
    the nbgrader student id; a student not in the roster is left out (and named), since
    Canvas cannot place them. Without one, the student id goes in ``SIS Login ID``."""
    assignment, book = _book(out)
    spec = assignments.get(assignment)
    column = column or assignment
    people = {}
    if roster is not None:
        with open(roster, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        if rows and match not in rows[0]:
            raise ExportError(f"the roster has no column {match!r} (it has: {', '.join(rows[0])})")
        people = {row[match].strip(): row for row in rows if row.get(match, "").strip()}
    rows = [[*CANVAS_IDS, column], ["Points Possible", "", "", "", "", _number(spec.max_points)]]
    left_out = []
    for student in sorted(book):
        total = book[student].total
        if roster is None:
            ids = [student, "", "", student, ""]
        elif student in people:
            ids = [people[student].get(name, "") for name in CANVAS_IDS]
        else:
            left_out.append(student)
            continue
        rows.append([*ids, _number(total)])
    return csv_text(rows), left_out


def _number(points: float) -> int | float:
    """Points as the CSV shows them: ``2``, not ``2.0``; a number, never text."""
    return int(points) if float(points).is_integer() else float(points)


def gradescope_results(out: str | Path, student: str) -> dict:
    """Gradescope's ``results.json`` for ``student``'s submission: per test, its visible
    part's outcome (shown at once, no points) and the test's points with its reason
    (shown once the instructor publishes the grades, as hidden tests are)."""
    assignment, book = _book(out)
    if student not in book:
        raise ExportError(f"{student!r} is not in the gradebook of {out}")
    record = book[student]
    tests = []
    for number, r in enumerate(record.results, start=1):
        visible_failed = r.failed_part == "visible"
        tests.append({"name": f"{r.test}: visible tests", "number": f"{number}.1",
                      "score": 0, "max_score": 0,
                      "status": "failed" if visible_failed else "passed",
                      "output": r.reason if visible_failed else "passed",
                      "visibility": "visible"})
        output = r.reason or "passed"
        if r.override:
            output = (f"set by the instructor to {r.score:g}: {r.override['reason']} "
                      f"(automatic: {r.points:g} - {output})")
        tests.append({"name": r.test, "number": f"{number}.2",
                      "score": r.score, "max_score": r.max_points,
                      "status": "passed" if r.passed else "failed",
                      "output": output, "visibility": "after_published"})
    if record.late and record.late.seconds_late:
        tests.append({"name": "late penalty", "number": f"{len(record.results) + 1}",
                      "score": -record.penalty, "max_score": 0,
                      "status": "failed" if record.penalty else "passed",
                      "output": gradebook.late_line(record), "visibility": "after_published"})
    notes = record.notes
    return {"score": record.total,
            "execution_time": round(record.seconds, 1),
            "output": "\n".join(notes) if notes else f"Graded by the course's grader ({assignment}).",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
