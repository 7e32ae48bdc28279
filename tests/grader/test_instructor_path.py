"""The instructor's path after collecting, as the instructors' guide
(book/guides/instructors.md) gives it, with real nbgrader:
grade with the course's grader (trusted, into nbgrader's own gradebook), manual grading
(as the formgrader records it), export (nbgrader's CSV, Canvas, Gradescope), feedback,
the class report and the similarity report in a real browser.

One small class of the schedules assignment: an honest submission, a partial one, one
that makes every test cell pass in its own kernel (so ``nbgrader autograde`` gives it
full points) while its answers are wrong, one whose exception message is HTML, a copy of
the honest one with renamed variables and comments, and one submitted after autograde
ran (nbgrader's gradebook has never seen it).
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import jsonschema
import nbformat
import pytest
from assignment_samples import (
    HOSTILE_HTML,
    copy_course,
    feedback_comments,
    feedback_text,
    live_html,
    nbgrader,
)
from tests.browser import (
    LOCAL_HOSTS,
    assert_accessible,
    axe_violations,
    chromium,
    console_errors,
    drain_logs,
    serve,
)

from grader.assignments.registry import get
from grader.authoring import samples

pytestmark = pytest.mark.slow

SPEC = get("schedules")
NOTEBOOK = SPEC.notebook.removesuffix(".ipynb")
TAMPER = ("import grader.checks.schedules as _checks\n"
          "_checks.check = lambda *args, **kwargs: None  # every test cell 'passes' here\n")
XSS = "<img src=x onerror=\"document.title='pwned'\">"
MANUAL = {"grade": ("test_one_cycle_default", 1.5), "comment": ("answer_one_cycle", "See me about warm-up.")}


def _answers(nb, answers: dict[str, str]):
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _renamed(nb):
    """The same answers, every variable renamed and a comment added."""
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            code = re.sub(r"\bepoch\b", "e", cell.source)
            code = re.sub(r"\blr\b", "rate", code).replace("step", "s")
            cell.source = "# my own work, honestly\n" + code
    return nb


# The due date, as an instructor gives it to nbgrader (`nbgrader db assignment add`), and
# when each student handed in, as nbgrader's collect leaves it in timestamp.txt (its
# format: "%Y-%m-%d %H:%M:%S.%f %Z"), in zones a course meets.
DUE = "2026-12-01 17:00:00 America/New_York"  # 22:00 UTC
TIMESTAMPS = {"alice": "2026-12-01 21:30:00.000000 UTC",  # on time
              "bob": "2026-12-03 10:15:00.000000 +1345",  # Chatham: 20:30 UTC on the 2nd, 22.5 h late
              "mallory": "2026-12-04 09:00:00.000000 UTC",  # late; forged after autograde
              "dave": "2026-12-02 10:00:00.000000 IST",  # which IST? named, not guessed
              "eve": "2026-12-03 08:00:00.000000 America/St_Johns"}  # 10:30 UTC on the 3rd
FORGED = "2026-11-30 09:00:00.000000 UTC"
EXTENSIONS = "student,due,note\neve,2026-12-04 12:00:00 Europe/Paris,medical\nzed,2026-12-09 12:00:00 UTC,\n"


def _submit(submitted: Path, student: str, nb) -> None:
    folder = submitted / student / SPEC.name
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / SPEC.notebook))
    if student in TIMESTAMPS:
        (folder / "timestamp.txt").write_text(TIMESTAMPS[student])


def _python(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, timeout=1800, cwd=cwd)


def _db(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course directory after the instructors' guide's path up to grading, and what each
    step said."""
    from nbgrader.api import Gradebook

    course = copy_course(tmp_path_factory.mktemp("instructor"))
    nbgrader(course, "db", "assignment", "add", SPEC.name, f"--duedate={DUE}")
    nbgrader(course, "generate_assignment", SPEC.name, "--force")
    release = course / "release" / SPEC.name / SPEC.notebook
    found = samples.load(SPEC)
    submitted = course / "submitted"
    first = lambda name: samples.submission(SPEC, found[name], release)  # noqa: E731
    _submit(submitted, "alice", first("correct"))
    _submit(submitted, "bob", first("partial"))
    _submit(submitted, "mallory", _answers(first("wrong"), {
        "answer_scheduler_exp": TAMPER + "def scheduler_exp(epoch, lr):\n    return 0.0"}))
    _submit(submitted, "dave", _answers(first("partial"), {
        "answer_exponential_decay_fn": f"def exponential_decay_fn(epoch):\n    raise ValueError({XSS!r})"}))
    _submit(submitted, "eve", _renamed(first("correct")))
    nbgrader(course, "autograde", SPEC.name, "--create")
    with Gradebook(_db(course)) as gb:  # the formgrader's work: a manual score and a comment
        own_kernel = {s.student.id: s.score for s in gb.find_assignment(SPEC.name).submissions}
        test, score = MANUAL["grade"]
        gb.find_grade(test, NOTEBOOK, SPEC.name, "bob").manual_score = score
        cell, text = MANUAL["comment"]
        gb.find_comment(cell, NOTEBOOK, SPEC.name, "bob").manual_comment = text
        gb.db.commit()
    # mallory rewrites the time in her folder after nbgrader recorded it
    (submitted / "mallory" / SPEC.name / "timestamp.txt").write_text(FORGED)
    _submit(submitted, "carol", first("wrong"))  # after autograde: not in gradebook.db
    out = course / "grades"
    graded = _python("grade", str(submitted), "--assignment", SPEC.name, "--out", str(out))
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    again = _python("grade", str(submitted), "--assignment", SPEC.name, "--out", str(out),
                    "--", "--regrade")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    return {"course": course, "out": out, "book": book, "own_kernel": own_kernel,
            "graded": graded.stdout, "again": again.stdout}


def _exported(course: Path) -> dict[str, float]:
    nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as f:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)
                if row["assignment"] == SPEC.name}


def test_nbgrader_export_gives_the_graders_totals(course):
    book, own = course["book"], course["own_kernel"]
    # The tampering worked in its own kernel, and only there.
    assert own["mallory"] == SPEC.max_points > book["mallory"]["total"], (own, book["mallory"])
    expected = {s: r["total"] for s, r in book.items()}
    bob = {t["test"]: t["points"] for t in book["bob"]["tests"]}
    test, manual = MANUAL["grade"]
    expected["bob"] += manual - bob[test]  # the formgrader's score stays in force
    assert _exported(course["course"]) == pytest.approx(expected)
    assert "students added: carol" in course["graded"], course["graded"][-2000:]
    assert "1 manual grade(s) kept" in course["graded"]
    assert "own kernel?): mallory\n" in course["graded"], course["graded"][-2000:]
    # A second grading that changes nothing writes nothing.
    assert "0 score(s) and 0 comment(s) written" in course["again"], course["again"][-2000:]


def test_nbgrader_keeps_the_formgraders_comment_and_adds_the_graders(course):
    from nbgrader.api import Gradebook

    cell, text = MANUAL["comment"]
    with Gradebook(_db(course["course"])) as gb:
        bob = gb.find_comment(cell, NOTEBOOK, SPEC.name, "bob")
        assert bob.manual_comment == text and bob.comment == text
        assert bob.auto_comment.startswith("Grader (trusted):")
        mallory = gb.find_comment("answer_scheduler_exp", NOTEBOOK, SPEC.name, "mallory")
        assert "test_scheduler_exp: 0 of 1 point(s) - visible tests:" in mallory.comment


def test_nbgrader_feedback_shows_the_trusted_score(course):
    nbgrader(course["course"], "generate_feedback", SPEC.name)
    for student in ("alice", "mallory"):
        text = feedback_text(course["course"], student, SPEC)
        total = course["book"][student]["total"]
        assert re.search(rf"Score:\s*{total:g}(\.0)?\s*/\s*{SPEC.max_points:g}", text), \
            (student, re.findall(r"Score:[^\n]{0,30}", text)[:3])
        assert "BEGIN HIDDEN TESTS" not in text


def test_nbgrader_feedback_shows_a_students_html_as_text(course, tmp_path):
    """dave's reason quotes his exception message, an ``<img onerror>``; with a script,
    a ``javascript:`` link and a frame added to it, the grader writes it into nbgrader's
    gradebook, and nbgrader's own feedback page shows all of it as text in the comment,
    none of it as an element (nbgrader renders comments as Markdown, raw HTML live)."""
    copy = tmp_path / "course"
    shutil.copytree(course["course"], copy)  # its gradebook.db and grades/ included
    path = copy / course["out"].relative_to(course["course"]) / "gradebook.json"
    book = json.loads(path.read_text())
    quoted = [t for t in book["students"]["dave"]["tests"] if "onerror=" in t["reason"]]
    assert quoted, book["students"]["dave"]["tests"]
    for test in quoted:
        test["reason"] += " " + HOSTILE_HTML
    path.write_text(json.dumps(book))
    proc = _python("export", "nbgrader", str(path.parent), "--db", _db(copy))
    assert proc.returncode == 0, proc.stderr
    nbgrader(copy, "generate_feedback", SPEC.name, "--student", "dave", "--force")
    comments = feedback_comments(copy, "dave", SPEC)
    shown = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in comments]
    assert any(HOSTILE_HTML in text and XSS in text for text in shown), shown
    assert [live_html(c) for c in comments] == [[] for _ in comments], comments


def test_canvas_export(course, tmp_path):
    book = course["book"]
    proc = _python("export", "canvas", str(course["out"]))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", SPEC.name]
    assert rows[1][0] == "Points Possible" and float(rows[1][-1]) == SPEC.max_points
    assert {r[3]: float(r[-1]) for r in rows[2:]} == {s: r["total"] for s, r in book.items()}

    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Other column"])
        for i, student in enumerate(sorted(s for s in book if s != "carol")):
            writer.writerow([f"{student.title()}, A.", 1000 + i, f"S{i}", student, "L01", "x"])
    proc = _python("export", "canvas", str(course["out"]), "--roster", str(roster),
                   "--column", "Schedules (trusted)", "--to", str(tmp_path / "canvas.csv"))
    assert proc.returncode == 1 and "left out: carol" in proc.stderr, proc.stderr
    with open(tmp_path / "canvas.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["Student"] == "Points Possible"
    found = {r["SIS Login ID"]: (r["ID"], float(r["Schedules (trusted)"])) for r in rows[1:]}
    assert found == {s: (str(1000 + i), book[s]["total"])
                     for i, s in enumerate(sorted(s for s in book if s != "carol"))}


# Gradescope's results.json as its autograder specification documents it
# (https://gradescope-autograders.readthedocs.io/en/latest/specs/): every field optional
# but a score, on the top level or on each test.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
GRADESCOPE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"},
        "output": {"type": "string"}, "output_format": {"type": "string"},
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"}, "leaderboard": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "properties": {"score": {"type": "number"}, "max_score": {"type": "number"},
                           "status": {"enum": ["passed", "failed"]},
                           "name": {"type": "string"}, "name_format": {"type": "string"},
                           "number": {"type": "string"}, "output": {"type": "string"},
                           "output_format": {"type": "string"},
                           "tags": {"type": "array", "items": {"type": "string"}},
                           "visibility": VISIBILITY, "extra_data": {"type": "object"}}}}},
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}]}


def test_gradescope_results(course, tmp_path):
    for student, record in course["book"].items():
        path = tmp_path / f"{student}.json"
        proc = _python("export", "gradescope", str(course["out"]), "--student", student,
                       "--to", str(path))
        assert proc.returncode == 0, proc.stderr
        results = json.loads(path.read_text())
        jsonschema.validate(results, GRADESCOPE_SCHEMA)
        scored = [t for t in results["tests"] if t["max_score"]]
        assert results["score"] == record["total"] == sum(t["score"] for t in scored)
        assert [t["name"] for t in scored] == [t["test"] for t in record["tests"]]
        assert all(t["visibility"] == "after_published" for t in scored)
        assert {t["output"] for t in scored} <= {t["reason"] or "passed" for t in record["tests"]}
    assert _python("export", "gradescope", str(course["out"]), "--student", "nobody").returncode == 2


def _visit(page_url: str, profile: Path) -> dict:
    with chromium(profile) as driver:
        drain_logs(driver)
        driver.get(page_url)
        facts = driver.execute_script("""return {title: document.title,
            text: document.body.innerText,
            images: Array.from(document.images).map((i) => ({src: i.src, complete: i.complete,
                width: i.naturalWidth, height: i.naturalHeight}))};""")
        facts["console"], facts["network"] = drain_logs(driver)
        facts["axe"] = axe_violations(driver)
    return facts


def _offline_and_clean(facts: dict) -> None:
    """No console error, no request off this machine, every image loaded, and nothing axe
    calls serious or critical (the instructor is a reader too)."""
    assert not console_errors(facts["console"]), facts["console"]
    for event in facts["network"]:
        if event["method"] == "Network.requestWillBeSent":
            url = urllib.parse.urlsplit(event["params"]["request"]["url"])
            assert url.scheme not in ("http", "https", "ws", "wss") or url.hostname in LOCAL_HOSTS, \
                f"the page requested {url.geturl()} (it must work offline)"
    for image in facts["images"]:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
    assert_accessible({facts["title"]: facts["axe"]})


def test_class_report_in_the_browser(course, tmp_path):
    from grader.results.report import summary

    proc = _python("report", str(course["out"]))
    assert proc.returncode == 0, proc.stderr
    data = summary(course["out"])
    book = course["book"]
    assert data["totals"] == {s: r["total"] for s, r in book.items()}
    assert data["rates"]["test_scheduler_exp"]["hidden"] == pytest.approx(
        sum(t["passed"] for r in book.values() for t in r["tests"]
            if t["test"] == "test_scheduler_exp") / len(book))
    assert data["reasons"], "the class has failing tests"
    with serve(course["out"] / "report") as url:
        facts = _visit(url + "index.html", tmp_path / "profile")
    _offline_and_clean(facts)
    assert len(facts["images"]) == 3
    assert facts["title"] == f"Class report: {SPEC.name}"  # the student's HTML did not run
    assert XSS in facts["text"], "a reason quoting student HTML is shown as text"


def test_similarity_report_finds_the_renamed_copy(course, tmp_path):
    to = tmp_path / "similarity"
    proc = _python("similarity", str(course["course"] / "submitted"), "--assignment", SPEC.name,
                   "--to", str(to))
    assert proc.returncode == 0, proc.stderr
    pairs = {tuple(p["students"]): p["score"] for p in json.loads((to / "pairs.json").read_text())}
    # eve renamed alice's variables; dave's and mallory's notebooks were made from bob's
    # and carol's answers (one cell changed). Answers of one's own are not listed.
    assert set(pairs) == {("alice", "eve"), ("bob", "dave"), ("carol", "mallory")}, pairs
    assert pairs[("alice", "eve")] >= 0.95, pairs
    with serve(to) as url:
        facts = _visit(url + "index.html", tmp_path / "profile")
    _offline_and_clean(facts)
    assert "alice and eve" in facts["text"] and "my own work, honestly" in facts["text"]


def test_gradescope_autograder_script(tmp_path, root):
    """deploy/gradescope/run_autograder as Gradescope runs it, on a fake /autograder."""
    found = samples.load(SPEC)
    (tmp_path / "submission").mkdir()
    nbformat.write(samples.submission(SPEC, found["partial"]),
                   str(tmp_path / "submission" / SPEC.notebook))
    (tmp_path / "submission" / "notes.txt").symlink_to("/etc/passwd")  # never followed
    env = {**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "COURSE_SOURCE": str(root),
           "ASSIGNMENT": SPEC.name, "PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(root / "deploy" / "gradescope" / "run_autograder")],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == sum(found["partial"].points(SPEC).values())
    assert "root:" not in json.dumps(results)


def test_grading_shows_progress_and_reads_the_deadline_from_nbgrader(course):
    graded, book = course["graded"], course["book"]
    lines = [line for line in graded.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == [f"[{i}/6" for i in range(1, 7)], graded[-3000:]
    assert all("ETA" in line for line in lines[:-1]) and "\x1b" not in graded
    assert re.search(r"^6 graded in \d+:\d\d:\d\d", graded, re.MULTILINE), graded[-2000:]
    assert "due: 2026-12-01 22:00 UTC (nbgrader's database)" in graded
    # nbgrader's record wins over the timestamp.txt mallory rewrote after it was made
    assert book["mallory"]["submitted"] == "2026-12-04T09:00:00+00:00"
    assert "its timestamp.txt says 2026-11-30 09:00 UTC, which is not used" in \
        book["mallory"]["submitted_from"]
    assert book["bob"]["late"]["seconds_late"] == 22.5 * 3600 and book["bob"]["penalty"] == 0
    assert book["carol"]["submitted"] is None and book["carol"]["late"] is None
    assert "no timestamp.txt" in book["carol"]["submitted_from"]
    # nbgrader's own record of dave's (its guess: UTC) and bob's (+1345 read as seconds)
    assert "unknown time zone 'IST'" in book["dave"]["submitted_from"] and \
        book["dave"]["submitted"] is None
    assert book["bob"]["submitted_from"] == "timestamp.txt, which nbgrader's database records"


def test_a_late_an_extended_and_an_overridden_student_agree_everywhere(course, tmp_path):
    """After grading, the instructor sets a policy and extensions, then overrides a test:
    no code runs again, and the gradebook, feedback, nbgrader's database (`nbgrader
    export`), Canvas, the report and `explain` show the same numbers."""
    copy = tmp_path / "course"
    shutil.copytree(course["course"], copy)
    out = copy / course["out"].relative_to(course["course"])
    (copy / "extensions.csv").write_text(EXTENSIONS)
    proc = _python("deadline", str(out), "--late-policy", "10%/day floor=50%",
                   "--extensions", str(copy / "extensions.csv"), "--nbgrader-db", _db(copy))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "extensions for students with no graded submission: zed" in proc.stdout, proc.stdout
    assert "late penalties changed: 1" in proc.stdout, proc.stdout  # bob (mallory has 0 points)
    assert "mallory: 0/8" in proc.stdout and "late 2 d 11 h, -0" in proc.stdout
    proc = _python("override", str(out), "--student", "carol", "--test", "test_scheduler_exp",
                   "--points", "1", "--reason", "regrade request: the rounding is accepted",
                   "--by", "prof", "--nbgrader-db", _db(copy))
    assert proc.returncode == 0, proc.stderr[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    bob, mallory, eve, carol = (book[s] for s in ("bob", "mallory", "eve", "carol"))
    assert (bob["late"]["units"], bob["penalty"]) == (1, round(0.1 * bob["raw_total"], 4))
    assert (mallory["late"]["units"], mallory["late"]["share"]) == (3, 0.3)
    assert eve["late"]["extended"] and eve["late"]["seconds_late"] == 0 and eve["penalty"] == 0
    assert eve["seconds"] == course["book"]["eve"]["seconds"]  # not graded again
    assert carol["total"] == course["book"]["carol"]["total"] + 1
    assert [t["points"] for t in carol["tests"]] == [t["points"] for t in course["book"]["carol"]["tests"]]

    assert f"-{bob['penalty']:g} points" in (out / "feedback" / "bob.txt").read_text()
    assert "1/1 set by the instructor - regrade request" in (out / "feedback" / "carol.txt").read_text()
    nbgrader(copy, "export")
    with open(copy / "grades.csv", newline="") as f:
        exported = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == SPEC.name}
    for student, record in book.items():
        assert float(exported[student]["late_submission_penalty"]) == pytest.approx(record["penalty"])
        if student != "bob":  # bob's manual score (the formgrader's) stays in nbgrader's
            assert float(exported[student]["score"]) == pytest.approx(record["total"]), student
    proc = _python("export", "canvas", str(out))
    totals = {r[3]: float(r[-1]) for r in list(csv.reader(io.StringIO(proc.stdout)))[2:]}
    assert totals == {s: r["total"] for s, r in book.items()}
    from grader.results.report import summary
    data = summary(out)
    assert [row[0] for row in data["late"]] == ["bob", "mallory"]
    assert [row[:4] for row in data["overrides"]] == [("carol", "test_scheduler_exp", "0", "1")]
    assert [row[0] for row in data["unknown_times"]] == ["carol", "dave"]
    explained = _python("explain", str(out), "--student", "carol").stdout
    assert "OVERRIDDEN: 1/1 by prof" in explained and "test_scheduler_exp set to 1" in explained
    explained = _python("explain", str(out), "--student", "mallory").stdout
    assert "which is not used" in explained and "penalty 30%" in explained


def test_merge_draws_a_live_bar_on_a_terminal(course, tmp_path):
    import pty

    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "grader", "merge", str(course["out"]),
                             "--out", str(tmp_path / "joined")], stdout=child, stderr=child,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"})
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    assert proc.wait(timeout=120) == 0, shown[-2000:]
    text = shown.decode("utf-8", "replace")
    assert "\x1b[" in text and "6/6" in text and "ETA" in text, text[-2000:]
    assert "alice: " in text and "6 joined in" in text
