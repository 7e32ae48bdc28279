"""Pairs of submissions whose answers are near-identical, for the instructor to review
(never a change of grade): ``similarity/index.html`` with the matching answer cells side
by side, and ``similarity/pairs.json``.

The comparison is copydetect's (winnowed fingerprints of the code after its tokenizer
has replaced every name with one letter and dropped comments and whitespace), so renamed
variables, comments and layout do not hide a copy. Each answer cell is compared with the
same cell of the other submission, without the code the released notebook gives every
student (boilerplate). Short answers (a one-line schedule) coincide between honest
students, so a cell counts only past ``MIN_CHARS`` characters of its own code; a pair's
similarity is the length-weighted mean over those cells.

Notebooks are read from checked copies (:mod:`grader.host.snapshot`), as grading reads them.
"""
from __future__ import annotations

import html
import io
import itertools
import json
import tempfile
from pathlib import Path

import nbformat
from markupsafe import Markup

from grader.assignments.spec import Assignment
from grader.host.extract import student_cells
from grader.host.grade import submissions
from grader.host.snapshot import SnapshotError, take
from grader.results.safe_output import student_id

NOISE = 20  # copydetect's k: matches shorter than this many (filtered) characters are noise
GUARANTEE = 25  # every match at least this long is found (winnowing window = 6)
MIN_CHARS = 60  # a cell shorter than this (filtered, past the boilerplate) is not compared


def _fingerprint(code: str, boilerplate=()):
    from copydetect import CodeFingerprint
    return CodeFingerprint("cell.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=list(boilerplate),
                           fp=io.StringIO(code))


def _answers(folder: Path, spec) -> dict[str, str] | None:
    """``{answer cell grade_id: code}`` of one submission (None when it has no readable
    notebook)."""
    with tempfile.TemporaryDirectory(prefix="similarity-") as tmp:
        try:
            snap = take(folder, Path(tmp) / "copy", required=spec.required_files(spec.limits),
                        max_bytes=spec.limits.submission_bytes,
                        max_files=spec.limits.submission_files)
        except SnapshotError:
            return None
        if spec.notebook not in snap.files:
            return None
        try:
            cells = student_cells(snap.root / spec.notebook)
        except Exception:  # noqa: BLE001 - not a notebook: nothing to compare
            return None
    wanted = _answer_ids(spec)
    return {c["id"]: c["source"] for c in cells if c["id"] in wanted}


def _answer_ids(spec) -> dict[str, str]:
    """``{grade_id: the code the released notebook gives}`` of the answer cells."""
    nb = nbformat.read(str(spec.notebook_path), as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            given = cell.source.split("### BEGIN SOLUTION")[0]
            tail = cell.source.split("### END SOLUTION")[-1] if "### END SOLUTION" in cell.source else ""
            out[meta["grade_id"]] = given + "# YOUR CODE HERE\nraise NotImplementedError()\n" + tail
    return out


def pairs(submitted: str | Path, spec: Assignment, threshold: float = 0.8) -> list[dict]:
    """Every pair at or above ``threshold``, most similar first: ``{"students", "score",
    "cells": [{"cell", "score", "left", "right"}]}`` (the two cells' code as HTML, the
    matching parts marked)."""
    from copydetect import compare_files
    from copydetect.utils import highlight_overlap

    given = _answer_ids(spec)
    boiler = {cell: _fingerprint(code).hashes for cell, code in given.items()}
    found = {}
    for folder in submissions(submitted, spec):
        answers = _answers(folder, spec)
        if answers:
            found[student_id(folder.parent.name)] = {
                cell: (code, _fingerprint(code, boiler[cell])) for cell, code in answers.items()}
    listed = []
    for a, b in itertools.combinations(sorted(found), 2):
        weighted, total, cells = 0.0, 0, []
        for cell in given:
            if cell not in found[a] or cell not in found[b]:
                continue
            (code_a, fp_a), (code_b, fp_b) = found[a][cell], found[b][cell]
            size = min(len(fp_a.filtered_code), len(fp_b.filtered_code))
            if size < MIN_CHARS or not fp_a.hashes or not fp_b.hashes:
                continue
            _, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fp_a, fp_b)
            score = float(min(sim_a, sim_b))
            weighted, total = weighted + score * size, total + size
            if score > 0:
                left = highlight_overlap(code_a, slices_a, "<mark>", "</mark>", escape_html=True)[0]
                right = highlight_overlap(code_b, slices_b, "<mark>", "</mark>", escape_html=True)[0]
            else:
                left, right = html.escape(code_a), html.escape(code_b)
            cells.append({"cell": cell, "score": round(score, 3), "left": left, "right": right})
        if total and weighted / total >= threshold:
            listed.append({"students": [a, b], "score": round(weighted / total, 3),
                           "cells": cells})
    return sorted(listed, key=lambda p: -p["score"])


STYLE = """body{font-family:sans-serif;max-width:80em;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border:1px solid #ccc;
padding:.3em;vertical-align:top}pre{white-space:pre-wrap;margin:0;font-size:.85em}
mark{background:#ffe08a}"""


# The page, with Jinja2's autoescaping: names and cell ids are escaped.
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Similar answers: {{ assignment }}</title><style>{{ style }}</style></head><body><main>
<h1>Similar answers: {{ assignment }}</h1>
<p>Pairs whose answer cells are at least {{ "{:.0%}".format(threshold) }} alike after names,
comments and layout are set aside (copydetect). Review them; a short or standard answer can
coincide by itself. Grades are not changed.</p>
{% for p in pairs %}{% set a, b = p.students %}
<h2>{{ a }} and {{ b }}: {{ "{:.0%}".format(p.score) }}</h2>
<table><tr><th>cell</th><th>{{ a }}</th><th>{{ b }}</th></tr>
{% for c in p.cells %}<tr><td>{{ c.cell }}<br>{{ "{:.0%}".format(c.score) }}</td>
<td><pre>{{ c.left }}</pre></td><td><pre>{{ c.right }}</pre></td></tr>
{% endfor %}</table>
{% else %}<p>No pair reaches the threshold.</p>
{% endfor %}</main></body></html>
"""


def write_similarity(submitted: str | Path, spec: Assignment, to: str | Path,
                     threshold: float = 0.8) -> str:
    """Write the report into folder ``to``; returns a one-line summary."""
    found = pairs(submitted, spec, threshold)
    folder = Path(to)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pairs.json").write_text(json.dumps(
        [{"students": p["students"], "score": p["score"],
          "cells": {c["cell"]: c["score"] for c in p["cells"]}} for p in found], indent=1))
    import jinja2

    # The code comes marked up already (copydetect escapes it, then marks the matches).
    shown = [{**p, "cells": [{**c, "left": Markup(c["left"]), "right": Markup(c["right"])}
                             for c in p["cells"]]} for p in found]
    page = jinja2.Environment(autoescape=True).from_string(PAGE).render(
        assignment=spec.name, style=Markup(STYLE), threshold=threshold, pairs=shown)
    (folder / "index.html").write_text(page, encoding="utf-8")
    return f"{len(found)} pair(s) at or above {threshold:.0%}; report in {folder / 'index.html'}"
