"""The hostile corpus: hostile and broken submissions, each a file of its own under
``tests/grader/hostile/`` with its exact expected points in its header
(``hostile/README.md``), graded by the grader's command line in one batch per
assignment beside correct submissions.

Every submission gets exactly the points its header says, with a reason that says what
went wrong; the correct ones keep full points whatever the others did; files outside a
submission's scratch copy are untouched; the batch ends within the sum of its limits.
Each case's header says the attack and what stops it (see also ``grader/host/sandbox.py``
and ``grader/host/run.py``).
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from hostile_corpus import (
    ASSIGNMENT,
    CORRECT,
    INIT,
    INIT_SPEC,
    LR,
    LR_SOURCE,
    NB,
    REG,
    REG_SOURCE,
    ROOT,
    SOURCE,
    SPEC,
    Case,
    CaseError,
    of,
    read_case,
    read_corpus,
    released,
    write_class,
    write_init_class,
    write_model_class,
    write_reg_class,
)

from grader.pytest_plugin import Status
from grader.results.safe_output import FORMULA_START, file_stem, student_id

CASES = read_corpus()
POINTS = dict(SPEC.points)
FULL = sum(POINTS.values())
TIMEOUT_S = 60  # the schedules batch's per-submission limit (--timeout), well above a correct one's
INIT_TIMEOUT_S = 30  # the initialization batch's --timeout: a correct submission's process needs ~2 s
SCHEDULES = [c for c in CASES if c.assignment == ASSIGNMENT]
WARM = sorted(c.name for c in of(CASES, "schedules/code") if c.name.startswith("warm_"))
BATCH = {ASSIGNMENT: "batch", LR: "model_batch", REG: "reg_batch", INIT: "init_batch"}


def _case(student: str) -> Case:
    return next(c for c in SCHEDULES if c.student == student)


def tree_digest(folder: Path) -> str:
    """A hash of a folder's entries as they are (links as links, big files by size)."""
    h = hashlib.sha256()
    for path in sorted([folder, *folder.rglob("*")]):
        st = path.lstat()
        h.update(os.fsencode(path) + str(st.st_mode).encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes() if st.st_size < 2**26 else str(st.st_size).encode())
    return h.hexdigest()


def grade(submitted: Path, out: Path, *pytest_args: str, tmpdir: Path | None = None,
          assignment: str = ASSIGNMENT, source: Path = SOURCE, timeout: float | None = TIMEOUT_S,
          wait: bool = True, options: tuple[str, ...] = ()):
    env = {**os.environ, **({"TMPDIR": str(tmpdir)} if tmpdir else {})}
    argv = [sys.executable, "-m", "grader", "grade", str(submitted), "--assignment", assignment,
            "--out", str(out), "--source", str(source),
            *(["--timeout", str(timeout)] if timeout else []), *options, "--", *pytest_args]
    if not wait:
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(argv, capture_output=True, text=True, timeout=3600, env=env)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The whole schedules class (every case of hostile/schedules/ and the correct
    notebooks) graded once, with two pytest-xdist workers."""
    course = tmp_path_factory.mktemp("hostile")
    submitted, out = course / "submitted", course / "grades"
    data_dir = config_data_dir()
    outside = course / "outside" / "solution.ipynb"  # a file outside every submission
    outside.parent.mkdir()
    nbformat.write(released({}), str(outside))
    paths = {"@REPO@": str(ROOT), "@DATA@": data_dir, "@OUT@": str(out), "@SUBMITTED@": str(submitted),
             "@LINGER@": "600", "@OUTSIDE@": str(outside)}
    write_class(submitted, paths, CASES)
    protected = {p: tree_digest(p) for p in (ROOT / "grader" / "config.py", SPEC.folder,
                                              Path(data_dir) / "mnist.npz")}
    before = {s.name: tree_digest(s) for s in submitted.iterdir()}
    Path("/tmp/hostile-was-here").unlink(missing_ok=True)
    tmpdir = course / "tmp"  # the grader's temporary directory: empty again afterwards
    tmpdir.mkdir()
    start = time.perf_counter()
    with Footprint(tmpdir, out) as footprint:
        proc = grade(submitted, out, "-n", "2", tmpdir=tmpdir)
    seconds = time.perf_counter() - start
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    book = json.loads((out / "gradebook.json").read_text())
    return {"book": book, "seconds": seconds, "submitted": submitted, "out": out,
            "stdout": proc.stdout, "returncode": proc.returncode,
            "before": before, "protected": protected, "tmpdir": tmpdir, "footprint": footprint}


class Footprint:
    """The disk the grader itself takes while it runs: the largest use seen (in blocks
    written, so a sparse file counts as what it holds) of each of its folders, sampled
    every 0.2 s; the rest of the disk (another test worker, a package install) is not
    its doing and not counted."""

    def __init__(self, *folders: Path):
        import threading
        self.folders, self.peak = folders, dict.fromkeys(map(str, folders), 0)
        self._stop, self._thread = threading.Event(), threading.Thread(target=self._sample)

    @staticmethod
    def used(folder: Path) -> int:
        total = 0
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
        return total

    def _sample(self):
        while not self._stop.wait(0.2):
            for folder in self.folders:
                self.peak[str(folder)] = max(self.peak[str(folder)], self.used(folder))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        for folder in self.folders:
            self.peak[str(folder)] = max(self.peak[str(folder)], self.used(folder))


def config_data_dir() -> str:
    from dlcourse.datasets import data_dir
    return str(data_dir())


def _grade_class(course: Path, assignment: str, source: Path, *options: str, timeout: int = 3600) -> dict:
    submitted, out = course / "submitted", course / "grades"
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(submitted),
                           "--assignment", assignment, "--out", str(out), "--source", str(source),
                           *options, "--", "-n", "2"], capture_output=True, text=True, timeout=timeout)
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return {"book": json.loads((out / "gradebook.json").read_text()), "out": out}


@pytest.fixture(scope="module")
def model_batch(tmp_path_factory):
    """Every case of hostile/learning_rate/ (lr_correct among them), graded once."""
    course = tmp_path_factory.mktemp("hostile-models")
    write_model_class(course / "submitted", CASES)
    return _grade_class(course, LR, LR_SOURCE)


@pytest.fixture(scope="module")
def reg_batch(tmp_path_factory):
    """Every case of hostile/regularization/ (reg_correct among them), graded once."""
    course = tmp_path_factory.mktemp("hostile-regularization")
    write_reg_class(course / "submitted", CASES)
    return _grade_class(course, REG, REG_SOURCE)


@pytest.fixture(scope="module")
def init_batch(tmp_path_factory):
    """Every case of hostile/initialization/ (init_correct among them), graded once:
    arrays too big for the runner, NaN and non-numbers, weights that change from call to
    call, Keras where the tests run without it. What stops each: grader/inside/probes.py bounds
    an array's size before it is copied, grader/host/run.py drops a result line over 4 MiB,
    and grader/checks/initialization.py judges the plain data in the grader's process
    (shape, finiteness, statistics, the same seed's weights twice) and trains the network
    there."""
    course = tmp_path_factory.mktemp("hostile-initialization")
    write_init_class(course / "submitted", CASES)
    return _grade_class(course, INIT, INIT_SPEC.notebook_path, "--timeout", str(INIT_TIMEOUT_S),
                        timeout=1800)


def students() -> int:
    return len(CORRECT) + len(SCHEDULES)


# --- the case files ------------------------------------------------------------------

def test_the_corpus_is_large_enough():
    assert len(of(CASES, "schedules/code", "schedules/folders", "schedules/tampered")) >= 50
    assert {c.assignment for c in CASES} == set(BATCH)


GOOD = '''# ---
# case = "{name}"
# attack = "A crash in a cell."
# points = {points}
#
# [fails]
# test_scheduler_exp = "defines no 'scheduler_exp'"
# ---
# %% answer_scheduler_exp
raise RuntimeError("not finished")
'''


def test_a_well_formed_case_file_is_read(tmp_path):
    path = tmp_path / "crash.py"
    path.write_text(GOOD.format(name="crash", points=7))
    case = read_case(path, "schedules/code")
    assert (case.points, case.fails) == (7, {"test_scheduler_exp": "defines no 'scheduler_exp'"})
    assert case.cells == {"answer_scheduler_exp": 'raise RuntimeError("not finished")'}


@pytest.mark.parametrize("text, kind, error", [
    # No header at all: the attack alone.
    ('def scheduler_exp(epoch, lr):\n    return lr\n', "schedules/code", "no header"),
    # A header that is never closed, or lacks the points.
    (GOOD.format(name="crash", points=7).replace("# ---\n# %%", "# %%"), "schedules/code", "no header"),
    (GOOD.format(name="crash", points=7).replace("# points = 7\n", ""), "schedules/code",
     "without ['points']"),
    # Points outside the assignment's range (0 to 8), or not a number.
    (GOOD.format(name="crash", points=9), "schedules/code", "not a number of points"),
    (GOOD.format(name="crash", points=-1), "schedules/code", "not a number of points"),
    (GOOD.format(name="crash", points='"all"'), "schedules/code", "not a number of points"),
    # Points the rest of the header contradicts, a test or cell the assignment lacks.
    (GOOD.format(name="crash", points=8), "schedules/code", "the rest of its header gives 7"),
    (GOOD.format(name="crash", points=7).replace("test_scheduler_exp =", "test_nothing ="),
     "schedules/code", "does not have"),
    (GOOD.format(name="crash", points=7).replace("%% answer_scheduler_exp", "%% answer_nothing"),
     "schedules/code", "a case's cells are among"),
    # A typo in a key, another case's name, not TOML, a case in no known folder.
    (GOOD.format(name="crash", points=7).replace("[fails]", "[failing]"), "schedules/code",
     "unknown header keys ['failing']"),
    (GOOD.format(name="other", points=7), "schedules/code", "names the case 'other'"),
    (GOOD.format(name="crash", points=7).replace("points = 7", "points: 7"), "schedules/code",
     "not TOML"),
    (GOOD.format(name="crash", points=7), "schedules/elsewhere", "not in a folder of cases"),
    # A .toml case: a header without points; a model no batch can make.
    ('case = "crash"\nattack = "A bad model."\nmodel = "trained"\n', "regularization",
     "without ['points']"),
    ('case = "crash"\nattack = "A bad model."\npoints = 6\nmodel = "perfect"\n', "regularization",
     "model = 'perfect'"),
])
def test_a_malformed_case_file_is_rejected(tmp_path, text, kind, error):
    suffix = ".py" if text.startswith("# ---") or text.startswith("def") else ".toml"
    path = tmp_path / f"crash{suffix}"
    path.write_text(text)
    with pytest.raises(CaseError, match=re.escape(error)) as caught:
        read_case(path, kind)
    assert str(path) in str(caught.value)


def test_a_stray_file_in_the_corpus_is_rejected(tmp_path):
    (tmp_path / "schedules" / "code").mkdir(parents=True)
    (tmp_path / "schedules" / "code" / "notes.txt").write_text("to do")
    with pytest.raises(CaseError, match="a case of schedules/code is a .py file"):
        read_corpus(tmp_path)


# --- each case: the points (and reasons, notes, cell errors) of its header ---------------

@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_gets_the_points_of_its_header(request, case):
    graded = request.getfixturevalue(BATCH[case.assignment])
    key = student_id(case.student) if case.kind == "schedules/names" else case.student
    record = graded["book"]["students"].get(key)
    assert record is not None, f"{case.file}: {case.student!r} is not in the gradebook"
    tests = {t["test"]: t for t in record["tests"]}
    assert record["total"] == case.points, \
        f"{case.file}: {record['total']:g} points, its header says {case.points:g}: {record['tests']}"
    for test, fragment in case.fails.items():
        if case.kind == "schedules/code":
            assert not tests[test]["passed"], f"{case.file}: {test} passed"
        assert fragment in tests[test]["reason"], \
            f"{case.file}: {test}'s reason {tests[test]['reason']!r} lacks {fragment!r}"
        if case.assignment in (REG, INIT):
            assert len(tests[test]["reason"]) < 2000, f"{case.file}: a reason stays short"
    CHECKS.get(case.kind, lambda *a: None)(case, record, graded)
    if "cell_errors" in case.header:
        _check_cell_errors(case, record["cell_errors"])


def _check_cell_errors(case: Case, errors: list[dict]) -> None:
    expected = case.header["cell_errors"]
    assert len(errors) == len(expected), f"{case.file}: cell errors {errors}, expected {expected}"
    for error, want in zip(errors, expected):
        if "error_contains" in want:
            assert want["error_contains"] in error["error"] and \
                error["cell"] == want.get("cell", error["cell"]), f"{case.file}: {errors}"
        else:
            assert error == want, f"{case.file}: cell errors {errors}, expected {expected}"


def _feedback(case: Case, graded: dict) -> str:
    """The case's feedback file (a hostile name's under its safe file name)."""
    stem = file_stem(student_id(case.student)) if case.kind == "schedules/names" else case.student
    return (graded["out"] / "feedback" / f"{stem}.txt").read_text()


def _check_folder(case: Case, record: dict, graded: dict) -> None:
    fragment, note = case.header.get("reason"), case.header.get("note")
    feedback = _feedback(case, graded)
    if fragment:
        assert all(fragment in t["reason"] for t in record["tests"]), f"{case.file}: {record['tests']}"
        assert fragment in feedback, f"{case.file}: not in the feedback: {fragment!r}"
    if note:
        assert any(note in n for n in record["notes"]), f"{case.file}: {record['notes']}"
        assert note in feedback, f"{case.file}: not in the feedback: {note!r}"
    if "submitted" in case.header:  # the submission time, read from timestamp.txt or named
        expected = case.header["submitted"]
        assert record["submitted"] == (None if expected == "unknown" else expected), \
            f"{case.file}: {record['submitted']} ({record['submitted_from']})"
        assert case.header["submitted_from"] in record["submitted_from"], \
            f"{case.file}: {record['submitted_from']}"


def _check_tampered(case: Case, record: dict, graded: dict) -> None:
    note = case.header["note"]
    assert len(record["notes"]) >= len(POINTS), f"{case.file}: {record['notes']}"
    assert all(note in n for n in record["notes"] if n.startswith("test cell")), \
        f"{case.file}: {record['notes']}"
    for also in case.header.get("also_noted", []):
        assert also in record["notes"], f"{case.file}: {record['notes']}"
    assert note in _feedback(case, graded), f"{case.file}: not in the feedback: {note!r}"


def _check_name(case: Case, record: dict, graded: dict) -> None:
    fragment = case.header.get("reason")
    if fragment:
        assert all(fragment in t["reason"] for t in record["tests"] if not t["passed"])
    assert f"{case.points:g} / {FULL:g} points" in _feedback(case, graded), case.file


def _check_model(case: Case, record: dict, graded: dict) -> None:
    if "first_cell_error_in" in case.header:
        errors = record["cell_errors"]
        assert errors and errors[0]["cell"] == case.header["first_cell_error_in"], f"{case.file}: {errors}"
    assert "root:x:0" not in json.dumps(record), case.file


def _check_reg(case: Case, record: dict, graded: dict) -> None:
    assert record["cell_errors"] == [], f"{case.file}: {record['cell_errors']}"


CHECKS = {"schedules/folders": _check_folder, "schedules/tampered": _check_tampered,
          "schedules/names": _check_name, LR: _check_model, REG: _check_reg}


# --- the schedules batch as a whole ------------------------------------------------

def test_correct_submissions_keep_full_points(batch):
    book = batch["book"]
    assert len(book["students"]) == students()
    for student in CORRECT:
        record = book["students"][student]
        assert record["total"] == FULL, (student, record["tests"])


def test_nothing_outside_the_sandbox_changed(batch):
    after = {s.name: tree_digest(s) for s in batch["submitted"].iterdir()}
    assert after == batch["before"]
    for path, digest in batch["protected"].items():
        assert tree_digest(path) == digest, path
    assert not Path("/tmp/hostile-was-here").exists()


# Text that must never reach a student: bytes of files outside their submission (the
# system's, the grader's configuration), and what the hidden cases tried to leak.
OUTSIDE_TEXT = ("root:x:0", "CELL_TIMEOUT_S", "isolation_note=", "LEAK", "found 1", "found 2")


def hidden_calls() -> list[str]:
    """How each hidden call would read if a reason named it."""
    checks = SPEC.checks()
    calls = [f"scheduler_exp({e!r}, {lr!r})" for e, lr in checks["scheduler_exp"].inputs["hidden"]]
    for name in ("exponential_decay_fn", "piecewise_constant_fn", "cosine_decay_restarts"):
        calls += [f"{name}({x!r})" for x in checks[name].inputs["hidden"]]
    for name in ("one_cycle_default", "one_cycle_options"):
        calls += [f"iterations={checks[name].runs['hidden']['callback']['iterations']}"]
    return calls


def test_no_student_sees_text_from_outside_the_submission_or_a_hidden_input(batch):
    out = batch["out"]
    texts = {p.name: p.read_text() for p in (out / "feedback").iterdir()}
    texts.update({name: (out / name).read_text() for name in ("gradebook.json", "gradebook.csv")})
    for name, text in texts.items():
        for marker in OUTSIDE_TEXT + tuple(hidden_calls()):
            assert marker not in text, (name, marker)
    # The instructor's log keeps the detail that feedback leaves out.
    assert "LEAK epoch=" in (out / "log" / "leak_in_hidden.txt").read_text()


def test_the_grader_leaves_nothing_behind(batch):
    """Its temporary folder is empty again, and the disk hogs (2.8 GiB, 200,000 files, a
    1.5 GB sparse file) took no disk: the sandbox writes to a tmpfs with quotas, and the
    grader copies only what the size limits admit. Measured on the grader's own folders:
    at most two workers' copies of a submission at a time, and a small output."""
    assert list(batch["tmpdir"].iterdir()) == []
    peak = batch["footprint"].peak
    limits = SPEC.limits
    assert peak[str(batch["tmpdir"])] < 2 * (limits.submission_bytes + limits.model_bytes) + 2**26, peak
    assert peak[str(batch["out"])] < 2**25, peak


def test_the_batch_ends_within_the_sum_of_its_limits(batch):
    assert batch["seconds"] < students() * TIMEOUT_S
    assert all(r["seconds"] < 3 * TIMEOUT_S for r in batch["book"]["students"].values())


FORGED = "someone: 0\u22158 (1.0 s)"  # a summary line (a folder name cannot hold "/")


def test_no_folder_name_forges_a_line_of_the_terminal(batch):
    forged = _case("x\n" + FORGED)  # schedules/names/forged_summary_line.toml
    stdout = batch["stdout"]
    assert f"{student_id(forged.student)}: {FULL:g}/{FULL:g} (" in stdout, forged.file
    assert not re.search(rf"^{FORGED.split(':')[0]}", stdout, re.MULTILINE), stdout[-3000:]
    assert "\x1b" not in stdout and "\r" not in stdout


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_no_cell_of_the_gradebook_or_the_canvas_export_starts_a_formula(batch):
    canvas = subprocess.run([sys.executable, "-m", "grader", "export", "canvas", str(batch["out"])],
                            capture_output=True, text=True, timeout=300)
    assert canvas.returncode == 0, canvas.stderr
    gradebook = (batch["out"] / "gradebook.csv").read_text(encoding="utf-8")
    for text in (gradebook, canvas.stdout):
        cells = _cells(text)
        assert "'=cmd|' -C calc'!A0" in cells and "'-rf" in cells
        assert not [cell for cell in cells if cell.startswith(FORMULA_START)]


def test_the_batch_exits_as_graded(batch):
    """Failing tests are lost points: the status says every submission was graded."""
    assert batch["returncode"] == Status.GRADED


def _small_class(folder: Path, n: int) -> Path:
    submitted = folder / "submitted"
    for i in range(n):
        (submitted / f"s{i}" / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(released({}), str(submitted / f"s{i}" / ASSIGNMENT / NB))
    return submitted


def test_two_graders_at_once_on_one_folder_lose_no_grade(tmp_path):
    """Two shards of one class graded at the same time into the same output folder:
    every student is in the gradebook exactly once."""
    submitted, out = _small_class(tmp_path, 4), tmp_path / "grades"
    runs = [grade(submitted, out, "--shard", f"{k}/2", wait=False) for k in (1, 2)]
    for run in runs:
        output, _ = run.communicate(timeout=1200)
        assert run.returncode == 0, output[-3000:]
    book = json.loads((out / "gradebook.json").read_text())
    assert sorted(book["students"]) == ["s0", "s1", "s2", "s3"]
    assert all(r["total"] == FULL for r in book["students"].values())
    rows = (out / "gradebook.csv").read_text().splitlines()[1:]
    assert len(rows) == 4 * len(POINTS) and len(set(rows)) == len(rows)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_grader_leaves_no_temporary_files(tmp_path, sig):
    """Stopped mid-batch (SIGTERM, or Ctrl-C), the grader removes everything it made in
    the temporary directory; what it had graded stays in the gradebook."""
    submitted, out, tmpdir = _small_class(tmp_path, 3), tmp_path / "grades", tmp_path / "tmp"
    tmpdir.mkdir()
    run = grade(submitted, out, tmpdir=tmpdir, wait=False)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (out / "gradebook.json").exists():
        time.sleep(0.2)  # one student graded, the next one's sandbox running
    time.sleep(2)
    run.send_signal(sig)
    output, _ = run.communicate(timeout=120)
    assert list(tmpdir.iterdir()) == [], output[-3000:]
    book = json.loads((out / "gradebook.json").read_text())
    assert book["students"] and all(r["total"] == FULL for r in book["students"].values())


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

    for student, record in book.items():
        assert _stable(record) == _stable(batch["book"]["students"][student]), student


def _stable(record: dict) -> dict:
    """A gradebook record less what differs between two runs of the same code (times,
    the processes' output)."""
    return {k: v for k, v in record.items() if k not in ("seconds", "log")}


def test_the_cold_start_grades_the_corpus_identically(batch, tmp_path):
    """The whole corpus again, every process a new interpreter (``--start cold``): the
    same points, reasons, notes and cell errors for every submission."""
    out = tmp_path / "cold"
    proc = grade(batch["submitted"], out, "-n", "2", options=("--start", "cold"))
    assert proc.returncode == 0, proc.stdout[-3000:]
    cold = json.loads((out / "gradebook.json").read_text())["students"]
    warm = batch["book"]["students"]
    assert sorted(cold) == sorted(warm)
    differ = [s for s in warm if _stable(cold[s]) != _stable(warm[s])]
    assert not differ, {s: (cold[s]["tests"], warm[s]["tests"]) for s in differ[:3]}


def test_a_warm_process_keeps_nothing_of_one_submission_for_the_next(batch, tmp_path):
    """The warm cases (schedules/code/warm_*) one after another in one worker (students
    in name order): the spy, forked from the same warm process after the others, finds
    no trace of them. Graded without a sandbox, the spy does find the traces of others:
    it can see them."""
    out = tmp_path / "serial"
    proc = grade(batch["submitted"], out, "-n", "0", "-k", "warm_")
    assert proc.returncode == 0, proc.stdout[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    assert sorted(book) == WARM
    for student in WARM:
        case = _case(student)
        assert book[student]["total"] == case.points, (case.file, book[student]["tests"])
        assert book[student]["cell_errors"] == [], (case.file, book[student]["cell_errors"])
    # Nothing of theirs in the grader's own keyrings either (what /proc/keys lists is
    # every key this process may see).
    assert "dlcourse-answers" not in Path("/proc/keys").read_text()
    unconfined = tmp_path / "unconfined"
    proc = grade(batch["submitted"], unconfined, "-n", "0", "-k", "warm_3_spy",
                 options=("--sandbox", "none"))
    assert proc.returncode == 0, proc.stdout[-3000:]
    spy = json.loads((unconfined / "gradebook.json").read_text())["students"]["warm_3_spy"]
    assert any("left by an earlier submission" in e["error"] for e in spy["cell_errors"]), spy
    # Unconfined (and in a session keyring of its own), the keyring's reader does get the
    # earlier student's answers: the attack is real, the filter is what stops it.
    keyrings = tmp_path / "keyrings"
    proc = subprocess.run([sys.executable, "-c", OWN_KEYRING.format(argv=[
        "-m", "grader", "grade", str(batch["submitted"]), "--assignment", ASSIGNMENT, "--out",
        str(keyrings), "--source", str(SOURCE), "--sandbox", "none", "--", "-n", "0",
        "-k", "keyring"])], capture_output=True, text=True, timeout=1200)
    try:
        assert proc.returncode == 0, proc.stdout[-3000:]
        book = json.loads((keyrings / "gradebook.json").read_text())["students"]
        assert book["warm_4_keyring_read"]["total"] == FULL, book["warm_4_keyring_read"]
    finally:
        _forget_keys("dlcourse-answers")


# A grader run in a session keyring of its own (KEYCTL_JOIN_SESSION_KEYRING).
OWN_KEYRING = ("import ctypes, os, sys; ctypes.CDLL(None).syscall(250, 1, None); "
               "os.execv(sys.executable, [sys.executable] + {argv!r})")


def _forget_keys(description: str) -> None:
    """Unlink and revoke the keys of ``description`` that this process may see."""
    import ctypes
    libc = ctypes.CDLL(None)
    for line in Path("/proc/keys").read_text().splitlines():
        if f" {description}: " in line:
            key = int(line.split()[0], 16)
            libc.syscall(250, 9, key, -4)  # KEYCTL_UNLINK from the user keyring
            libc.syscall(250, 3, key)  # KEYCTL_REVOKE


def _parent(pid: int) -> int:
    try:  # /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _warm_processes(under: int | None = None) -> list[int]:
    """The grader's warm processes (bubblewrap and the interpreter in it): on this
    machine, or only those descended from process ``under`` (a grader run by another
    test, on the other pytest-xdist worker, has warm processes of its own)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"from grader.inside.zygote import main" not in cmdline:
            continue
        ancestor = int(pid)
        while under is not None and ancestor not in (under, 0, 1):
            ancestor = _parent(ancestor)
        if under is None or ancestor == under:
            found.append(int(pid))
    return found


def test_a_warm_process_that_dies_loses_no_grade(tmp_path):
    """The warm process killed (as an instructor's ``kill``, or the kernel out of memory
    would) while a submission runs: the worker starts a new one, the submission is
    graded again from scratch, and every student gets every point."""
    submitted, out = tmp_path / "submitted", tmp_path / "grades"
    for i in range(3):
        (submitted / f"s{i}" / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(released({"@setup": "import time\ntime.sleep(8)"}),
                       str(submitted / f"s{i}" / ASSIGNMENT / NB))
    before = set(_warm_processes())
    run = grade(submitted, out, "-n", "0", wait=False)
    deadline, killed = time.monotonic() + 600, []
    while time.monotonic() < deadline and not killed:
        started = [p for p in _warm_processes(under=run.pid) if p not in before]
        if started:
            time.sleep(4)  # the first submission is in its sleep
            for pid in started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            killed = started
        time.sleep(0.2)
    output, _ = run.communicate(timeout=600)
    assert killed and run.returncode == 0, output[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    assert sorted(book) == ["s0", "s1", "s2"]
    assert all(r["total"] == FULL for r in book.values()), book
    logs = "".join((out / "log" / f"s{i}.txt").read_text() for i in range(3))
    assert "graded again from scratch" in logs


def test_a_submission_rewritten_during_grading_gets_one_versions_grade_and_digest(tmp_path):
    """The notebook swapped atomically between a correct version (A) and one without
    scheduler_exp (B) while it is graded: the grade is A's or B's, recorded with that
    version's digest; restored to A afterwards, a rerun grades it again if B was graded."""
    import threading

    from grader.pytest_plugin import digest

    submitted, out = tmp_path / "submitted", tmp_path / "grades"
    folder = submitted / "swapper" / ASSIGNMENT
    folder.mkdir(parents=True)
    versions = {}
    for name, answers in (("A", {}), ("B", {"answer_scheduler_exp": "pass"})):
        nbformat.write(released(answers), str(folder / NB))
        versions[name] = ((folder / NB).read_bytes(), digest(folder, SPEC, SPEC.limits))
    stop = threading.Event()

    def swap():
        i = 0
        while not stop.is_set():
            tmp = submitted / "swapper" / ".swap"
            tmp.write_bytes(versions["AB"[i % 2]][0])
            os.replace(tmp, folder / NB)
            i += 1
            time.sleep(0.001)

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        proc = grade(submitted, out, "-n", "0")
    finally:
        stop.set()
        swapper.join()
    assert proc.returncode == 0, proc.stdout[-3000:]
    record = json.loads((out / "gradebook.json").read_text())["students"]["swapper"]
    graded = "A" if record["total"] == FULL else "B"
    if record["total"] not in (FULL, FULL - POINTS["test_scheduler_exp"]):
        assert "changed while the grader read it" in record["tests"][0]["reason"], record
        graded = None
    else:
        assert record["digest"] == versions[graded][1], (graded, record["tests"])
    (folder / NB).write_bytes(versions["A"][0])
    again = grade(submitted, out, "-n", "0")
    assert again.returncode == 0, again.stdout[-3000:]
    record = json.loads((out / "gradebook.json").read_text())["students"]["swapper"]
    assert record["total"] == FULL and record["digest"] == versions["A"][1], (graded, record)
    assert ("6 deselected" in again.stdout) == (graded == "A"), again.stdout[-2000:]
