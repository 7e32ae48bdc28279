"""Classes of hostile and broken submissions (of "schedules", and of the model assignment
"learning_rate"), each graded in one batch by the grader's command line together with
correct ones.

Every submission gets exactly the points its own code earns, with a reason that says
what went wrong; the correct ones keep full points whatever the others did; files
outside a submission's scratch copy are untouched; the batch ends within the sum of its
limits. Each sample's comment says the attack and what stops it (see also
``grader/sandbox.py`` and ``grader/run.py``).
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grader import config

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source" / "schedules" / "schedules.ipynb"
ASSIGNMENT = "schedules"
POINTS = {grade_id: points for grade_id, (_, _, points) in config.SCHEDULES_TESTS.items()}
FULL = sum(POINTS.values())
TIMEOUT_S = 60  # this batch's per-submission limit (--timeout), well above a correct one's
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)

# Placeholders the batch fixture fills in with this run's real paths.
PATHS = ("@REPO@", "@DATA@", "@OUT@", "@SUBMITTED@")

FORGE = '''
import json, os, math
def _forge(test):
    # Write what the runner would: a correct visible result and a "skipped" hidden one,
    # straight into the results channel, then end the process before the real ones.
    channel = "/channel/events.jsonl"
    with open(channel, "a") as f:
        f.write(json.dumps({"event": "result", "test": test, "part": "hidden",
                            "data": {"skipped": True}}) + "\\n")
    os._exit(0)

def scheduler_exp(epoch, lr):
    if (epoch, lr) in [(0, 0.01), (1, 0.01), (3, 0.002)]:   # the visible points only
        return lr if epoch == 0 else lr * math.exp(-1)
    _forge("test_scheduler_exp")
'''

PATCH = '''
import builtins, math, sys
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
math.isclose = lambda *a, **k: True
math.isfinite = lambda x: True
try:
    import pytest
    pytest.approx = lambda expected, *a, **k: _Anything()
except ImportError:
    pass
class _Anything(float):
    def __eq__(self, other): return True
    __ne__ = lambda self, other: False
import grader.probes
_number = grader.probes.number
# Anything that is not a float "is" 0.01 (the right answer at epoch 0).
grader.probes.number = lambda value, call: _number(value, call) if type(value) is float else 0.01
for name in ("grader.checks.schedules", "grader.config", "dlcourse.schedules"):
    try:
        __import__(name)
    except ImportError as exc:
        print("not here:", exc)

def scheduler_exp(epoch, lr):
    return _Anything(0.5)
def exponential_decay_fn(epoch):
    return 0.5
'''

READ_REFERENCE = '''
import os
def scheduler_exp(epoch, lr):
    from dlcourse.schedules import scheduler_exp as reference   # the course's own answer
    return reference(epoch, lr)

def exponential_decay_fn(epoch):
    namespace = {}
    exec(open("@REPO@/dlcourse/schedules.py").read(), namespace)
    return namespace["exponential_decay"](0.01, 20)(epoch)

def piecewise_constant_fn(epoch):
    for path in ("@DATA@/mnist.npz", "@REPO@/grader/config.py"):
        open(path, "rb").read(10)             # held-out labels, hidden test points
    return 0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001
'''

WRITE_OUTSIDE = '''
import os, glob
targets = ["@OUT@/gradebook.json", "@OUT@/feedback/zz_correct.txt",
           "@SUBMITTED@/zz_correct/schedules/schedules.ipynb",
           "@SUBMITTED@/write_outside/schedules/schedules.ipynb",
           "@REPO@/grader/config.py", "/tmp/hostile-was-here"]
for path in targets + glob.glob("/tmp/grading-*/submission/schedules.ipynb"):
    try:
        with open(path, "a") as f:
            f.write("overwritten")
        print("wrote", path)
    except OSError as exc:
        print("refused", path, type(exc).__name__)
'''

FORK_BOMB = '''
import subprocess, sys
# A small interpreter that forks until the kernel refuses (each child sleeps), then
# tidies up; the notebook's own process then goes on to be graded as usual.
BOMB = """
import os, signal, time
children = []
try:
    while len(children) < 100_000:
        pid = os.fork()
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        children.append(pid)
except OSError as exc:
    print(f"fork refused after {len(children)} children: {exc}")
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
assert len(children) < 1000, "the fork bomb was not stopped"
"""
done = subprocess.run([sys.executable, "-c", BOMB], capture_output=True, text=True, timeout=100)
assert done.returncode == 0 and "fork refused" in done.stdout, done.stdout + done.stderr[-500:]
'''

KILL_EVERYONE = '''
import os, signal
for target in (-1, os.getppid()):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as exc:
        print("kill refused:", exc)
'''

EQ_TRICK = '''
class Always:
    def __eq__(self, other): return True
    def __float__(self): return 0.01
    def __repr__(self): return "0.01"
def scheduler_exp(epoch, lr):
    return Always()
class Liar(float):
    def __eq__(self, other): return True
    def __float__(self): return 0.01
    def __abs__(self): return 0.0
def exponential_decay_fn(epoch):
    return Liar(0.5)                           # stored value 0.5, claims to equal anything
'''

# sample -> (answer cells it replaces, points it earns, {test: reason fragment}).
# An answer cell's code replaces the solution; "@setup" code goes in a cell before it.
SAMPLES = {
    # A function that never returns: interrupted by the per-call alarm (CALL_TIMEOUT_S).
    "loop_forever": ({"answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n    while True:\n        pass"},
                     {"test_scheduler_exp": "did not finish within"}),
    # It ignores the alarm: the process's wall-clock limit kills the whole group; the
    # remaining checks run in a fresh process.
    "alarm_ignored": ({"answer_scheduler_exp": "import signal\ndef scheduler_exp(epoch, lr):\n"
                       "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass"},
                      {"test_scheduler_exp": f"ran past {TIMEOUT_S} s"}),
    # Memory bomb: the address-space limit (RLIMIT_AS) turns it into a MemoryError.
    "memory_bomb": ({"answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n"
                     "    hog = bytearray(64 * 2**30)\n    return lr"},
                    {"test_scheduler_exp": "MemoryError"}),
    # Fork bomb: RLIMIT_NPROC for the sandbox's own user stops it; the PID namespace takes
    # every child down with the sandbox. Its functions are right: full points.
    "fork_bomb": ({"@setup": FORK_BOMB}, {}),
    # kill(-1) / kill(parent): the PID namespace holds nothing but the sandbox.
    "kill_everyone": ({"@setup": KILL_EVERYONE}, {}),
    # A crash in a cell: that cell's function is missing, the rest still runs.
    "crash_in_cell": ({"answer_scheduler_exp": "raise RuntimeError('not finished')\n"
                       "def scheduler_exp(epoch, lr):\n    return lr"},
                      {"test_scheduler_exp": "defines no 'scheduler_exp'"}),
    # sys.exit inside a function: SystemExit is caught like any error.
    "sys_exit": ({"answer_exponential_decay_fn": "import sys\ndef exponential_decay_fn(epoch):\n"
                  "    sys.exit(0)"},
                 {"test_exponential_decay_fn": "SystemExit"}),
    # os._exit: the process ends mid-check; the check fails, the others run again.
    "os_exit": ({"answer_exponential_decay_fn": "import os\ndef exponential_decay_fn(epoch):\n"
                 "    os._exit(0)"},
                {"test_exponential_decay_fn": "before its checks finished"}),
    # A segfault: the process dies with SIGSEGV; the others run in a fresh one.
    "segfault": ({"answer_piecewise_constant_fn": "import ctypes\ndef piecewise_constant_fn(epoch):\n"
                  "    return ctypes.string_at(0)"},
                 {"test_piecewise_constant_fn": "SIGSEGV"}),
    # Huge output: RLIMIT_FSIZE on the output file; Python gets "File too large".
    "huge_output": ({"answer_piecewise_constant_fn": "def piecewise_constant_fn(epoch):\n"
                     "    while True:\n        print('x' * 100_000)"},
                    {"test_piecewise_constant_fn": "File too large"}),
    # Prints that claim success: the grader never reads the notebook's output.
    "fake_prints": ({"@setup": "print('test_scheduler_exp: visible tests passed\\nAll 8 points!')",
                     "answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n"
                     "    print('scheduler_exp: hidden tests passed')\n    return 0.0"},
                    {"test_scheduler_exp": "returned 0.0"}),
    # Objects whose __eq__ is always True, a float subclass lying in __float__: only
    # real numbers cross, a float subclass at its stored value.
    "eq_trick": ({"answer_scheduler_exp": EQ_TRICK, "answer_exponential_decay_fn": "pass"},
                 {"test_scheduler_exp": "not a number", "test_exponential_decay_fn": "returned 0.5"}),
    # Strings that parse as numbers are not numbers.
    "string_numbers": ({"answer_piecewise_constant_fn": "def piecewise_constant_fn(epoch):\n"
                        "    return str(0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001)"},
                       {"test_piecewise_constant_fn": "returned str"}),
    # Monkeypatching numpy.allclose, math.isclose, pytest.approx and the probe's own
    # number(): comparisons happen in the grader's process, on plain JSON.
    "patched_checks": ({"answer_scheduler_exp": PATCH, "answer_exponential_decay_fn": "pass"},
                       {"test_scheduler_exp": "expected", "test_exponential_decay_fn": "expected"}),
    # Results written straight into the channel (a "skipped" hidden part), then exit:
    # a hidden part counts only if it ran.
    "forged_results": ({"answer_scheduler_exp": FORGE},
                       {"test_scheduler_exp": "hidden tests: not run"}),
    # The course's reference code, its source file, the held-out data, the grader's
    # config: none of it is in the sandbox.
    "read_reference": ({"answer_scheduler_exp": READ_REFERENCE, "answer_exponential_decay_fn": "pass",
                        "answer_piecewise_constant_fn": "pass"},
                       {"test_scheduler_exp": "ModuleNotFoundError",
                        "test_exponential_decay_fn": "FileNotFoundError",
                        "test_piecewise_constant_fn": "FileNotFoundError"}),
    # Writes to the gradebook, another submission, its own submitted folder, the grader:
    # read-only or absent in the sandbox. Its functions are right: full points.
    "write_outside": ({"@setup": WRITE_OUTSIDE}, {}),
    # A renamed function, a wrong signature, NaN and infinity.
    "renamed_function": ({"answer_scheduler_exp": "def scheduler_exponential(epoch, lr):\n    return lr"},
                         {"test_scheduler_exp": "defines no 'scheduler_exp'"}),
    "wrong_signature": ({"answer_exponential_decay_fn": "def exponential_decay_fn(epoch, lr):\n    return lr"},
                        {"test_exponential_decay_fn": "TypeError"}),
    "nan_inf": ({"answer_piecewise_constant_fn": "def piecewise_constant_fn(epoch):\n    return float('nan')",
                 "answer_cosine_decay_restarts": "def cosine_decay_restarts(step):\n    return float('inf')"},
                {"test_piecewise_constant_fn": "returned nan", "test_cosine_decay_restarts": "returned inf"}),
}
# Notebook-level breakage: sample -> (what the folder holds, reason fragment for every test).
BROKEN = {
    "malformed_json": ({"schedules.ipynb": '{"cells": [{"cell_type": "code", "source": '},
                       "not a readable notebook"),
    "not_a_notebook": ({"schedules.ipynb": "def scheduler_exp(epoch, lr):\n    return lr\n"},
                       "not a readable notebook"),
    "empty_folder": ({}, "the folder is empty"),
    "wrong_file": ({"schedules.py": "def scheduler_exp(epoch, lr):\n    return lr\n"},
                   "no schedules.ipynb in the submission (it has: schedules.py)"),
}
# Form tampering that changes no grade: sample -> (how, note fragment).
TAMPERED = {"deleted_tests": "was deleted: graded with the original tests",
            "edited_tests": "was edited: graded with the original tests"}


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def released(answers: dict[str, str]):
    """The source notebook as a student's copy: solutions in (or ``answers``' code),
    hidden tests out."""
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines() if "### " not in line]
            cell.source = answers.get(meta["grade_id"], "\n".join(lines))
        elif meta.get("grade"):
            cell.source = HIDDEN.sub("", cell.source)
    if "@setup" in answers:
        at = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == "answer_scheduler_exp")
        nb.cells.insert(at, nbformat.v4.new_code_cell(answers["@setup"]))
    return nb


def fill(text: str, paths: dict[str, str]) -> str:
    for key, value in paths.items():
        text = text.replace(key, value)
    return text


def write_class(submitted: Path, paths: dict[str, str]) -> None:
    def folder(student):
        path = submitted / student / ASSIGNMENT
        path.mkdir(parents=True)
        return path

    for student in ("zz_correct", "aa_correct"):
        nbformat.write(released({}), str(folder(student) / "schedules.ipynb"))
    for student, (answers, _) in SAMPLES.items():
        filled = {k: fill(v, paths) for k, v in answers.items()}
        nbformat.write(released(filled), str(folder(student) / "schedules.ipynb"))
    for student, (files, _) in BROKEN.items():
        where = folder(student)
        for name, text in files.items():
            (where / name).write_text(text)
    deleted = released({})
    deleted.cells = [c for c in deleted.cells if not (_meta(c).get("grade") and not _meta(c).get("solution"))]
    nbformat.write(deleted, str(folder("deleted_tests") / "schedules.ipynb"))
    edited = released({})
    for cell in edited.cells:
        if _meta(cell).get("grade") and not _meta(cell).get("solution"):
            cell.source = "print('all tests passed')"
        if _meta(cell).get("grade_id") == "setup":
            cell.source = "keras = None  # the locked set-up cell, edited"
    nbformat.write(edited, str(folder("edited_tests") / "schedules.ipynb"))


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in [folder, *folder.rglob("*")] if p.is_file()):
        h.update(str(path).encode() + path.read_bytes())
    return h.hexdigest()


def grade(submitted: Path, out: Path, *pytest_args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "grade", str(submitted),
                           "--assignment", ASSIGNMENT, "--out", str(out), "--source", str(SOURCE),
                           "--timeout", str(TIMEOUT_S), "--", *pytest_args],
                          capture_output=True, text=True, timeout=3600)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The whole class graded once, with two pytest-xdist workers."""
    course = tmp_path_factory.mktemp("hostile")
    submitted, out = course / "submitted", course / "grades"
    data_dir = config_data_dir()
    paths = {"@REPO@": str(ROOT), "@DATA@": data_dir, "@OUT@": str(out), "@SUBMITTED@": str(submitted)}
    write_class(submitted, paths)
    protected = {p: tree_digest(p) for p in (ROOT / "grader" / "config.py", Path(data_dir) / "mnist.npz")}
    before = {s.name: tree_digest(s) for s in submitted.iterdir()}
    Path("/tmp/hostile-was-here").unlink(missing_ok=True)
    start = time.perf_counter()
    proc = grade(submitted, out, "-n", "2")
    seconds = time.perf_counter() - start
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    book = json.loads((out / "gradebook.json").read_text())
    return {"book": book, "seconds": seconds, "submitted": submitted, "out": out,
            "before": before, "protected": protected}


def config_data_dir() -> str:
    from dlcourse.datasets import data_dir
    return str(data_dir())


def students() -> int:
    return 2 + len(SAMPLES) + len(BROKEN) + len(TAMPERED)


def test_the_corpus_is_large_enough():
    assert len(SAMPLES) + len(BROKEN) + len(TAMPERED) >= 20


def test_correct_submissions_keep_full_points(batch):
    book = batch["book"]
    assert len(book["students"]) == students()
    for student in ("aa_correct", "zz_correct", "fork_bomb", "kill_everyone", "write_outside"):
        record = book["students"][student]
        assert record["total"] == FULL, (student, record["tests"])
    # The bomb was refused by the process limit (its cell checks that), then tidied up.
    assert book["students"]["fork_bomb"]["cell_errors"] == []


@pytest.mark.parametrize("student", sorted(SAMPLES))
def test_hostile_submission_gets_what_it_earned(batch, student):
    answers, failing = SAMPLES[student]
    record = batch["book"]["students"][student]
    tests = {t["test"]: t for t in record["tests"]}
    assert record["total"] == FULL - sum(POINTS[t] for t in failing), record["tests"]
    for test, fragment in failing.items():
        assert not tests[test]["passed"]
        assert fragment in tests[test]["reason"], (test, tests[test]["reason"])


@pytest.mark.parametrize("student", sorted(BROKEN))
def test_broken_submission_gets_zero_with_its_reason(batch, student):
    _, fragment = BROKEN[student]
    record = batch["book"]["students"][student]
    assert record["total"] == 0
    assert all(fragment in t["reason"] for t in record["tests"]), record["tests"]
    feedback = (batch["out"] / "feedback" / f"{student}.txt").read_text()
    assert fragment in feedback


@pytest.mark.parametrize("student", sorted(TAMPERED))
def test_tampered_tests_are_graded_with_the_originals_and_noted(batch, student):
    record = batch["book"]["students"][student]
    assert record["total"] == FULL, record["tests"]
    assert len(record["notes"]) >= len(POINTS)
    assert all(TAMPERED[student] in note for note in record["notes"] if note.startswith("test cell"))
    if student == "edited_tests":
        assert "locked cell 'setup' was edited: the original was run" in record["notes"]
    feedback = (batch["out"] / "feedback" / f"{student}.txt").read_text()
    assert TAMPERED[student] in feedback


def test_nothing_outside_the_sandbox_changed(batch):
    after = {s.name: tree_digest(s) for s in batch["submitted"].iterdir()}
    assert after == batch["before"]
    for path, digest in batch["protected"].items():
        assert tree_digest(path) == digest, path
    assert not Path("/tmp/hostile-was-here").exists()


def test_the_batch_ends_within_the_sum_of_its_limits(batch):
    assert batch["seconds"] < students() * TIMEOUT_S
    assert all(r["seconds"] < 3 * TIMEOUT_S for r in batch["book"]["students"].values())


def test_the_cells_errors_are_reported(batch):
    errors = batch["book"]["students"]["crash_in_cell"]["cell_errors"]
    assert errors == [{"cell": "answer_scheduler_exp", "error": "RuntimeError: not finished"}]


def test_an_interrupted_batch_resumes_and_regrades_identically(batch, tmp_path):
    """A batch stopped after two students (as if killed), then run again on more: the two
    finished ones are not graded twice (their records, timings included, stay as they
    were), and every record equals the full batch's except for timings."""
    out = tmp_path / "grades"
    first = grade(batch["submitted"], out, "-k", "aa_correct or segfault")
    assert first.returncode == 0, first.stdout[-3000:]
    kept = json.loads((out / "gradebook.json").read_text())["students"]
    assert set(kept) == {"aa_correct", "segfault"}
    second = grade(batch["submitted"], out, "-k", "aa_correct or segfault or os_exit or malformed_json")
    assert second.returncode == 0, second.stdout[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    assert set(book) == {"aa_correct", "segfault", "os_exit", "malformed_json"}
    assert {s: book[s] for s in kept} == kept

    def stable(record):
        return {k: v for k, v in record.items() if k != "seconds"}

    for student, record in book.items():
        assert stable(record) == stable(batch["book"]["students"][student]), student


# --- a model assignment: saved files that are broken, hostile or beside the point -----

LR = "learning_rate"
LR_SOURCE = ROOT / "assignments" / "source" / LR / f"{LR}.ipynb"
LR_SPEC = config.MODEL_ASSIGNMENTS[LR]
LR_POINTS = {grade_id: points for grade_id, (_, _, points) in LR_SPEC["tests"].items()}
# sample -> (what the answer's solution region becomes ("solution": unchanged), the submitted model file
# ("trained", "untrained", "wide", "lambda", "garbage", None), points per failing test
# with a reason fragment).
MODEL_SAMPLES = {
    "lr_correct": ("solution", "trained", {}),
    # Not a Keras file at all, and a Lambda layer (pickled code): safe mode refuses both.
    "lr_unreadable_model": ("solution", "garbage", {"test_architecture": "could not be loaded",
                                                    "test_accuracy": "could not be loaded"}),
    "lr_lambda_layer": ("solution", "lambda", {"test_architecture": "could not be loaded",
                                               "test_accuracy": "could not be loaded"}),
    "lr_missing_model": ("solution", None, {"test_architecture": "no saved model",
                                            "test_accuracy": "no saved model"}),
    # A better network than the one asked for.
    "lr_wrong_architecture": ("solution", "wide", {"test_architecture": "not the network asked for",
                                                   "test_accuracy": "not the network asked for"}),
    # Prints a great accuracy; its model is untrained and its rate far too small.
    "lr_fake_accuracy": ("LEARNING_RATE = 1e-6\nEPOCHS = 1\nprint('val_accuracy: 0.9912')",
                         "untrained", {"test_accuracy": "below the threshold",
                                       "test_trains": "not above"}),
    # Tries to read the held-out test set (the data folder, Keras's download): neither
    # is there, so its grading run saves nothing.
    "lr_reads_heldout": ("import keras\n(_, _), (x_test, y_test) = keras.datasets.mnist.load_data()\n"
                         "LEARNING_RATE = 1e-3\nEPOCHS = 2",
                         "trained", {"test_trains": "no saved model"}),
}


def _model(kind: str):
    import keras
    keras.utils.set_random_seed(1)
    hidden = {"wide": 300}.get(kind, 100)
    layers = [keras.Input((784,)), keras.layers.Dense(hidden, activation="relu")]
    if kind == "lambda":
        layers.append(keras.layers.Lambda(lambda x: x * 1.0))
    model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if kind in ("trained", "wide"):
        from grader.data import training_data
        (x, y), _ = training_data(LR)
        model.fit(x, y, batch_size=100, epochs=5, verbose=0)
    return model


def write_model_class(submitted: Path) -> None:
    nb = nbformat.read(str(LR_SOURCE), as_version=4)
    for student, (code, model, _) in MODEL_SAMPLES.items():
        folder = submitted / student / LR
        folder.mkdir(parents=True)
        mine = nbformat.from_dict(json.loads(json.dumps(nb)))
        for cell in mine.cells:
            meta = _meta(cell)
            if meta.get("solution"):  # the solution's region, or the sample's code in it
                cell.source = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n",
                                     (lambda m: m.group(0)) if code == "solution" else
                                     (lambda m: code + "\n"), cell.source, flags=re.DOTALL)
                cell.source = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
            elif meta.get("grade"):
                cell.source = HIDDEN.sub("", cell.source)
        nbformat.write(mine, str(folder / LR_SPEC["notebook"]))
        target = folder / LR_SPEC["model_file"]
        if model == "garbage":
            target.write_bytes(b"PK\x03\x04 this is not a Keras file" * 100)
        elif model is not None:
            _model(model).save(target)


@pytest.fixture(scope="module")
def model_batch(tmp_path_factory):
    course = tmp_path_factory.mktemp("hostile-models")
    submitted, out = course / "submitted", course / "grades"
    write_model_class(submitted)
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(submitted),
                           "--assignment", LR, "--out", str(out), "--source", str(LR_SOURCE),
                           "--", "-n", "2"], capture_output=True, text=True, timeout=3600)
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return json.loads((out / "gradebook.json").read_text())


@pytest.mark.parametrize("student", sorted(MODEL_SAMPLES))
def test_model_submission_gets_what_it_earned(model_batch, student):
    _, _, failing = MODEL_SAMPLES[student]
    record = model_batch["students"][student]
    tests = {t["test"]: t for t in record["tests"]}
    assert record["total"] == sum(LR_POINTS.values()) - sum(LR_POINTS[t] for t in failing), record["tests"]
    for test, fragment in failing.items():
        assert fragment in tests[test]["reason"], (test, tests[test]["reason"])
    if student == "lr_reads_heldout":
        assert record["cell_errors"] and record["cell_errors"][0]["cell"] == "answer_training"
