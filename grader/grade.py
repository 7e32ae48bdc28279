"""Grade submissions: run each one's code (:mod:`grader.run`), judge the plain data that
comes back with the checks' ``verify``, and give each test all its points or none, as
nbgrader does for an autograded test cell."""
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


def _judge(verify, check: str, parts: dict) -> str:
    """'' if both parts pass, else the reason the first failing part gives."""
    for part in ("visible", "hidden"):
        data = parts.get(part, {"error": "not run"})
        if data.get("skipped"):
            continue
        try:
            verify(check, part, data)
        except AssertionError as exc:
            return f"{part} tests: {exc}"
    return ""


def grade_submission(notebook: str | Path, assignment: str, student: str = "",
                     source: str | Path | None = None) -> dict:
    """Grade one submitted notebook; returns ``{"student", "results": [TestResult...],
    "cell_errors", "seconds"}``.

    The student's cells run in a scratch copy of the submission's folder, in grading
    mode, and the checks of the student's objects run in that same process. Checks of
    files (saved models) run afterwards in a fresh process that runs no student code,
    on the files as submitted (put back over whatever the student's code wrote), and on
    the files the grading run itself wrote.
    """
    spec = config.ASSIGNMENTS[assignment]
    checks = importlib.import_module(spec["checks"])
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
    results = []
    for grade_id, (check, _, points) in spec["tests"].items():
        reason = _judge(checks.verify, check, run["data"][grade_id])
        results.append(TestResult(student, grade_id, 0 if reason else points, points,
                                  not reason, reason))
    return {"student": student, "results": results, "cell_errors": run["cell_errors"],
            "seconds": time.perf_counter() - start}


def grade_directory(submitted: str | Path, assignment: str,
                    source: str | Path | None = None) -> list[dict]:
    """Grade nbgrader's layout ``submitted/<student>/<assignment>/<notebook>``, students
    in name order. ``source`` (the source notebook, default the course directory's
    ``source/<assignment>/<notebook>`` beside ``submitted``) restores locked cells."""
    submitted = Path(submitted)
    notebook_name = config.ASSIGNMENTS[assignment]["notebook"]
    if source is None:
        candidate = submitted.parent / "source" / assignment / notebook_name
        source = candidate if candidate.exists() else None
    graded = []
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        notebook = student_dir / assignment / notebook_name
        if notebook.exists():
            graded.append(grade_submission(notebook, assignment, student_dir.name, source))
    return graded
