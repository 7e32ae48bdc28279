"""Sentences of a chapter that compare numbers, held to the numbers they are about.

A chapter's comparative sentence ("the order of the three is the same", "the curve is
flat", "1cycle wins") is a *claim*: a rule over named numbers, evaluated in the cell
that has the numbers. There are two kinds, for the two kinds of numbers a page shows:

- :func:`about_this_build`: a claim about this build's own runs, whose numbers change
  with the profile. The sentence is glued: it says ``yes`` or ``no``, whichever the
  numbers give, so no build can contradict it.
- :func:`about_the_records`: a claim about the recorded full-profile runs, which are
  the same in every build. The sentence is fixed prose (``quote`` is a piece of it);
  when the records do not bear it out the cell raises :class:`ClaimError`, so the book
  does not build (``jupyter-book build -W``) until the sentence is right.

Each claim is also glued under ``claim__<name>`` with its rule, its numbers and what
they gave, so a test (tests/book/test_book.py) reads every page's claims back from the
executed notebook, evaluates each rule again from its numbers, and checks that the
page says what they give: the claim list of a chapter is the set of its glued claims.

A rule is a Python expression over the numbers' names, using only arithmetic,
comparisons, ``and``/``or``/``not``, indexing and slicing, and the functions in
:data:`FUNCTIONS`; :func:`evaluate` refuses anything else (attributes, imports,
lambdas), so the test can evaluate what a notebook wrote.
"""
from __future__ import annotations

import ast
import json
import math

import numpy as np

# What a rule may call: enough for orders, spreads and trends, nothing with effects.
FUNCTIONS = {
    "abs": abs, "min": min, "max": max, "len": len, "sum": sum, "sorted": sorted,
    "all": all, "any": any, "round": round, "log10": math.log10,
    "mean": lambda values: float(np.mean(values)),
    "rising": lambda values: all(b > a for a, b in zip(values, values[1:])),
    "falling": lambda values: all(b < a for a, b in zip(values, values[1:])),
    "below": lambda a, b: len(a) == len(b) and all(x < y for x, y in zip(a, b)),
    "largest_gap": lambda a, b: max(abs(x - y) for x, y in zip(a, b)),
    "argmax": lambda values: int(np.argmax(values)),
    "argmin": lambda values: int(np.argmin(values)),
    "ranking": lambda named: sorted(named, key=named.get, reverse=True),
}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call,
            ast.Name, ast.Load, ast.Constant, ast.Subscript, ast.Slice, ast.List, ast.Tuple,
            ast.Dict, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Add, ast.Sub,
            ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv, ast.Eq, ast.NotEq, ast.Lt,
            ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.IfExp)


class ClaimError(AssertionError):
    """A sentence about the recorded runs that the records do not bear out."""


def _plain(value):
    """Numbers as JSON keeps them (NumPy scalars and arrays become floats and lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"a claim's number must be a number, a string, None, or a list or dict of "
                    f"them, not {type(value).__name__}")


def evaluate(rule: str, numbers: dict) -> bool:
    """The truth of ``rule`` over ``numbers`` (names -> numbers, lists, dicts)."""
    tree = ast.parse(rule, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ValueError(f"a claim's rule may not use {type(node).__name__}: {rule!r}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in FUNCTIONS):
            raise ValueError(f"a claim's rule may call only {sorted(FUNCTIONS)}: {rule!r}")
    names = {**FUNCTIONS, **_plain(numbers)}
    return bool(eval(compile(tree, "<claim>", "eval"), {"__builtins__": {}}, names))


def _glue(name: str, record: dict) -> None:
    """Glue the record as JSON text (a glued ``application/json`` is not valid nbformat)."""
    from IPython.display import Pretty
    from myst_nb import glue

    glue(f"claim__{name}", Pretty(json.dumps(record, ensure_ascii=False)), display=False)


def read(glued: dict) -> dict:
    """A claim's record back from its glued output's ``data``."""
    return json.loads(glued["text/plain"])


def about_this_build(name: str, rule: str, numbers: dict, *, yes: str, no: str) -> bool:
    """Glue under ``name`` the words that this build's ``numbers`` make true: ``yes``
    where ``rule`` holds, else ``no`` (the page shows them with {glue:md}`name`).
    Returns whether it held."""
    from dlcourse.report import glue_text

    holds = evaluate(rule, numbers)
    text = yes if holds else no
    glue_text(name, text)
    _glue(name, {"kind": "build", "rule": rule, "numbers": _plain(numbers), "holds": holds,
                 "yes": yes, "no": no, "shown": text})
    return holds


def about_the_records(name: str, rule: str, numbers: dict, *, quote: str) -> None:
    """Check a sentence of fixed prose (``quote`` is a piece of it, as the chapter's
    source writes it) about the recorded full-profile runs; raise :class:`ClaimError`
    when the records do not bear it out. Numbers that are missing (a record not yet
    run) make no claim."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in numbers.values()):
        _glue(name, {"kind": "records", "rule": rule, "numbers": {}, "holds": None,
                     "quote": quote})
        return
    holds = evaluate(rule, numbers)
    _glue(name, {"kind": "records", "rule": rule, "numbers": _plain(numbers), "holds": holds,
                 "quote": quote})
    if not holds:
        raise ClaimError(f"the recorded runs contradict the sentence {quote!r}: {rule} is "
                         f"false for {json.dumps(_plain(numbers))[:500]}")


def mean_curve(experiment: str, curve: str, profile: str = "full") -> list[float] | None:
    """The mean over the recorded seeds of one curve (epoch by epoch, as long as the
    shortest seed's), or None when nothing was recorded."""
    from dlcourse.results import load_histories

    curves = [h[curve] for h in load_histories(experiment, profile).values() if curve in h]
    if not curves:
        return None
    n = min(len(c) for c in curves)
    return [float(v) for v in np.mean([c[:n] for c in curves], axis=0)]


def recorded_mean(experiment: str, metric: str, records: list[dict] | None = None):
    """The recorded full-profile mean of a metric, or None."""
    from dlcourse.results import find_record, load_records

    record = find_record(load_records() if records is None else records, experiment, metric)
    return record["mean"] if record else None


# --- Checking a built book's claims (tests/book/test_book.py; benchmarks/book_build.py --profile full)

# Sphinx's smart quotes turn a source's straight quotes into typographic ones.
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _words(text: str) -> str:
    return " ".join(text.split())


def _prose(source: str) -> str:
    """A chapter's Markdown without its code cells: what a reader reads as text."""
    import re

    return _words(re.sub(r"^```\{code-cell\}.*?^```$", " ", source, flags=re.S | re.M))


def page_text(page: str) -> str:
    """What a reader reads of an HTML page, its quotes straight again (the references'
    test compares titles with it)."""
    import html
    import re

    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return _words(html.unescape(re.sub(r"<[^>]+>", "", body))).translate(_STRAIGHT)


def built_claims(build: "Path", pages: list[str]) -> dict[str, dict[str, dict]]:
    """page -> claim name -> its record, from a build's ``jupyter_execute/<page>.glue.json``
    (``build`` is the ``_build`` folder)."""
    found = {}
    for page in pages:
        path = build / "jupyter_execute" / f"{page}.glue.json"
        glue = json.loads(path.read_text()) if path.exists() else {}
        found[page] = {key.removeprefix("claim__"): read(value["data"])
                       for key, value in glue.items() if key.startswith("claim__")}
    return found


def check_build(build: "Path", root: "Path", pages: list[str]) -> tuple[dict, list[str]]:
    """Every claim of a built book, checked again: a sentence about this build says what
    its numbers give and the page shows it; a sentence about the recorded runs is in the
    chapter's prose and the records bear it out. Returns the claims per page and the
    problems found (none for a book that tells the truth)."""
    found, problems = built_claims(build, pages), []
    for page, claims in found.items():
        source = (root / f"{page}.md").read_text()
        html_page = build / "html" / f"{page}.html"
        prose = _prose(source)
        shown_page = page_text(html_page.read_text()) if html_page.exists() else ""
        for name, claim in claims.items():
            where = f"{page}, claim {name!r}"
            if claim["holds"] is None:
                continue  # a record not yet run makes no claim (about_the_records)
            holds = evaluate(claim["rule"], claim["numbers"])
            if holds != claim["holds"]:
                problems.append(f"{where}: the page evaluated its rule otherwise")
            if claim["kind"] == "build":
                if claim["shown"] != (claim["yes"] if holds else claim["no"]):
                    problems.append(f"{where}: the page glued the other wording")
                if f"{{glue:md}}`{name}`" not in source:
                    problems.append(f"{where}: the prose never shows it")
                said = _words(claim["shown"].replace("`", "").replace("*", ""))
                if said not in shown_page:
                    problems.append(f"{where}: the page does not say {said!r}")
            else:
                if not holds:
                    problems.append(f"{where}: the records contradict {claim['quote']!r}")
                if _words(claim["quote"]) not in prose:
                    problems.append(f"{where}: {claim['quote']!r} is not a sentence of the "
                                    f"chapter's prose")
    return found, problems
