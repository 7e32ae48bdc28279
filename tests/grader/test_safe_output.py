"""What the grader writes of a student's text (``grader/results/safe_output.py``): the student id
that every printed name is, CSV cells a spreadsheet cannot run, file names that are
safe, unique and short, reports pytest-xdist can send, the comment nbgrader's feedback
shows as text, and the exit status of a run. Each test names the cheapest wrong answer
it rejects. Fast: no submission is run."""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re

import pytest
from assignment_samples import HOSTILE_HTML, live_html

from grader.pytest_plugin import Outcome, Status
from grader.results import gradebook
from grader.results.gradebook import SubmissionRecord as Record
from grader.results.gradebook import TestResult as Result  # not a test class
from grader.results.nbgrader_db import _comment, literal
from grader.results.safe_output import (
    FORMULA_START,
    csv_cell,
    csv_text,
    file_stem,
    printable,
    student_id,
    transportable,
)

# Folder names a hostile batch holds (tests/grader/hostile/schedules/names/).
NAMES = ["alice", "aa_correct", "L" * 250, "L" * 249 + "M", os.fsdecode(b"bad\xff"),
         os.fsdecode(b"bad\xfe"), "x\nsomeone: 0\u22158", "x someone: 0\u22158",
         "=cmd|' -C calc'!A0",
         "+1", "-rf", "_rf", "--help", "@SUM(A1)", "\tstart", "\rstart", "<script>alert(1)",
         "\u0430a_correct", "a\u200ba_correct", "\x1b[2Jclear", "a\\nb", "a\\b", "Alice",
         "jos\u00e9", "jose\u0301", "a b", "a_b", ".hidden", "..", "a~b", "a" * 100, "a" * 101]


def test_printable_leaves_an_ordinary_name_and_escapes_the_rest():
    for name in ("alice", "aa_correct", "=cmd|' -C calc'!A0", "\u0430a_correct", "jos\u00e9"):
        assert printable(name) == name
    assert printable("x\nsomeone: 0/8") == "x\\nsomeone: 0/8"
    assert printable("\x1b[2J") == "\\x1b[2J"
    assert printable("a\u200bb") == "a\\u200bb"
    assert printable(os.fsdecode(b"bad\xff")) == "bad\\udcff"
    assert printable("\u2028") == "\\u2028"  # a line separator some terminals obey


def test_every_id_is_one_printable_line_and_names_one_folder():
    """Wrong answers rejected: dropping or replacing what is unprintable ("a\\nb" and
    "a b" would share an id), escaping it without escaping backslashes ("a\\nb" and the
    name written a, backslash, n, b would)."""
    ids = [student_id(name) for name in NAMES]
    assert len(set(ids)) == len(NAMES)
    for i in ids:
        assert i.isprintable() and "\x1b" not in i
        i.encode("utf-8")  # pytest-xdist can send it


@pytest.mark.parametrize("start", FORMULA_START)
def test_a_cell_that_starts_a_formula_is_shown_as_text(start):
    """Wrong answers rejected: dropping the character (changes the name), quoting the
    cell (a spreadsheet still evaluates it), neutralising only "=" ."""
    text = start + "cmd|' -C calc'!A0"
    row = next(csv.reader(io.StringIO(csv_text([[text]]))))
    assert row == ["'" + text]


def test_numbers_stay_numbers_and_text_stays_as_it_is():
    """Wrong answer rejected: neutralising the text of every cell that starts with "-",
    negative points included (they would not add up in a spreadsheet)."""
    assert [csv_cell(v) for v in (-1, -1.5, 0, True, 2.5)] == [-1, -1.5, 0, True, 2.5]
    assert csv_cell("alice") == "alice" and csv_cell("a=b") == "a=b"
    assert next(csv.reader(io.StringIO(csv_text([[-1.5, "-1.5"]])))) == ["-1.5", "'-1.5"]


def _gradebook(tmp_path, reason: str = "visible tests: =HYPERLINK(\"http://x\")"):
    """The gradebook of a class of NAMES (one failing test each, with ``reason``)."""
    records = [Record(student_id(name), "d",
                      [Result(student_id(name), "test_a", -1, 1, False, "-" + reason),
                       Result(student_id(name), "test_b", 1, 1, True, "")],
                      seconds=1.0, log="log\udcff")
               for name in NAMES]
    gradebook.write(records, tmp_path, "schedules")
    return records


def test_the_gradebook_has_no_cell_a_spreadsheet_would_run(tmp_path):
    _gradebook(tmp_path)
    with open(tmp_path / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == gradebook.FIELDS
    assert {row[0] for row in rows[1:]} == {csv_cell(student_id(n)) for n in NAMES}
    assert [row[2] for row in rows[1:3]] == ["-1", "1"]  # the grader's numbers
    texts = [gradebook.FIELDS.index(name) for name in ("student", "test", "reason", "override")]
    for row in rows[1:]:
        for cell in [row[i] for i in texts]:
            assert not cell.startswith(FORMULA_START), row


def test_every_student_gets_files_of_their_own_with_safe_short_names(tmp_path):
    """Wrong answers rejected: the name itself (too long, a newline, "-rf"), cut to
    a length (two long names collide), unsafe characters replaced without a hash
    ("a b" and "a_b", look-alikes)."""
    records = _gradebook(tmp_path)
    stems = [file_stem(r.student) for r in records]
    assert len(set(stems)) == len(stems)
    assert len({s.lower() for s in stems if "~" in s}) == len([s for s in stems if "~" in s])
    for name, stem in zip(NAMES, stems):
        assert re.fullmatch(r"[\w.@+=,~-]+", stem) and stem[0] not in ".-", (name, stem)
        # gradebook.py's temporary file beside the longest of the grader's names
        assert len(f".{stem}.grader-error.txt.abcdefgh".encode()) <= 255
        if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.@+=,-]*", name) and len(name) <= 100:
            assert stem == name  # an ordinary name keeps its files' names
        else:
            assert "~" in stem, name
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == \
        sorted(f"{s}.txt" for s in stems)
    assert len(list((tmp_path / "log").iterdir())) == len(NAMES)
    _, book = gradebook.read(tmp_path, "schedules")  # what a rerun resumes from
    assert sorted(book) == sorted(student_id(n) for n in NAMES)
    assert book[student_id(NAMES[4])].log == "log\\udcff"
    json.loads((tmp_path / "gradebook.json").read_bytes().decode("ascii"))


def test_a_report_carries_only_utf8_text():
    value = [("student", "s"), ("cell_errors", [{"error": "ValueError: \udcff"}]), ("n", 1)]
    assert transportable(value) == [("student", "s"),
                                    ("cell_errors", [{"error": "ValueError: \\udcff"}]), ("n", 1)]


def _markdown2html(text: str) -> str:
    """nbgrader's feedback filter (nbconvert's HTML exporter's ``markdown2html``)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    return MarkdownWithMath(renderer=IPythonRenderer(escape=False)).render(text)


def test_the_comment_nbgrader_renders_is_text():
    """Wrong answers rejected: the comment as it was (live tags), HTML-escaping alone
    (the Markdown link still becomes a javascript: link)."""
    assert live_html(_markdown2html(HOSTILE_HTML))
    assert live_html(_markdown2html(html.escape(HOSTILE_HTML)))
    comment = _comment([Result("s", "test_a", 0, 1, False, "visible tests: " + HOSTILE_HTML),
                        Result("s", "test_b", 1, 1, True, "")])
    assert comment.startswith("Grader (trusted):")
    rendered = _markdown2html(comment)
    assert live_html(rendered) == []
    assert HOSTILE_HTML in html.unescape(re.sub(r"<[^>]+>", "", rendered))


def test_no_line_of_the_text_closes_its_fence():
    for text in ("```", "a\n````\nb", "`" * 9, "~~~\n<script>x</script>"):
        assert live_html(_markdown2html(literal(text + "\n<script>x</script>"))) == []


INTERNAL, INTERRUPTED, USAGE = (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED,
                                pytest.ExitCode.USAGE_ERROR)


@pytest.mark.parametrize("exitstatus, seen, status", [
    (pytest.ExitCode.OK, {}, Status.GRADED),
    (pytest.ExitCode.TESTS_FAILED, {}, Status.GRADED),  # students' lost points
    (pytest.ExitCode.NO_TESTS_COLLECTED, {}, Status.GRADED),  # all graded before
    (pytest.ExitCode.TESTS_FAILED, {"not_graded": ["bob"]}, Status.GRADER_FAILED),
    (INTERNAL, {"internal_error": True}, Status.GRADER_FAILED),  # pytest says 3
    (INTERNAL, {}, Status.SANDBOX),  # the plugin's pytest.exit(returncode=3)
    (INTERRUPTED, {}, Status.CANNOT_GRADE),  # pytest.exit(returncode=2) before grading
    (INTERRUPTED, {"interrupted": True}, Status.INTERRUPTED),
    (USAGE, {}, Status.CANNOT_GRADE),  # pytest says 4, the grader's failure is 4
])
def test_the_exit_status_tells_graded_from_the_graders_failure(exitstatus, seen, status):
    outcome = Outcome()
    vars(outcome).update(seen)
    assert outcome.status(exitstatus) == status
