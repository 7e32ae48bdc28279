"""Reference vs measured: the tables and inline numbers the chapters show.

A chapter passes what its own build just measured; the full-profile numbers come from
``book/results/reproduction.json`` and the published ones from each experiment's
declaration (:func:`dlcourse.experiments.declare`).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from dlcourse.experiments import chapters, find, table
from dlcourse.results import find_record, hardware, load_records, versions


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
        return "–"  # no published number, as the reference column says
    gap = record["mean"] - reference
    tolerance = max(2 * record["std"], 0.01)
    if abs(gap) <= tolerance:
        return "agrees"
    return f"{'higher' if gap > 0 else 'lower'}{NBSP}by{NBSP}{abs(gap):.3f}"


def references(experiment: str, metric: str) -> list[tuple[float, str]]:
    """The published (value, source) pairs of a metric, the primary one first."""
    declared = find(experiment)
    return list(declared.references.get(metric, [])) if declared else []


def rows(items, this_build: dict | None = None, records: list[dict] | None = None) -> list[dict]:
    """One row per ``(experiment, metric, label)`` of ``items``."""
    records = load_records() if records is None else records
    this_build = this_build or {}
    out = []
    for experiment, metric, label in items:
        record = find_record(records, experiment, metric, "full")
        refs = references(experiment, metric)
        out.append({
            "label": label, "experiment": experiment, "metric": metric,
            "references": refs,
            "full": record,
            "this_build": this_build.get((experiment, metric)),
            "verdict": verdict(record, refs[0][0] if refs else None),
        })
    return out


def numbered_sources(references_per_row) -> dict[str, int]:
    """Each published source once, numbered in order of first use: a table's rows then
    cite ``[n]`` and one legend under the table names the sources."""
    numbers: dict[str, int] = {}
    for refs in references_per_row:
        for _, source in refs:
            numbers.setdefault(source, len(numbers) + 1)
    return numbers


def cited(refs, numbers: dict[str, int]) -> str:
    """A row's references as ``0.4760 [1]<br>0.5250 [2]``."""
    return "<br>".join(f"{value:.4f}{NBSP}[{numbers[source]}]" for value, source in refs) or "–"


def legend(numbers: dict[str, int]) -> str:
    """``[1] Géron (2019), handson-ml2.``: each source by its short name; the chapter's
    References section gives it in full."""
    from dlcourse.sources import SOURCES

    return " ".join(f"[{n}] {SOURCES[source].short}." for source, n in numbers.items())


def chapter_sources(chapter: str, *also: str) -> list[str]:
    """The keys of the sources a chapter cites: its tables' reference numbers' (in the
    order the table cites them), then ``also`` (the works its prose discusses)."""
    keys = list(numbered_sources(references(e, m) for e, m, _ in table(chapter))) \
        if chapter in chapters() else []
    return keys + [key for key in also if key not in keys]


def references_markdown(chapter: str, *also: str) -> str:
    """A chapter's References section's list: every source it cites, once, in full."""
    from dlcourse.sources import citation

    return "\n".join(f"- {citation(key)}" for key in chapter_sources(chapter, *also))


def show_references(chapter: str, *also: str) -> None:
    """Display the list of :func:`references_markdown` (a cell under ``## References``)."""
    from IPython.display import Markdown, display

    display(Markdown(references_markdown(chapter, *also)))


NBSP = "\u00a0"  # a table cell's number and its spread stay on one line


def spread_text(record: dict | None) -> str:
    """``mean ± std (n)`` of a record's seeds, unbroken."""
    if not record:
        return "not yet run"
    return NBSP.join((f"{record['mean']:.4f}", "±", f"{record['std']:.4f}",
                      f"(n={len(record['values'])})"))


NO_VALUE = {"", "–"}


def table_lines(header: list[str], cells: list[list[str]]) -> list[str]:
    """A Markdown table's lines, without the columns that have no value in any row: a
    column of dashes only widens the table (on a phone, past the screen) and says nothing."""
    keep = [i for i in range(len(header)) if not cells or any(row[i] not in NO_VALUE for row in cells)]
    pick = lambda row: [row[i] for i in keep]  # noqa: E731
    return ["| " + " | ".join(pick(header)) + " |", "|" + " --- |" * len(keep)] + \
        ["| " + " | ".join(pick(row)) + " |" for row in cells]


def markdown_table(items, this_build: dict | None = None, *, profile: str = "quick",
                   records: list[dict] | None = None) -> str:
    """A Markdown table: reference(s), full-profile mean ± std over seeds, this build;
    the references' sources once, in a legend under it."""
    found = rows(items, this_build, records)
    numbers = numbered_sources(row["references"] for row in found)
    header = ["experiment", "metric", "reference", "full profile: mean ± std (n)",
              f"this build ({profile})", "full vs reference"]
    cells = [[row["label"], row["metric"], cited(row["references"], numbers), spread_text(row["full"]),
              _fmt(row["this_build"]), row["verdict"]] for row in found]
    lines = table_lines(header, cells)
    notes = [f"References: {legend(numbers)}"] if numbers else []
    recorded = recorded_with(row["full"] for row in found)
    if recorded:
        notes.append(f"Full profile recorded with {recorded}.")
    return "\n".join(lines + ["", " ".join(notes)] if notes else lines)


def within_spread(a: dict, b: dict) -> bool:
    """Whether two records' seeds overlap: the range (min to max) of one meets the
    other's, as their bands do in the figures."""
    return min(a["values"]) <= max(b["values"]) and min(b["values"]) <= max(a["values"])


def difference_text(experiment_a: str, experiment_b: str, metric: str, *, digits: int = 3,
                    records: list[dict] | None = None) -> str:
    """How two experiments' recorded full-profile means differ, and whether that
    difference is within the seeds' spread, in words for a chapter's prose."""
    records = load_records() if records is None else records
    a, b = (find_record(records, e, metric, "full") for e in (experiment_a, experiment_b))
    if not (a and b):
        return "(not yet run)"
    gap = a["mean"] - b["mean"]
    spread = "within" if within_spread(a, b) else "beyond"
    return (f"{a['mean']:.{digits}f} against {b['mean']:.{digits}f} (a difference of "
            f"{gap:+.{digits}f}, {spread} the spread of their {len(a['values'])} and "
            f"{len(b['values'])} seeds)")


def glue_difference(name: str, experiment_a: str, experiment_b: str, metric: str, **kwargs):
    """Glue :func:`difference_text` for {glue:md}`name`."""
    glue_text(name, difference_text(experiment_a, experiment_b, metric, **kwargs))


def measured_key(experiment: str, metric: str) -> str:
    """The glue key under which a chapter stores what its build measured; the
    reproduction page pastes it from there (``{glue:text}`<chapter>.md::<key>```)."""
    return "measured_" + re.sub(r"\W", "_", f"{experiment}__{metric}")


def show_table(items, this_build: dict | None = None, *, profile: str = "quick"):
    """Display :func:`markdown_table` in a notebook (rendered as Markdown by myst-nb),
    and glue every measured value for the reproduction page."""
    from IPython.display import Markdown, display
    from myst_nb import glue

    this_build = this_build or {}
    for experiment, metric, _ in items:
        value = this_build.get((experiment, metric))
        glue(measured_key(experiment, metric), float("nan") if value is None else float(value),
             display=False)
    display(Markdown(markdown_table(items, this_build, profile=profile)))


def glue_full(name: str, experiment: str, metric: str, *, digits: int = 4,
              records: list[dict] | None = None) -> None:
    """Glue the full-profile mean of a metric under ``name`` for use in the chapter's text.
    Returns nothing: as a cell's last line, a returned value would show as its output."""
    from IPython.display import Markdown
    from myst_nb import glue

    records = load_records() if records is None else records
    record = find_record(records, experiment, metric, "full")
    text = _fmt(record["mean"], digits) if record else "(not yet run)"
    glue(name, Markdown(text), display=False)  # shown with {glue:md}`name`, without quotes


def duration_text(seconds: float) -> str:
    """A run's length in words a reader expects: "1 minute", "25 minutes", "1.5 hours"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds / 3600:.1f} hours"


def glue_text(name: str, text: str) -> None:
    """Glue any text (a number this build measured, say) for {glue:md}`name`; returns
    nothing, so that a cell ending with it shows no stray value."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(text), display=False)


def executed_with(profile: str | None = None) -> str:
    """The versions, backend and machine a page is executed with, for its reader."""
    from dlcourse.profiles import current_profile

    found = versions()
    backend = found["backend"]
    return (f"Python {found['python']}, Keras {found['keras']} on the {backend} "
            f"{found[backend]} backend, NumPy {found['numpy']}; {hardware()}; "
            f"{profile or current_profile().name} profile")


def glue_environment() -> None:
    """Glue :func:`executed_with` as ``executed_with``: each page's "Executed with" line.
    Every chapter calls it first, so it also sets the book's figure style (SVG, fonts)."""
    from dlcourse.plotting import book_style

    book_style()
    glue_text("executed_with", executed_with())


def recorded_with(records) -> str:
    """The backends and Keras versions a set of full-profile records was measured with."""
    seen = sorted({(r["versions"].get("backend", "tensorflow"), r["versions"]["keras"])
                   for r in records if r})
    return ", ".join(f"Keras {keras} on {backend}" for backend, keras in seen)


# ------------------------------------------------------------ reproduction page

PAGE_PATH = Path(__file__).resolve().parents[1] / "book" / "reproduction.md"

_PAGE_HEAD = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

<!-- Generated by `python -m dlcourse.report`; edit dlcourse/report.py, not this file. -->

# Reproduction table

Every number the chapters compare: the published reference (where one exists), the
mean and spread over seeds of this book's own full-profile run (recorded in
`book/results/reproduction.json` by `python -m dlcourse.reproduce --profile full`),
and the number this build measured when it executed the chapter, in the profile the
site was built with. A quick-profile build trains on small slices for a few epochs, so
its numbers are lower than the full profile's, and where its runs do not show what the
full profile's do, the chapter says so.

**Executed with:** {glue:md}`executed_with`.

```{code-cell} ipython3
:tags: [remove-input]
from dlcourse.report import glue_environment, glue_full_cells
glue_environment()
glue_full_cells()
```
"""


def table_items():
    """Every (chapter, experiment, metric, label) that a chapter's table shows."""
    for chapter in chapters():
        for experiment, metric, label in table(chapter):
            yield chapter, experiment, metric, label


def full_key(experiment: str, metric: str) -> str:
    return "full_" + re.sub(r"\W", "_", f"{experiment}__{metric}")


def glue_full_cells(records: list[dict] | None = None) -> None:
    """Glue the full-profile cell of every row of the reproduction page."""
    from IPython.display import Markdown
    from myst_nb import glue

    records = load_records() if records is None else records
    for _, experiment, metric, _ in table_items():
        record = find_record(records, experiment, metric, "full")
        glue(full_key(experiment, metric), Markdown(spread_text(record)), display=False)


def reproduction_page() -> str:
    from dlcourse.sources import citation

    items = list(table_items())
    numbers = numbered_sources(references(e, m) for _, e, m, _ in items)
    header = ["chapter", "experiment", "metric", "reference", "full profile: mean ± std (n)",
              "this build"]
    cells = [[f"[{chapter.replace('_', ' ')}]({chapter}.md)", label, metric,
              cited(references(experiment, metric), numbers),
              f"{{glue:md}}`{full_key(experiment, metric)}`",
              f"{{glue:text}}`{chapter}.md::{measured_key(experiment, metric)}:.4f`"]
             for chapter, experiment, metric, label in items]
    lines = [_PAGE_HEAD.rstrip("\n"), ""] + table_lines(header, cells)
    lines += ["", f"References: {legend(numbers)}", "", "## References", ""]
    lines += [f"- {citation(key)}" for key in numbers]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    PAGE_PATH.write_text(reproduction_page())
    print(f"wrote {PAGE_PATH}")


def build_label(profile, settings) -> str:
    """What this build's own run is, beside the recorded full-profile curves."""
    if profile.name == "full":
        return "this build (full profile: one more seed)"
    images = f"{settings.train_size:,} images" if settings.train_size else "all images"
    return f"this build, {profile.name} profile: {settings.epochs} epochs on {images}"
