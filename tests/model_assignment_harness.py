"""The model assignments end to end, shared by tests/test_assignment_<name>.py; its
helpers that run the grader and nbgrader also serve tests/test_grader_schedules.py.

Sample submissions are made the way students make them: the notebook with its answer
cell filled in, executed by a real kernel (quick profile), which saves the model file
beside it. They are graded twice, by the grader's command line and by real nbgrader
(generate_assignment, autograde, generate_feedback), and both must give exactly the
expected points per test.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.api import Gradebook

from grader import config
from grader.assignment import get as assignment_spec

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
ANSWER = "answer_training"


def source(assignment: str) -> Path:
    return COURSE / "source" / assignment / assignment_spec(assignment).notebook


def points(assignment: str) -> dict[str, int]:
    return dict(assignment_spec(assignment).points)


def expected(assignment: str) -> dict[str, dict[str, int]]:
    """The points of every sample: "correct" all; "partial" (the network asked for, left
    untrained) the architecture only; "wrong" (another network, well trained) nothing;
    "crashing" (the model file of a good earlier run, but the notebook's code now raises)
    all but "trains"."""
    full = points(assignment)
    return {"correct": dict(full),
            "partial": {**{g: 0 for g in full}, "test_architecture": full["test_architecture"]},
            "wrong": {g: 0 for g in full},
            "crashing": {**full, "test_trains": 0}}


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solution(assignment: str) -> str:
    cell = next(c for c in nbformat.read(str(source(assignment)), as_version=4).cells
                if _meta(c).get("grade_id") == ANSWER)
    return "\n".join(line for line in cell.source.splitlines() if "### " not in line)


def solution_lines(assignment: str) -> list[str]:
    """The lines between ### BEGIN SOLUTION and ### END SOLUTION."""
    cell = next(c for c in nbformat.read(str(source(assignment)), as_version=4).cells
                if _meta(c).get("grade_id") == ANSWER)
    region = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    return [line.strip() for line in region.splitlines() if line.strip()]


def answer(assignment: str, sample: str, replacements: dict[str, str]) -> str:
    """The answer cell of ``sample``: the solution with ``replacements`` (old -> new
    text) applied; "crashing" raises before it trains."""
    code = solution(assignment)
    if sample == "crashing":
        return "raise RuntimeError('half-written cell')\n" + code
    for old, new in replacements.get(sample, {}).items():
        assert old in code, f"{old!r} is not in the solution of {assignment}"
        code = code.replace(old, new)
    return code


def notebook_with(notebook: Path, code: str):
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == ANSWER:
            cell.source = code
    return nb


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


def make_submissions(assignment: str, replacements: dict, submitted: Path,
                     notebook: Path, models: Path) -> None:
    """``submitted/<sample>/<assignment>/``: the notebook (built from ``notebook``, the
    source or the release) and the model file from ``models/<sample>/``."""
    spec = assignment_spec(assignment)
    for sample in expected(assignment):
        folder = submitted / sample / assignment
        folder.mkdir(parents=True)
        nbformat.write(notebook_with(notebook, answer(assignment, sample, replacements)),
                       str(folder / spec.notebook))
        model = models / sample / spec.model_file
        if model.exists():
            shutil.copy2(model, folder / model.name)


def train_samples(assignment: str, replacements: dict, models: Path) -> None:
    """Each sample's student run, which leaves its model in ``models/<sample>/``. The
    crashing sample keeps the correct sample's model (a good earlier run)."""
    spec = assignment_spec(assignment)
    for sample in ("correct", "partial", "wrong"):
        folder = models / sample
        folder.mkdir(parents=True)
        execute(notebook_with(source(assignment), answer(assignment, sample, replacements)), folder)
        assert (folder / spec.model_file).exists(), f"{sample} saved no model"
    (models / "crashing").mkdir()
    shutil.copy2(models / "correct" / spec.model_file, models / "crashing")


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


def grade_with_grader(assignment: str, submitted: Path, out: Path) -> dict:
    return run_grader(submitted, assignment, out, source(assignment))[1]


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


def nbgrader_points(course: Path, assignment: str) -> dict:
    notebook_id = assignment_spec(assignment).notebook.removesuffix(".ipynb")
    found = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            nb = gradebook.find_submission_notebook(assignment, notebook_id, student.id)
            found[student.id] = {g.name: g.score for g in nb.grades}
    return found


def release_text(course: Path, assignment: str) -> str:
    release = course / "release" / assignment / assignment_spec(assignment).notebook
    return "\n".join(c.source for c in nbformat.read(str(release), as_version=4).cells)


def feedback_text(course: Path, student: str, assignment: str) -> str:
    name = assignment_spec(assignment).notebook.replace(".ipynb", ".html")
    page = (course / "feedback" / student / assignment / name).read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def gradebook_points(book: dict) -> dict:
    return {s: {t["test"]: t["points"] for t in r["tests"]} for s, r in book["students"].items()}


def make_tests(assignment: str, replacements: dict) -> dict:
    """The fixtures and tests of one model assignment, for its test module's globals."""
    import pytest

    spec = assignment_spec(assignment)
    samples = expected(assignment)

    @pytest.fixture(scope="module")
    def models(tmp_path_factory):
        path = tmp_path_factory.mktemp("models")
        train_samples(assignment, replacements, path)
        return path

    @pytest.fixture(scope="module")
    def grader_book(models, tmp_path_factory):
        tmp = tmp_path_factory.mktemp("grader")
        make_submissions(assignment, replacements, tmp / "submitted", source(assignment), models)
        return grade_with_grader(assignment, tmp / "submitted", tmp / "grades"), tmp / "grades"

    def test_grader_gives_the_expected_points_and_reasons(grader_book):
        book, out = grader_book
        assert gradebook_points(book) == samples
        reasons = {(s, t["test"]): t["reason"] for s, r in book["students"].items()
                   for t in r["tests"]}
        assert "is not the network asked for" in reasons["wrong", "test_architecture"]
        assert "is not the network asked for" in reasons["wrong", "test_accuracy"]
        assert "below the threshold" in reasons["partial", "test_accuracy"]
        assert "no saved model" in reasons["crashing", "test_trains"]
        assert book["students"]["crashing"]["cell_errors"] == [
            {"cell": ANSWER, "error": "RuntimeError: half-written cell"}]
        for sample in samples:
            assert (out / "feedback" / f"{sample}.txt").exists()
        assert max(r["seconds"] for r in book["students"].values()) < spec.limits.timeout_s

    @pytest.mark.slow
    def test_nbgrader_release_autograde_and_feedback(tmp_path, models, grader_book):
        course = copy_course(tmp_path)
        nbgrader(course, "generate_assignment", assignment, "--force")
        text = release_text(course, assignment)
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        assert '"hidden")' not in text and text.count('"visible")') == len(spec.tests)
        assert not [line for line in solution_lines(assignment) if line in text]
        assert "raise NotImplementedError()" in text
        assert not (course / "release" / assignment / "assignment.py").exists()

        make_submissions(assignment, replacements, course / "submitted",
                         course / "release" / assignment / spec.notebook, models)
        nbgrader(course, "autograde", assignment, "--create")
        assert nbgrader_points(course, assignment) == samples
        assert nbgrader_points(course, assignment) == gradebook_points(grader_book[0])
        # Autograde ran the notebooks in grading mode: the submitted models are untouched.
        for sample in ("correct", "partial", "wrong"):
            autograded = course / "autograded" / sample / assignment
            assert (autograded / spec.grading_file).exists()
            assert (autograded / spec.model_file).read_bytes() == \
                (models / sample / spec.model_file).read_bytes()

        nbgrader(course, "generate_feedback", assignment)
        for sample in samples:
            text = feedback_text(course, sample, assignment)
            assert "BEGIN HIDDEN TESTS" not in text and '"hidden")' not in text
            assert "BEGIN SOLUTION" not in text and "grader/checks/models.py" not in text

    return {name: value for name, value in locals().items()
            if name.startswith("test_") or name in ("models", "grader_book")}
