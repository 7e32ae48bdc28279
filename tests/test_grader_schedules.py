"""The "schedules" assignment end to end: sample submissions (correct, partly correct,
wrong, crashing, one function looping forever) built from the source notebook by
swapping the answer cells, graded by the grader's command line with exact points; and,
slow, the real nbgrader: generate_assignment (no solutions, no hidden tests in the
release), autograde of the same submissions (the same points per test as the grader),
generate_feedback (no hidden tests in the feedback)."""
from __future__ import annotations

import html
import os
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.assignment import get as assignment_spec
from grader.extract import student_cells
from model_assignment_harness import copy_course, nbgrader, run_grader

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
SOURCE = COURSE / "source" / "schedules" / "schedules.ipynb"
ASSIGNMENT = "schedules"
SPEC = assignment_spec(ASSIGNMENT)
POINTS = dict(SPEC.points)

ONE_CYCLE_IGNORING_OPTIONS = '''
class OneCycleScheduler(keras.callbacks.Callback):
    def __init__(self, iterations, max_rate, start_rate=None, last_iterations=None,
                 last_rate=None):
        super().__init__()
        self.iterations, self.max_rate = iterations, max_rate
        self.start_rate = max_rate / 10          # ignores start_rate, last_iterations, last_rate
        self.last_iterations = iterations // 10 + 1
        self.last_rate = self.start_rate / 1000
        self.half = (iterations - self.last_iterations) // 2
        self.iteration = 0

    def on_train_batch_begin(self, batch, logs=None):
        i, h = min(self.iteration, self.iterations), self.half
        if i < h:
            rate = self.start_rate + (self.max_rate - self.start_rate) * i / h
        elif i < 2 * h:
            rate = self.max_rate + (self.start_rate - self.max_rate) * (i - h) / h
        else:
            rate = self.start_rate + (self.last_rate - self.start_rate) * (i - 2 * h) / (self.iterations - 2 * h)
        self.iteration += 1
        self.model.optimizer.learning_rate.assign(rate)
'''

ONE_CYCLE_PER_EPOCH = '''
class OneCycleScheduler(keras.callbacks.Callback):
    def __init__(self, iterations, max_rate, start_rate=None, last_iterations=None,
                 last_rate=None):
        super().__init__()
        self.max_rate = max_rate

    def on_epoch_begin(self, epoch, logs=None):   # steps once an epoch, not every batch
        self.model.optimizer.learning_rate.assign(self.max_rate / (epoch + 1))
'''

# sample -> the answer cells it replaces (grade_id -> code); the others keep the solution.
SAMPLES = {
    "correct": {},
    "partial": {
        "answer_exponential_decay_fn":  # right at the visible epochs 0, 20, 40 only
            "def exponential_decay_fn(epoch):\n    return 0.01 * 0.1 ** (epoch // 20)",
        "answer_cosine_decay_restarts":  # no restarts
            "def cosine_decay_restarts(step):\n"
            "    return 0.005 * (1 + math.cos(math.pi * min(step, 1000) / 1000))",
        "answer_one_cycle": ONE_CYCLE_IGNORING_OPTIONS,
    },
    "wrong": {
        "answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n    return lr * math.exp(-1)",
        "answer_exponential_decay_fn":
            "def exponential_decay_fn(epoch):\n    return 0.01 * math.exp(-epoch / 20)",
        "answer_piecewise_constant_fn":
            "def piecewise_constant_fn(epoch):\n    return 0.01 if epoch <= 5 else 0.005 if epoch <= 15 else 0.001",
        "answer_cosine_decay_restarts": "def cosine_decay_restarts(step):\n    return 0.01",
        "answer_one_cycle": ONE_CYCLE_PER_EPOCH,
    },
    "crashing": {
        "answer_scheduler_exp":
            "def scheduler_exp(epoch, lr):\n    raise ValueError('not finished')",
        "answer_exponential_decay_fn":  # forgot the return
            "def exponential_decay_fn(epoch):\n    0.01 * 0.1 ** (epoch / 20)",
        "answer_piecewise_constant_fn":  # the cell itself raises: the function never exists
            "raise RuntimeError('half-written cell')\n\ndef piecewise_constant_fn(epoch):\n    return 0.01",
    },
    "looping": {
        "answer_cosine_decay_restarts":
            "def cosine_decay_restarts(step):\n    period = 1000\n"
            "    while step >= 0:  # never ends\n        step -= period * 0\n    return 0.01",
    },
}

EXPECTED = {
    "correct": dict(POINTS),
    "partial": {**POINTS, "test_exponential_decay_fn": 0, "test_cosine_decay_restarts": 0,
                "test_one_cycle_options": 0},
    "wrong": {grade_id: 0 for grade_id in POINTS},
    "crashing": {**POINTS, "test_scheduler_exp": 0, "test_exponential_decay_fn": 0,
                 "test_piecewise_constant_fn": 0},
    "looping": {**POINTS, "test_cosine_decay_restarts": 0},
}


def _nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def make_submission(notebook: Path, answers: dict[str, str]):
    """``notebook`` (source or release) with every answer cell holding the source's
    solution, or the code ``answers`` gives for it."""
    source = nbformat.read(str(SOURCE), as_version=4)
    solutions = {_nbgrader_meta(c)["grade_id"]: "\n".join(
                     line for line in c.source.splitlines() if "### " not in line)
                 for c in source.cells if _nbgrader_meta(c).get("solution")}
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        grade_id = _nbgrader_meta(cell).get("grade_id")
        if _nbgrader_meta(cell).get("solution"):
            cell.source = answers.get(grade_id, solutions[grade_id])
    return nb


def write_submissions(submitted: Path, notebook: Path) -> None:
    for student, answers in SAMPLES.items():
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(make_submission(notebook, answers), str(folder / SPEC.notebook))


def test_extract_restores_locked_cells_and_skips_tests(tmp_path):
    nb = make_submission(SOURCE, {})
    setup = next(c for c in nb.cells if _nbgrader_meta(c).get("grade_id") == "setup")
    setup.source = "import os  # the student changed a locked cell"
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    cells = {c["id"]: c["source"] for c in student_cells(tmp_path / "nb.ipynb", SOURCE)}
    assert "import keras" in cells["setup"]
    assert not any(grade_id.startswith("test_") for grade_id in cells)
    assert "answer_one_cycle" in cells


@pytest.fixture(scope="module")
def grader_gradebook(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    write_submissions(course / "submitted", SOURCE)
    run_grader(course / "submitted", ASSIGNMENT, course / "grades", SOURCE)
    return course / "grades"


def test_grader_gives_the_expected_points(grader_gradebook):
    book = json.loads((grader_gradebook / "gradebook.json").read_text())
    points = {student: {t["test"]: t["points"] for t in record["tests"]}
              for student, record in book["students"].items()}
    assert points == EXPECTED
    for student, record in book["students"].items():
        assert record["total"] == sum(EXPECTED[student].values())
        assert record["max_points"] == SPEC.max_points == 8
    rows = (grader_gradebook / "gradebook.csv").read_text().splitlines()
    assert rows[0] == "student,test,points,max_points,passed,reason"
    assert len(rows) == 1 + len(SAMPLES) * len(POINTS)


def test_grader_reasons_and_feedback(grader_gradebook):
    book = json.loads((grader_gradebook / "gradebook.json").read_text())
    reason = {(s, t["test"]): t["reason"] for s, r in book["students"].items() for t in r["tests"]}
    assert "did not finish within" in reason["looping", "test_cosine_decay_restarts"]
    assert "ValueError: not finished" in reason["crashing", "test_scheduler_exp"]
    assert "exponential_decay_fn(0) returned NoneType" in reason["crashing", "test_exponential_decay_fn"]
    assert "your notebook defines no 'piecewise_constant_fn'" in reason["crashing", "test_piecewise_constant_fn"]
    assert reason["partial", "test_exponential_decay_fn"].startswith("hidden tests:")
    assert "cosine_decay_restarts(1000) returned" in reason["partial", "test_cosine_decay_restarts"]
    assert "only between epochs" in reason["wrong", "test_one_cycle_default"]
    assert book["students"]["crashing"]["cell_errors"] == [
        {"cell": "answer_piecewise_constant_fn", "error": "RuntimeError: half-written cell"}]
    feedback = (grader_gradebook / "feedback" / "partial.txt").read_text()
    assert feedback.startswith("Assignment 'schedules': 4 / 8 points")
    # A hidden failure names no hidden input.
    hidden_epochs = SPEC.checks()["exponential_decay_fn"].inputs["hidden"]
    line = next(l for l in feedback.splitlines() if l.startswith("test_exponential_decay_fn"))
    assert not any(f"({e})" in line for e in hidden_epochs) and "further points" in line
    for student in SAMPLES:
        assert (grader_gradebook / "feedback" / f"{student}.txt").exists()


@pytest.mark.slow
def test_nbgrader_release_autograde_and_feedback(tmp_path, grader_gradebook):
    course = copy_course(tmp_path)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")

    release = course / "release" / ASSIGNMENT / SPEC.notebook
    text = "\n".join(c.source for c in nbformat.read(str(release), as_version=4).cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert '"hidden")' not in text and "math.exp(-1)" not in text
    assert text.count("raise NotImplementedError()") == 7  # 5 functions, 2 methods
    assert text.count('"visible")') == len(POINTS)
    assert sorted(p.name for p in release.parent.iterdir()) == [SPEC.notebook]  # no spec

    write_submissions(course / "submitted", release)
    nbgrader(course, "autograde", ASSIGNMENT, "--create")
    nbgrader_points = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            notebook = gradebook.find_submission_notebook(ASSIGNMENT, "schedules", student.id)
            nbgrader_points[student.id] = {g.name: g.score for g in notebook.grades}
    assert nbgrader_points == EXPECTED

    book = json.loads((grader_gradebook / "gradebook.json").read_text())
    assert {s: {t["test"]: t["points"] for t in r["tests"]} for s, r in book["students"].items()} \
        == nbgrader_points

    nbgrader(course, "generate_feedback", ASSIGNMENT)
    for student in SAMPLES:
        page = (course / "feedback" / student / ASSIGNMENT / "schedules.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        assert 'check("scheduler_exp", scheduler_exp, "visible")' in text
        assert "BEGIN HIDDEN TESTS" not in text and '"hidden")' not in text
        assert "BEGIN SOLUTION" not in text
        assert "grader/checks/schedules.py" not in text  # test cells' errors: "Name: message" only
    partial = html.unescape((course / "feedback" / "partial" / ASSIGNMENT / "schedules.html").read_text())
    assert "further points the released tests do not show" in partial


def test_an_interrupted_batch_resumes_without_regrading(tmp_path):
    """Grade one of two submissions (as if the batch stopped there), then run again: the
    finished one is kept as it was, only the other is graded; a changed submission is
    graded again."""
    submitted, out = tmp_path / "submitted", tmp_path / "grades"
    for student in ("correct", "crashing"):
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(make_submission(SOURCE, SAMPLES[student]),
                       str(folder / SPEC.notebook))

    def grade(*pytest_args):
        output, book = run_grader(submitted, ASSIGNMENT, out, SOURCE, *pytest_args)
        return output, book["students"]

    _, first = grade("-k", "correct")
    assert set(first) == {"correct"}
    output, second = grade()
    assert f"{len(POINTS)} deselected" in output
    assert second["correct"] == first["correct"]  # not graded again: same record, same timing
    assert second["crashing"]["total"] == sum(EXPECTED["crashing"].values())

    notebook = submitted / "crashing" / ASSIGNMENT / SPEC.notebook
    nbformat.write(make_submission(SOURCE, {}), str(notebook))  # the student resubmits
    output, third = grade()
    assert third["crashing"]["total"] == SPEC.max_points and third["correct"] == first["correct"]


def test_shards_merge_into_the_single_run_gradebook(tmp_path, grader_gradebook):
    """The class graded as two shards (two machines of an array job), then merged: the
    same gradebook as one run, timings aside; each shard grades only its students."""
    submitted = grader_gradebook.parent / "submitted"
    shards = []
    for k in (1, 2):
        out = tmp_path / f"shard{k}"
        run_grader(submitted, ASSIGNMENT, out, SOURCE, "--shard", f"{k}/2")
        shards.append(out)
    students = sorted(SAMPLES)
    for k, out in enumerate(shards):
        graded = set(json.loads((out / "gradebook.json").read_text())["students"])
        assert graded == set(students[k::2])
    merged = tmp_path / "merged"
    proc = subprocess.run([sys.executable, "-m", "grader", "merge", *map(str, shards),
                           "--out", str(merged)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    single = json.loads((grader_gradebook / "gradebook.json").read_text())
    joined = json.loads((merged / "gradebook.json").read_text())

    def stable(book):
        return {s: {k: v for k, v in r.items() if k != "seconds"} for s, r in book["students"].items()}

    assert stable(joined) == stable(single)
    assert joined["assignment"] == single["assignment"]
    assert sorted(p.name for p in (merged / "feedback").iterdir()) == [f"{s}.txt" for s in students]
    rows = (merged / "gradebook.csv").read_text().splitlines()
    assert rows == (grader_gradebook / "gradebook.csv").read_text().splitlines()


def test_the_grader_stops_before_grading_when_its_data_are_missing(tmp_path):
    """Checked once in pytest_sessionstart: no student is graded, no gradebook written."""
    (tmp_path / "submitted" / "alice" / "learning_rate").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(tmp_path / "submitted"),
         "--assignment", "learning_rate", "--out", str(tmp_path / "grades")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "DLCOURSE_DATA_DIR": str(tmp_path / "empty"), "DLCOURSE_OFFLINE": "1"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot grade 'learning_rate'" in proc.stderr and "mnist.npz" in proc.stderr
    assert not (tmp_path / "grades").exists()
