"""The helpers that grade an assignment's sample submissions (its folder's
``samples.py``) end to end, for tests/grader/test_assignment_samples.py and the grader's tests.

Samples are made the way students make them: the notebook with some answer cells
rewritten; for a model assignment, executed by a real kernel (quick profile), which
saves the model file beside it. They are graded twice, by the grader's command line
and by real nbgrader (generate_assignment, autograde, generate_feedback), and both must
give exactly each sample's points, the grader with the reasons the sample names.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.api import Gradebook

from grader import config
from grader.authoring import samples
from grader.models.assignment import ModelAssignment

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "assignments"


def execute(nb, folder: Path) -> None:
    """Run the notebook as a student would (quick profile, not grading mode); failing
    test cells show their errors and the run goes on."""
    env = {k: v for k, v in os.environ.items() if k != config.GRADING_ENV}
    env["DLCOURSE_PROFILE"] = "quick"
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def train_samples(spec: ModelAssignment, found: dict, models: Path) -> None:
    """Each sample's student run, which leaves its model in ``models/<sample>/``; a
    sample with ``model_from`` gets that sample's model instead."""
    for name, sample in found.items():
        if sample.model_from is None:
            folder = models / name
            folder.mkdir(parents=True)
            execute(samples.submission(spec, sample), folder)
            assert (folder / spec.model_file).exists(), f"{name} saved no model"
    for name, sample in found.items():
        if sample.model_from is not None:
            (models / name).mkdir()
            shutil.copy2(models / sample.model_from / spec.model_file, models / name)


def make_submissions(spec, found: dict, submitted: Path, notebook: Path,
                     models: Path | None) -> None:
    """``submitted/<sample>/<assignment>/``: the notebook (built from ``notebook``, the
    source or the release) and, for a model assignment, its model from ``models``."""
    for name, sample in found.items():
        folder = submitted / name / spec.name
        folder.mkdir(parents=True)
        nbformat.write(samples.submission(spec, sample, notebook), str(folder / spec.notebook))
        if models is not None and (models / name / spec.model_file).exists():
            shutil.copy2(models / name / spec.model_file, folder / spec.model_file)


def run_grader(submitted: Path, assignment: str, out: Path, source_notebook: Path,
               *pytest_args: str) -> tuple[str, dict]:
    """``python -m grader grade`` as an instructor runs it: its output and gradebook.json."""
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(submitted),
                           "--assignment", assignment, "--out", str(out),
                           "--source", str(source_notebook), "--", *pytest_args],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(proc.stdout)
    return proc.stdout, json.loads((out / "gradebook.json").read_text())


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc


def copy_course(tmp: Path) -> Path:
    course = tmp / "assignments"
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__"))
    return course


def nbgrader_points(course: Path, spec) -> dict:
    found = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            nb = gradebook.find_submission_notebook(spec.name, spec.notebook.removesuffix(".ipynb"),
                                                    student.id)
            found[student.id] = {g.name: g.score for g in nb.grades}
    return found


def feedback_page(course: Path, student: str, spec) -> str:
    """``student``'s feedback page, as ``nbgrader generate_feedback`` wrote it."""
    return (course / "feedback" / student / spec.name / spec.notebook.replace(".ipynb", ".html")).read_text()


def feedback_text(course: Path, student: str, spec) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", feedback_page(course, student, spec)))


def feedback_comments(course: Path, student: str, spec) -> list[str]:
    """The HTML of each comment in ``student``'s nbgrader feedback page."""
    return re.findall(r"<b>Comments:</b>(.*?)</div>", feedback_page(course, student, spec),
                      flags=re.DOTALL)


# What a student's exception message may carry into a reason, for the pages that show it.
HOSTILE_HTML = ("<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) "
                "<iframe src=https://example.org></iframe> ```` $$<b>x</b>$$")
LIVE_TAGS = {"script", "img", "iframe", "object", "embed", "svg", "a", "form", "style", "link"}


class _LiveHtml(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        active = [(k, v) for k, v in attrs if k.startswith("on") or (
            k in ("href", "src", "action") and (v or "").strip().lower().startswith("javascript:"))]
        if tag in LIVE_TAGS or active:
            self.found.append((tag, attrs))


def live_html(fragment: str) -> list:
    """The elements of an HTML fragment that a browser would load, run or follow (a
    script, image, frame, link, or an ``on...`` handler or ``javascript:`` URL): none
    belongs in text that quotes a student."""
    parser = _LiveHtml()
    parser.feed(fragment)
    parser.close()
    return parser.found


def gradebook_points(book: dict) -> dict:
    return {s: {t["test"]: t["points"] for t in r["tests"]} for s, r in book["students"].items()}


def outside_solutions(spec) -> str:
    """The source notebook's cells' text without its solution regions."""
    text = "\n".join(c.source for c in nbformat.read(str(spec.notebook_path), as_version=4).cells)
    return re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", text, flags=re.DOTALL)


def solution_lines(spec) -> list[str]:
    """The lines between ### BEGIN SOLUTION and ### END SOLUTION, in every answer cell."""
    text = "\n".join(c.source for c in nbformat.read(str(spec.notebook_path), as_version=4).cells)
    return [line.strip() for region in text.split("### BEGIN SOLUTION")[1:]
            for line in region.split("### END SOLUTION")[0].splitlines() if line.strip()]


def grade_samples(spec, found: dict, tmp: Path, models: Path | None) -> tuple[dict, Path]:
    """The samples graded by the grader's command line: (gradebook.json, its folder)."""
    make_submissions(spec, found, tmp / "submitted", spec.notebook_path, models)
    _, book = run_grader(tmp / "submitted", spec.name, tmp / "grades", spec.notebook_path)
    return book, tmp / "grades"
