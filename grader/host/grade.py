"""Grade one submission: run its code (:mod:`grader.host.run`) and judge the plain data that
comes back with the checks' ``verify``; each test gives all its points or none, as
nbgrader does for an autograded test cell. :mod:`grader.pytest_plugin` turns every
(submission, test) into a pytest item on top of these two functions."""
from __future__ import annotations

import builtins
import dataclasses
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import config
from grader.assignments.spec import PARTS, TIMESTAMP, TIMESTAMP_BYTES, Assignment, CodeTest, FileTest
from grader.host import workspace
from grader.host.events import KINDS, LIMIT_KINDS
from grader.host.extract import integrity_notes, student_cells
from grader.host.run import run_submission
from grader.host.sandbox import Bubblewrap, Sandbox, write_runtime
from grader.host.snapshot import SnapshotError, shown, take
from grader.host.warm import WarmProcessDied
from grader.models.runtime_files import link

# How often a submission is graded again when a warm process dies under it (the last
# attempt starts cold).
WARM_ATTEMPTS = 2


def _builtin_name(name) -> str | None:
    cls = getattr(builtins, name, None) if isinstance(name, str) else None
    return name if isinstance(cls, type) and issubclass(cls, BaseException) else None


def hidden_failure(data: dict) -> str:
    """A hidden part's failure, worded from its kind alone: no text that student code
    controls (exception messages, names of its own classes, exit codes) and no input."""
    kind = data.get("kind")
    kind = kind if isinstance(kind, str) else None  # grader.host.events lets no other through
    if kind == "raised":
        name = _builtin_name(data.get("type"))
        if not name:
            return "failed (your code raised an exception)"
        if data.get("own_class"):
            return f"failed (your code raised an exception of its own class, a kind of {name})"
        return f"failed (your code raised {name})"
    return {"timeout": f"failed (a call did not finish within {config.CALL_TIMEOUT_S} s)",
            "timeout_process": "failed (the submission's process ran past its time limit)",
            "not_number": "failed (your function returned something that is not a number)",
            "missing": "failed (the name the test needs is not defined)",
            "quota": "failed (your code reached the quota of what a submission may write)",
            "died": "failed (the submission's process ended during the hidden tests)",
            "killed": "failed (the submission's process ended during the hidden tests)",
            "unreadable": "failed (the saved model could not be loaded)",
            "malformed": "failed (your code's process sent back something that is not a "
                         "check's result)",
            }.get(kind, "failed")


class TestFailed(AssertionError):
    """A test's failure as the gradebook records it: the reason shown to the student
    (``"<part> tests: <reason>"``), the ``part`` that failed and the ``kind`` of failure
    (:data:`grader.host.events.KINDS`, or ``check`` when the check's verdict is no, or
    ``not_run``), so that nothing downstream parses the reason back."""

    def __init__(self, part: str, kind: str, text: str):
        super().__init__(f"{part} tests: {text}")
        self.part, self.kind = part, kind

    @property
    def limit(self) -> bool:
        return self.kind in LIMIT_KINDS


def judge(test: CodeTest | FileTest, parts: dict) -> None:
    """Raise :class:`TestFailed` unless both parts of ``test`` pass on the data
    :func:`run_checks` gathered for it."""
    verify = test.check.verify
    for part in PARTS:
        data = parts.get(part)
        if not isinstance(data, dict):
            raise TestFailed(part, "not_run", "not run")
        if "error" in data:
            text = str(data["error"]) if part == "visible" else hidden_failure(data)
            kind = data.get("kind")
            raise TestFailed(part, kind if kind in KINDS else "failed", text)
        try:
            verify(part, data)
        except AssertionError as exc:
            raise TestFailed(part, "check", str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - data that is not what a probe returns
            raise TestFailed(part, "malformed", "the submission's process sent back data "
                             f"that is not a check's result ({type(exc).__name__})") from None


class SubmissionError(Exception):
    """The submission cannot be graded at all (no notebook, not a notebook): every test
    fails with this reason."""


_RUNTIMES: dict[tuple, Path] = {}


def _runtime(spec: Assignment, sandbox: Sandbox, *, files: bool = False) -> Path:
    """A sandbox's ``/runtime``: its ``grader`` package and ``etc`` files, and what the
    assignment's process reads there (:meth:`Assignment.write_runtime`). Made once per
    grading process (it holds nothing of a submission; a warm process binds it for
    its whole life)."""
    key = (spec.name, files, sandbox.uid)
    if key in _RUNTIMES and _RUNTIMES[key].is_dir():
        return _RUNTIMES[key]
    folder = workspace.folder("runtime-")
    write_runtime(folder)
    sandbox.write_etc(folder)
    spec.write_runtime(folder, files=files)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    _RUNTIMES[key] = folder
    return folder


@dataclass
class Grading:
    """One submission's grading, passed from stage to stage (:data:`STAGES`)."""

    spec: Assignment
    notebook: Path
    source: Path | None
    sandbox: Sandbox
    limits: config.Limits
    work: Path
    start: float
    tests: list = field(default_factory=list)  # (grade_id, test, {part: probe params})
    required: dict = field(default_factory=dict)
    snap: object = None
    timestamp: str | None = None  # its timestamp.txt (grader.results.deadlines reads it)
    cells: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    runtime: Path | None = None
    run: dict = field(default_factory=lambda: {"data": {}, "cell_errors": [], "log": "",
                                               "outputs": None})

    def probes(self, tests) -> list[tuple[str, str, dict]]:
        return [(grade_id, test.target, params) for grade_id, test, params in tests]

    @property
    def env(self) -> dict:
        return {config.GRADING_ENV: "1"}


class Stop(Exception):
    """A stage found that the submission cannot be graded: every test fails with this
    reason (and the notes gathered so far)."""

    def __init__(self, reason: str, notes=()):
        super().__init__(reason)
        self.reason, self.notes = reason, list(notes)


def copy_submission(g: Grading) -> None:
    """The grader's checked copy of the submission: no link out of it, within limits."""
    g.required = g.spec.required_files(g.limits)
    try:
        g.snap = take(g.notebook.parent, g.work / "snapshot", required=g.required,
                      max_bytes=g.limits.submission_bytes, max_files=g.limits.submission_files)
    except SnapshotError as exc:
        raise Stop(str(exc)) from None
    g.notes = g.snap.notes(set(g.required))
    g.timestamp = timestamp_text(g.snap)


def timestamp_text(snap) -> str | None:
    """The submission's ``timestamp.txt`` as text (None: there is none); one the snapshot
    left out (a link, too large) gives its reason, which no time parser reads as a time."""
    if snap is None:
        return None
    if TIMESTAMP in snap.refused:
        return f"(left out: {snap.refused[TIMESTAMP]})"
    if TIMESTAMP not in snap.files:
        return None
    return (snap.root / TIMESTAMP).read_bytes()[:TIMESTAMP_BYTES].decode("utf-8", "replace")


def read_notebook(g: Grading) -> None:
    """The code to run, with the locked cells restored, and what is wrong with its form."""
    try:
        g.cells, form_notes = read_submission(g.snap, g.notebook.name, g.source)
    except SubmissionError as exc:
        raise Stop(str(exc), g.notes) from None
    g.notes = form_notes + g.notes


def student_code(g: Grading) -> None:
    """The student's cells, then the probes of their objects, in one sandboxed process
    (relaunched after a test that kills it); the files it writes come back."""
    g.runtime = _runtime(g.spec, g.sandbox)
    tests = [t for t in g.tests if not isinstance(t[1], FileTest) and t[0] not in g.spec.isolated]
    g.run = run_submission(g.cells, g.probes(tests), "grader.inside.probes", g.snap.root, g.runtime,
                           g.limits, env=g.env, sandbox=g.sandbox, scratch=g.work / "main",
                           outputs=g.spec.outputs)


def isolated_tests(g: Grading) -> None:
    """Each test that must run where only some packages exist, in a process of its own."""
    for grade_id, packages in g.spec.isolated.items():
        alone = [t for t in g.tests if t[0] == grade_id]
        own = run_submission(g.cells, g.probes(alone), "grader.inside.probes", g.snap.root, g.runtime,
                             g.limits, env=g.env, sandbox=g.sandbox, packages=tuple(packages),
                             scratch=g.work / f"isolated-{grade_id}")
        g.run["data"].update(_isolated(own["data"], g.spec.isolation_note))
        g.run["log"] += own["log"]


def file_tests(g: Grading) -> None:
    """The checks of saved files, in a sandbox that runs no student code: the files as
    submitted (from the snapshot), and the ones the grading run wrote (its outputs,
    never the submission's files of the same name)."""
    tests = [t for t in g.tests if isinstance(t[1], FileTest)]
    if not tests:
        return
    files = g.work / "files"
    files.mkdir()
    outputs = g.run.get("outputs")
    for name in {t[1].file for t in tests}:
        origin = (outputs / name if outputs is not None else None) if name in g.spec.outputs \
            else (g.snap.root / name if name in g.snap.files else None)
        if origin is not None and origin.is_file():
            link(origin, files / name)
    refused = {name: reason for name, reason in g.snap.refused.items() if name in g.required}
    runnable = [t for t in tests if t[1].file not in refused]
    runtime = _runtime(g.spec, g.sandbox, files=True)
    limits = dataclasses.replace(g.limits, timeout_s=max(g.limits.timeout_s,
                                                         config.MODEL_CHECK_TIMEOUT_S * 2))
    result = run_submission([], g.probes(runnable), "grader.inside.model_probes", files, runtime,
                            limits, sandbox=g.sandbox, scratch=g.work / "files-run") \
        if runnable else {"data": {}}
    g.run["data"].update(result["data"])
    for grade_id, test, _ in tests:
        if test.file in refused:
            failure = {"error": refused[test.file], "kind": "submission"}
            g.run["data"][grade_id] = {"visible": failure, "hidden": failure}


# What grading a submission does, in order; a stage that raises Stop ends it.
STAGES = (copy_submission, read_notebook, student_code, isolated_tests, file_tests)


def run_checks(notebook: str | Path, spec: Assignment,
               source: str | Path | None = None, *, sandbox: Sandbox | None = None,
               limits: config.Limits | None = None) -> dict:
    """Run one submitted notebook's code and probe its tests; returns ``{"data":
    {grade_id: {part: data}}, "cell_errors", "notes", "log", "seconds", "digest"}``
    (``digest``: of the snapshot graded, :mod:`grader.host.snapshot`).

    The grader reads the submission only through its snapshot (:mod:`grader.host.snapshot`:
    no link out of it, sizes within limits). The student's cells run on a copy of it,
    in grading mode, in a sandbox (:mod:`grader.host.sandbox`); the probes of the student's
    objects run in that same process, except for tests that must run where only some
    packages exist (``isolated``). Checks of files (saved models) run afterwards in a
    sandbox of their own that runs no student code, on the files as submitted and on
    the files the grading run itself wrote. :data:`STAGES` lists these steps.
    """
    sandbox = sandbox or Bubblewrap()
    for attempt in range(WARM_ATTEMPTS + 1):
        try:
            run = _grade(notebook, spec, source, sandbox, limits)
        except WarmProcessDied as exc:
            # Not the student's doing: graded again from scratch (cold, the last time).
            restarts = f"{exc}; graded again from scratch\n"
            if attempt == WARM_ATTEMPTS - 1:
                sandbox = Bubblewrap("cold")
            continue
        if attempt:
            run["log"] = restarts * attempt + run["log"]
        return run
    raise AssertionError("unreachable")


def _grade(notebook, spec: Assignment, source, sandbox: Sandbox, limits) -> dict:
    g = Grading(spec=spec, notebook=Path(notebook), source=source, sandbox=sandbox,
                limits=limits or spec.limits, work=sandbox.work_folder(),
                start=time.perf_counter())
    g.tests = [(grade_id, test, {part: test.check.params(part) for part in PARTS})
               for grade_id, test in spec.tests.items()]
    try:
        for stage in STAGES:
            stage(g)
    except Stop as stop:
        failure = {"error": stop.reason, "kind": "submission"}
        return {"data": {grade_id: {"visible": failure, "hidden": failure}
                         for grade_id in spec.tests},
                "cell_errors": [], "notes": [stop.reason, *stop.notes], "log": "",
                "seconds": time.perf_counter() - g.start,
                "digest": g.snap.digest if g.snap else f"refused: {stop.reason}",
                "timestamp": g.timestamp}
    finally:
        shutil.rmtree(g.work, ignore_errors=True)
    g.run["notes"] = g.notes
    g.run["seconds"] = time.perf_counter() - g.start
    g.run["digest"] = g.snap.digest  # of the very bytes graded
    g.run["timestamp"] = g.timestamp
    return g.run


def _isolated(data: dict, note: str) -> dict:
    """A test run where Keras is absent: a function that needs it says why it failed."""
    for parts in data.values():
        for result in parts.values():
            if isinstance(result, dict) and "error" in result and (
                    result.get("type") in ("ModuleNotFoundError", "ImportError", "NameError")
                    or result.get("kind") == "missing"):
                result["error"] = f"{result['error']} - {note}"
    return data


def read_submission(snap, name: str, source: str | Path | None) -> tuple[list[dict], list[str]]:
    """The code to run and what is wrong with the notebook's form (edited or deleted
    test cells, edited locked cells: graded with the originals all the same)."""
    if name in snap.refused:
        raise SubmissionError(snap.refused[name])
    if name in snap.folders:
        raise SubmissionError(f"{shown(name)} is not a regular file (a folder)")
    if name not in snap.files:
        found = sorted({f.split("/")[0] for f in snap.files} | {r.split("/")[0] for r in snap.refused})
        raise SubmissionError(f"no {name} in the submission"
                              + (f" (it has: {', '.join(shown(f) for f in found[:10])})"
                                 if found else " (the folder is empty)"))
    notebook = snap.root / name
    try:
        return student_cells(notebook, source), integrity_notes(notebook, source)
    except Exception as exc:  # noqa: BLE001 - anything nbformat refuses
        raise SubmissionError(f"{name} is not a readable notebook ({_why_unreadable(exc)})") from None


def _why_unreadable(exc: Exception) -> str:
    """What is wrong with a notebook, never quoting its content."""
    if isinstance(exc, json.JSONDecodeError) or type(exc).__name__ == "NotJSONError":
        return "it is not valid JSON"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return "it is not in the Jupyter notebook format"


def submissions(submitted: str | Path, spec: Assignment) -> list[Path]:
    """The submission folders of nbgrader's layout ``submitted/<student>/<assignment>/``
    (with or without the notebook in them, links included: they are refused with a
    reason), students in name order."""
    return [p / spec.name for p in sorted(Path(submitted).iterdir())
            if is_submission(p, spec)]


def is_submission(student_dir: Path, spec: Assignment) -> bool:
    """Whether ``submitted/<student>/`` holds a submission of ``spec`` (or is a link,
    which is refused with a reason)."""
    return os.path.lexists(student_dir / spec.name) or student_dir.is_symlink()


def default_source(submitted: str | Path, spec: Assignment) -> Path | None:
    """The course directory's ``source/<assignment>/<notebook>`` beside ``submitted/``,
    whose locked cells are put back into every submission."""
    candidate = Path(submitted).parent / "source" / spec.name / spec.notebook
    return candidate if candidate.exists() else None
