"""Command line: ``python -m grader grade ASSIGNMENTS_DIR/submitted --assignment NAME
--out DIR`` grades every ``submitted/<student>/<assignment>/`` with pytest and the
grader's plugin, and writes the gradebook. Options after ``--`` go to pytest (e.g.
``-- -k alice`` or ``-- -n 4`` with pytest-xdist). ``--shard K/N`` grades one share of
the class (one task of a Slurm array, a Kubernetes indexed Job, a CI matrix), and
``python -m grader merge OUT1 OUT2 ... --out DIR`` joins the shards' gradebooks.
``python -m grader compare OLD NEW`` lists how two gradebooks of one class differ (exit
status 1 if they do), e.g. before and after a change of the grader.

The grades go on from an output folder: ``--nbgrader-db URL`` (by default the course
directory's ``gradebook.db``, when there is one) writes them into nbgrader's gradebook;
``python -m grader export {nbgrader,canvas,gradescope} OUT`` writes them for nbgrader,
Canvas or Gradescope; ``python -m grader report OUT`` draws the class report; and
``python -m grader similarity SUBMITTED --assignment NAME`` lists near-identical answers.

Deadlines and corrections apply to an output folder without running anyone's code:
``python -m grader deadline OUT --due D --late-policy P --extensions CSV`` changes the
due date, the late penalty or the extensions (``grade`` takes the same options);
``python -m grader override OUT --student S --test T --points P --reason R`` sets an
instructor's verdict on one test (``--list``, ``--remove``); ``python -m grader explain
OUT --student S`` prints all the grader knows of one submission.

Exit status of ``grade`` (:class:`grader.pytest_plugin.Status`); a student's failing
tests are lost points, not a failure of the command:

  0    every submission (selected by -k, --shard) is in the gradebook, whatever its points
  2    cannot grade: no submission, a wrong option, the grader's data missing, or
       nbgrader's gradebook refused the grades (they are in the output folder)
  3    stopped: the sandbox cannot run (every submission would fail alike)
  4    the grader itself failed (on some submissions, or inside): what it graded is in
       the gradebook, the rest are named as NOT GRADED; run the command again
  130  interrupted (Ctrl-C, SIGTERM): what it graded is kept; run again to resume"""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

import pytest

from grader.assignments import registry as assignments
from grader.host.grade import default_source, submissions
from grader.pytest_plugin import OPTIONS, Outcome, Status, add_cli_options, plugin_args

PYTEST_INI = Path(__file__).with_name("pytest.ini")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade nbgrader's submitted/ directory")
    grade.add_argument("submitted", help="the course's submitted/ directory")
    add_cli_options(grade)
    merge = commands.add_parser("merge", help="join shards' gradebooks into one")
    merge.add_argument("shards", nargs="+", help="the --out folders of the shards")
    merge.add_argument("--out", required=True, help="where to write the joined gradebook")
    compare = commands.add_parser("compare", help="how one gradebook's grades differ from "
                                  "another's (the same class graded twice)")
    compare.add_argument("old", help="an --out folder")
    compare.add_argument("new", help="another --out folder")
    merge.add_argument("--nbgrader-db", metavar="URL", help="nbgrader's gradebook to write "
                       "the joined grades into")
    export = commands.add_parser("export", help="an output folder's grades for nbgrader, "
                                 "Canvas or Gradescope")
    export.add_argument("format", choices=("nbgrader", "canvas", "gradescope"))
    export.add_argument("out", help="a grader --out folder")
    export.add_argument("--db", metavar="URL", help="nbgrader: its gradebook "
                        "(default: sqlite:///gradebook.db)")
    export.add_argument("--roster", help="canvas: a CSV with Canvas's student columns "
                        "(e.g. Canvas's gradebook export)")
    export.add_argument("--match", default="SIS Login ID", help="canvas: the roster's column "
                        "that holds the nbgrader student id (default: %(default)s)")
    export.add_argument("--column", help="canvas: the gradebook column's name "
                        "(default: the assignment's)")
    export.add_argument("--student", help="gradescope: whose results.json")
    export.add_argument("--to", help="the file to write (default: standard output)")
    report = commands.add_parser("report", help="the class report (HTML, with plots)")
    report.add_argument("out", help="a grader --out folder")
    report.add_argument("--to", help="its folder (default: OUT/report)")
    similarity = commands.add_parser("similarity", help="pairs of near-identical answers, "
                                     "for the instructor to review")
    similarity.add_argument("submitted", help="the course's submitted/ directory")
    similarity.add_argument("--assignment", required=True)
    similarity.add_argument("--to", help="its folder (default: OUT of --out, or ./similarity)")
    similarity.add_argument("--threshold", type=float, default=0.8,
                            help="the similarity (0-1) from which a pair is listed "
                                 "(default: %(default)s)")
    deadline = commands.add_parser("deadline", help="change the due date, late policy or "
                                   "extensions of an output folder (no code is run again)")
    deadline.add_argument("out", help="a grader --out folder")
    for flag in ("--due", "--late-policy", "--extensions"):
        option = next(o for o in OPTIONS if o.flag == flag)
        deadline.add_argument(flag, help=option.help, **option.kwargs)
    deadline.add_argument("--due-from-db", action="store_true", help="take the due date from "
                          "nbgrader's database again (after --due)")
    deadline.add_argument("--nbgrader-db", metavar="URL", help="nbgrader's gradebook to read "
                          "the due date from and write the penalties into (default: the one "
                          "the grades were last written into)")
    override = commands.add_parser("override", help="an instructor's verdict on one test of "
                                   "one student, kept through regrades")
    override.add_argument("out", help="a grader --out folder")
    override.add_argument("--student")
    override.add_argument("--test")
    override.add_argument("--points", type=float)
    override.add_argument("--reason", default="")
    override.add_argument("--by", help="who decides (default: this user's login name)")
    override.add_argument("--list", action="store_true", help="list the overrides and their log")
    override.add_argument("--remove", action="store_true", help="remove --student's override "
                          "of --test (the automatic verdict applies again)")
    override.add_argument("--nbgrader-db", metavar="URL", help="as for deadline")
    explain = commands.add_parser("explain", help="all the grader knows of one submission")
    explain.add_argument("out", help="a grader --out folder")
    explain.add_argument("--student", required=True)
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)

    if args.command == "merge":
        from grader.results.gradebook import merge as merge_gradebooks
        from grader.results.progress import Progress
        book = merge_gradebooks(args.shards, args.out, Progress("joined"))
        print(f"{len(book['students'])} student(s) from {len(args.shards)} shard(s); "
              f"gradebook in {args.out}")
        return _to_nbgrader(args.out, args.nbgrader_db)
    if args.command in ("export", "report", "similarity"):
        return _follow_up(args)
    if args.command in ("deadline", "override", "explain"):
        from grader import corrections
        return getattr(corrections, args.command)(args)
    if args.command == "compare":
        from grader.results.gradebook import compare as compare_gradebooks
        differences = compare_gradebooks(args.old, args.new)
        print("\n".join(differences) if differences else "the same grades")
        return 1 if differences else 0
    spec = assignments.get(args.assignment)  # the command line's name, found once
    folders = submissions(Path(args.submitted).resolve(), spec)
    if not folders:
        print(f"no submissions of {args.assignment!r} in {args.submitted}", file=sys.stderr)
        return 2
    source = args.source or default_source(args.submitted, spec)
    from grader.results.nbgrader_db import default_url
    course = Path(args.submitted).resolve().parent
    if args.nbgrader_db is None:
        args.nbgrader_db = default_url(args.submitted)
    elif args.nbgrader_db == "none":
        args.nbgrader_db = None
    if args.extensions is None and (course / "extensions.csv").is_file():
        args.extensions = str(course / "extensions.csv")
    # pytest's own temporary folders (pytest-xdist makes some) go in the grader's, which
    # is removed when the run ends.
    from grader.host import workspace
    options = ["-c", str(PYTEST_INI), "--rootdir", str(Path(args.submitted).resolve()),
               "--basetemp", str(workspace.root() / "pytest"),
               "-p", "grader.pytest_plugin",
               *plugin_args(argparse.Namespace(**{**vars(args), "source": source})),
               *pytest_args]
    # pytest collects submitted/ itself: no student's folder name is ever an argument
    # (pytest-xdist sends arguments as UTF-8; a name can be any bytes).
    status = _grade(options + [str(Path(args.submitted).resolve())])
    if status not in (Status.GRADED, Status.GRADER_FAILED):
        return int(status)
    print(f"{len(folders)} submission(s) found; gradebook in {args.gradebook_out}")
    if status == Status.GRADER_FAILED:
        print("the grader failed: what it graded is in the gradebook, the rest is named "
              "above as NOT GRADED (or as an INTERNALERROR); run the command again",
              file=sys.stderr)
    written = _to_nbgrader(args.gradebook_out, args.nbgrader_db)
    return int(status) or written


def _grade(pytest_args: list[str]) -> Status:
    """Run pytest with the grader's plugin: the run's :class:`Status`, also when the
    grader's own code raises out of pytest."""
    outcome = Outcome()
    try:
        return outcome.status(pytest.main(pytest_args, plugins=[outcome]))
    except Exception:  # noqa: BLE001 - the grader's own failure, told by its status
        traceback.print_exc()
        return Status.GRADER_FAILED


def _to_nbgrader(out, db_url: str | None) -> int:
    from grader.corrections import to_nbgrader
    return to_nbgrader(out, db_url)


def _follow_up(args) -> int:
    """export, report and similarity: what comes after grading."""
    from grader.results import exports
    try:
        if args.command == "report":
            from grader.results.report import write_report
            print(f"class report in {write_report(args.out, args.to)}")
        elif args.command == "similarity":
            from grader.host.similarity import write_similarity
            print(write_similarity(args.submitted, assignments.get(args.assignment),
                                   args.to or "similarity",
                                   args.threshold))
        elif args.format == "nbgrader":
            return _to_nbgrader(args.out, args.db or "sqlite:///gradebook.db")
        elif args.format == "canvas":
            text, left_out = exports.canvas_csv(args.out, args.roster, args.match, args.column)
            _emit(text, args.to)
            if left_out:
                print(f"not in the roster, left out: {', '.join(left_out)}", file=sys.stderr)
                return 1
        else:
            if not args.student:
                print("gradescope: --student is required", file=sys.stderr)
                return 2
            import json
            _emit(json.dumps(exports.gradescope_results(args.out, args.student), indent=1) + "\n",
                  args.to)
    except exports.ExportError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _emit(text: str, to: str | None) -> None:
    if to:
        Path(to).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    sys.exit(main())
