"""The class report reads typed records: which part of a test failed and whether a limit
stopped it come from the record, never from the reason, which a student's code can word
as it likes."""
from __future__ import annotations

from grader.results import gradebook
from grader.results.gradebook import SubmissionRecord, TestResult
from grader.results.report import summary


def _record(student, *results, notes=()):
    return SubmissionRecord(student, "d", list(results), [], list(notes), 1.0)


def _class(tmp_path):
    def result(student, test, passed, reason="", **typed):
        return TestResult(student, test, 1.0 if passed else 0.0, 1.0, passed, reason, **typed)
    records = [
        _record("ann", result("ann", "test_scheduler_exp", True),
                result("ann", "test_scheduler_cosine", True)),
        # A limit reached: the record says so.
        _record("bob", result("bob", "test_scheduler_exp", False,
                              "hidden tests: failed (a call did not finish within 5 s)",
                              part="hidden", kind="timeout", limit=True),
                result("bob", "test_scheduler_cosine", True)),
        # A student's own exception worded like a limit, failing the visible part: no
        # limit; and a reason that reads like a hidden part's on a visible part's record.
        _record("eve", result("eve", "test_scheduler_exp", False,
                              "visible tests: ValueError: time limit exceeded, quota hit",
                              part="visible", kind="raised"),
                result("eve", "test_scheduler_cosine", False,
                       "hidden tests: timed out", part="visible", kind="raised")),
        _record("kim", result("kim", "test_scheduler_exp", True),
                result("kim", "test_scheduler_cosine", True),
                notes=["left out of grading: big.bin is 3 MiB, over the limit of 1 MiB for it"]),
    ]
    gradebook.write(records, tmp_path, "schedules")
    return summary(tmp_path)


def test_a_limit_is_what_the_record_says_not_what_a_reason_reads_like(tmp_path, monkeypatch):
    monkeypatch.setattr("grader.results.report.assignments.get", _fake_spec)
    data = _class(tmp_path)
    assert [(s, t) for s, t, _ in data["limits"]] == [("bob", "test_scheduler_exp"), ("kim", "")]


def test_the_failed_part_comes_from_the_record(tmp_path, monkeypatch):
    monkeypatch.setattr("grader.results.report.assignments.get", _fake_spec)
    rates = _class(tmp_path)["rates"]
    # exp: ann and kim pass both parts, bob the visible part only, eve neither.
    assert rates["test_scheduler_exp"] == {"visible": 3 / 4, "hidden": 2 / 4}
    # cosine: eve's reason reads like a hidden part's, her record says the visible part
    # failed: the record counts.
    assert rates["test_scheduler_cosine"] == {"visible": 3 / 4, "hidden": 3 / 4}


class _FakeSpec:
    tests = {"test_scheduler_exp": None, "test_scheduler_cosine": None}
    max_points = 2.0


def _fake_spec(name):
    assert name == "schedules"
    return _FakeSpec()


def test_the_page_escapes_what_the_gradebook_holds(tmp_path, monkeypatch):
    """A reason quoting a student's HTML is shown as text (the browser test,
    tests/grader/test_instructor_path.py, checks that it does not run)."""
    from grader.results.report import write_report
    monkeypatch.setattr("grader.results.report.assignments.get", _fake_spec)
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    gradebook.write([_record("<b>ann</b>", TestResult("<b>ann</b>", "test_scheduler_exp", 0.0, 1.0,
                                                       False, "visible tests: " + script,
                                                       part="visible", kind="raised"),
                             TestResult("<b>ann</b>", "test_scheduler_cosine", 1.0, 1.0, True))],
                    tmp_path, "schedules")
    page = write_report(tmp_path).read_text()
    assert "<script>" not in page and "<img src=x" not in page and "<b>ann" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and "<h1>Class report: schedules</h1>" in page
