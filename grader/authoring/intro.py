"""The facts an assignment's notebook intro and the course's READMEs state, generated
from the assignments' specs (:mod:`grader.assignments`) so that none is typed twice: the
table of tests and points, a model assignment's threshold, the write quotas, and the
course's table of assignments.

``python -m grader.authoring.intro`` rewrites them in place; ``--check`` only says which file is
out of date (a test runs it). The prose around them stays the author's.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from grader.assignments.registry import all_assignments
from grader.assignments.spec import Assignment, FileTest
from grader.models.assignment import ModelAssignment

ROOT = Path(__file__).resolve().parents[2]
COURSE_README = ROOT / "assignments" / "README.md"
TABLE_START = "| assignment |"


def _points(value: float) -> str:
    return f"{value:g}"


def graded(spec: Assignment) -> str:
    """The intro's "What is graded" paragraph and its table of tests."""
    rows = "\n".join(f"| `{grade_id}` | {test.what} | {_points(spec.points[grade_id])} |"
                     for grade_id, test in spec.tests.items())
    return (f'**What is graded.** Only the cells marked "Autograder tests" below '
            f"({len(spec.tests)} tests,\n**{_points(spec.max_points)} points** in all). "
            f"Each test gives all its points or none:\n\n"
            f"| test | what it checks | points |\n| --- | --- | --- |\n{rows}")


def threshold(spec: ModelAssignment) -> str:
    """A model assignment's threshold, with where it comes from, in both profiles."""
    from dlcourse.experiments import chapters, find
    from grader.thresholds import threshold as bar

    experiment, metric = spec.threshold_from
    chapter = chapters().index(find(experiment).chapter) + 1
    return (f"**The threshold** is this course's own measured accuracy (chapter {chapter}, "
            f"experiment\n`{experiment}`, {metric.replace('_', ' ')}) less a margin of "
            f"{spec.margin:g}: **{bar(spec.name, 'full'):.2f}**\n"
            f"for the course (the full profile); {bar(spec.name, 'quick'):.2f} in the quick "
            f"profile, where the data are\nsmall slices. The set-up cell prints the one in force.")


def gap(spec: ModelAssignment) -> str:
    """A model assignment's bound on the generalisation gap, with where it comes from."""
    from dlcourse.experiments import chapters, find
    from grader.data import max_gap

    sources = " and ".join(f"`{e}`" for e, _ in spec.gap_from)
    chapter = chapters().index(find(spec.gap_from[0][0]).chapter) + 1
    return (f"**The bound on the gap** is the mean of this course's own measured gaps "
            f"between\nvalidation and training cross-entropy, recalibrated as below, of "
            f"{sources} (chapter "
            f"{chapter}): **{max_gap(spec.name, 'full'):.2f}**\nfor the course (the full "
            f"profile); {max_gap(spec.name, 'quick'):.2f} in the quick profile. The set-up "
            f"cell prints the one in force.")


def quota(spec: Assignment) -> str:
    limits = spec.limits
    return f"at most {limits.disk_bytes / 2**20:g} MiB and {limits.disk_files} files in all"


def render_intro(spec: Assignment, text: str) -> str:
    """``text`` (the intro cell) with its generated parts made current."""
    paragraphs = text.split("\n\n")
    out = []
    for paragraph in paragraphs:
        if paragraph.startswith("**What is graded.**"):
            out.append(graded(spec).split("\n\n")[0])
        elif paragraph.startswith("| test |"):
            out.append(graded(spec).split("\n\n")[1])
        elif paragraph.startswith("**The threshold**") and isinstance(spec, ModelAssignment):
            out.append(threshold(spec))
        elif paragraph.startswith("**The bound on the gap**") and isinstance(spec, ModelAssignment) \
                and spec.gap_from:
            out.append(gap(spec))
        else:
            out.append(re.sub(r"at most [\d.]+ MiB and \d+ files in all", quota(spec), paragraph))
    return "\n\n".join(out)


def handed_in(spec: Assignment) -> str:
    files = [spec.notebook] + sorted({t.file for t in spec.tests.values()
                                      if isinstance(t, FileTest) and t.file not in spec.outputs})
    return " and ".join(f"`{name}`" for name in files)


def course_table() -> str:
    """The course's assignments: what each asks, what a student hands in, its tests."""
    rows = []
    for name, spec in all_assignments().items():
        tests = ", ".join(f"`{grade_id}` ({_points(points)})" for grade_id, points in spec.points.items())
        rows.append(f"| `{name}` | {spec.title} | {handed_in(spec)} | {tests} | "
                    f"{_points(spec.max_points)} |")
    return ("| assignment | what it asks | you hand in | tests (points) | points |\n"
            "| --- | --- | --- | --- | --- |\n" + "\n".join(rows))


def render_readme(text: str) -> str:
    paragraphs = text.split("\n\n")
    return "\n\n".join(course_table() if p.startswith(TABLE_START) else p for p in paragraphs)


def _notebooks():
    import nbformat

    for spec in all_assignments().values():
        nb = nbformat.read(str(spec.notebook_path), as_version=4)
        yield spec, nb


def stale(write: bool = False) -> list[Path]:
    """The files whose generated parts are not current (rewritten when ``write``)."""
    import nbformat

    found = []
    for spec, nb in _notebooks():
        intro = nb.cells[0]
        current = render_intro(spec, intro.source)
        if current != intro.source:
            found.append(spec.notebook_path)
            if write:
                intro.source = current
                nbformat.write(nb, str(spec.notebook_path))
    text = COURSE_README.read_text()
    if render_readme(text) != text:
        found.append(COURSE_README)
        if write:
            COURSE_README.write_text(render_readme(text))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.authoring.intro", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only list the files out of date")
    args = parser.parse_args(argv)
    found = stale(write=not args.check)
    for path in found:
        print(f"{'out of date' if args.check else 'rewrote'}: {path.relative_to(ROOT)}")
    return 1 if found and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
