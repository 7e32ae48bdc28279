"""The grader's trusted points in nbgrader's own gradebook (``gradebook.db``), through
nbgrader's API, so that ``nbgrader export``, the formgrader and ``nbgrader
generate_feedback`` show them instead of the scores each student's own kernel computed.

Only what the autograder owns is written: each test cell's ``auto_score`` (an
instructor's override where there is one, :mod:`grader.results.overrides`), on the
answer cell before it the ``auto_comment`` (the tests' points and reasons, as the
feedback words them), and the notebook's ``late_submission_penalty``
(:mod:`grader.results.deadlines`), so that nbgrader's own total (``nbgrader export``'s
``score``) is the grader's. A manual score, extra credit or manual comment entered in the
formgrader wins over both in nbgrader's own ``score`` and ``comment`` and is never
touched. A student or submission missing from the database is added; a value that has
not changed is not written again.

nbgrader's feedback renders a comment as Markdown with raw HTML left live, and a
reason may quote a student's exception message (``<script>``, a ``javascript:`` link):
the grader's comment holds its lines in a fenced code block (:func:`literal`), which
Markdown shows as text, escaped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from grader.assignments import registry as assignments
from grader.results import gradebook


class NbgraderDbError(Exception):
    """The database cannot take the grades (no such assignment: run ``nbgrader
    generate_assignment`` first, which records its grade cells)."""


@dataclass
class Changes:
    """What :func:`write` did, for the instructor's summary."""

    students_added: list = field(default_factory=list)
    submissions_added: list = field(default_factory=list)
    scores_changed: int = 0
    comments_changed: int = 0
    penalties_changed: int = 0
    manual_kept: int = 0  # grades whose manual score (the formgrader's) stays in force
    lowered: list = field(default_factory=list)  # students whose earlier score was higher

    def summary(self, db_url: str) -> str:
        parts = [f"{self.scores_changed} score(s) and {self.comments_changed} comment(s) "
                 f"written to {db_url}"]
        if self.penalties_changed:
            parts.append(f"late penalties changed: {self.penalties_changed}")
        if self.students_added:
            parts.append(f"students added: {', '.join(self.students_added)}")
        if self.submissions_added:
            parts.append(f"submissions added: {len(self.submissions_added)}")
        if self.manual_kept:
            parts.append(f"{self.manual_kept} manual grade(s) kept")
        if self.lowered:
            parts.append("lower than the score already there (autograde's, from the student's "
                         f"own kernel?): {', '.join(self.lowered)}")
        return "; ".join(parts)


def default_url(submitted: str | Path) -> str | None:
    """``sqlite:///<course>/gradebook.db`` when ``submitted`` is the ``submitted/`` of an
    nbgrader course directory (``nbgrader_config.py`` beside it) whose gradebook exists."""
    course = Path(submitted).resolve().parent
    db = course / "gradebook.db"
    return f"sqlite:///{db}" if (course / "nbgrader_config.py").is_file() and db.is_file() else None


REMEMBERED = "nbgrader.json"  # in an output folder: the database its grades went into


def remember(out: str | Path, db_url: str) -> None:
    """Note in ``out`` which database holds its grades (what a later override or change of
    deadline writes into)."""
    import json

    from grader.results.files import atomic_write
    atomic_write(Path(out) / REMEMBERED, json.dumps({"url": db_url}) + "\n")


def remembered(out: str | Path) -> str | None:
    import json

    path = Path(out) / REMEMBERED
    return json.loads(path.read_text())["url"] if path.is_file() else None


def recorded(db_url: str | None, assignment: str) -> tuple[datetime | None, dict[str, datetime]]:
    """``(the assignment's due date, {student: submission time})`` as nbgrader's database
    records them (in UTC; nbgrader stores naive UTC); nothing where there is no database,
    or it does not know the assignment."""
    if not db_url or db_url == "none":
        return None, {}
    from nbgrader.api import Gradebook, MissingEntry

    utc = lambda when: when.replace(tzinfo=timezone.utc) if when else None  # noqa: E731
    with Gradebook(db_url) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return None, {}
        return utc(found.duedate), {s.student.id: utc(s.timestamp) for s in found.submissions
                                    if s.timestamp is not None}


def answer_cells(spec) -> dict[str, str]:
    """``{test grade_id: the solution cell before it}`` in the source notebook: the cell
    whose comment carries the test's reason (nbgrader comments belong to solution cells)."""
    nb = nbformat.read(str(spec.notebook_path), as_version=4)
    found, answer = {}, None
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            answer = meta["grade_id"]
        elif meta.get("grade") and answer is not None:
            found[meta["grade_id"]] = answer
    return found


def literal(text: str) -> str:
    """``text`` as a Markdown fenced code block: shown as it is, every ``<`` escaped,
    no link, image or HTML made of it (the fence is longer than any run of backticks in
    the text, so no line of it closes the block; no info string, so no highlighter or
    Mermaid diagram reads it)."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, 1 + max(runs, default=0))
    return f"{fence}\n{text}\n{fence}"


def _comment(results) -> str:
    lines = []
    for r in results:
        if r.override:
            lines.append(f"{r.test}: {r.score:g} of {r.max_points:g} point(s), set by the "
                         f"instructor - {r.override['reason']} (automatic: {r.points:g})")
            continue
        line = f"{r.test}: {r.points:g} of {r.max_points:g} point(s)"
        lines.append(line + (f" - {r.reason}" if r.reason else ""))
    return "Grader (trusted):\n\n" + literal("\n".join(lines))


def write(out: str | Path, db_url: str, assignment: str) -> Changes:
    """Put the gradebook of grader output folder ``out`` into nbgrader's database."""
    from nbgrader.api import Gradebook, MissingEntry

    spec = assignments.get(assignment)
    notebook = spec.notebook.removesuffix(".ipynb")
    _, book = gradebook.read(out, assignment)
    cells = answer_cells(spec)
    changes = Changes()
    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise NbgraderDbError(
                f"{db_url} has no assignment {assignment!r}: run `nbgrader generate_assignment "
                f"{assignment}` in the course directory first") from None
        for student in sorted(book):
            try:
                gb.find_student(student)
            except MissingEntry:
                gb.add_student(student)
                changes.students_added.append(student)
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                gb.add_submission(assignment, student)
                changes.submissions_added.append(student)
            results = book[student].results
            lowered = False
            for r in results:
                grade = gb.find_grade(r.test, notebook, assignment, student)
                lowered = lowered or (grade.auto_score or 0) > r.score
                if grade.auto_score != r.score:
                    grade.auto_score = float(r.score)
                    changes.scores_changed += 1
                if grade.manual_score is not None:
                    changes.manual_kept += 1
                else:
                    grade.needs_manual_grade = False
            if lowered:
                changes.lowered.append(student)
            submitted = gb.find_submission_notebook(notebook, assignment, student)
            if (submitted.late_submission_penalty or 0.0) != book[student].penalty:
                submitted.late_submission_penalty = book[student].penalty
                changes.penalties_changed += 1
            by_cell: dict[str, list] = {}
            for r in results:
                if r.test in cells:
                    by_cell.setdefault(cells[r.test], []).append(r)
            for cell, cell_results in by_cell.items():
                comment = gb.find_comment(cell, notebook, assignment, student)
                text = _comment(cell_results)
                if comment.auto_comment != text:
                    comment.auto_comment = text
                    changes.comments_changed += 1
            gb.db.commit()
    return changes
