"""Reference vs measured: the tables and inline numbers the chapters show.

A chapter passes what its own build just measured; the full-profile numbers come from
``book/results/reproduction.json`` and the published ones from :mod:`dlcourse.references`.
"""
from __future__ import annotations

import math

from dlcourse.references import REFERENCES
from dlcourse.results import find_record, load_records


def _fmt(value, digits=4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def verdict(record: dict | None, reference: float | None) -> str:
    """Whether the recorded mean agrees with the reference within the run-to-run spread
    (two standard deviations of the seeds, and at least 0.01)."""
    if record is None:
        return "not yet run"
    if reference is None:
        return "no published number"
    gap = record["mean"] - reference
    tolerance = max(2 * record["std"], 0.01)
    if abs(gap) <= tolerance:
        return "agrees"
    return f"{'higher' if gap > 0 else 'lower'} by {abs(gap):.3f}"


def rows(items, this_build: dict | None = None, records: list[dict] | None = None) -> list[dict]:
    """One row per ``(experiment, metric, label)`` of ``items``."""
    records = load_records() if records is None else records
    this_build = this_build or {}
    out = []
    for experiment, metric, label in items:
        record = find_record(records, experiment, metric, "full")
        refs = REFERENCES.get((experiment, metric), [])
        out.append({
            "label": label, "experiment": experiment, "metric": metric,
            "references": refs,
            "full": record,
            "this_build": this_build.get((experiment, metric)),
            "verdict": verdict(record, refs[0][0] if refs else None),
        })
    return out


def markdown_table(items, this_build: dict | None = None, *, profile: str = "quick",
                   records: list[dict] | None = None) -> str:
    """A Markdown table: reference(s), full-profile mean ± std over seeds, this build."""
    lines = ["| experiment | metric | reference | full profile (mean ± std, seeds) | "
             f"this build ({profile}) | full vs reference |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in rows(items, this_build, records):
        refs = "<br>".join(f"{v:.4f} ({src})" for v, src in row["references"]) or "–"
        full = row["full"]
        full_text = (f"{full['mean']:.4f} ± {full['std']:.4f} (n={len(full['values'])})"
                     if full else "not yet run")
        lines.append(f"| {row['label']} | {row['metric']} | {refs} | {full_text} | "
                     f"{_fmt(row['this_build'])} | {row['verdict']} |")
    return "\n".join(lines)


def show_table(items, this_build: dict | None = None, *, profile: str = "quick"):
    """Display :func:`markdown_table` in a notebook (rendered as Markdown by myst-nb)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown_table(items, this_build, profile=profile)))


def glue_full(name: str, experiment: str, metric: str, *, digits: int = 4,
              records: list[dict] | None = None) -> str:
    """Glue the full-profile mean of a metric under ``name`` for use in the chapter's text."""
    from IPython.display import Markdown
    from myst_nb import glue

    records = load_records() if records is None else records
    record = find_record(records, experiment, metric, "full")
    text = _fmt(record["mean"], digits) if record else "(not yet run)"
    glue(name, Markdown(text), display=False)  # shown with {glue:md}`name`, without quotes
    return text


def glue_text(name: str, text: str) -> str:
    """Glue any text (a number this build measured, say) for {glue:md}`name`."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(text), display=False)
    return text
