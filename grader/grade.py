"""Grade one submission: run its code (:mod:`grader.run`) and judge the plain data that
comes back with the checks' ``verify``; each test gives all its points or none, as
nbgrader does for an autograded test cell. :mod:`grader.pytest_plugin` turns every
(submission, test) into a pytest item on top of these two functions."""
from __future__ import annotations

import importlib
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from grader import config
from grader.extract import student_cells
from grader.run import run_submission


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
        if data.get("skipped"):
            continue
        try:
            verify(check, part, data)
        except AssertionError as exc:
            raise AssertionError(f"{part} tests: {exc}") from None


def run_checks(notebook: str | Path, assignment: str,
               source: str | Path | None = None) -> dict:
    """Run one submitted notebook's code and probe its tests; returns ``{"data":
    {grade_id: {part: data}}, "cell_errors", "log", "seconds"}``.

    The student's cells run in a scratch copy of the submission's folder, in grading
    mode, and the checks of the student's objects run in that same process. Checks of
    files (saved models) run afterwards in a fresh process that runs no student code,
    on the files as submitted (put back over whatever the student's code wrote), and on
    the files the grading run itself wrote.
    """
    spec = config.ASSIGNMENTS[assignment]
    tests = [(grade_id, check, name) for grade_id, (check, name, _) in spec["tests"].items()]
    code_tests = [t for t in tests if not t[2].startswith("file:")]
    file_tests = [t for t in tests if t[2].startswith("file:")]
    folder = Path(notebook).parent
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        work = Path(tmp) / folder.name
        shutil.copytree(folder, work)
        model = config.MODEL_ASSIGNMENTS.get(assignment)
        if model:  # only the grading run may write the file its "trains" check reads
            (work / model["grading_file"]).unlink(missing_ok=True)
        run = run_submission(student_cells(notebook, source), code_tests, spec["checks"],
                             cwd=work, env={config.GRADING_ENV: "1"})
        if file_tests:
            if model:  # the model as submitted, not one the grading run wrote over it
                (work / model["model_file"]).unlink(missing_ok=True)
                if (folder / model["model_file"]).is_file():
                    shutil.copy2(folder / model["model_file"], work / model["model_file"])
            files = run_submission([], file_tests, spec["checks"], cwd=work)
            run["data"].update(files["data"])
            run["log"] += files["log"]
    run["seconds"] = time.perf_counter() - start
    return run


def submissions(submitted: str | Path, assignment: str) -> list[Path]:
    """The notebooks of nbgrader's layout ``submitted/<student>/<assignment>/<notebook>``,
    students in name order."""
    name = config.ASSIGNMENTS[assignment]["notebook"]
    return [p / assignment / name for p in sorted(Path(submitted).iterdir())
            if (p / assignment / name).is_file()]


def default_source(submitted: str | Path, assignment: str) -> Path | None:
    """The course directory's ``source/<assignment>/<notebook>`` beside ``submitted/``,
    whose locked cells are put back into every submission."""
    candidate = (Path(submitted).parent / "source" / assignment
                 / config.ASSIGNMENTS[assignment]["notebook"])
    return candidate if candidate.exists() else None
