"""What a grading run shows while it works: one line per student (points, time, limits
reached, lateness) and, on a terminal, a live bar (done / total, rate, time left) drawn
by ``rich``. Without a terminal (a Slurm log, CI) each line carries the count, rate and
time left itself, and no escape sequence is written.

It follows the grader's hooks (:mod:`grader.hookspecs`) as a pytest plugin; ``python -m
grader merge`` calls the same methods for the shards it joins.
"""
from __future__ import annotations

import time
from datetime import timedelta

from grader.results.deadlines import shown_duration


def line(record) -> str:
    """One student's line: ``alice: 7/10 (12.3 s)`` and what stands out."""
    text = f"{record.student}: {record.total:g}/{record.max_points:g} ({record.seconds:.1f} s)"
    limits = [f"{r.test} ({r.kind or 'limit'})" for r in record.results if r.limit]
    if limits:
        text += "; limits: " + ", ".join(limits)
    late = record.late
    if late is not None and late.seconds_late:
        text += f"; late {shown_duration(timedelta(seconds=late.seconds_late))}"
        text += f", -{record.penalty:g}" if late.share else ", no penalty"
        text += " (extended)" if late.extended else ""
    elif late is not None and late.extended:
        text += "; on time (extended)"
    elif late is None and record.submitted is None and record.submitted_from:
        text += "; submission time unknown"
    overridden = [r.test for r in record.results if r.override]
    if overridden:
        text += "; overridden: " + ", ".join(overridden)
    return text


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


class Progress:
    """The progress of one run (a pytest plugin on the gradebook's writer)."""

    def __init__(self, verb: str = "graded", stream=None, live: bool | None = None):
        self.verb = verb
        self.stream = stream
        self.live = live
        self.total = self.done = self.failed = 0
        self.kept = 0
        self.start = time.monotonic()
        self.bar = None

    # --- the grader's hooks ---
    def pytest_grader_selected(self, config, students, kept):
        self.begin(len(students), len(kept))

    def pytest_grader_graded(self, config, record):
        self.graded(record)

    def pytest_grader_not_graded(self, config, student):
        self.not_graded(student)

    def pytest_sessionfinish(self, session):
        self.finish()

    # --- what they do ---
    def begin(self, total: int, kept: int = 0) -> None:
        from rich.console import Console

        self.total, self.kept, self.start = total, kept, time.monotonic()
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True,
                               emoji=False, markup=False)
        live = self.console.is_terminal and not self.console.is_dumb_terminal \
            if self.live is None else self.live
        head = f"{self.verb.replace('graded', 'grading').replace('joined', 'joining')} " \
               f"{total} submission(s)" + (f"; {kept} kept from the gradebook, unchanged"
                                           if kept else "")
        self.console.print(head)
        if live and total:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
            self.bar = Progress(TextColumn(self.verb.replace("ed", "ing")), BarColumn(),
                                MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                console=self.console, auto_refresh=False)
            self.task = self.bar.add_task("", total=total, rate="")
            self.bar.start()
            self.bar.refresh()

    def _rate(self) -> tuple[str, str]:
        elapsed = time.monotonic() - self.start
        finished = self.done + self.failed
        if not finished or elapsed <= 0:
            return "", ""
        if self.total < finished:  # the total was not known
            return f"{60 * finished / elapsed:.1f}/min", "?"
        per_minute = 60 * finished / elapsed
        left = (self.total - finished) * elapsed / finished
        return f"{per_minute:.1f}/min", _clock(left)

    def _show(self, text: str) -> None:
        rate, left = self._rate()
        if self.bar is not None:
            self.bar.console.print(text)
            self.bar.update(self.task, completed=self.done + self.failed, rate=rate)
            self.bar.refresh()
        else:
            total = str(self.total) if self.total else "?"
            tail = f" | {rate}, ETA {left}" if rate else ""
            self.console.print(f"[{self.done + self.failed:>{len(total)}}/{total}] {text}{tail}")

    def graded(self, record) -> None:
        if not hasattr(self, "console"):  # never told how many: counted as they come
            self.begin(0)
        self.done += 1
        self._show(line(record))

    def not_graded(self, student: str) -> None:
        if not hasattr(self, "console"):
            self.begin(0)
        self.failed += 1
        self._show(f"{student}: NOT GRADED, the grader failed")

    def finish(self) -> None:
        if not hasattr(self, "console"):
            return
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        elapsed = time.monotonic() - self.start
        rate, _ = self._rate()
        text = f"{self.done} {self.verb} in {_clock(elapsed)}" + (f" ({rate})" if rate else "")
        if self.kept:
            text += f", {self.kept} kept from the gradebook"
        if self.failed:
            text += f", {self.failed} NOT GRADED"
        self.console.print(text)
        del self.console
