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
