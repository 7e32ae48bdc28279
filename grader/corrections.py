"""What an instructor changes or asks after grading, on an output folder, without running
anyone's code again: ``python -m grader deadline`` (due date, late policy, extensions),
``python -m grader override`` (a verdict on one test, with who, when and why) and
``python -m grader explain`` (everything the grader knows of one submission).

Each change is made under the gradebook's lock (:func:`grader.results.gradebook.changing`),
which writes every student's record, feedback and tables again by the new rules, and
then goes into nbgrader's database, so that all of them agree.
"""
from __future__ import annotations

import sys
from pathlib import Path

from grader.results import deadlines, gradebook, nbgrader_db, overrides
from grader.results.progress import line
from grader.results.safe_output import printable, student_id


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def to_nbgrader(out, db_url: str | None) -> int:
    """Write the gradebook of ``out`` into nbgrader's database ``db_url`` (none: nothing)
    and remember which one, for a later change to write into; exit status 2 when the
    database refuses."""
    if not db_url or db_url == "none":
        return 0
    assignment, _ = gradebook.read(out)
    if assignment is None:  # nothing graded
        return 0
    try:
        print(nbgrader_db.write(out, db_url, assignment).summary(db_url))
        nbgrader_db.remember(out, db_url)
    except nbgrader_db.NbgraderDbError as exc:
        return _fail(f"nbgrader's gradebook: {exc}")
    return 0


def _database(args) -> str | None:
    """The database a change writes into: ``--nbgrader-db``, else the one the grades
    were last written into."""
    return args.nbgrader_db or nbgrader_db.remembered(args.out)


def deadline(args) -> int:
    """Change the deadline settings and re-apply the penalties."""
    try:
        with gradebook.changing(args.out) as (assignment, book):
            url = _database(args)
            db_due, _ = nbgrader_db.recorded(url, assignment)
            if args.due_from_db and db_due is None:
                raise ValueError(f"nbgrader's database ({url}) has no due date for "
                                 f"{assignment!r}")
            settings = deadlines.settle(
                args.out, due=args.due, policy=args.late_policy, extensions=args.extensions,
                db_due=db_due)
            if args.due_from_db:
                settings.due, settings.due_from = db_due, "nbgrader's database"
                deadlines.save(args.out, settings)
    except (ValueError, OSError) as exc:
        return _fail(f"deadline: {exc}")
    print(settings.summary(book))
    _, book = gradebook.read(args.out)
    for student in sorted(book):
        print(line(book[student]))
    return to_nbgrader(args.out, _database(args))


def override(args) -> int:
    """Set, remove or list instructors' overrides."""
    if args.list:
        for entry in overrides.history(args.out):
            what = f"{entry['points']:g} points" if entry["action"] == "set" else "removed"
            print(f"{entry['at']} {entry['by']}: {entry['student']} {entry['test']}: {what}"
                  + (f" - {entry['reason']}" if entry.get("reason") else ""))
        in_force = overrides.current(args.out)
        print(f"{len(in_force)} override(s) in force")
        return 0
    if not args.student or not args.test:
        return _fail("override: --student and --test are required (or --list)")
    student = student_id(args.student)
    try:
        with gradebook.changing(args.out) as (_, book):
            if student not in book:
                raise ValueError(f"{student} is not in the gradebook of {args.out}")
            if args.remove:
                overrides.remove_override(args.out, student, args.test, args.reason, args.by)
            else:
                if args.points is None:
                    raise ValueError("--points is required (or --remove)")
                overrides.set_override(args.out, book[student], args.test, args.points,
                                       args.reason, args.by)
    except (ValueError, OSError) as exc:
        return _fail(f"override: {exc}")
    _, book = gradebook.read(args.out)
    print(line(book[student]))
    return to_nbgrader(args.out, _database(args))


def explain(args) -> int:
    """Print everything the grader knows of one submission."""
    assignment, book = gradebook.read(args.out)
    student = student_id(args.student)
    if student not in book:
        return _fail(f"explain: {student} is not in the gradebook of {args.out}")
    print(explanation(args.out, assignment, book[student]))
    return 0


def _terminal(text: str) -> str:
    """A text the submission may have written (its output, an exception message) as the
    terminal may show it: every line printable, no escape sequence."""
    return "\n".join(printable(line) for line in text.splitlines())


def explanation(out: str | Path, assignment: str, record) -> str:
    settings = deadlines.load(out)
    lines = [f"{record.student} - {assignment}: {record.total:g} / {record.max_points:g} points"
             + (f" ({record.raw_total:g} before a late penalty of {record.penalty:g})"
                if record.penalty else ""),
             f"graded in {record.seconds:.1f} s; files graded: {record.digest}", "",
             "Submission time:",
             f"  {deadlines.shown_time(deadlines.from_iso(record.submitted))}, "
             f"from {record.submitted_from}"]
    if record.timestamp is not None:
        lines.append(f"  its timestamp.txt: {_terminal(record.timestamp.strip())[:200]!s}")
    due, extension = settings.due_for(record.student)
    lines.append(f"  due: {deadlines.shown_time(settings.due)} ({settings.due_from})"
                 if settings.due else "  due: no due date")
    if extension:
        lines.append(f"  extension to {deadlines.shown_time(extension.due)}"
                     + (f": {extension.note}" if extension.note else ""))
    lines.append(f"  late policy: {settings.policy} ({settings.policy.described()})")
    if record.late:
        lines.append("  " + (gradebook.late_line(record) or "on time"))
    lines += ["", "Tests:"]
    for r in record.results:
        verdict = "passed" if r.passed else f"FAILED ({r.failed_part} part; kind {r.kind or '-'}" \
            + ("; a limit stopped it" if r.limit else "") + ")"
        lines.append(f"  {r.test}: {r.points:g}/{r.max_points:g} {verdict}")
        if r.reason:
            lines.append(f"    reason: {_terminal(r.reason)}")
        if r.override:
            o = r.override
            lines.append(f"    OVERRIDDEN: {o['points']:g}/{r.max_points:g} by {o['by']} at "
                         f"{o['at']}: {o['reason']}"
                         + ("" if o.get("digest") == record.digest else
                            " (decided on an earlier version of the submission)"))
    history = [e for e in overrides.history(out) if e["student"] == record.student]
    if history:
        lines += ["", "Overrides' log:"]
        lines += [f"  {e['at']} {e['by']}: {e['test']} "
                  + (f"set to {e['points']:g}" if e["action"] == "set" else "removed")
                  + (f" - {e['reason']}" if e.get("reason") else "") for e in history]
    if record.notes:
        lines += ["", "Notes:"] + [f"  {_terminal(n)}" for n in record.notes]
    if record.cell_errors:
        lines += ["", "Cells that raised:"]
        lines += [f"  {e['cell']}: {_terminal(str(e['error']))}" for e in record.cell_errors]
    if record.log:
        lines += ["", "Instructor's log:", _terminal(record.log)]
    error = gradebook.student_file(out, "log", record.student, ".grader-error.txt")
    if error.is_file():
        lines += ["", f"The grader's own error ({error}):", _terminal(error.read_text())]
    return "\n".join(lines)

