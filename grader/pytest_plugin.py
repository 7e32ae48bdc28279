"""The grader as a pytest plugin: one pytest item per (submission, test).

``python -m grader grade`` runs pytest with this plugin on the submitted notebooks.
Each notebook becomes a :class:`Submission` collector; its set-up runs the student's
code once (:func:`grader.host.grade.run_checks`, separate processes with time limits) and
each :class:`GradedTest` item judges one test on the data that came back, with the
check's own assertion message as the failure reason. The gradebook is rewritten
(atomically) as soon as a submission's last test is reported, so a grade once computed
is never lost. A rerun resumes: submissions already in the gradebook, unchanged since
(same digest of their files), are not graded again (``--regrade`` grades them anyway).
pytest's own options work: ``-k alice``, ``-x``, ``-n 4`` with pytest-xdist.

Any folder name is graded: pytest collects ``submitted/`` itself (a name is never a
command-line argument), each student's folder is a :class:`StudentFolder` known by its
:func:`grader.results.safe_output.student_id` (node ids, reports and the terminal hold that),
and a student's ``conftest.py`` is never imported (``--noconftest``, grader/pytest.ini).
What the grader itself fails on is named, never a student's zero, and :class:`Outcome`
gives ``python -m grader grade`` its exit status (:class:`Status`).
"""
from __future__ import annotations

import dataclasses
import enum
import os
import re
import traceback
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId  # an id given as a str is parsed ("a::b[1]" splits)

from grader import config as grader_config
from grader.assignments import registry as assignments
from grader.assignments.spec import Assignment
from grader.host import workspace
from grader.host.grade import TestFailed, is_submission, judge, run_checks
from grader.host.sandbox import KINDS, STARTS, SandboxError, sandbox_of
from grader.host.snapshot import SnapshotError, take
from grader.results import deadlines, gradebook, nbgrader_db
from grader.results.gradebook import SubmissionRecord, TestResult
from grader.results.progress import Progress
from grader.results.safe_output import student_id, transportable

# The run's gradebook (its state: what was graded, what failed, what a rerun skips).
GRADEBOOK = pytest.StashKey["GradebookCollector"]()
# The assignment ``--assignment`` names: looked up once, here at the edge.
ASSIGNMENT = pytest.StashKey["Assignment"]()


def assignment_of(config) -> Assignment:
    """The assignment being graded (``--assignment``), found once per run."""
    if ASSIGNMENT not in config.stash:
        config.stash[ASSIGNMENT] = assignments.get(config.getoption("assignment"))
    return config.stash[ASSIGNMENT]


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
    Option("--nbgrader-db", "nbgrader's gradebook: its due date and submission times are "
           "read, and the grades written into it (default: the course directory's "
           "gradebook.db if there is one; 'none': none)", kwargs={"metavar": "URL"}),
    Option("--due", "the due date, e.g. '2026-12-05 17:00:00 America/New_York' ('none': no "
           "due date; default: nbgrader's database's, else the assignment's spec's)"),
    Option("--late-policy", "the late penalty: none, zero, or e.g. '10%/day floor=50%% "
           "grace=15min' (default: as set before, else the assignment's spec's)",
           kwargs={"metavar": "POLICY"}),
    Option("--extensions", "a CSV of extensions (student,due,note) (default: the course "
           "directory's extensions.csv if there is one; 'none': none)", kwargs={"metavar": "CSV"}),
)


def pytest_addhooks(pluginmanager):
    from grader import hookspecs
    pluginmanager.add_hookspecs(hookspecs)


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
        book = config.stash[GRADEBOOK] = GradebookCollector(config, writer=writer)
        config.pluginmanager.register(book, "grader-gradebook")
        if book.writer:
            config.pluginmanager.register(Progress(), "grader-progress")


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
        assignment_of(session.config).preflight()
    except DatasetError as exc:
        pytest.exit(f"cannot grade {assignment!r}: {exc}", returncode=2)
    book = session.config.stash[GRADEBOOK]
    if book.writer:
        try:
            book.settle_deadline(session.config)
        except (ValueError, OSError) as exc:  # the due date, policy or extensions
            pytest.exit(f"cannot grade: {exc}", returncode=2)


def pytest_unconfigure(config):
    book = config.stash.get(GRADEBOOK, None)
    if book is not None:
        config.pluginmanager.unregister(book)
        del config.stash[GRADEBOOK]
    workspace.cleanup()


def digest(folder: Path, spec: Assignment, limits: grader_config.Limits) -> str:
    """A hash of what the grader would read of a submission's folder (names, contents,
    and what it leaves out), computed without following any link out of it."""
    try:
        return take(folder, None, required=spec.required_files(limits),
                    max_bytes=limits.submission_bytes, max_files=limits.submission_files).digest
    except SnapshotError as exc:
        return f"refused: {exc}"


def _student_folder(path: Path, config) -> bool:
    """Whether ``path`` is ``submitted/<student>`` while grading (compared without
    resolving links: a student's folder that is a link is still the student's, and is
    refused, with a reason, when graded)."""
    return bool(config.getoption("assignment")) and \
        Path(os.path.abspath(path)).parent == Path(os.path.abspath(config.rootpath))


@pytest.hookimpl(tryfirst=True)
def pytest_ignore_collect(collection_path: Path, config):
    """No student's folder is left out for its name (pytest's ``norecursedirs`` would
    skip ``.alice``, ``build`` or ``venv``, and a folder holding ``pyvenv.cfg``)."""
    return False if _student_folder(collection_path, config) else None


def pytest_collect_directory(path: Path, parent):
    if _student_folder(path, parent.config):
        name = student_id(path.name)
        return StudentFolder.from_parent(parent, path=path, name=name, nodeid=NodeId(path=name))
    return None


class StudentFolder(pytest.Directory):
    """``submitted/<student>/``, named by its student id; of what it holds only the
    submission, ``<assignment>/``, is collected (a link included), even with no notebook
    in it (it then fails every test with that reason)."""

    def collect(self):
        spec = assignment_of(self.config)
        if is_submission(self.path, spec):
            yield SubmissionFolder.from_parent(self, path=self.path / spec.name,
                                               nodeid=_child_id(self, spec.name))


def _child_id(parent, name: str) -> NodeId:
    """A folder's or file's node id under ``parent``: the student id, never the name on
    disk (pytest-xdist sends ids as UTF-8; a terminal shows them)."""
    return NodeId(path=f"{parent.nodeid}/{name}")


class SubmissionFolder(pytest.Directory):
    def collect(self):
        notebook = assignment_of(self.config).notebook
        yield Submission.from_parent(self, path=self.path / notebook,
                                     nodeid=_child_id(self, notebook))


def limits_from(config) -> grader_config.Limits:
    """The assignment's limits, with the command line's overrides."""
    limits = assignment_of(config).limits
    if config.getoption("timeout"):
        limits = dataclasses.replace(limits, timeout_s=config.getoption("timeout"))
    if config.getoption("memory"):
        limits = dataclasses.replace(limits, memory_bytes=int(config.getoption("memory") * 2**30))
    return limits


class Submission(pytest.File):
    """``submitted/<student>/<assignment>/<notebook>``: the student's tests."""

    @property
    def student(self) -> str:
        return student_id(self.path.parent.parent.name)

    @property
    def assignment(self) -> Assignment:
        return assignment_of(self.config)

    def collect(self):
        # The folder's digest now only where a rerun may skip it (the gradebook has its
        # record): otherwise the grading's own snapshot gives it, and the folder is
        # walked once per grading, not twice.
        self.digest = ""
        book = self.config.stash.get(GRADEBOOK, None)
        if book is not None and self.student in book.previous:
            try:
                self.digest = digest(self.path.parent, self.assignment, limits_from(self.config))
            except Exception as exc:  # noqa: BLE001 - graded all the same; set-up says why
                self.digest = f"unreadable: {type(exc).__name__}"
        for grade_id, points in self.assignment.points.items():
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
        tests = self.parent.assignment.tests
        if self.name == next(iter(tests)):
            # Once per submission: what the whole run found, for the gradebook.
            self.user_properties += [("cell_errors", run["cell_errors"]),
                                     ("notes", run["notes"]), ("seconds", run["seconds"]),
                                     ("log", instructor_log(run)),
                                     ("timestamp", run.get("timestamp"))]
        try:
            judge(tests[self.name], run["data"][self.name])
        except TestFailed as failed:
            self.user_properties += [("part", failed.part), ("kind", failed.kind),
                                     ("limit", failed.limit)]
            raise
        except Exception:  # noqa: BLE001
            self.user_properties.append(("grader_error", traceback.format_exc()))
            raise GraderError("the grader failed on this test") from None

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)  # the check's reason, worded for the student
        return "grader error (the instructor's log has the details)"

    def reportinfo(self):
        # The node's own id, not the path on disk: pytest shows it and xdist sends it.
        return Path(self.config.rootpath, self.parent.nodeid), None, \
            f"{self.parent.student}::{self.name}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A grading report carries only text UTF-8 can hold (pytest-xdist sends reports to
    the controller as UTF-8): a lone surrogate that a student's exception message or
    output brought in is written as its escape, not a worker's crash."""
    report = yield
    if isinstance(item, GradedTest):
        report.user_properties = transportable(report.user_properties)
        if isinstance(report.longrepr, str):
            report.longrepr = transportable(report.longrepr)
    return report


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


class GradebookCollector:
    """Collects the reports (also from pytest-xdist workers) into the gradebook."""

    def __init__(self, config, writer: bool = True):
        self.assignment = config.getoption("assignment")  # its name, as the gradebook keeps it
        self.out = config.getoption("gradebook_out")
        self.writer = writer and bool(self.out)
        self.tests = assignment_of(config).tests
        self.graded: dict[str, dict] = {}
        self.written: set[str] = set()  # the students whose record is on disk
        self.failed: dict[str, str] = {}  # student (or node id) -> the grader's own error
        self.previous = {} if config.getoption("regrade") or not self.out else \
            gradebook.read(self.out, self.assignment)[1]
        self.config = config
        self.recorded: dict = {}  # student -> submission time in nbgrader's database
        self.selected = False  # whether the progress display was told whom the run grades

    def settle_deadline(self, config) -> None:
        """The run's deadline settings (grader.results.deadlines), saved in the output
        folder before anyone is graded, and nbgrader's record of submission times."""
        spec = assignment_of(config)
        db_due, self.recorded = nbgrader_db.recorded(config.getoption("nbgrader_db"), spec.name)
        deadlines.settle(self.out, due=config.getoption("due"),
                         policy=config.getoption("late_policy"),
                         extensions=config.getoption("extensions"), db_due=db_due,
                         spec_due=spec.due, spec_policy=spec.late_policy)

    def pytest_collection_modifyitems(self, session, config, items):
        shard = config.getoption("shard")
        students = sorted({item.parent.student for item in items if isinstance(item, GradedTest)})
        done = [item for item in items if isinstance(item, GradedTest)
                and (self._finished(item.parent.student, item.parent.digest)
                     or not in_shard(item.parent.student, students, shard))]
        if done:
            config.hook.pytest_deselected(items=done)
            items[:] = [item for item in items if item not in done]
        if self.writer and not self.selected:
            self.selected = True
            kept = sorted({item.parent.student for item in done
                           if self._finished(item.parent.student, item.parent.digest)})
            config.hook.pytest_grader_selected(
                config=config, students=sorted({item.parent.student for item in items
                                                if isinstance(item, GradedTest)}), kept=kept)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        """Under pytest-xdist the workers collect and select: the controller learns
        whom the run grades from the first worker's node ids (``student/...::test``)."""
        if self.writer and not self.selected:
            self.selected = True
            self.config.hook.pytest_grader_selected(
                config=self.config, students=sorted({i.split("/", 1)[0] for i in ids}), kept=[])

    def _finished(self, student: str, digest_: str) -> bool:
        entry = self.previous.get(student)
        return bool(entry) and entry.digest == digest_ and \
            {r.test for r in entry.results} == set(self.tests)

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        # An item's grade is its call's outcome, or its set-up's failure (the submission
        # could not be run); teardown adds nothing.
        if "student" not in props or not (report.when == "call"
                                          or (report.when == "setup" and report.failed)):
            return
        if "grader_error" in props or (report.when == "setup" and report.failed):
            # Not the student's zero: nothing is recorded, a rerun grades them again.
            self._not_graded(props["student"], props.get("grader_error") or report.longreprtext)
            return
        entry = self.graded.get(props["student"])
        if entry is None or entry.get("digest") != props["digest"]:
            entry = self.graded[props["student"]] = {
                "student": props["student"], "digest": props["digest"], "results": {},
                "cell_errors": [], "notes": [], "seconds": 0.0}
        if "seconds" in props:
            entry.update(cell_errors=props["cell_errors"], notes=props["notes"],
                         seconds=props["seconds"], log=props["log"],
                         timestamp=props.get("timestamp"))
        passed = report.passed
        # pytest-xdist heads a worker's report with "[gw0] linux -- Python ...".
        reason = "" if passed else re.sub(r"^\[gw\d+\] .*\n", "", report.longreprtext.strip())
        entry["results"][props["test"]] = TestResult(
            props["student"], props["test"], props["max_points"] if passed else 0,
            props["max_points"], passed, reason, part=props.get("part", ""),
            kind=props.get("kind", ""), limit=props.get("limit", False))
        if len(entry["results"]) == len(self.tests) and self.writer:
            self.write([props["student"]])

    def write(self, students: list[str]):
        """Put the complete records of ``students`` into the gradebook on disk, one at a
        time: one the grader cannot write is named as not graded, and the others (and
        the rest of the batch) go on."""
        for student in sorted(students):
            entry = self.graded.get(student)
            if entry is None or set(entry["results"]) != set(self.tests):
                continue
            try:
                submitted = deadlines.Submitted.resolve(entry.get("timestamp"),
                                                        self.recorded.get(student))
                record = SubmissionRecord(
                    student, entry["digest"], [entry["results"][g] for g in self.tests],
                    entry["cell_errors"], entry["notes"], entry["seconds"], entry.get("log", ""),
                    entry.get("timestamp"), deadlines.iso(submitted.at), submitted.source)
                gradebook.write([record], self.out, self.assignment)
            except Exception:  # noqa: BLE001 - the grader's own failure, never a zero
                del self.graded[student]
                self._not_graded(student, traceback.format_exc())
            else:
                self.written.add(student)
                try:  # what shows the record may fail; the record is written all the same
                    self.config.hook.pytest_grader_graded(config=self.config, record=record)
                except Exception:  # noqa: BLE001
                    traceback.print_exc()

    def _not_graded(self, student: str, error: str) -> None:
        if student not in self.failed and self.writer:
            self.config.hook.pytest_grader_not_graded(config=self.config, student=student)
        self.failed[student] = error

    def pytest_collectreport(self, report):
        """A folder the grader could not collect is its own failure: named, and the
        batch goes on (``--continue-on-collection-errors``, grader/pytest.ini)."""
        if report.failed:
            self._not_graded(report.nodeid, report.longreprtext)

    def pytest_sessionfinish(self, session):
        if self.writer:
            self.write([s for s in self.graded if s not in self.written])
            for student, error in sorted(self.failed.items()):
                path = Path(self.out, error_log(student))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(error, encoding="utf-8", errors="backslashreplace")

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report, config):
        """No dot per test: the progress display (grader.results.progress) has a line per
        student instead."""
        if "student" not in dict(report.user_properties):
            return None
        if report.when == "call":
            return report.outcome, "", ""
        return ("error" if report.failed else ""), "", ""

    def pytest_terminal_summary(self, terminalreporter):
        if self.writer:  # the deadline settings applied, and what in them is wrong
            students = gradebook.read(self.out, self.assignment)[1]
            for text in deadlines.load(self.out).summary(students).splitlines():
                terminalreporter.write_line(text)
        # Every name here is a student id (or node id): printable, one line each.
        for student in sorted(self.failed):
            terminalreporter.write_line(
                f"{student}: NOT GRADED, the grader failed ({error_log(student)}); "
                "run the command again to grade it")


def error_log(student: str) -> Path:
    """Where, in the output folder, the grader's own error on ``student`` is written."""
    return gradebook.student_file("", "log", student, ".grader-error.txt")


class Status(enum.IntEnum):
    """The exit status of ``python -m grader grade`` (book/guides/instructors.md, "Exit status")."""

    GRADED = 0  # every submission selected is in the gradebook, whatever its points
    CANNOT_GRADE = 2  # nothing graded: no submission, a wrong option, missing data
    SANDBOX = 3  # stopped: the sandbox cannot run (every submission would fail alike)
    GRADER_FAILED = 4  # the grader itself failed; what it graded is in the gradebook
    INTERRUPTED = 130  # Ctrl-C or SIGTERM; what it graded is in the gradebook


class Outcome:
    """What became of a grading run, for its :class:`Status`: ``python -m grader grade``
    passes it to pytest (``pytest.main(..., plugins=[outcome])``). pytest's own status
    cannot tell: its 1 (tests failed) is students' lost points; its 3 is both an
    INTERNALERROR and the sandbox's stop; its 2 both Ctrl-C and a stop before grading."""

    def __init__(self):
        self.internal_error = False
        self.interrupted = False
        self.not_graded: list[str] = []

    def pytest_internalerror(self):
        self.internal_error = True

    def pytest_keyboard_interrupt(self, excinfo):
        # pytest.exit() comes here too; only Ctrl-C and SIGTERM are interruptions.
        self.interrupted = isinstance(excinfo.value, KeyboardInterrupt)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        book = session.config.stash.get(GRADEBOOK, None)
        self.not_graded = sorted(book.failed) if book is not None else []

    def status(self, exitstatus: int) -> Status:
        """The run's status, from pytest's ``exitstatus`` and what this run saw."""
        if self.interrupted:
            return Status.INTERRUPTED
        if self.internal_error:
            return Status.GRADER_FAILED
        if exitstatus == pytest.ExitCode.USAGE_ERROR:
            return Status.CANNOT_GRADE
        if exitstatus in (Status.CANNOT_GRADE, Status.SANDBOX):  # the plugin's pytest.exit
            return Status(exitstatus)
        if self.not_graded:
            return Status.GRADER_FAILED
        if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                          pytest.ExitCode.NO_TESTS_COLLECTED):
            return Status.GRADED
        return Status.GRADER_FAILED
