"""Deadlines, extensions, late penalties and overrides on a gradebook (no code is run):
grader/results/deadlines.py, overrides.py, gradebook.py, progress.py and the commands of
grader/corrections.py. Each check is run on the cheapest wrong answer too."""
from __future__ import annotations

import csv
import io
import json
from argparse import Namespace
from datetime import datetime, timedelta, timezone

import pytest

from grader import corrections
from grader.results import deadlines, gradebook, overrides
from grader.results.deadlines import Policy, Submitted, TimeError, parse_time
from grader.results.exports import canvas_csv, gradescope_results
from grader.results.gradebook import SubmissionRecord, TestResult
from grader.results.progress import Progress
from grader.results.report import summary

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2026-12-05 14:03:12.123456 UTC", datetime(2026, 12, 5, 14, 3, 12, 123456, UTC)),
    ("2026-12-05 23:30:00 +1345", datetime(2026, 12, 5, 9, 45, tzinfo=UTC)),  # Chatham
    ("2026-12-05 10:00:00 -03:30", datetime(2026, 12, 5, 13, 30, tzinfo=UTC)),
    ("2026-12-05 10:00:00 America/St_Johns", datetime(2026, 12, 5, 13, 30, tzinfo=UTC)),
    ("2026-07-05 10:00:00 America/St_Johns", datetime(2026, 7, 5, 12, 30, tzinfo=UTC)),  # DST
    ("2026-12-05T10:00:00+05:30", datetime(2026, 12, 5, 4, 30, tzinfo=UTC)),
    ("2026-12-31 23:59:59 Pacific/Kiritimati", datetime(2026, 12, 31, 9, 59, 59, tzinfo=UTC)),
])
def test_times_in_odd_zones_are_read_exactly(text, expected):
    assert parse_time(text) == (expected, "")


def test_a_time_without_a_zone_is_read_as_utc_and_says_so():
    assert parse_time("2026-12-05 10:00:00") == (datetime(2026, 12, 5, 10, tzinfo=UTC),
                                                 "no time zone given: read as UTC")


@pytest.mark.parametrize("text, why", [
    ("2026-12-05 10:00:00 IST", "unknown time zone"),  # India, Ireland or Israel?
    ("2026-12-05 10:00:00 +2500", "not a time zone"),
    ("12/05/2026 10:00", "not a date"),  # December or May?
    ("2026-12-05 10:00:00 ../../../etc/passwd", "unknown time zone"),
    ("2026-12-05T10:00:00+01:00 UTC", "two time zones"),
    ("", "empty"),
    ("2026-12-05 10:00:00 UTC" + " " * 200 + "x", "longer than"),
])
def test_a_time_that_needs_a_guess_is_refused_with_the_reason(text, why):
    with pytest.raises(TimeError, match=why):
        parse_time(text)


DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.mark.parametrize("policy, late, share", [
    ("none", 9 * DAY, 0.0),
    ("zero", timedelta(seconds=1), 1.0),
    ("zero grace=15min", 14 * timedelta(minutes=1), 0.0),
    ("10%/day", timedelta(seconds=1), 0.1),  # a started day counts (not floor)
    ("10%/day", DAY, 0.1),  # exactly one day is one started day (not two)
    ("10%/day", DAY + timedelta(seconds=1), 0.2),
    ("10%/day grace=1h", 2 * HOUR, 0.1),  # counted from the due date, not from the grace's end
    ("10%/day floor=50%", 9 * DAY, 0.5),
    ("5%/hour", 3 * HOUR + timedelta(minutes=1), 0.2),
    ("100%/day", -HOUR, 0.0),
])
def test_the_penalty_counts_started_units_from_the_due_date(policy, late, share):
    assert Policy.parse(policy).share(late)[0] == pytest.approx(share)


@pytest.mark.parametrize("text", ["", "10%", "10%/week", "0%/day", "10%/day floor=50",
                                  "zero floor=50%", "10%/day grace=soon", "10%/day extra=1"])
def test_a_policy_that_cannot_be_read_is_refused(text):
    with pytest.raises(deadlines.PolicyError):
        Policy.parse(text)


def test_a_policy_reads_back_as_written():
    for text in ("none", "zero grace=2h", "10%/day floor=50% grace=15min", "2.5%/hour"):
        assert str(Policy.parse(str(Policy.parse(text)))) == str(Policy.parse(text))


RECORDED = datetime(2026, 12, 3, 12, tzinfo=UTC)


def test_a_forged_timestamp_never_wins_over_nbgraders_record():
    forged = Submitted.resolve("2026-11-01 00:00:00 UTC", RECORDED)
    assert forged.at == RECORDED and "not used" in forged.source
    assert Submitted.resolve("2026-12-03 12:00:00 UTC", RECORDED).source == \
        "timestamp.txt, which nbgrader's database records"
    assert Submitted.resolve("2026-11-01 00:00:00 UTC", None).source == "timestamp.txt"


def test_a_time_nbgrader_misread_is_read_again_from_its_file():
    # nbgrader's parse_utc reads "+1345" as 1345 seconds and "IST" as UTC
    chatham = Submitted.resolve("2026-12-03 10:15:00 +1345",
                                datetime(2026, 12, 3, 9, 52, 35, tzinfo=UTC))
    assert chatham.at == datetime(2026, 12, 2, 20, 30, tzinfo=UTC)
    guessed = Submitted.resolve("2026-12-02 10:00:00 IST", datetime(2026, 12, 2, 10, tzinfo=UTC))
    assert guessed.at is None and "its guess from that file" in guessed.source


@pytest.mark.parametrize("text, why", [
    (None, "no timestamp.txt"), ("yesterday", "cannot be read"),
    ("(left out: timestamp.txt is a link)", "was left out: timestamp.txt is a link")])
def test_a_missing_or_unreadable_time_is_named_never_guessed(text, why):
    found = Submitted.resolve(text, None)
    assert found.at is None and why in found.source


def _record(student="alice", points=(1, 0), submitted="2026-12-03T12:00:00+00:00"):
    results = [TestResult(student, f"test_{i}", p, 2 if i else 1, bool(p) or i == 0,
                          "" if p else "visible tests: wrong", part="" if p else "visible")
               for i, p in enumerate(points)]
    return SubmissionRecord(student, "digest-1", results, seconds=2.0, submitted=submitted,
                            submitted_from="timestamp.txt")


@pytest.fixture
def out(tmp_path):
    """A gradebook of alice (late), bob (on time) and carol (no time), due 2026-12-01."""
    deadlines.save(tmp_path, deadlines.Deadline(datetime(2026, 12, 1, 22, tzinfo=UTC),
                                                "the command line", Policy.parse("10%/day")))
    gradebook.write([_record("alice", (1, 2)), _record("bob", (1, 0), "2026-12-01T21:00:00+00:00"),
                     _record("carol", (1, 2), None)], tmp_path, "schedules")
    return tmp_path


def _book(out):
    return json.loads((out / "gradebook.json").read_text())["students"]


def test_the_gradebook_keeps_raw_points_lateness_and_penalty_apart(out):
    alice = _book(out)["alice"]
    # 1 d 14 h late: 2 started days, 20% of 3 points
    assert (alice["raw_total"], alice["penalty"], alice["total"]) == (3, 0.6, 2.4)
    assert alice["late"]["units"] == 2 and alice["late"]["seconds_late"] == 38 * 3600
    assert [t["points"] for t in alice["tests"]] == [1, 2]  # the tests' own points untouched
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    per_student = {}
    for row in rows:
        per_student[row["student"]] = per_student.get(row["student"], 0) + float(row["points"])
    assert per_student == {"alice": 2.4, "bob": 1, "carol": 3}
    assert _book(out)["carol"]["late"] is None and _book(out)["carol"]["penalty"] == 0
    feedback = (out / "feedback" / "alice.txt").read_text()
    assert "2.4 / 3 points" in feedback and "Points before the penalty: 3." in feedback
    assert "2 started day(s): -0.6 points" in feedback


def test_changing_the_policy_or_an_extension_reapplies_without_running_code(out, tmp_path,
                                                                           monkeypatch):
    import grader.host.run as run
    monkeypatch.setattr(run, "run_submission", lambda *a, **k: pytest.fail("code was run"))
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("student,due,note\nalice,2026-12-04 12:00:00 Europe/Paris,medical\n"
                          "zed,2026-12-09 12:00:00 UTC,\nbob,someday,\n")
    args = Namespace(out=str(out), due=None, late_policy="zero", extensions=str(extensions),
                     due_from_db=False, nbgrader_db="none")
    assert corrections.deadline(args) == 0
    book = _book(out)
    assert book["alice"]["total"] == 3 and book["alice"]["late"]["extended"]  # 11:00 UTC < 12:00 Paris
    assert book["bob"]["total"] == 1 and book["carol"]["total"] == 3
    settings = deadlines.load(out)
    assert settings.unknown_students(book) == ["zed"]
    assert settings.problems == ["line 4 (bob): due date 'someday' is not a date and time "
                                 "(YYYY-MM-DD HH:MM:SS and a zone)"]
    assert "on time" in (out / "feedback" / "alice.txt").read_text()
    args.extensions, args.late_policy = "none", "zero"
    corrections.deadline(args)
    assert _book(out)["alice"]["total"] == 0 and "medical" not in (out / "feedback" / "alice.txt").read_text()


def test_an_override_survives_a_regrade_and_reaches_every_export(out):
    args = Namespace(out=str(out), student="bob", test="test_1", points=1.5, reason="regrade: "
                     "accepted", by="prof", list=False, remove=False, nbgrader_db="none")
    assert corrections.override(args) == 0
    gradebook.write([_record("bob", (1, 0), "2026-12-01T21:00:00+00:00")], out, "schedules")  # a regrade
    bob = _book(out)["bob"]
    assert bob["total"] == 2.5 and bob["tests"][1]["points"] == 0  # automatic verdict kept apart
    assert bob["tests"][1]["override"]["by"] == "prof"
    assert "1.5/2 set by the instructor - regrade: accepted" in (out / "feedback" / "bob.txt").read_text()
    text, _ = canvas_csv(out)
    assert ["bob", "", "", "bob", "", "2.5"] in list(csv.reader(io.StringIO(text)))
    assert gradescope_results(out, "bob")["score"] == 2.5
    assert summary(out)["overrides"][0][:4] == ("bob", "test_1", "0", "1.5")
    explained = corrections.explanation(out, "schedules", gradebook.read(out)[1]["bob"])
    assert "OVERRIDDEN: 1.5/2 by prof" in explained and "set to 1.5 - regrade" in explained
    args.remove = True
    assert corrections.override(args) == 0
    assert _book(out)["bob"]["total"] == 1
    assert [e["action"] for e in overrides.history(out)] == ["set", "remove"]


@pytest.mark.parametrize("student, test, points, reason, why", [
    ("bob", "test_9", 1, "r", "no test"), ("bob", "test_1", 3, "r", "worth 0 to 2"),
    ("bob", "test_1", -1, "r", "worth 0 to 2"), ("bob", "test_1", 1, " ", "needs a reason"),
    ("mallory", "test_1", 1, "r", "not in the gradebook")])
def test_an_override_that_cannot_hold_is_refused(out, capsys, student, test, points, reason, why):
    args = Namespace(out=str(out), student=student, test=test, points=points, reason=reason,
                     by=None, list=False, remove=False, nbgrader_db="none")
    assert corrections.override(args) == 2
    assert why in capsys.readouterr().err and overrides.history(out) == []


def test_gradescope_takes_the_penalty_off_as_a_test_of_its_own(out):
    results = gradescope_results(out, "alice")
    assert results["score"] == 2.4
    assert sum(t["score"] for t in results["tests"]) == pytest.approx(2.4)


def test_the_progress_has_a_line_per_student_and_no_escape_without_a_terminal(out):
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.begin(3)
    for record in gradebook.read(out)[1].values():
        progress.graded(record)
    progress.finish()
    text = stream.getvalue()
    assert "[1/3] alice: 2.4/3 (2.0 s); late 1 d 14 h, -0.6 |" in text and "ETA" in text
    assert "carol: 3/3 (2.0 s); submission time unknown" in text
    assert "\x1b" not in text and "\r" not in text and "3 graded in" in text


def test_the_progress_draws_a_bar_on_a_terminal(out):
    stream = io.StringIO()
    progress = Progress(stream=stream, live=True)
    progress.begin(3)
    for record in gradebook.read(out)[1].values():
        progress.graded(record)
    progress.finish()
    text = stream.getvalue()
    assert "3/3" in text and "ETA" in text and "alice: 2.4/3" in text


def test_the_progress_counts_without_a_total_never_failing_a_record(out):
    """Under pytest-xdist the total may come late: the lines count as they come."""
    stream = io.StringIO()
    progress = Progress(stream=stream)
    for record in gradebook.read(out)[1].values():
        progress.graded(record)
    progress.finish()
    assert "[1/?] alice: 2.4/3" in stream.getvalue() and "ETA ?" in stream.getvalue()
