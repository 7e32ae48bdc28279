"""Command line: ``python -m grader grade ASSIGNMENTS_DIR/submitted --assignment NAME
--out DIR`` grades every ``submitted/<student>/<assignment>/`` with pytest and the
grader's plugin, and writes the gradebook. Options after ``--`` go to pytest (e.g.
``-- -k alice`` or ``-- -n 4`` with pytest-xdist). ``--shard K/N`` grades one share of
the class (one task of a Slurm array, a Kubernetes indexed Job, a CI matrix), and
``python -m grader merge OUT1 OUT2 ... --out DIR`` joins the shards' gradebooks."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from grader import config
from grader.grade import default_source, submissions
from grader.sandbox import Sandbox, SandboxError

PYTEST_INI = Path(__file__).with_name("pytest.ini")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade nbgrader's submitted/ directory")
    grade.add_argument("submitted", help="the course's submitted/ directory")
    grade.add_argument("--assignment", required=True, choices=sorted(config.ASSIGNMENTS))
    grade.add_argument("--out", required=True, help="where to write gradebook.csv/.json and feedback/")
    grade.add_argument("--source", help="the source notebook (default: ../source/<assignment>/ beside submitted/)")
    grade.add_argument("--sandbox", choices=["bwrap", "none"], default="bwrap",
                       help="confine student code with bubblewrap (default), or not at all "
                            "(only for code you trust)")
    grade.add_argument("--timeout", type=float, help="wall-clock limit per submission, "
                       "seconds (default: the assignment's, see grader/config.py)")
    grade.add_argument("--memory", type=float, help="memory limit per submission, GiB")
    grade.add_argument("--shard", metavar="K/N", help="grade only the K-th of N shares of "
                       "the class (every N-th student in name order, from the K-th)")
    merge = commands.add_parser("merge", help="join shards' gradebooks into one")
    merge.add_argument("shards", nargs="+", help="the --out folders of the shards")
    merge.add_argument("--out", required=True, help="where to write the joined gradebook")
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)

    if args.command == "merge":
        from grader.gradebook import merge as merge_gradebooks
        book = merge_gradebooks(args.shards, args.out)
        print(f"{len(book['students'])} student(s) from {len(args.shards)} shard(s); "
              f"gradebook in {args.out}")
        return 0
    folders = submissions(Path(args.submitted).resolve(), args.assignment)
    if not folders:
        print(f"no submissions of {args.assignment!r} in {args.submitted}", file=sys.stderr)
        return 2
    try:
        Sandbox(args.sandbox).check()
    except SandboxError as exc:
        print(f"cannot grade: {exc}", file=sys.stderr)
        return 2
    if args.assignment in config.MODEL_ASSIGNMENTS:
        # The grader's own data, checked before any student is graded: a missing dataset
        # is the instructor's problem to fix, never a student's lost points.
        from dlcourse.datasets import DatasetError
        from grader.data import heldout_data, training_data
        try:
            heldout_data(args.assignment), training_data(args.assignment)
        except DatasetError as exc:
            print(f"cannot grade {args.assignment!r}: {exc}", file=sys.stderr)
            return 2
    source = args.source or default_source(args.submitted, args.assignment)
    # pytest's own temporary folders (pytest-xdist makes some) go in the grader's, which
    # is removed when the run ends.
    from grader import workspace
    options = ["-c", str(PYTEST_INI), "--rootdir", str(Path(args.submitted).resolve()),
               "--basetemp", str(workspace.root() / "pytest"),
               "-p", "grader.pytest_plugin", "--assignment", args.assignment,
               "--gradebook-out", args.out, *(["--source", str(source)] if source else []),
               "--sandbox", args.sandbox, *(["--shard", args.shard] if args.shard else []),
               *(["--timeout", str(args.timeout)] if args.timeout else []),
               *(["--memory", str(args.memory)] if args.memory else []),
               *pytest_args]
    status = pytest.main(options + [str(f) for f in folders])
    print(f"{len(folders)} submission(s) found; gradebook in {args.out}")
    # Failing tests are students' lost points, not the grader's failure.
    return 0 if status in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) else int(status)


if __name__ == "__main__":
    sys.exit(main())
