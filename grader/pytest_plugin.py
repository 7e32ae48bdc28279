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
import os
import re
import traceback
from pathlib import Path

import pytest

from grader import assignment as assignments
from grader import config as grader_config
from grader import gradebook, workspace
from grader.grade import TestResult, required_files, judge, run_checks
from grader.sandbox import KINDS, STARTS, SandboxError, sandbox_of
from grader.snapshot import SnapshotError, take

# The run's gradebook (its state: what was graded, what failed, what a rerun skips).
GRADEBOOK = pytest.StashKey["Gradebook"]()


def parse_shard(text: str) -> tuple[int, int]:
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise ValueError(f"--shard takes K/N with 1 <= K <= N, not {text!r}")
    return int(k), int(n)


@dataclasses.dataclass(frozen=True)
class Option:
    """One option of the grader, declared once: the plugin's ``flag`` (with ``kwargs``
    and ``pytest_kwargs``), and ``python -m grader grade``'s ``cli`` (default: the same
    flag; with ``kwargs`` and ``cli_kwargs``)."""

    flag: str
    help: str
    cli: str | None = None
    kwargs: dict = dataclasses.field(default_factory=dict)
    cli_kwargs: dict = dataclasses.field(default_factory=dict)
    pytest_kwargs: dict = dataclasses.field(default_factory=dict)

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


OPTIONS = (
    Option("--assignment", "the assignment the notebooks belong to",
           cli_kwargs={"required": True, "choices": sorted(assignments.all_assignments())}),
    Option("--gradebook-out", "where to write gradebook.csv/.json and feedback/", cli="--out",
           cli_kwargs={"required": True, "metavar": "DIR"}),
    Option("--source", "the source notebook, whose locked cells are restored (default: "
           "../source/<assignment>/ beside submitted/)"),
    Option("--regrade", "grade again the submissions the gradebook already has",
           kwargs={"action": "store_true"}),
    Option("--sandbox", "confine student code with bubblewrap (default), or not at all "
           "(only for code you trust)",
           kwargs={"default": "bwrap", "choices": list(KINDS)}),
    Option("--start", "how a bubblewrap sandbox's process starts: forked from a warm "
           "process of each worker that has imported Keras once (default), or a new "
           "interpreter each time (cold)", kwargs={"default": "warm", "choices": list(STARTS)}),
    Option("--timeout", "wall-clock limit of a submission's process, seconds (default: the "
           "assignment's, see its assignments/source/<name>/assignment.py)", kwargs={"type": float}),
    Option("--memory", "its memory limit, GiB (default: the assignment's)",
           kwargs={"type": float}),
    Option("--shard", "grade only the K-th of N shares of the class (students in name "
           "order, every N-th from the K-th), for a batch scheduler's array job; "
           "`python -m grader merge` joins the shards' gradebooks",
           kwargs={"metavar": "K/N"}, pytest_kwargs={"type": parse_shard, "default": (1, 1)}),
)


def pytest_addoption(parser):
    group = parser.getgroup("grader")
    for option in OPTIONS:
        group.addoption(option.flag, help=option.help, **option.kwargs, **option.pytest_kwargs)


def add_cli_options(parser) -> None:
    """The options of ``python -m grader grade``: the plugin's, under their CLI names."""
    for option in OPTIONS:
        parser.add_argument(option.cli or option.flag, dest=option.dest, help=option.help,
                            **option.kwargs, **option.cli_kwargs)


def plugin_args(args) -> list[str]:
    """The plugin's options for the values ``args`` (from :func:`add_cli_options`)."""
    out = []
    for option in OPTIONS:
        value = getattr(args, option.dest, None)
        if value is None or value is False or (value == option.kwargs.get("default")):
            continue
        out += [option.flag] if value is True else [option.flag, str(value)]
    return out


def in_shard(student: str, students: list[str], shard: tuple[int, int]) -> bool:
    """Whether ``student`` is in ``shard`` (K, N) of the class ``students``."""
    k, n = shard
    return sorted(students).index(student) % n == k - 1


def pytest_configure(config):
    if config.getoption("assignment"):
        # pytest-xdist workers deselect as the controller does; only the controller writes.
        writer = not hasattr(config, "workerinput")
        if writer:  # the workers' temporary folders go inside the controller's
            workspace.share_with_workers()
        workspace.interrupt_on_sigterm()
        book = config.stash[GRADEBOOK] = Gradebook(config, writer=writer)
        config.pluginmanager.register(book, "grader-gradebook")


def pytest_sessionstart(session):
    """The grader's own needs, checked before any student is graded: a missing sandbox
    or dataset is the instructor's problem to fix, never a student's lost points."""
    assignment = session.config.getoption("assignment")
    if not assignment or hasattr(session.config, "workerinput"):
        return
    try:
        sandbox_of(session.config.getoption("sandbox")).check()
    except SandboxError as exc:
        pytest.exit(f"cannot grade: {exc}", returncode=2)
    from dlcourse.datasets import DatasetError
    try:
        assignments.get(assignment).preflight()
    except DatasetError as exc:
        pytest.exit(f"cannot grade {assignment!r}: {exc}", returncode=2)


def pytest_unconfigure(config):
    book = config.stash.get(GRADEBOOK, None)
    if book is not None:
        config.pluginmanager.unregister(book)
        del config.stash[GRADEBOOK]
    workspace.cleanup()


def digest(folder: Path, assignment: str, limits: grader_config.Limits) -> str:
    """A hash of what the grader would read of a submission's folder (names, contents,
    and what it leaves out), computed without following any link out of it."""
    try:
        return take(folder, None, required=required_files(assignment, limits),
                    max_bytes=limits.submission_bytes, max_files=limits.submission_files).digest
    except SnapshotError as exc:
        return f"refused: {exc}"


def pytest_collect_file(file_path: Path, parent):
    assignment = parent.config.getoption("assignment")
    if assignment and file_path.name == assignments.get(assignment).notebook:
        return Submission.from_parent(parent, path=file_path)
    return None


def pytest_collect_directory(path: Path, parent):
    """``submitted/<student>/<assignment>/`` is one submission, even with no notebook in
    it (it then fails every test with that reason)."""
    assignment = parent.config.getoption("assignment")
    # Compared without resolving links: a submission folder that is a link is still the
    # student's submission (and is refused, with a reason, when graded).
    if assignment and path.name == assignment and \
            Path(os.path.abspath(path)).parent.parent == Path(os.path.abspath(parent.config.rootpath)):
        return SubmissionFolder.from_parent(parent, path=path)
    return None


class SubmissionFolder(pytest.Directory):
    def collect(self):
        notebook = assignments.get(self.config.getoption("assignment")).notebook
        yield Submission.from_parent(self, path=self.path / notebook)


def limits_from(config) -> grader_config.Limits:
    """The assignment's limits, with the command line's overrides."""
    limits = assignments.get(config.getoption("assignment")).limits
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
        self.digest = digest(self.path.parent, self.assignment, limits_from(self.config))
        for grade_id, points in assignments.get(self.assignment).points.items():
            yield GradedTest.from_parent(self, name=grade_id, points=points)

    def setup(self):
        try:
            self.run = run_checks(self.path, self.assignment, self.config.getoption("source"),
                                  sandbox=sandbox_of(self.config.getoption("sandbox"),
                                                     self.config.getoption("start")),
                                  limits=limits_from(self.config))
        except SandboxError as exc:  # every submission would fail alike: stop, grade no one
            pytest.exit(f"cannot grade: {exc}", returncode=3)
        except Exception:  # noqa: BLE001 - the grader's own failure, never a student's zero
            self.run = {"grader_error": traceback.format_exc()}
            return
        # The record is of the version graded, which may not be the one collected (the
        # folder changed in between): a rerun then sees a new digest and grades again.
        self.digest = self.run.get("digest", self.digest)


class GraderError(Exception):
    """The grader failed on this submission; the student keeps no result for it, and
    a rerun grades it again."""


class GradedTest(pytest.Item):
    def __init__(self, *, points: float, **kwargs):
        super().__init__(**kwargs)
        self.user_properties += [("student", self.parent.student), ("test", self.name),
                                 ("max_points", points), ("digest", self.parent.digest)]

    def runtest(self):
        run = self.parent.run
        self.user_properties.append(("digest", self.parent.digest))  # the graded one
        if "grader_error" in run:
            self.user_properties.append(("grader_error", run["grader_error"]))
            raise GraderError("the grader failed on this submission")
        if self.name == next(iter(assignments.get(self.parent.assignment).tests)):
            # Once per submission: what the whole run found, for the gradebook.
            self.user_properties += [("cell_errors", run["cell_errors"]),
                                     ("notes", run["notes"]), ("seconds", run["seconds"]),
                                     ("log", instructor_log(run))]
        try:
            judge(self.parent.assignment, self.name, run["data"][self.name])
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001
            self.user_properties.append(("grader_error", traceback.format_exc()))
            raise GraderError("the grader failed on this test") from None

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)  # the check's reason, worded for the student
        return "grader error (the instructor's log has the details)"

    def reportinfo(self):
        return self.path, None, f"{self.parent.student}::{self.name}"


def instructor_log(run: dict) -> str:
    """What the instructor may see and the student may not: the full text of every
    failure (hidden parts included) and the tail of the process's output."""
    lines = []
    for grade_id, parts in run["data"].items():
        for part, data in parts.items():
            if isinstance(data, dict) and "error" in data:
                lines.append(f"{grade_id} ({part}): [{data.get('kind')}] {data['error']}")
    return "\n".join(lines + ["", "--- output of the submission's processes (tail) ---",
                              run.get("log", "")]) + "\n"


class Gradebook:
    """Collects the reports (also from pytest-xdist workers) into the gradebook."""

    def __init__(self, config, writer: bool = True):
        self.assignment = config.getoption("assignment")
        self.out = config.getoption("gradebook_out")
        self.writer = writer and bool(self.out)
        self.tests = assignments.get(self.assignment).tests
        self.graded: dict[str, dict] = {}
        self.failed: dict[str, str] = {}  # student -> the grader's own error
        self.previous = {} if config.getoption("regrade") or not self.out else \
            gradebook.read(self.out, self.assignment)[1]

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
        return bool(entry) and entry["digest"] == digest_ and \
            {r.test for r in entry["results"]} == set(self.tests)

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        # An item's grade is its call's outcome, or its set-up's failure (the submission
        # could not be run); teardown adds nothing.
        if "student" not in props or not (report.when == "call"
                                          or (report.when == "setup" and report.failed)):
            return
        if "grader_error" in props or (report.when == "setup" and report.failed):
            # Not the student's zero: nothing is recorded, a rerun grades them again.
            self.failed[props["student"]] = props.get("grader_error") or report.longreprtext
            return
        entry = self.graded.get(props["student"])
        if entry is None or entry.get("digest") != props["digest"]:
            entry = self.graded[props["student"]] = {
                "student": props["student"], "digest": props["digest"], "results": {},
                "cell_errors": [], "notes": [], "seconds": 0.0}
        if "seconds" in props:
            entry.update(cell_errors=props["cell_errors"], notes=props["notes"],
                         seconds=props["seconds"], log=props["log"])
        passed = report.passed
        # pytest-xdist heads a worker's report with "[gw0] linux -- Python ...".
        reason = "" if passed else re.sub(r"^\[gw\d+\] .*\n", "", report.longreprtext.strip())
        entry["results"][props["test"]] = TestResult(
            props["student"], props["test"], props["max_points"] if passed else 0,
            props["max_points"], passed, reason)
        if len(entry["results"]) == len(self.tests) and self.writer:
            self.write([props["student"]])

    def write(self, students: list[str]):
        """Put the complete records of ``students`` into the gradebook on disk."""
        graded = [{**e, "results": [e["results"][g] for g in self.tests]}
                  for s, e in sorted(self.graded.items())
                  if s in students and set(e["results"]) == set(self.tests)]
        if graded:
            gradebook.write(graded, self.out, self.assignment)

    def pytest_sessionfinish(self, session):
        if self.writer:
            self.write(list(self.graded))
            for student, error in sorted(self.failed.items()):
                log = Path(self.out, "log")
                log.mkdir(parents=True, exist_ok=True)
                (log / f"{student}.grader-error.txt").write_text(error)

    def pytest_terminal_summary(self, terminalreporter):
        for student, entry in sorted(self.graded.items()):
            results = entry["results"].values()
            terminalreporter.write_line(
                f"{student}: {sum(r.points for r in results):g}/"
                f"{sum(r.max_points for r in results):g} ({entry['seconds']:.1f} s)")
        for student in sorted(self.failed):
            terminalreporter.write_line(
                f"{student}: NOT GRADED, the grader failed (log/{student}.grader-error.txt); "
                "run the command again to grade it")
