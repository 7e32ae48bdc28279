"""The class report: one static HTML page (``index.html`` and its PNG plots, nothing
from another host) that shows an instructor, from a grader output folder, how the class
did: the distribution of totals, each test's pass rate (visible parts against hidden
ones), the most frequent failure reasons, the time per submission, and the submissions
that reached a limit, the late ones with their penalties, the submissions whose time
is unknown, and the instructor's overrides.

Every text on it comes from the gradebook and is escaped: a reason can quote a
student's exception message, and the page must show it, not run it.
"""
from __future__ import annotations

import collections
import re
from pathlib import Path

from grader.assignments import registry as assignments
from grader.results import gradebook

# The notes that say a submission reached one of the grader's limits. Notes are the
# grader's own words (grader.host.snapshot, grader.host.grade), never a student's; a
# test's failure says so itself (TestResult.limit).
LIMIT_NOTE = re.compile(r"timed out|ran past|time limit|did not finish within|quota|limit|"
                        r"out of memory|SIGKILL|SIGXFSZ|left out", re.IGNORECASE)


def _short(reason: str) -> str:
    """A reason with its numbers folded, so that the same failure counts as one."""
    return re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "N", reason)[:160]


def summary(out: str | Path) -> dict:
    """What the page shows, as plain data (also what the tests read)."""
    assignment, book = gradebook.read(out)
    spec = assignments.get(assignment)
    tests = list(spec.tests)
    totals = {s: rec.total for s, rec in book.items()}
    rates = {}
    for test in tests:
        parts = [r.failed_part for rec in book.values() for r in rec.results if r.test == test]
        n = len(parts) or 1
        rates[test] = {"visible": sum(p != "visible" for p in parts) / n,
                       "hidden": sum(p is None for p in parts) / n}
    reasons = collections.Counter(_short(r.reason) for rec in book.values()
                                  for r in rec.results if not r.passed and r.reason)
    limits = sorted({(s, r.test, r.reason) for s, rec in book.items() for r in rec.results
                     if not r.passed and r.limit}
                    | {(s, "", note) for s, rec in book.items() for note in rec.notes
                       if LIMIT_NOTE.search(note)})
    late = [(s, gradebook.late_line(rec), f"{rec.penalty:g}") for s, rec in sorted(book.items())
            if rec.late and rec.late.seconds_late]
    unknown = [(s, rec.submitted_from) for s, rec in sorted(book.items())
               if rec.submitted is None and rec.submitted_from]
    overridden = [(s, r.test, f"{r.points:g}", f"{r.score:g}", r.override["by"],
                   r.override["at"], r.override["reason"])
                  for s, rec in sorted(book.items()) for r in rec.results if r.override]
    return {"assignment": assignment, "max_points": spec.max_points, "totals": totals,
            "seconds": {s: rec.seconds for s, rec in book.items()}, "rates": rates,
            "reasons": reasons.most_common(10), "limits": limits, "late": late,
            "unknown_times": unknown, "overrides": overridden}


def _plots(data: dict, folder: Path) -> list[tuple[str, str]]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []

    def save(fig, name: str, title: str):
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        made.append((name, title))

    fig, ax = plt.subplots(figsize=(6, 3.2))
    most = data["max_points"]
    ax.hist(list(data["totals"].values()), bins=[x - 0.5 for x in range(int(most) + 2)],
            color="#4c72b0", edgecolor="white")
    ax.set(xlabel="total points", ylabel="submissions", xlim=(-0.5, most + 0.5))
    save(fig, "totals.png", "Distribution of totals")

    tests = list(data["rates"])
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(tests) + 1.2))
    y = range(len(tests))
    ax.barh([i + 0.2 for i in y], [100 * data["rates"][t]["visible"] for t in tests], 0.4,
            label="visible tests", color="#55a868")
    ax.barh([i - 0.2 for i in y], [100 * data["rates"][t]["hidden"] for t in tests], 0.4,
            label="hidden tests (the whole test)", color="#c44e52")
    ax.set_yticks(list(y), tests)
    ax.invert_yaxis()
    ax.set(xlabel="submissions that pass (%)", xlim=(0, 100))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    save(fig, "pass_rates.png", "Pass rate of each test")

    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist(list(data["seconds"].values()), bins=20, color="#8172b2", edgecolor="white")
    ax.set(xlabel="grading time per submission (s)", ylabel="submissions")
    save(fig, "seconds.png", "Time per submission")
    return made


STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f3f3f3}img{max-width:100%}
.none{color:#666}"""

# The page, with Jinja2's autoescaping: every value from the gradebook is escaped.
PAGE = """\
{% macro table(header, rows) -%}
<table><thead><tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{%- endmacro -%}
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Class report: {{ assignment }}</title><style>{{ style }}</style></head><body><main>
<h1>Class report: {{ assignment }}</h1>
<p>{{ graded }} submissions graded; mean total {{ "%.2f" % mean }} of {{ "%g" % max_points }}
points (after overrides and late penalties); grading time per submission: median {{ "%.1f" % median }} s, worst
{{ "%.1f" % worst }} s.</p>
{% for name, title in plots %}<h2>{{ title }}</h2><img src="{{ name }}" alt="{{ title }}">
{% endfor %}<h2>Most frequent failure reasons</h2>
{% if reasons %}{{ table(["failures", "reason (numbers shown as N)"], reasons) }}
{% else %}<p class="none">No test failed.</p>{% endif %}
<h2>Submissions that reached a limit</h2>
{% if limits %}{{ table(["student", "test", "reason or note"], limits) }}
{% else %}<p class="none">None reached a limit.</p>{% endif %}
<h2>Late submissions</h2>
{% if late %}{{ table(["student", "lateness", "penalty (points)"], late) }}
{% else %}<p class="none">No submission was late.</p>{% endif %}
<h2>Submissions whose time is unknown</h2>
{% if unknown_times %}{{ table(["student", "why"], unknown_times) }}
{% else %}<p class="none">Every submission's time is known.</p>{% endif %}
<h2>Instructor's overrides</h2>
{% if overrides %}{{ table(["student", "test", "automatic", "set to", "by", "when", "reason"],
                           overrides) }}
{% else %}<p class="none">No override.</p>{% endif %}
</main></body></html>"""


def write_report(out: str | Path, to: str | Path | None = None) -> Path:
    """Write the report of output folder ``out`` into ``to`` (default ``out/report``);
    returns its ``index.html``."""
    data = summary(out)
    folder = Path(to) if to else Path(out) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    plots = _plots(data, folder)
    import jinja2

    totals = list(data["totals"].values())
    seconds = sorted(data["seconds"].values())
    page = jinja2.Environment(autoescape=True).from_string(PAGE).render(
        assignment=data["assignment"], style=jinja2.utils.markupsafe.Markup(STYLE),
        graded=len(totals), mean=sum(totals) / len(totals) if totals else 0,
        max_points=data["max_points"], median=seconds[len(seconds) // 2] if seconds else 0,
        worst=seconds[-1] if seconds else 0, plots=plots,
        reasons=[(n, r) for r, n in data["reasons"]], limits=data["limits"], late=data["late"],
        unknown_times=data["unknown_times"], overrides=data["overrides"])
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
