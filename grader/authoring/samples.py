"""An assignment's sample submissions, kept in its folder (``samples.py``, which defines
``SAMPLES``: name -> :class:`Sample`), each with the points and reasons it must get.

A sample is the source or released notebook with some answer cells rewritten, as a
student would write them. The tests grade every assignment's samples with the grader
and with nbgrader (``tests/grader/assignment_samples.py``); the benchmarks build classes from
them. nbgrader's release leaves ``samples.py`` out.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

SAMPLES_FILE = "samples.py"
Answer = str | Callable[[str], str]  # a cell's code, or a function of its solution


@dataclass(frozen=True)
class Sample:
    """``answers``: answer cell id -> its code (or a function of the solution's code);
    the other answer cells keep the solution. ``failing``: the tests it fails, each with
    a fragment of its reason ("" for any); it gets every other test's points.
    ``cell_errors``: cell id -> the error its cell shows when graded (None: not
    checked). ``model_from``: a model assignment's sample that submits the model
    another sample's run saved (a good earlier run), instead of its own run's."""

    answers: dict[str, Answer] = field(default_factory=dict)
    failing: dict[str, str] = field(default_factory=dict)
    cell_errors: dict[str, str] | None = None
    model_from: str | None = None

    def points(self, spec) -> dict[str, float]:
        return {grade_id: 0 if grade_id in self.failing else points
                for grade_id, points in spec.points.items()}


def replaced(pairs: dict[str, str]) -> Callable[[str], str]:
    """The solution with each ``old`` text replaced by ``new`` (each must be there)."""
    def answer(code: str) -> str:
        for old, new in pairs.items():
            if old not in code:
                raise ValueError(f"{old!r} is not in the solution")
            code = code.replace(old, new)
        return code
    return answer


def prepended(text: str) -> Callable[[str], str]:
    return lambda code: text + code


def model_samples(*, partial: Answer, wrong: Answer,
                  answer_cell: str = "answer_training") -> dict[str, Sample]:
    """A model assignment's four samples: "correct" (the solution); "partial" (the
    network asked for, badly trained: ``partial`` rewrites the answer cell); "wrong"
    (another network, trained well: ``wrong``); "crashing" (the model file of a good
    earlier run, but the notebook's code now raises)."""
    wrong_network = "is not the network asked for"
    return {
        "correct": Sample(cell_errors={}),
        "partial": Sample(answers={answer_cell: partial},
                          failing={"test_accuracy": "below the threshold",
                                   "test_trains": "not above"}),
        "wrong": Sample(answers={answer_cell: wrong},
                        failing={"test_architecture": wrong_network, "test_accuracy": wrong_network,
                                 "test_trains": wrong_network}),
        "crashing": Sample(
            answers={answer_cell: prepended("raise RuntimeError('half-written cell')\n")},
            failing={"test_trains": "no saved model"}, model_from="correct",
            cell_errors={answer_cell: "RuntimeError: half-written cell"}),
    }


def load(spec) -> dict[str, Sample]:
    """The samples of assignment ``spec`` (:class:`grader.assignments.spec.Assignment`)."""
    path = spec.folder / SAMPLES_FILE
    module_spec = importlib.util.spec_from_file_location(f"_dlcourse_samples_{spec.name}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    unknown = {g for s in module.SAMPLES.values() for g in s.failing} - set(spec.tests)
    if unknown:
        raise ValueError(f"{path}: no tests {sorted(unknown)} in the assignment")
    return module.SAMPLES


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solutions(spec) -> dict[str, str]:
    """Answer cell id -> the source notebook's solution (without the ``###`` markers)."""
    import nbformat

    source = nbformat.read(str(spec.notebook_path), as_version=4)
    return {_meta(c)["grade_id"]: "\n".join(line for line in c.source.splitlines()
                                            if "### " not in line)
            for c in source.cells if _meta(c).get("solution")}


def submission(spec, sample: Sample, notebook: Path | None = None):
    """``notebook`` (default: the source; or the release) with every answer cell
    holding the source's solution, or the sample's answer for it."""
    import nbformat

    answers = solutions(spec)
    unknown = set(sample.answers) - set(answers)
    if unknown:
        raise ValueError(f"no answer cells {sorted(unknown)} in {spec.notebook}")
    nb = nbformat.read(str(notebook or spec.notebook_path), as_version=4)
    for cell in nb.cells:
        grade_id = _meta(cell).get("grade_id")
        if _meta(cell).get("solution"):
            answer = sample.answers.get(grade_id, answers[grade_id])
            cell.source = answer(answers[grade_id]) if callable(answer) else answer
    return nb
