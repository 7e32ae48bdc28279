"""What an assignment is, and where the course's assignments are found.

An assignment is one folder, ``assignments/source/<name>/``: its notebook
``<name>.ipynb`` (the solutions, hidden tests and each test cell's points, as nbgrader
keeps them), and ``assignment.py``, which defines ``ASSIGNMENT``: one
:class:`Assignment` (code the student writes, probed live) or :class:`ModelAssignment`
(a network the student trains and saves) with its tests as objects. nbgrader's release
leaves ``assignment.py`` out (``assignments/nbgrader_config.py``), and the grader's
sandbox does not see the folder (:mod:`grader.sandbox`).

A test's points are read from its notebook cell's metadata alone, where nbgrader reads
them too, so the two cannot disagree.
"""
from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader.config import DEFAULT_LIMITS, Limits

SOURCE = Path(__file__).resolve().parents[1] / "assignments" / "source"
SPEC_FILE = "assignment.py"
PARTS = ("visible", "hidden")  # a test's two halves: in the released notebook, and not


class Check(Protocol):
    """What a check is to the grader: the plain data its probe needs for each part, and
    a verdict on the plain data that comes back (``AssertionError`` with a reason)."""

    name: str  # what the notebook's test cell passes to ``check(name, ...)``

    def params(self, part: str) -> dict: ...

    def verify(self, part: str, data: dict) -> None: ...


@dataclass(frozen=True)
class CodeTest:
    """A test that probes ``name``, an object the student's code defines, in the
    process that ran it."""

    check: Check
    name: str
    what: str  # what it checks, as the notebook's table of tests says it

    @property
    def target(self) -> str:  # the runner's wire format (grader/runner.py)
        return self.name


@dataclass(frozen=True)
class FileTest:
    """A test of ``file``, a file of the submission (or one the grading run wrote),
    opened in a process that never ran student code."""

    check: Check
    file: str
    what: str

    @property
    def target(self) -> str:
        return "file:" + self.file


@dataclass(frozen=True)
class Assignment:
    """Code the student writes (functions, classes), probed where it ran.

    ``isolated``: grade_id -> the only packages besides the standard library that the
    test's own process may import, so that a rule like "do not call the Keras schedule"
    holds where Keras is not installed; ``isolation_note`` says so in its failures."""

    name: str
    title: str
    tests: dict[str, CodeTest | FileTest]
    limits: Limits = DEFAULT_LIMITS
    isolated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    isolation_note: str = ""

    @property
    def folder(self) -> Path:
        return SOURCE / self.name

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def notebook_path(self) -> Path:
        return self.folder / self.notebook

    @functools.cached_property
    def points(self) -> dict[str, float]:
        """grade_id -> points, from the notebook's test cells, in the spec's order."""
        found = notebook_points(self.notebook_path)
        if set(found) != set(self.tests):
            raise ValueError(f"{self.notebook_path}: graded cells {sorted(found)}, but "
                             f"{SPEC_FILE} has tests {sorted(self.tests)}")
        return {grade_id: found[grade_id] for grade_id in self.tests}

    @property
    def max_points(self) -> float:
        return sum(self.points.values())

    @property
    def outputs(self) -> tuple[str, ...]:
        """The files the grading run of the student's code writes and the file tests
        read (never taken from the submission itself)."""
        return ()

    def required_files(self, limits: Limits) -> dict[str, int]:
        """The files the grader reads of a submission, with their size limits."""
        return {self.notebook: limits.notebook_bytes}

    def checks(self) -> dict:
        return {test.check.name: test.check for test in self.tests.values()}

    def preflight(self) -> None:
        """What the grader needs before grading anyone (raises an exception that names
        what is missing); nothing for code assignments."""

    def write_runtime(self, folder: Path, *, files: bool) -> None:
        """Add to a sandbox's ``/runtime`` what this assignment's process reads; nothing
        for code assignments."""


@dataclass(frozen=True)
class ModelAssignment(Assignment):
    """A network the student trains and saves as ``model_file``. The grader loads the
    file itself (Keras's safe mode, in a process that never runs student code), checks
    it is the network ``architecture`` asks for, and scores it on held-out images the
    notebook never loads. Its three tests (:mod:`grader.checks.models`) need no list.

    The threshold is this course's own recorded mean of ``threshold_from`` (experiment,
    metric) in the active profile, less ``margin`` (``grader.thresholds``). The notebook
    trains with the ``settings_key`` entry of ``dlcourse.profiles``; run again for
    grading it trains on the quick slices and saves to :attr:`grading_file`, whose model
    must beat ``trains_above``.

    Opt-ins: ``split_from`` names the ``dlcourse.experiments`` module whose ``split``
    the notebook trains on (default: the dataset's first chapter's); ``gap_from`` adds a
    fourth test, ``test_gap``: the saved model's cross-entropy on held-out images less
    that on its training images is at most the mean of these records (``(experiment,
    metric)`` pairs; ``grader.thresholds.max_gap``)."""

    tests: dict = field(default_factory=dict)
    dataset: str = ""
    settings_key: str = ""
    model_file: str = ""
    threshold_from: tuple[str, str] = ("", "")
    margin: float = 0.0
    architecture: dict = field(default_factory=dict)
    trains_above: float = 0.0
    split_from: str = ""
    gap_from: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        from grader.checks.models import model_tests
        object.__setattr__(self, "tests", model_tests(self))

    @property
    def grading_file(self) -> str:
        stem, dot, suffix = self.model_file.rpartition(".")
        return f"{stem}.grading.{suffix}"

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.grading_file,)

    def required_files(self, limits: Limits) -> dict[str, int]:
        return {**super().required_files(limits), self.model_file: limits.model_bytes}

    def preflight(self) -> None:
        from grader.data import heldout_data, training_data
        heldout_data(self.name), training_data(self.name)

    def write_runtime(self, folder: Path, *, files: bool) -> None:
        """The file checks' image sets (never their labels), or what the set-up cell
        asks for in grading mode: the answers and the training slice."""
        import json

        from grader import runtime_files
        if files:
            (folder / "images").mkdir()
            for name in ("validation", "heldout") + (("training",) if self.gap_from else ()):
                runtime_files.link(runtime_files.image_file(self.name, name),
                                   folder / "images" / f"{name}.npy")
        else:
            from grader.data import grading_job
            (folder / "assignment.json").write_text(json.dumps(grading_job(self.name)))
            runtime_files.link(runtime_files.training_file(self.name), folder / "training.npz")


def notebook_points(path: Path) -> dict[str, float]:
    """grade_id -> points of a notebook's graded cells (nbgrader's cell metadata)."""
    import nbformat

    found = {}
    for cell in nbformat.read(str(path), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            found[meta["grade_id"]] = meta.get("points", 0)
    return found


def _load(folder: Path) -> Assignment:
    path = folder / SPEC_FILE
    spec = importlib.util.spec_from_file_location(f"_dlcourse_assignment_{folder.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = getattr(module, "ASSIGNMENT", None)
    if not isinstance(found, Assignment) or found.name != folder.name:
        raise ValueError(f"{path} must define ASSIGNMENT, an Assignment named {folder.name!r}")
    return found


@functools.lru_cache(maxsize=1)
def all_assignments() -> dict[str, Assignment]:
    """Every folder of ``assignments/source/`` with a spec, by name."""
    return {folder.name: _load(folder) for folder in sorted(SOURCE.iterdir())
            if (folder / SPEC_FILE).is_file()}


def get(name: str) -> Assignment:
    try:
        return all_assignments()[name]
    except KeyError:
        raise KeyError(f"no assignment {name!r}; known: {', '.join(all_assignments())}") from None


def model_assignment(name: str) -> ModelAssignment:
    found = get(name)
    if not isinstance(found, ModelAssignment):
        raise KeyError(f"{name!r} is not a model assignment")
    return found


def find_check(name: str) -> Check:
    """The check a notebook's test cell names, in whichever assignment declares it."""
    for assignment in all_assignments().values():
        found = assignment.checks().get(name)
        if found is not None:
            return found
    raise KeyError(f"no check named {name!r}")
