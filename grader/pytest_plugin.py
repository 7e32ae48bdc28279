"""The grader as a pytest plugin: one pytest item per (submission, test).

``python -m grader grade`` runs pytest with this plugin on the submitted notebooks.
Each notebook becomes a :class:`Submission` collector; its set-up runs the student's
code once (:func:`grader.grade.run_checks`, separate processes with time limits) and
each :class:`GradedTest` item judges one test on the data that came back, with the
check's own assertion message as the failure reason. The gradebook is rewritten
(atomically) as soon as a submission's last test is reported, so a grade once computed
is never lost. A rerun resumes: submissions already in the gradebook, unchanged since
(same digest of their files), are not graded again (``--regrade`` grades them anyway).
pytest's own options work: ``-k alice``, ``-x``, ``-n 4`` with pytest-xdist.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import pytest

from grader import config as grader_config
from grader import gradebook
from grader.grade import TestResult, judge, run_checks
from grader.sandbox import Sandbox


def pytest_addoption(parser):
    group = parser.getgroup("grader")
    group.addoption("--assignment", help="the assignment the notebooks belong to")
    group.addoption("--gradebook-out", help="where to write gradebook.csv/.json and feedback/")
    group.addoption("--source", help="the source notebook, whose locked cells are restored")
    group.addoption("--regrade", action="store_true",
                    help="grade again the submissions the gradebook already has")
    group.addoption("--sandbox", default="bwrap", choices=["bwrap", "none"],
                    help="confine student code with bubblewrap (default), or not at all")
    group.addoption("--timeout", type=float,
                    help="wall-clock limit of a submission's process, seconds "
                         "(default: the assignment's)")
    group.addoption("--memory", type=float, help="its memory limit, GiB (default: the assignment's)")
    group.addoption("--shard", type=parse_shard, default=(1, 1), metavar="K/N",
                    help="grade only the K-th of N shares of the class (students in name "
                         "order, every N-th from the K-th), for a batch scheduler's array job; "
                         "`python -m grader merge` joins the shards' gradebooks")


def parse_shard(text: str) -> tuple[int, int]:
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise ValueError(f"--shard takes K/N with 1 <= K <= N, not {text!r}")
    return int(k), int(n)


def in_shard(student: str, students: list[str], shard: tuple[int, int]) -> bool:
    """Whether ``student`` is in ``shard`` (K, N) of the class ``students``."""
    k, n = shard
    return sorted(students).index(student) % n == k - 1


def pytest_configure(config):
    if config.getoption("assignment"):
        # pytest-xdist workers deselect as the controller does; only the controller writes.
        writer = not hasattr(config, "workerinput")
        config.pluginmanager.register(Gradebook(config, writer=writer), "grader-gradebook")


def digest(folder: Path) -> str:
    """A hash of every file of a submission's folder (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()
                       and ".ipynb_checkpoints" not in p.parts):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def pytest_collect_file(file_path: Path, parent):
    assignment = parent.config.getoption("assignment")
    if assignment and file_path.name == grader_config.ASSIGNMENTS[assignment]["notebook"]:
        return Submission.from_parent(parent, path=file_path)
    return None


def pytest_collect_directory(path: Path, parent):
    """``submitted/<student>/<assignment>/`` is one submission, even with no notebook in
    it (it then fails every test with that reason)."""
    assignment = parent.config.getoption("assignment")
    if assignment and path.name == assignment and path.resolve().parent.parent == parent.config.rootpath.resolve():
        return SubmissionFolder.from_parent(parent, path=path)
    return None


class SubmissionFolder(pytest.Directory):
    def collect(self):
        notebook = grader_config.ASSIGNMENTS[self.config.getoption("assignment")]["notebook"]
        yield Submission.from_parent(self, path=self.path / notebook)


def limits_from(config) -> grader_config.Limits:
    """The assignment's limits, with the command line's overrides."""
    limits = grader_config.ASSIGNMENTS[config.getoption("assignment")]["limits"]
    if config.getoption("timeout"):
        limits = dataclasses.replace(limits, timeout_s=config.getoption("timeout"))
    if config.getoption("memory"):
        limits = dataclasses.replace(limits, memory_bytes=int(config.getoption("memory") * 2**30))
    return limits


class Submission(pytest.File):
    """``submitted/<student>/<assignment>/<notebook>``: the student's tests."""

    @property
    def student(self) -> str:
        return self.path.parent.parent.name

    @property
    def assignment(self) -> str:
        return self.config.getoption("assignment")

    def collect(self):
        self.digest = digest(self.path.parent)
        for grade_id, (_, _, points) in grader_config.ASSIGNMENTS[self.assignment]["tests"].items():
            yield GradedTest.from_parent(self, name=grade_id, points=points)

    def setup(self):
        self.run = run_checks(self.path, self.assignment, self.config.getoption("source"),
                              sandbox=Sandbox(self.config.getoption("sandbox")),
                              limits=limits_from(self.config))


class GradedTest(pytest.Item):
    def __init__(self, *, points: float, **kwargs):
        super().__init__(**kwargs)
        self.user_properties += [("student", self.parent.student), ("test", self.name),
                                 ("max_points", points), ("digest", self.parent.digest)]

    def runtest(self):
        run = self.parent.run
        if self.name == next(iter(grader_config.ASSIGNMENTS[self.parent.assignment]["tests"])):
            # Once per submission: what the whole run found, for the gradebook.
            self.user_properties += [("cell_errors", run["cell_errors"]),
                                     ("notes", run["notes"]), ("seconds", run["seconds"])]
        judge(self.parent.assignment, self.name, run["data"][self.name])

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)  # the check's reason, worded for the student
        return f"grader error: {excinfo.exconly()}"

    def reportinfo(self):
        return self.path, None, f"{self.parent.student}::{self.name}"


class Gradebook:
    """Collects the reports (also from pytest-xdist workers) into the gradebook."""

    def __init__(self, config, writer: bool = True):
        self.assignment = config.getoption("assignment")
        self.out = config.getoption("gradebook_out")
        self.writer = writer and bool(self.out)
        self.tests = grader_config.ASSIGNMENTS[self.assignment]["tests"]
        self.graded: dict[str, dict] = {}
        self.previous = {} if config.getoption("regrade") else self._read_previous()
        self.graded.update(self.previous)

    def _read_previous(self) -> dict[str, dict]:
        path = Path(self.out or "", "gradebook.json")
        if not self.out or not path.is_file():
            return {}
        book = json.loads(path.read_text())
        if book.get("assignment") != self.assignment:
            return {}
        return {student: {"student": student, "digest": r.get("digest"),
                          "results": {t["test"]: TestResult(**t) for t in r["tests"]},
                          "cell_errors": r["cell_errors"], "notes": r.get("notes", []),
                          "seconds": r["seconds"]}
                for student, r in book["students"].items()}

    def pytest_collection_modifyitems(self, session, config, items):
        shard = config.getoption("shard")
        students = sorted({item.parent.student for item in items if isinstance(item, GradedTest)})
        done = [item for item in items if isinstance(item, GradedTest)
                and (self._finished(item.parent.student, item.parent.digest)
                     or not in_shard(item.parent.student, students, shard))]
        if done:
            config.hook.pytest_deselected(items=done)
            items[:] = [item for item in items if item not in done]

    def _finished(self, student: str, digest_: str) -> bool:
        entry = self.previous.get(student)
        return bool(entry) and entry["digest"] == digest_ and set(entry["results"]) == set(self.tests)

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        # An item's grade is its call's outcome, or its set-up's failure (the submission
        # could not be run); teardown adds nothing.
        if "student" not in props or not (report.when == "call"
                                          or (report.when == "setup" and report.failed)):
            return
        entry = self.graded.get(props["student"])
        if entry is None or entry.get("digest") != props["digest"]:
            entry = self.graded[props["student"]] = {
                "student": props["student"], "digest": props["digest"], "results": {},
                "cell_errors": [], "notes": [], "seconds": 0.0}
        if "seconds" in props:
            entry.update(cell_errors=props["cell_errors"], notes=props["notes"],
                         seconds=props["seconds"])
        passed = report.passed
        # pytest-xdist heads a worker's report with "[gw0] linux -- Python ...".
        reason = "" if passed else re.sub(r"^\[gw\d+\] .*\n", "", report.longreprtext.strip())
        entry["results"][props["test"]] = TestResult(
            props["student"], props["test"], props["max_points"] if passed else 0,
            props["max_points"], passed, reason)
        if len(entry["results"]) == len(self.tests) and self.writer:
            self.write()

    def write(self):
        graded = [{**e, "results": [e["results"][g] for g in self.tests if g in e["results"]]}
                  for _, e in sorted(self.graded.items())]
        gradebook.write(graded, self.out, self.assignment)

    def pytest_sessionfinish(self, session):
        if self.writer:
            self.write()

    def pytest_terminal_summary(self, terminalreporter):
        for student, entry in sorted(self.graded.items()):
            results = entry["results"].values()
            terminalreporter.write_line(
                f"{student}: {sum(r.points for r in results):g}/"
                f"{sum(r.max_points for r in results):g} ({entry['seconds']:.1f} s)")
