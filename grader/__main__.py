"""Command line: ``python -m grader grade ASSIGNMENTS_DIR/submitted --assignment schedules
--out DIR`` grades every ``submitted/<student>/<assignment>/`` and writes the gradebook."""
from __future__ import annotations

import argparse
import sys

from grader import config, gradebook
from grader.grade import grade_directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade nbgrader's submitted/ directory")
    grade.add_argument("submitted", help="the course's submitted/ directory")
    grade.add_argument("--assignment", required=True, choices=sorted(config.ASSIGNMENTS))
    grade.add_argument("--out", required=True, help="where to write gradebook.csv/.json and feedback/")
    grade.add_argument("--source", help="the source notebook (default: ../source/<assignment>/ beside submitted/)")
    args = parser.parse_args(argv)

    graded = grade_directory(args.submitted, args.assignment, args.source)
    out = gradebook.write(graded, args.out, args.assignment)
    for submission in graded:
        results = submission["results"]
        print(f"{submission['student']}: {sum(r.points for r in results):g}/"
              f"{sum(r.max_points for r in results):g} ({submission['seconds']:.1f} s)")
    print(f"{len(graded)} submission(s) graded; gradebook in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
