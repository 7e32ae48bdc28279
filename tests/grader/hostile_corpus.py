"""The hostile corpus: each case a file of its own under ``hostile/``, its expected
points in its header (``hostile/README.md`` has the format). :func:`read_corpus` reads
and checks every file, failing loudly (:class:`CaseError`) on one it cannot trust; the
``write_*_class`` functions turn the cases of one assignment into the folder of
submissions that ``tests/grader/test_hostile_corpus.py`` grades in one batch, beside
correct submissions.
"""
from __future__ import annotations

import functools
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.assignments.registry import get as assignment_spec

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "hostile"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)

# Placeholders the batch fixture fills in with this run's real paths (in a code case's
# cells, and in a folder's links and texts).
PLACEHOLDERS = ("@REPO@", "@DATA@", "@OUT@", "@SUBMITTED@", "@LINGER@", "@OUTSIDE@")

# A .py case: a header (TOML, each line commented, between two FRONT lines), then its
# cells, each after a line "# %% <cell>".
FRONT = "# ---"
CELL = re.compile(r"^# %% (.*)\n?", re.MULTILINE)
SETUP = "@setup"  # a cell of the case's own (where: see the write_*_class functions)

# What a model case submits as its saved model: a file that write_model_class makes
# (hostile_corpus.MODEL_FILES, or a network it trains) or none.
MODEL_KINDS = {
    "learning_rate": ("trained", "untrained", "wide", "lambda", "adam", "garbage", "link_classmate",
                      "zip_link", "zip_dotdot", "zip_bomb", "sparse", "none"),
    "regularization": ("trained", "custom_l2", "l1", "zero_l2", "zero_dropout", "logits",
                       "nan_output", "sparse", "shrunk_logits", "shrunk_hidden", "shifted_bias",
                       "label_smoothing"),
}
# How a folder case makes an entry of the student's folder (exactly one per entry).
MAKES = ("text", "notebook", "link", "hard_link", "fifo", "folder", "sparse")


@dataclass(frozen=True)
class Kind:
    """What the cases of one folder of hostile/ are: their assignment, their files'
    suffixes, the header keys they may have besides case, attack and points."""

    assignment: str
    suffixes: tuple[str, ...]
    keys: frozenset[str]
    required: frozenset[str] = frozenset()
    cells: str = "answers"  # which cells a .py case may hold: "answers" (and @setup), or "training"


KINDS = {
    # Schedules notebooks whose answer cells (and an @setup cell before the first) the case's code replaces.
    "schedules/code": Kind("schedules", (".py",), frozenset({"fails", "cell_errors"})),
    # Submission folders made entry by entry (links, FIFOs, sparse files, ...).
    "schedules/folders": Kind("schedules", (".toml",), frozenset({"reason", "note", "make",
                                                                  "submitted", "submitted_from"}),
                              frozenset({"make"})),
    # A correct notebook whose test cells (or locked cells) were deleted or edited.
    "schedules/tampered": Kind("schedules", (".toml",),
                               frozenset({"note", "also_noted", "delete_test_cells", "test_cells",
                                          "locked_cells"}), frozenset({"note"})),
    # A correct notebook in a student folder whose name is hostile.
    "schedules/names": Kind("schedules", (".toml",),
                            frozenset({"folder", "folder_bytes", "reason", "make"})),
    # learning_rate: the answer cell's solution region (or the solution) and a saved model.
    "learning_rate": Kind("learning_rate", (".py", ".toml"),
                          frozenset({"model", "fails", "first_cell_error_in"}), frozenset({"model"}),
                          cells="training"),
    # regularization: the solution, trained for 2 epochs, and a saved model.
    "regularization": Kind("regularization", (".toml",), frozenset({"model", "fails"}),
                           frozenset({"model"})),
    # initialization: answer cells (and an @setup cell after the set-up cell).
    "initialization": Kind("initialization", (".py", ".toml"), frozenset({"fails"})),
}
# The order the batches were always graded in; within one, cases in name order.
ORDER = ("schedules", "learning_rate", "regularization", "initialization")
COMMON = frozenset({"case", "attack", "points"})


class CaseError(ValueError):
    """A case file that cannot be trusted: no header, a header that contradicts itself,
    points outside the assignment's range, an unknown key or cell."""


@dataclass(frozen=True)
class Case:
    path: Path
    kind: str  # the folder under hostile/ it is in: a key of KINDS
    header: dict
    cells: dict[str, str]  # a .py case's code: cell -> its code

    @property
    def name(self) -> str:
        return self.header["case"]

    @property
    def file(self) -> str:
        """Where it is, for messages: tests/grader/hostile/...."""
        return str(self.path.relative_to(ROOT))

    @property
    def id(self) -> str:
        return str(self.path.relative_to(CORPUS))

    @property
    def assignment(self) -> str:
        return KINDS[self.kind].assignment

    @property
    def points(self) -> float:
        return self.header["points"]

    @property
    def fails(self) -> dict[str, str]:
        return self.header.get("fails", {})

    @property
    def student(self) -> str:
        """Its folder's name in submitted/ (a name case's hostile name)."""
        if self.kind != "schedules/names":
            return self.name
        if "folder_bytes" in self.header:
            return os.fsdecode(decode_bytes(self.header["folder_bytes"]))
        return self.header["folder"]


def decode_bytes(text: str) -> bytes:
    r"""A header's bytes, written with Python's escapes (``\xff``) in a TOML literal string."""
    return text.encode("ascii").decode("unicode_escape").encode("latin-1")


def _fail(path: Path, message: str):
    raise CaseError(f"{path}: {message}")


def _split_py(path: Path, text: str) -> tuple[str, dict[str, str]]:
    """A .py case's header (its TOML, uncommented) and its cells."""
    lines = text.split("\n")
    if lines[0].rstrip() != FRONT or FRONT not in (line.rstrip() for line in lines[1:]):
        _fail(path, f"no header: a case file starts with a header between two '{FRONT}' lines")
    end = next(i for i, line in enumerate(lines) if i and line.rstrip() == FRONT)
    header = []
    for line in lines[1:end]:
        if not line.startswith("#"):
            _fail(path, f"header line {line!r} is not a comment")
        header.append(line[2:] if line.startswith("# ") else line[1:])
    body = "\n".join(lines[end + 1:])
    parts = CELL.split(body)
    if parts[0].strip():
        _fail(path, f"code before the first '# %% <cell>' line: {parts[0][:80]!r}")
    cells: dict[str, str] = {}
    for name, code in zip(parts[1::2], parts[2::2]):
        if name in cells:
            _fail(path, f"cell {name!r} twice")
        # The writer puts a newline after each cell's code (its last line's end).
        cells[name] = code[:-1] if code.endswith("\n") else code
    return "\n".join(header), cells


def read_case(path: Path, kind: str) -> Case:
    """One case file, checked against its kind and its assignment (CaseError if wrong)."""
    path = Path(path)
    spec = KINDS.get(kind)
    if spec is None:
        _fail(path, f"not in a folder of cases ({', '.join(KINDS)})")
    if path.suffix not in spec.suffixes:
        _fail(path, f"a case of {kind} is a {' or '.join(spec.suffixes)} file")
    text = path.read_text(encoding="utf-8")
    header_text, cells = _split_py(path, text) if path.suffix == ".py" else (text, {})
    try:
        header = tomllib.loads(header_text)
    except tomllib.TOMLDecodeError as exc:
        _fail(path, f"its header is not TOML: {exc}")
    missing = (COMMON | spec.required) - set(header)
    if missing:
        _fail(path, f"no header, or a header without {sorted(missing)}")
    unknown = set(header) - COMMON - spec.keys
    if unknown:
        _fail(path, f"unknown header keys {sorted(unknown)} (a case of {kind} may have "
                    f"{sorted(COMMON | spec.keys)})")
    if header["case"] != path.stem:
        _fail(path, f"the header names the case {header['case']!r}, the file {path.stem!r}")
    if not isinstance(header["attack"], str) or not header["attack"].strip():
        _fail(path, "'attack' says what the case attacks and what stops it")
    case = Case(path, kind, header, cells)
    _check_points(case)
    _check_cells(case)
    _check_rest(case)
    return case


def _check_points(case: Case) -> None:
    path, header = case.path, case.header
    tests = dict(assignment_spec(case.assignment).points)
    full = sum(tests.values())
    points = header["points"]
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 <= points <= full:
        _fail(path, f"points = {points!r}: not a number of points of {case.assignment} "
                    f"(0 to {full:g})")
    fails = header.get("fails", {})
    if not isinstance(fails, dict) or not all(isinstance(v, str) for v in fails.values()):
        _fail(path, "[fails] maps a test to a fragment of its reason")
    if set(fails) - set(tests):
        _fail(path, f"[fails] names tests {sorted(set(fails) - set(tests))} that "
                    f"{case.assignment} does not have ({sorted(tests)})")
    # What the rest of the header says it earns: every test but the failing ones (or,
    # where one reason is every test's, none).
    if "reason" in header:
        earned = 0
    elif case.kind == "schedules/tampered":
        earned = full
    else:
        earned = full - sum(tests[t] for t in fails)
    if points != earned:
        _fail(path, f"points = {points:g}, but the rest of its header gives {earned:g} of "
                    f"{full:g}" + (f" (failing: {sorted(fails)})" if fails else ""))


def _check_cells(case: Case) -> None:
    path, spec = case.path, KINDS[case.kind]
    if path.suffix != ".py":
        return
    if not case.cells:
        _fail(path, "no cells: a case without code is a .toml file")
    answers = [grade_id for grade_id, solution in _cells(case.assignment) if solution]
    allowed = ["answer_training"] if spec.cells == "training" else [SETUP, *answers]
    if set(case.cells) - set(allowed):
        _fail(path, f"cells {sorted(set(case.cells) - set(allowed))}: a case's cells are "
                    f"among {allowed}")


def _check_rest(case: Case) -> None:
    path, header = case.path, case.header
    model = header.get("model")
    if model is not None and model not in MODEL_KINDS[case.assignment]:
        _fail(path, f"model = {model!r}: one of {MODEL_KINDS[case.assignment]}")
    for entry in header.get("cell_errors", []):
        if not isinstance(entry, dict) or set(entry) - {"cell", "error", "error_contains"}:
            _fail(path, "each of cell_errors is {cell, error} or {cell, error_contains}")
    if case.kind == "schedules/names" and len({"folder", "folder_bytes"} & set(header)) != 1:
        _fail(path, "a name case has its folder's name as folder, or as folder_bytes")
    if case.kind == "schedules/tampered":
        locked = {grade_id for grade_id, solution in _cells(case.assignment) if not solution}
        if set(header.get("locked_cells", {})) - locked:
            _fail(path, f"locked_cells: {case.assignment} has no locked cells "
                        f"{sorted(set(header['locked_cells']) - locked)}")
    for entry in header.get("make", []):
        if not isinstance(entry, dict) or "path" not in entry or \
                len(set(MAKES) & set(entry)) != 1 or set(entry) - {"path", "repeat", *MAKES}:
            _fail(path, f"each [[make]] has a path and one of {MAKES} (and maybe repeat): {entry}")


@functools.cache
def _cells(assignment: str) -> list[tuple[str, bool]]:
    """The source notebook's cells with a grade id: (grade id, is an answer cell)."""
    nb = nbformat.read(str(assignment_spec(assignment).notebook_path), as_version=4)
    return [(_meta(c)["grade_id"], bool(_meta(c).get("solution"))) for c in nb.cells
            if _meta(c).get("grade_id")]


def read_corpus(corpus: Path = CORPUS) -> list[Case]:
    """Every case under ``corpus``, batch by batch (ORDER), in name order within one. Any
    other file there (README.md aside) is an error: a case the tests would not read."""
    cases, names = [], {}
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        if path.name == "README.md" or "__pycache__" in path.parts:
            continue
        kind = str(path.parent.relative_to(corpus))
        case = read_case(path, kind)
        key = (case.assignment, case.student)
        if key in names:
            _fail(path, f"its student folder {case.student!r} is also {names[key]}'s")
        names[key] = case.file
        cases.append(case)
    return sorted(cases, key=lambda c: (ORDER.index(c.assignment), c.kind, c.name))


def of(cases: list[Case], *kinds: str) -> list[Case]:
    return [c for c in cases if c.kind in kinds]


def fill(text: str, paths: dict[str, str]) -> str:
    for key, value in paths.items():
        text = text.replace(key, value)
    return text


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


# --- the schedules batch ------------------------------------------------------------

ASSIGNMENT = "schedules"
SPEC = assignment_spec(ASSIGNMENT)
SOURCE = SPEC.notebook_path
NB = SPEC.notebook
CORRECT = ("zz_correct", "aa_correct")  # graded beside the cases (first and last by name)


def released(answers: dict[str, str]):
    """The source notebook as a student's copy: solutions in (or ``answers``' code),
    hidden tests out; an @setup cell of its own before the first answer cell."""
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines() if "### " not in line]
            cell.source = answers.get(meta["grade_id"], "\n".join(lines))
        elif meta.get("grade"):
            cell.source = HIDDEN.sub("", cell.source)
    if SETUP in answers:
        at = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == "answer_scheduler_exp")
        nb.cells.insert(at, nbformat.v4.new_code_cell(answers[SETUP]))
    return nb


def make(entries: list[dict], student_dir: Path, paths: dict[str, str]) -> None:
    """A folder case's [[make]] entries, in order (paths from the student's folder; "."
    is the folder itself; a file's parent folders are made as needed)."""
    for entry in entries:
        for i in range(entry.get("repeat", 1)):
            where = entry["path"].format(i=i) if "repeat" in entry else entry["path"]
            target = student_dir / where
            if where != ".":
                target.parent.mkdir(parents=True, exist_ok=True)
            if "text" in entry:
                target.write_text(fill(entry["text"], paths))
            elif "notebook" in entry:
                assert entry["notebook"] == "correct", entry
                nbformat.write(released({}), str(target))
            elif "link" in entry:
                if where == ".":
                    target.rmdir()
                os.symlink(fill(entry["link"], paths), target)
            elif "hard_link" in entry:
                os.link(fill(entry["hard_link"], paths), target)
            elif "fifo" in entry:
                os.mkfifo(target)
            elif "folder" in entry:
                target.mkdir()
            elif "sparse" in entry:
                with open(target, "wb") as f:
                    f.truncate(entry["sparse"])  # a sparse file: no disk, but its full size counts


def write_class(submitted: Path, paths: dict[str, str], cases: list[Case]) -> None:
    """The schedules batch: the correct notebooks, then every case of schedules/."""
    def folder(student):
        path = submitted / student / ASSIGNMENT
        path.mkdir(parents=True)
        return path

    for student in CORRECT:
        nbformat.write(released({}), str(folder(student) / NB))
    for case in of(cases, "schedules/code"):
        filled = {k: fill(v, paths) for k, v in case.cells.items()}
        nbformat.write(released(filled), str(folder(case.student) / NB))
    for case in of(cases, "schedules/folders"):
        (submitted / case.student).mkdir()
        make(case.header["make"], submitted / case.student, paths)
    for case in of(cases, "schedules/tampered"):
        nb, header = released({}), case.header
        if header.get("delete_test_cells"):
            nb.cells = [c for c in nb.cells if not (_meta(c).get("grade") and not _meta(c).get("solution"))]
        for cell in nb.cells:
            if "test_cells" in header and _meta(cell).get("grade") and not _meta(cell).get("solution"):
                cell.source = header["test_cells"]
            if _meta(cell).get("grade_id") in header.get("locked_cells", {}):
                cell.source = header["locked_cells"][_meta(cell)["grade_id"]]
        nbformat.write(nb, str(folder(case.student) / NB))
    for case in of(cases, "schedules/names"):
        nbformat.write(released({}), str(folder(case.student) / NB))
        make(case.header.get("make", []), submitted / case.student, paths)


# --- learning_rate: saved files that are broken, hostile or beside the point -----------

LR = "learning_rate"
LR_SPEC = assignment_spec(LR)
LR_SOURCE = LR_SPEC.notebook_path


def _zip(target: Path, members: dict) -> None:
    """A zip holding ``members``: name -> bytes, or (bytes, mode) for a member's mode."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", "{}")
        for name, content in members.items():
            data, mode = content if isinstance(content, tuple) else (content, 0o644)
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def _sparse(target: Path, size: int) -> None:
    with open(target, "wb") as f:
        f.truncate(size)


# Model files that are not a network: model -> how it is made.
MODEL_FILES = {
    "garbage": lambda target, submitted: target.write_bytes(b"PK\x03\x04 this is not a Keras file" * 100),
    "link_classmate": lambda target, submitted: os.symlink(
        submitted / "lr_correct" / LR / LR_SPEC.model_file, target),
    "zip_link": lambda target, submitted: _zip(target, {"model.weights.h5": (b"/etc/passwd", 0o120777)}),
    "zip_dotdot": lambda target, submitted: _zip(target, {"../../evil.h5": b"x"}),
    "zip_bomb": lambda target, submitted: _zip(target, {"model.weights.h5": bytes(300 * 2**20)}),
    "sparse": lambda target, submitted: _sparse(target, 2**30),
}


def _model(kind: str):
    import keras
    keras.utils.set_random_seed(1)
    hidden = {"wide": 300}.get(kind, 100)
    layers = [keras.Input((784,)), keras.layers.Dense(hidden, activation="relu")]
    if kind == "lambda":
        layers.append(keras.layers.Lambda(lambda x: x * 1.0))
    model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
    optimizer = keras.optimizers.Adam(1e-3) if kind == "adam" else keras.optimizers.RMSprop(1e-3)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if kind in ("trained", "wide", "adam"):
        from grader.data import training_data
        (x, y), _ = training_data(LR)
        model.fit(x, y, batch_size=100, epochs=5, verbose=0)
    return model


def write_model_class(submitted: Path, cases: list[Case]) -> None:
    """Each learning_rate case: the source notebook, its answer cell's solution region
    replaced by the case's code (if it has any), and the saved model its header names."""
    nb = nbformat.read(str(LR_SOURCE), as_version=4)
    for case in of(cases, LR):
        code = case.cells.get("answer_training", "solution")
        folder = submitted / case.student / LR
        folder.mkdir(parents=True)
        mine = nbformat.from_dict(json.loads(json.dumps(nb)))
        for cell in mine.cells:
            meta = _meta(cell)
            if meta.get("solution"):  # the solution's region, or the case's code in it
                cell.source = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n",
                                     (lambda m: m.group(0)) if code == "solution" else
                                     (lambda m: code + "\n"), cell.source, flags=re.DOTALL)
                cell.source = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
            elif meta.get("grade"):
                cell.source = HIDDEN.sub("", cell.source)
        nbformat.write(mine, str(folder / LR_SPEC.notebook))
        target, model = folder / LR_SPEC.model_file, case.header["model"]
        if model in MODEL_FILES:
            MODEL_FILES[model](target, submitted)
        elif model != "none":
            _model(model).save(target)


# --- regularization: saved files aimed at its checks -------------------------------------
# (an L2 kernel regulariser on each hidden layer, dropout, the generalisation gap).

REG = "regularization"
REG_SPEC = assignment_spec(REG)
REG_SOURCE = REG_SPEC.notebook_path


def _posthoc_model(kind: str):
    """The quick profile's over-fitting network, edited after training (the shrunk_*,
    shifted_bias and label_smoothing models)."""
    import keras

    from grader.data import training_data

    (x, y), _ = training_data(REG)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(300, activation="relu"), keras.layers.Dropout(0.0),
        keras.layers.Dense(300, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    if kind == "label_smoothing":
        model.compile(optimizer=keras.optimizers.Adam(),
                      loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.5))
        model.fit(x, keras.ops.one_hot(y, 10), batch_size=32, epochs=15, verbose=0)
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if kind != "label_smoothing":
        model.fit(x, y, batch_size=32, epochs=15, verbose=0)
    hidden, output = model.layers[1::2], model.layers[-1]
    for layer in hidden:
        layer.kernel_regularizer = keras.regularizers.L2(1e-3)
    model.layers[2].rate = 0.5
    layer, scale, shift = {"shrunk_logits": (output, 50, 0.0), "shrunk_hidden": (hidden[-1], 20, 0.0),
                           "shifted_bias": (output, 50, 100.0)}.get(kind, (output, 1, 0.0))
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel / scale, bias / scale + shift])
    return model


def _reg_model(kind: str):
    import keras
    import numpy as np

    if kind in ("shrunk_logits", "shrunk_hidden", "shifted_bias", "label_smoothing"):
        return _posthoc_model(kind)
    keras.utils.set_random_seed(1)
    regularizer = {"l1": keras.regularizers.L1(1e-3), "zero_l2": keras.regularizers.L2(0.0)}.get(
        kind, keras.regularizers.L2(1e-3))
    if kind == "custom_l2":
        @keras.saving.register_keras_serializable(package="hostile")
        class Shrink(keras.regularizers.Regularizer):
            def __init__(self, l2=0.01):
                self.l2 = l2

            def __call__(self, x):
                return 0.0 * keras.ops.sum(x)

            def get_config(self):
                return {"l2": self.l2}
        regularizer = Shrink(0.01)
    rate = 0.0 if kind == "zero_dropout" else 0.5
    model = keras.Sequential([
        keras.Input((28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(300, activation="relu", kernel_regularizer=regularizer),
        keras.layers.Dropout(rate),
        keras.layers.Dense(300, activation="relu", kernel_regularizer=regularizer),
        keras.layers.Dense(10, activation=None if kind == "logits" else "softmax")])
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    from grader.data import training_data
    (x, y), _ = training_data(REG)
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    if kind == "nan_output":
        kernel, bias = model.layers[-1].get_weights()
        model.layers[-1].set_weights([kernel, np.full_like(bias, np.inf)])
    return model


def write_reg_class(submitted: Path, cases: list[Case]) -> None:
    """Each regularization case: the solution trained for 2 epochs (its grading run
    passes test_trains), and the saved model its header names."""
    nb = nbformat.read(str(REG_SOURCE), as_version=4)
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution"):
            cell.source = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
            cell.source = cell.source.replace("epochs=EPOCHS", "epochs=2")
        elif meta.get("grade"):
            cell.source = HIDDEN.sub("", cell.source)
    for case in of(cases, REG):
        folder = submitted / case.student / REG
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / REG_SPEC.notebook))
        target, model = folder / REG_SPEC.model_file, case.header["model"]
        if model in MODEL_FILES:
            MODEL_FILES[model](target, submitted)
        else:
            _reg_model(model).save(target)


# --- initialization: a code assignment whose answers are arrays ----------------------

INIT = "initialization"
INIT_SPEC = assignment_spec(INIT)


def write_init_class(submitted: Path, cases: list[Case]) -> None:
    """Each initialization case: the source notebook with the case's answer cells, and
    its @setup cell (if any) right after the set-up cell."""
    from grader.authoring import samples
    for case in of(cases, INIT):
        folder = submitted / case.student / INIT
        folder.mkdir(parents=True)
        sample = samples.Sample(answers={k: v for k, v in case.cells.items() if k != SETUP})
        nb = samples.submission(INIT_SPEC, sample)
        if SETUP in case.cells:
            at = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == "setup")
            nb.cells.insert(at + 1, nbformat.v4.new_code_cell(case.cells[SETUP]))
        nbformat.write(nb, str(folder / INIT_SPEC.notebook))
