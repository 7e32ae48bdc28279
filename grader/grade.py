"""Grade one submission: run its code (:mod:`grader.run`) and judge the plain data that
comes back with the checks' ``verify``; each test gives all its points or none, as
nbgrader does for an autograded test cell. :mod:`grader.pytest_plugin` turns every
(submission, test) into a pytest item on top of these two functions."""
from __future__ import annotations

import builtins
import dataclasses
import importlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from grader import config, workspace
from grader.extract import integrity_notes, student_cells
from grader.run import PARTS, run_submission
from grader.sandbox import Sandbox, write_runtime
from grader.snapshot import SnapshotError, shown, take


@dataclass
class TestResult:
    student: str
    test: str
    points: float
    max_points: float
    passed: bool
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _builtin_name(name) -> str | None:
    cls = getattr(builtins, name, None) if isinstance(name, str) else None
    return name if isinstance(cls, type) and issubclass(cls, BaseException) else None


def hidden_failure(data: dict) -> str:
    """A hidden part's failure, worded from its kind alone: no text that student code
    controls (exception messages, names of its own classes, exit codes) and no input."""
    kind = data.get("kind")
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
            "unreadable": "failed (the saved model could not be loaded)",
            }.get(kind, "failed")


def judge(assignment: str, grade_id: str, parts: dict) -> None:
    """Raise ``AssertionError`` ("<part> tests: <reason>") unless both parts of test
    ``grade_id`` pass on the data :func:`run_checks` gathered for it."""
    spec = config.ASSIGNMENTS[assignment]
    check = spec["tests"][grade_id][0]
    verify = importlib.import_module(spec["checks"]).verify
    for part in PARTS:
        data = parts.get(part)
        if not isinstance(data, dict):
            raise AssertionError(f"{part} tests: not run")
        if "error" in data:
            text = str(data["error"]) if part == "visible" else hidden_failure(data)
            raise AssertionError(f"{part} tests: {text}")
        try:
            verify(check, part, data)
        except AssertionError as exc:
            raise AssertionError(f"{part} tests: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - data that is not what a probe returns
            raise AssertionError(f"{part} tests: the submission's process sent back data "
                                 f"that is not a check's result ({type(exc).__name__})") from None


class SubmissionError(Exception):
    """The submission cannot be graded at all (no notebook, not a notebook): every test
    fails with this reason."""


_SHARED: dict[str, Path] = {}


def _shared_file(key: str, write) -> Path:
    """A file made once per grading process (under :mod:`grader.workspace`) and linked
    into each submission's runtime: the training slice, the image sets."""
    if key not in _SHARED:
        folder = workspace.folder("shared-")
        path = folder / key
        write(path)
        os.chmod(path, 0o644)
        _SHARED[key] = path
    return _SHARED[key]


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy(source, target)


def _training_file(assignment: str) -> Path:
    """The grading run's training data of a model assignment, as one ``.npz`` file: all
    the sandbox gets of the dataset."""
    def write(path):
        import numpy as np

        from grader import data
        (x_train, y_train), (x_valid, y_valid) = data.training_data(assignment, grading_mode=True)
        with open(path, "wb") as f:
            np.savez(f, x_train=x_train, y_train=y_train, x_valid=x_valid, y_valid=y_valid)
    return _shared_file(f"{assignment}-training.npz", write)


def _image_file(assignment: str, name: str) -> Path:
    """The images (never their labels) of one of the checks' image sets."""
    def write(path):
        import numpy as np

        from grader.checks.models import image_set
        with open(path, "wb") as f:
            np.save(f, image_set(assignment, name)[0])
    return _shared_file(f"{assignment}-{name}.npy", write)


def _runtime(folder: Path, assignment: str, sandbox: Sandbox, *, files: bool = False) -> Path:
    """A sandbox's ``/runtime``: its ``grader`` package and ``etc`` files and, for a
    model assignment, what the set-up cell asks for, answered in grading mode (the
    notebook's run), or the image sets (the file checks)."""
    write_runtime(folder)
    sandbox.write_etc(folder)
    if assignment in config.MODEL_ASSIGNMENTS:
        if files:
            (folder / "images").mkdir()
            for name in ("validation", "heldout"):
                _link(_image_file(assignment, name), folder / "images" / f"{name}.npy")
        else:
            from grader.data import grading_job
            (folder / "assignment.json").write_text(json.dumps(grading_job(assignment)))
            _link(_training_file(assignment), folder / "training.npz")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def required_files(assignment: str, limits: config.Limits) -> dict[str, int]:
    """The files the assignment reads of a submission, with their size limits."""
    spec = config.ASSIGNMENTS[assignment]
    required = {spec["notebook"]: limits.notebook_bytes}
    model = config.MODEL_ASSIGNMENTS.get(assignment)
    if model:
        required[model["model_file"]] = limits.model_bytes
    return required


def _failed_everywhere(tests, reason: str, start: float, notes=()) -> dict:
    failure = {"error": reason, "kind": "submission"}
    return {"data": {g: {"visible": failure, "hidden": failure} for g, _, _ in tests},
            "cell_errors": [], "notes": [reason, *notes], "log": "",
            "seconds": time.perf_counter() - start}


def run_checks(notebook: str | Path, assignment: str,
               source: str | Path | None = None, *, sandbox: Sandbox | None = None,
               limits: config.Limits | None = None) -> dict:
    """Run one submitted notebook's code and probe its tests; returns ``{"data":
    {grade_id: {part: data}}, "cell_errors", "notes", "log", "seconds"}``.

    The grader reads the submission only through its snapshot (:mod:`grader.snapshot`:
    no link out of it, sizes within limits). The student's cells run on a copy of it,
    in grading mode, in a sandbox (:mod:`grader.sandbox`); the probes of the student's
    objects run in that same process, except for tests that must run where only some
    packages exist (``isolated``). Checks of files (saved models) run afterwards in a
    sandbox of their own that runs no student code, on the files as submitted and on
    the files the grading run itself wrote.
    """
    spec = config.ASSIGNMENTS[assignment]
    sandbox = sandbox or Sandbox()
    limits = limits or spec["limits"]
    checks = importlib.import_module(spec["checks"])
    tests = [(grade_id, name, {part: checks.probe_params(check, part) for part in PARTS})
             for grade_id, (check, name, _) in spec["tests"].items()]
    isolated = spec.get("isolated", {})
    code_tests = [t for t in tests if not t[1].startswith("file:") and t[0] not in isolated]
    file_tests = [t for t in tests if t[1].startswith("file:")]
    notebook = Path(notebook)
    start = time.perf_counter()
    required = required_files(assignment, limits)
    work = workspace.folder("grading-")
    try:
        try:
            snap = take(notebook.parent, work / "snapshot", required=required,
                        max_bytes=limits.submission_bytes, max_files=limits.submission_files)
        except SnapshotError as exc:
            return _failed_everywhere(tests, str(exc), start)
        notes = snap.notes(set(required))
        try:
            cells, form_notes = read_submission(snap, notebook.name, source)
        except SubmissionError as exc:
            return _failed_everywhere(tests, str(exc), start, notes)
        env = {config.GRADING_ENV: "1"}
        model = config.MODEL_ASSIGNMENTS.get(assignment)
        runtime = _runtime(work / "runtime", assignment, sandbox)
        run = run_submission(cells, code_tests, "grader.probes", snap.root, runtime, limits,
                             env=env, sandbox=sandbox, scratch=work / "main",
                             outputs=(model["grading_file"],) if model else ())
        for grade_id, packages in isolated.items():
            alone = [t for t in tests if t[0] == grade_id]
            own = run_submission(cells, alone, "grader.probes", snap.root, runtime, limits,
                                 env=env, sandbox=sandbox, packages=tuple(packages),
                                 scratch=work / f"isolated-{grade_id}")
            run["data"].update(_isolated(own["data"], spec["isolation_note"]))
            run["log"] += own["log"]
        if file_tests:
            run["data"].update(_file_checks(file_tests, snap, run["outputs"], assignment,
                                            sandbox, limits, work, required)["data"])
        run["notes"] = form_notes + notes
        run["seconds"] = time.perf_counter() - start
        return run
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _isolated(data: dict, note: str) -> dict:
    """A test run where Keras is absent: a function that needs it says why it failed."""
    for parts in data.values():
        for result in parts.values():
            if isinstance(result, dict) and "error" in result and (
                    result.get("type") in ("ModuleNotFoundError", "ImportError", "NameError")
                    or result.get("kind") == "missing"):
                result["error"] = f"{result['error']} - {note}"
    return data


def _file_checks(file_tests, snap, outputs: Path | None, assignment: str, sandbox: Sandbox,
                 limits: config.Limits, work: Path, required: dict[str, int]) -> dict:
    """The checks of saved files, in a sandbox that runs no student code: the files as
    submitted (from the snapshot) and as the grading run wrote them."""
    model = config.MODEL_ASSIGNMENTS[assignment]
    files = work / "files"
    files.mkdir()
    if model["model_file"] in snap.files:
        _link(snap.root / model["model_file"], files / model["model_file"])
    if outputs is not None and (outputs / model["grading_file"]).is_file():
        _link(outputs / model["grading_file"], files / model["grading_file"])
    refused = {f"file:{name}": reason for name, reason in snap.refused.items() if name in required}
    runnable = [t for t in file_tests if t[1] not in refused]
    runtime = _runtime(work / "files-runtime", assignment, sandbox, files=True)
    result = run_submission([], runnable, "grader.model_probes", files, runtime,
                            dataclasses.replace(limits, timeout_s=max(
                                limits.timeout_s, config.MODEL_CHECK_TIMEOUT_S * 2)),
                            sandbox=sandbox, scratch=work / "files-run") if runnable else {"data": {}}
    for grade_id, target, _ in file_tests:
        if target in refused:
            failure = {"error": refused[target], "kind": "submission"}
            result["data"][grade_id] = {"visible": failure, "hidden": failure}
    return result


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


def submissions(submitted: str | Path, assignment: str) -> list[Path]:
    """The submission folders of nbgrader's layout ``submitted/<student>/<assignment>/``
    (with or without the notebook in them, links included: they are refused with a
    reason), students in name order."""
    return [p / assignment for p in sorted(Path(submitted).iterdir())
            if os.path.lexists(p / assignment) or p.is_symlink()]


def default_source(submitted: str | Path, assignment: str) -> Path | None:
    """The course directory's ``source/<assignment>/<notebook>`` beside ``submitted/``,
    whose locked cells are put back into every submission."""
    candidate = (Path(submitted).parent / "source" / assignment
                 / config.ASSIGNMENTS[assignment]["notebook"])
    return candidate if candidate.exists() else None
