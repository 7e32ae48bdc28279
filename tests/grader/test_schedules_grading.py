"""The grader's own behaviours, on the class of the "schedules" assignment's samples
(assignments/source/schedules/samples.py; tests/grader/test_assignment_samples.py grades every
assignment's): a hidden failure names no hidden input, locked cells are restored, an
interrupted batch resumes, shards merge into the single run's gradebook, ``--sandbox
none`` grades alike, two gradebooks compare, and missing data stop the grader before
it grades."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest
from assignment_samples import grade_samples, run_grader

from grader.assignments.registry import get as assignment_spec
from grader.authoring import samples
from grader.host.extract import student_cells

ASSIGNMENT = "schedules"
SPEC = assignment_spec(ASSIGNMENT)
SOURCE = SPEC.notebook_path
SAMPLES = samples.load(SPEC)



@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_samples(SPEC, SAMPLES, tmp_path_factory.mktemp("grader"), None)


def make_submission(notebook, answers: dict[str, str]):
    return samples.submission(SPEC, samples.Sample(answers=answers), notebook)


def test_a_hidden_failure_names_no_hidden_input(graded):
    book, out = graded
    feedback = (out / "feedback" / "partial.txt").read_text()
    assert feedback.startswith("Assignment 'schedules': 4 / 8 points")
    hidden_epochs = SPEC.checks()["exponential_decay_fn"].inputs["hidden"]
    line = next(l for l in feedback.splitlines() if l.startswith("test_exponential_decay_fn"))
    assert not any(f"({e})" in line for e in hidden_epochs) and "further points" in line


def test_extract_restores_locked_cells_and_skips_tests(tmp_path):
    nb = make_submission(SOURCE, {})
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    setup.source = "import os  # the student changed a locked cell"
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    cells = {c["id"]: c["source"] for c in student_cells(tmp_path / "nb.ipynb", SOURCE)}
    assert "import keras" in cells["setup"]
    assert not any(grade_id.startswith("test_") for grade_id in cells)
    assert "answer_one_cycle" in cells


def test_unconfined_grading_gives_the_same_points(tmp_path, graded):
    """``--sandbox none`` (trusted code, no bubblewrap) runs the same program outside
    the sandbox: the same points and reasons for these honest samples."""
    confined, out = graded
    _, book = run_grader(out.parent / "submitted", ASSIGNMENT, tmp_path / "grades", SOURCE,
                         "--sandbox", "none")
    assert {s: [(t["test"], t["points"], t["reason"]) for t in r["tests"]]
            for s, r in book["students"].items()} == \
        {s: [(t["test"], t["points"], t["reason"]) for t in r["tests"]]
         for s, r in confined["students"].items()}


def test_an_interrupted_batch_resumes_without_regrading(tmp_path):
    """Grade one of two submissions (as if the batch stopped there), then run again: the
    finished one is kept as it was, only the other is graded; a changed submission is
    graded again."""
    submitted, out = tmp_path / "submitted", tmp_path / "grades"
    for student in ("correct", "crashing"):
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(make_submission(SOURCE, SAMPLES[student].answers),
                       str(folder / SPEC.notebook))

    def grade(*pytest_args):
        output, book = run_grader(submitted, ASSIGNMENT, out, SOURCE, *pytest_args)
        return output, book["students"]

    _, first = grade("-k", "correct")
    assert set(first) == {"correct"}
    output, second = grade()
    assert f"{len(SPEC.tests)} deselected" in output
    assert second["correct"] == first["correct"]  # not graded again: same record, same timing
    assert second["crashing"]["total"] == sum(SAMPLES["crashing"].points(SPEC).values())

    notebook = submitted / "crashing" / ASSIGNMENT / SPEC.notebook
    nbformat.write(make_submission(SOURCE, {}), str(notebook))  # the student resubmits
    output, third = grade()
    assert third["crashing"]["total"] == SPEC.max_points and third["correct"] == first["correct"]


def test_shards_merge_into_the_single_run_gradebook(tmp_path, graded):
    """The class graded as two shards (two machines of an array job), then merged: the
    same gradebook as one run, timings aside; each shard grades only its students."""
    single, single_out = graded
    submitted = single_out.parent / "submitted"
    shards = []
    for k in (1, 2):
        out = tmp_path / f"shard{k}"
        run_grader(submitted, ASSIGNMENT, out, SOURCE, "--shard", f"{k}/2")
        shards.append(out)
    students = sorted(SAMPLES)
    for k, out in enumerate(shards):
        in_shard = set(json.loads((out / "gradebook.json").read_text())["students"])
        assert in_shard == set(students[k::2])
    merged = tmp_path / "merged"
    proc = subprocess.run([sys.executable, "-m", "grader", "merge", *map(str, shards),
                           "--out", str(merged)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    joined = json.loads((merged / "gradebook.json").read_text())

    def stable(book):
        return {s: {k: v for k, v in r.items() if k != "seconds"} for s, r in book["students"].items()}

    assert stable(joined) == stable(single)
    assert joined["assignment"] == single["assignment"]
    assert sorted(p.name for p in (merged / "feedback").iterdir()) == [f"{s}.txt" for s in students]
    rows = (merged / "gradebook.csv").read_text().splitlines()
    assert rows == (single_out / "gradebook.csv").read_text().splitlines()


def test_compare_lists_what_differs_between_two_gradebooks(tmp_path, graded):
    """``python -m grader compare``: nothing between a gradebook and its copy; a changed
    grade, reason or note is listed, and the exit status says so."""
    _, out = graded
    same = subprocess.run([sys.executable, "-m", "grader", "compare", str(out), str(out)],
                          capture_output=True, text=True)
    assert same.returncode == 0 and "the same grades" in same.stdout, same.stdout + same.stderr
    changed = tmp_path / "changed"
    changed.mkdir()
    book = json.loads((out / "gradebook.json").read_text())
    test = book["students"]["correct"]["tests"][0]
    test.update(points=0, passed=False, reason="a new reason")
    (changed / "gradebook.json").write_text(json.dumps(book))
    proc = subprocess.run([sys.executable, "-m", "grader", "compare", str(out), str(changed)],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"correct {test['test']} points: " in proc.stdout and "'a new reason'" in proc.stdout
    assert "partial" not in proc.stdout


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
