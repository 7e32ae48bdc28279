"""Grade one submission: run its code (:mod:`grader.run`) and judge the plain data that
comes back with the checks' ``verify``; each test gives all its points or none, as
nbgrader does for an autograded test cell. :mod:`grader.pytest_plugin` turns every
(submission, test) into a pytest item on top of these two functions."""
from __future__ import annotations

import dataclasses
import importlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from grader import config
from grader.extract import integrity_notes, student_cells
from grader.run import run_submission
from grader.sandbox import Sandbox, write_runtime


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


def judge(assignment: str, grade_id: str, parts: dict) -> None:
    """Raise ``AssertionError`` ("<part> tests: <reason>") unless both parts of test
    ``grade_id`` pass on the data :func:`run_checks` gathered for it."""
    spec = config.ASSIGNMENTS[assignment]
    check = spec["tests"][grade_id][0]
    verify = importlib.import_module(spec["checks"]).verify
    for part in ("visible", "hidden"):
        data = parts.get(part, {"error": "not run"})
        if not isinstance(data, dict) or data.get("skipped"):
            # Legitimately skipped only after the visible part failed, which raised above.
            raise AssertionError(f"{part} tests: not run")
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


_TRAINING: dict[str, Path] = {}


def _training_file(assignment: str) -> Path:
    """The grading run's training data of a model assignment, as one ``.npz`` file
    (made once per grading process): all the sandbox gets of the dataset."""
    if assignment not in _TRAINING:
        import numpy as np

        from grader import data
        (x_train, y_train), (x_valid, y_valid) = data.training_data(assignment, grading_mode=True)
        folder = Path(tempfile.mkdtemp(prefix="grader-data-"))
        np.savez(folder / "training.npz", x_train=x_train, y_train=y_train,
                 x_valid=x_valid, y_valid=y_valid)
        os.chmod(folder, 0o755)
        _TRAINING[assignment] = folder / "training.npz"
    return _TRAINING[assignment]


def _runtime(folder: Path, assignment: str) -> Path:
    """The sandbox's ``/runtime``: its ``grader`` package and, for a model assignment,
    what the set-up cell asks for, answered in grading mode."""
    write_runtime(folder)
    model = config.MODEL_ASSIGNMENTS.get(assignment)
    if model:
        from grader.data import grading_job
        (folder / "assignment.json").write_text(json.dumps(grading_job(assignment)))
        training = _training_file(assignment)
        try:
            os.link(training, folder / "training.npz")
        except OSError:
            shutil.copy(training, folder / "training.npz")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def run_checks(notebook: str | Path, assignment: str,
               source: str | Path | None = None, *, sandbox: Sandbox | None = None,
               limits: config.Limits | None = None) -> dict:
    """Run one submitted notebook's code and probe its tests; returns ``{"data":
    {grade_id: {part: data}}, "cell_errors", "notes", "log", "seconds"}``.

    The student's cells run in a scratch copy of the submission's folder, in grading
    mode, in a sandbox (:mod:`grader.sandbox`); the probes of the student's objects run
    in that same process. Checks of files (saved models) run afterwards in a fresh
    process that runs no student code, on the files as submitted (put back over
    whatever the student's code wrote), and on the files the grading run itself wrote.
    """
    spec = config.ASSIGNMENTS[assignment]
    sandbox = sandbox or Sandbox()
    limits = limits or spec["limits"]
    checks = importlib.import_module(spec["checks"])
    tests = [(grade_id, name, {part: checks.probe_params(check, part) for part in ("visible", "hidden")})
             for grade_id, (check, name, _) in spec["tests"].items()]
    code_tests = [t for t in tests if not t[1].startswith("file:")]
    file_tests = [t for t in tests if t[1].startswith("file:")]
    notebook = Path(notebook)
    folder = notebook.parent
    start = time.perf_counter()
    try:
        cells, notes = read_submission(notebook, source)
    except SubmissionError as exc:
        reason = {"error": str(exc)}
        return {"data": {g: {"visible": reason, "hidden": reason} for g, _, _ in tests},
                "cell_errors": [], "notes": [str(exc)], "log": "",
                "seconds": time.perf_counter() - start}
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        os.chmod(tmp, 0o755)
        work = Path(tmp) / "submission"
        shutil.copytree(folder, work, symlinks=True)
        model = config.MODEL_ASSIGNMENTS.get(assignment)
        if model:  # only the grading run may write the file its "trains" check reads
            (work / model["grading_file"]).unlink(missing_ok=True)
        runtime = _runtime(Path(tmp) / "runtime", assignment)
        run = run_submission(cells, code_tests, "grader.probes", work, limits,
                             env={config.GRADING_ENV: "1"}, sandbox=sandbox, runtime=runtime)
        if file_tests:
            # The grader's own files again: nothing the student's process left behind.
            shutil.rmtree(runtime)
            if model:  # the model as submitted, not one the grading run wrote over it
                (work / model["model_file"]).unlink(missing_ok=True)
                if (folder / model["model_file"]).is_file():
                    shutil.copy2(folder / model["model_file"], work / model["model_file"])
            files = run_submission([], file_tests, spec["checks"], work,
                                   dataclasses.replace(limits, timeout_s=max(
                                       limits.timeout_s, config.MODEL_CHECK_TIMEOUT_S * 2)))
            run["data"].update(files["data"])
            run["log"] += files["log"]
    run["notes"] = notes
    run["seconds"] = time.perf_counter() - start
    return run


def read_submission(notebook: Path, source: str | Path | None) -> tuple[list[dict], list[str]]:
    """The code to run and what is wrong with the notebook's form (edited or deleted
    test cells, edited locked cells: graded with the originals all the same)."""
    if not notebook.is_file():
        found = sorted(p.name for p in notebook.parent.iterdir()) if notebook.parent.is_dir() else []
        raise SubmissionError(f"no {notebook.name} in the submission"
                              + (f" (it has: {', '.join(found[:10])})" if found else " (the folder is empty)"))
    try:
        return student_cells(notebook, source), integrity_notes(notebook, source)
    except Exception as exc:  # noqa: BLE001 - anything nbformat refuses
        raise SubmissionError(f"{notebook.name} is not a readable notebook: "
                              f"{type(exc).__name__}: {str(exc)[:200]}") from None


def submissions(submitted: str | Path, assignment: str) -> list[Path]:
    """The submission folders of nbgrader's layout ``submitted/<student>/<assignment>/``
    (with or without the notebook in them), students in name order."""
    return [p / assignment for p in sorted(Path(submitted).iterdir())
            if (p / assignment).is_dir()]


def default_source(submitted: str | Path, assignment: str) -> Path | None:
    """The course directory's ``source/<assignment>/<notebook>`` beside ``submitted/``,
    whose locked cells are put back into every submission."""
    candidate = (Path(submitted).parent / "source" / assignment
                 / config.ASSIGNMENTS[assignment]["notebook"])
    return candidate if candidate.exists() else None
