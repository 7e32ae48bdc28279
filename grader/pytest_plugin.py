"""The grader as a pytest plugin: one pytest item per (submission, test).

``python -m grader grade`` runs pytest with this plugin on the submitted notebooks.
Each notebook becomes a :class:`Submission` collector; its set-up runs the student's
code once (:func:`grader.grade.run_checks`, separate processes with time limits) and
each :class:`GradedTest` item judges one test on the data that came back, with the
check's own assertion message as the failure reason. The gradebook is rewritten as
soon as a submission's last test is reported, so a grade once computed is never lost,
and pytest's own options work: ``-k alice``, ``-x``, ``--lf``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader import config as grader_config
from grader import gradebook
from grader.grade import TestResult, judge, run_checks


def pytest_addoption(parser):
    group = parser.getgroup("grader")
    group.addoption("--assignment", help="the assignment the notebooks belong to")
    group.addoption("--gradebook-out", help="where to write gradebook.csv/.json and feedback/")
    group.addoption("--source", help="the source notebook, whose locked cells are restored")


def pytest_configure(config):
    if config.getoption("assignment"):
        config.pluginmanager.register(Gradebook(config), "grader-gradebook")


def pytest_collect_file(file_path: Path, parent):
    assignment = parent.config.getoption("assignment")
    if assignment and file_path.name == grader_config.ASSIGNMENTS[assignment]["notebook"]:
        return Submission.from_parent(parent, path=file_path)
    return None


class Submission(pytest.File):
    """``submitted/<student>/<assignment>/<notebook>``: the student's tests."""

    @property
    def student(self) -> str:
        return self.path.parent.parent.name

    @property
    def assignment(self) -> str:
        return self.config.getoption("assignment")

    def collect(self):
        for grade_id, (_, _, points) in grader_config.ASSIGNMENTS[self.assignment]["tests"].items():
            yield GradedTest.from_parent(self, name=grade_id, points=points)

    def setup(self):
        self.run = run_checks(self.path, self.assignment, self.config.getoption("source"))


class GradedTest(pytest.Item):
    def __init__(self, *, points: float, **kwargs):
        super().__init__(**kwargs)
        self.points = points
        self.user_properties += [("student", self.parent.student), ("test", self.name),
                                 ("max_points", points)]

    def runtest(self):
        run = self.parent.run
        if self.name == next(iter(grader_config.ASSIGNMENTS[self.parent.assignment]["tests"])):
            # Once per submission: what the whole run found, for the gradebook.
            self.user_properties += [("cell_errors", run["cell_errors"]),
                                     ("seconds", run["seconds"])]
        judge(self.parent.assignment, self.name, run["data"][self.name])

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)  # the check's reason, worded for the student
        return f"grader error: {excinfo.exconly()}"

    def reportinfo(self):
        return self.path, None, f"{self.parent.student}::{self.name}"


class Gradebook:
    """Collects the reports (also from pytest-xdist workers) into the gradebook."""

    def __init__(self, config):
        self.assignment = config.getoption("assignment")
        self.out = config.getoption("gradebook_out")
        self.tests = grader_config.ASSIGNMENTS[self.assignment]["tests"]
        self.graded: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        if "student" not in props or not (report.when == "call" or report.failed):
            return
        entry = self.graded.setdefault(props["student"], {
            "student": props["student"], "results": {}, "cell_errors": [], "seconds": 0.0})
        if "seconds" in props:
            entry["cell_errors"], entry["seconds"] = props["cell_errors"], props["seconds"]
        passed = report.passed
        reason = "" if passed else report.longreprtext.strip()
        if props["test"] in entry["results"] and entry["results"][props["test"]].passed is False:
            return  # a failed set-up or call already gave the reason
        entry["results"][props["test"]] = TestResult(
            props["student"], props["test"], props["max_points"] if passed else 0,
            props["max_points"], passed, reason)
        if len(entry["results"]) == len(self.tests) and self.out:
            self.write()

    def write(self):
        graded = [{**e, "results": [e["results"][g] for g in self.tests if g in e["results"]]}
                  for _, e in sorted(self.graded.items())]
        gradebook.write(graded, self.out, self.assignment)

    def pytest_sessionfinish(self, session):
        if self.out:
            self.write()

    def pytest_terminal_summary(self, terminalreporter):
        for student, entry in sorted(self.graded.items()):
            results = entry["results"].values()
            terminalreporter.write_line(
                f"{student}: {sum(r.points for r in results):g}/"
                f"{sum(r.max_points for r in results):g} ({entry['seconds']:.1f} s)")
