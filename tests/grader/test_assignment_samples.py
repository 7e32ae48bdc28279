"""Every assignment's sample submissions (``assignments/source/<name>/samples.py``),
graded end to end, parametrized over the assignments' folders: a new assignment is
tested without a line here. Under pytest-xdist each assignment's tests form a unit of
their own (tests/conftest.py), so the assignments still grade in parallel.

Samples are made the way students make them (grader/authoring/samples.py); a model assignment's
are executed by a real kernel (quick profile), which saves the model file beside the
notebook. They are graded by the grader's command line and by real nbgrader
(generate_assignment, autograde, generate_feedback): both give exactly each sample's
points, the grader with the reasons the sample names.
"""
from __future__ import annotations

import nbformat
import pytest
from assignment_samples import (
    copy_course,
    feedback_text,
    grade_samples,
    gradebook_points,
    make_submissions,
    nbgrader,
    nbgrader_points,
    outside_solutions,
    solution_lines,
    train_samples,
)

from grader.assignments.registry import all_assignments, get
from grader.authoring import samples
from grader.models.assignment import ModelAssignment

NAMES = sorted(all_assignments())


@pytest.fixture(scope="module", params=NAMES)
def spec(request):
    return get(request.param)


@pytest.fixture(scope="module")
def found(spec):
    return samples.load(spec)


@pytest.fixture(scope="module")
def models(spec, found, tmp_path_factory):
    """Each sample's trained model (None for a code assignment)."""
    if not isinstance(spec, ModelAssignment):
        return None
    path = tmp_path_factory.mktemp(f"models-{spec.name}")
    train_samples(spec, found, path)
    return path


@pytest.fixture(scope="module")
def graded(spec, found, models, tmp_path_factory):
    return grade_samples(spec, found, tmp_path_factory.mktemp(f"grader-{spec.name}"), models)


def test_grader_gives_each_sample_its_points_and_reasons(spec, found, graded):
    book, out = graded
    expected = {name: sample.points(spec) for name, sample in found.items()}
    assert gradebook_points(book) == expected
    for name, sample in found.items():
        record = book["students"][name]
        assert record["total"] == sum(expected[name].values())
        assert record["max_points"] == spec.max_points
        reasons = {t["test"]: t["reason"] for t in record["tests"]}
        for grade_id, fragment in sample.failing.items():
            assert fragment in reasons[grade_id], (name, grade_id, reasons[grade_id])
        if sample.cell_errors is not None:
            assert record["cell_errors"] == [{"cell": cell, "error": error} for cell, error
                                             in sample.cell_errors.items()], name
        assert (out / "feedback" / f"{name}.txt").exists()
        assert record["seconds"] < spec.limits.timeout_s
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert rows[0] == "student,test,points,max_points,passed,reason,automatic_points,override"
    assert len(rows) == 1 + len(found) * len(spec.tests)


@pytest.mark.slow
def test_nbgrader_release_autograde_and_feedback(spec, found, models, graded, tmp_path):
    course = copy_course(tmp_path)
    nbgrader(course, "generate_assignment", spec.name, "--force")
    release = course / "release" / spec.name / spec.notebook
    assert sorted(p.name for p in release.parent.iterdir()) == [spec.notebook]  # no spec
    source = nbformat.read(str(spec.notebook_path), as_version=4)
    text = "\n".join(c.source for c in nbformat.read(str(release), as_version=4).cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert '"hidden")' not in text and text.count('"visible")') == len(spec.tests)
    given = outside_solutions(spec)  # what the student is given anyway
    assert not [line for line in solution_lines(spec) if line in text and line not in given]
    assert text.count("raise NotImplementedError()") == given.count("raise NotImplementedError()") \
        + sum(c.source.count("### BEGIN SOLUTION") for c in source.cells)

    make_submissions(spec, found, course / "submitted", release, models)
    nbgrader(course, "autograde", spec.name, "--create")
    expected = {name: sample.points(spec) for name, sample in found.items()}
    assert nbgrader_points(course, spec) == expected == gradebook_points(graded[0])
    if isinstance(spec, ModelAssignment):
        # Autograde ran the notebooks in grading mode: the submitted models are untouched.
        for name, sample in found.items():
            autograded = course / "autograded" / name / spec.name
            if sample.model_from is None:
                assert (autograded / spec.grading_file).exists()
                assert (autograded / spec.model_file).read_bytes() == \
                    (models / name / spec.model_file).read_bytes()

    nbgrader(course, "generate_feedback", spec.name)
    for name in found:
        text = feedback_text(course, name, spec)
        assert "BEGIN HIDDEN TESTS" not in text and '"hidden")' not in text
        assert "BEGIN SOLUTION" not in text
        assert "grader/checks/" not in text  # test cells' errors: "Name: message" only
        assert all(f'check("{t.check.name}"' in text for t in spec.tests.values())
