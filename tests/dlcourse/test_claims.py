"""The chapters' claims (dlcourse/claims.py): a sentence about this build says what the
numbers give, a sentence about the records fails the build when they contradict it,
and a rule is only ever arithmetic over its numbers."""
from __future__ import annotations

import numpy as np
import pytest

from dlcourse import claims


@pytest.fixture
def glued(monkeypatch):
    """What the claims glue, by name (myst_nb's glue needs a kernel)."""
    found = {}

    def glue(name, value, display=True):
        data = getattr(value, "data", value)
        found[name] = claims.read({"text/plain": data}) if name.startswith("claim__") else data

    import myst_nb
    monkeypatch.setattr(myst_nb, "glue", glue)
    return found


def test_a_build_claim_says_what_the_numbers_give(glued):
    numbers = {"big": 0.14, "small": 0.07, "default": 0.88}
    assert not claims.about_this_build("order", "ranking({'a': big, 'b': small}) == ['b', 'a']",
                                       numbers, yes="the same order", no="another order")
    assert glued["order"] == "another order"
    record = glued["claim__order"]
    assert record["holds"] is False and record["shown"] == "another order"
    assert claims.evaluate(record["rule"], record["numbers"]) is False
    assert claims.about_this_build("up", "rising(curve)", {"curve": np.array([1, 2, 3])},
                                   yes="rises", no="does not rise")
    assert glued["up"] == "rises" and glued["claim__up"]["numbers"]["curve"] == [1, 2, 3]


def test_a_sentence_the_records_contradict_fails(glued):
    claims.about_the_records("flat", "max(c) - min(c) < 0.01", {"c": [0.97, 0.974]},
                             quote="the curve is flat")
    assert glued["claim__flat"]["holds"] is True
    with pytest.raises(claims.ClaimError, match="the curve is flat"):
        claims.about_the_records("flat", "max(c) - min(c) < 0.01", {"c": [0.97, 0.80]},
                                 quote="the curve is flat")


def test_missing_records_make_no_claim(glued):
    claims.about_the_records("x", "a > b", {"a": None, "b": 1.0}, quote="a beats b")
    assert glued["claim__x"]["holds"] is None


@pytest.mark.parametrize("rule", [
    "().__class__.__bases__",          # attributes: the way out of a sandboxed eval
    "__import__('os').system('true')",  # a call to something not listed
    "(lambda: 1)()",
    "[x for x in a]",                  # comprehensions hide names
    "open('/etc/passwd')",
])
def test_a_rule_is_only_arithmetic_over_its_numbers(rule):
    with pytest.raises(ValueError, match="may"):
        claims.evaluate(rule, {"a": [1]})


def test_numbers_must_be_plain():
    with pytest.raises(TypeError, match="number"):
        claims.evaluate("a", {"a": object()})
    assert claims.evaluate("a[-1] > a[0] and mean(a) == 2", {"a": np.arange(1, 4)})


def _built(tmp_path, source: str, html: str, records: dict) -> tuple:
    """A one-page book as jupyter-book leaves it: the chapter, its page, its glue."""
    import json

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ch.md").write_text(source)
    build = tmp_path / "_build"
    (build / "html" / "book").mkdir(parents=True)
    (build / "html" / "book" / "ch.html").write_text(html)
    (build / "jupyter_execute" / "book").mkdir(parents=True)
    glue = {f"claim__{name}": {"data": {"text/plain": json.dumps(record)}}
            for name, record in records.items()}
    (build / "jupyter_execute" / "book" / "ch.glue.json").write_text(json.dumps(glue))
    return build, tmp_path


SOURCE = ("# Ch\n\nThe rate {glue:md}`order`. The curve stays flat for three epochs.\n\n"
          "```{code-cell} ipython3\nprint('the curve falls')\n```\n")
HTML = "<p>The rate <em>rises</em>. The curve stays flat for three epochs.</p>"
BUILD = {"kind": "build", "rule": "rising(c)", "numbers": {"c": [1, 2]}, "holds": True,
         "yes": "*rises*", "no": "falls", "shown": "*rises*"}
RECORDS = {"kind": "records", "rule": "max(c) - min(c) < 0.01", "numbers": {"c": [0.5, 0.505]},
           "holds": True, "quote": "stays flat for three epochs"}


def test_a_built_book_whose_claims_hold_passes(tmp_path):
    build, root = _built(tmp_path, SOURCE, HTML, {"order": BUILD, "flat": RECORDS})
    found, problems = claims.check_build(build, root, ["book/ch"])
    assert problems == [] and sorted(found["book/ch"]) == ["flat", "order"]


@pytest.mark.parametrize("wrong, expected", [
    # the notebook glued "holds" for numbers that do not give it
    ({"order": {**BUILD, "numbers": {"c": [2, 1]}}}, "evaluated its rule otherwise"),
    # the words shown are the other wording's
    ({"order": {**BUILD, "shown": "falls"}}, "glued the other wording"),
    # the page does not show what was glued (a stale or edited page)
    ({"order": {**BUILD, "yes": "*climbs*", "shown": "*climbs*"}}, "does not say 'climbs'"),
    # a claim the prose never shows with {glue:md}
    ({"other": BUILD}, "the prose never shows it"),
    # records that contradict the sentence, with the notebook's verdict forged to agree
    ({"flat": {**RECORDS, "numbers": {"c": [0.5, 0.6]}, "holds": False}}, "records contradict"),
    # a quote that only a code cell prints, not the prose
    ({"flat": {**RECORDS, "quote": "the curve falls"}}, "not a sentence of the chapter's prose"),
])
def test_a_built_book_with_a_wrong_claim_is_caught(tmp_path, wrong, expected):
    build, root = _built(tmp_path, SOURCE, HTML, {"order": BUILD, "flat": RECORDS, **wrong})
    _, problems = claims.check_build(build, root, ["book/ch"])
    assert any(expected in p for p in problems), problems
