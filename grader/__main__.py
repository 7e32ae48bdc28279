"""Command line: ``python -m grader grade ASSIGNMENTS_DIR/submitted --assignment NAME
--out DIR`` grades every ``submitted/<student>/<assignment>/`` with pytest and the
grader's plugin, and writes the gradebook. Options after ``--`` go to pytest (e.g.
``-- -k alice`` or ``-- -n 4`` with pytest-xdist). ``--shard K/N`` grades one share of
the class (one task of a Slurm array, a Kubernetes indexed Job, a CI matrix), and
``python -m grader merge OUT1 OUT2 ... --out DIR`` joins the shards' gradebooks.
``python -m grader compare OLD NEW`` lists how two gradebooks of one class differ (exit
status 1 if they do), e.g. before and after a change of the grader."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from grader.grade import default_source, submissions
from grader.pytest_plugin import add_cli_options, plugin_args

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
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)

    if args.command == "merge":
        from grader.gradebook import merge as merge_gradebooks
        book = merge_gradebooks(args.shards, args.out)
        print(f"{len(book['students'])} student(s) from {len(args.shards)} shard(s); "
              f"gradebook in {args.out}")
        return 0
    if args.command == "compare":
        from grader.gradebook import compare as compare_gradebooks
        differences = compare_gradebooks(args.old, args.new)
        print("\n".join(differences) if differences else "the same grades")
        return 1 if differences else 0
    folders = submissions(Path(args.submitted).resolve(), args.assignment)
    if not folders:
        print(f"no submissions of {args.assignment!r} in {args.submitted}", file=sys.stderr)
        return 2
    source = args.source or default_source(args.submitted, args.assignment)
    # pytest's own temporary folders (pytest-xdist makes some) go in the grader's, which
    # is removed when the run ends.
    from grader import workspace
    options = ["-c", str(PYTEST_INI), "--rootdir", str(Path(args.submitted).resolve()),
               "--basetemp", str(workspace.root() / "pytest"),
               "-p", "grader.pytest_plugin",
               *plugin_args(argparse.Namespace(**{**vars(args), "source": source})),
               *pytest_args]
    status = pytest.main(options + [str(f) for f in folders])
    # Failing tests are students' lost points, not the grader's failure.
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return int(status)
    print(f"{len(folders)} submission(s) found; gradebook in {args.gradebook_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
