"""Deadlines, extensions and late penalties: when a submission was handed in, when it
was due for its student, and what the assignment's policy takes off for lateness.

An output folder's ``deadline.json`` holds the due date (and where it came from: the
command line, nbgrader's database, the assignment's spec), the penalty :class:`Policy`
and the extensions read from a CSV (``student,due,note``). :func:`lateness` applies them
to one submission; the gradebook (:mod:`grader.results.gradebook`) does so on every write,
so that changing the policy or an extension (``python -m grader deadline OUT ...``)
re-applies the penalties without running anyone's code again.

A submission's time is the one nbgrader's database records for it (nbgrader's
``autograde`` reads it from ``timestamp.txt`` when it collects), else the
``timestamp.txt`` in the submission itself (what ``nbgrader collect`` copies): a
``timestamp.txt`` a student wrote into their folder is never trusted over nbgrader's
record, and where the two disagree that is named. A time that is missing, or that
cannot be read without guessing (a zone abbreviation such as ``IST`` names three
zones), is named and never penalised.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.results.files import atomic_write
from grader.results.safe_output import printable, student_id

SETTINGS = "deadline.json"
LEFT_OUT = "(left out: "  # how grader.host.grade gives a timestamp.txt the snapshot refused
MAX_TIME_TEXT = 100  # characters of a timestamp read at all
MAX_EXTENSIONS_BYTES = 1 << 20
UNITS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
DURATION_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600,
                  "hours": 3600, "d": 86400, "day": 86400, "days": 86400}


class TimeError(ValueError):
    """A time that cannot be read without guessing."""


class PolicyError(ValueError):
    pass


OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def _zone(name: str):
    """A zone token: ``UTC``/``Z``, an offset (``+0530``, ``-03:30``) or an IANA zone name
    (``America/St_Johns``); never an abbreviation, which may name several zones."""
    if name in ("Z", "UTC", "GMT"):
        return timezone.utc
    found = OFFSET.match(name)
    if found:
        sign, hours, minutes = found.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        if offset >= timedelta(hours=24) or int(minutes) >= 60:
            raise TimeError(f"offset {name!r} is not a time zone")
        return timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeError(f"unknown time zone {printable(name)!r} (give an offset such as "
                        "+0530 or a zone name such as Asia/Kolkata)") from None


def parse_time(text: str) -> tuple[datetime, str]:
    """``(the time in UTC, a note)`` of a timestamp as nbgrader writes it
    (``2026-12-05 14:03:12.123456 UTC``, its zone any of :func:`_zone`'s) or in ISO 8601
    (``2026-12-05T14:03:12+05:30``). A time with no zone is read as UTC, as nbgrader reads
    it, and the note says so. Raises :class:`TimeError` with the reason."""
    text = text.strip()
    if not text:
        raise TimeError("empty")
    if len(text) > MAX_TIME_TEXT:
        raise TimeError(f"longer than {MAX_TIME_TEXT} characters")
    body, zone = text, None
    words = text.split(" ")
    if len(words) == 3 or (len(words) == 2 and not re.match(r"^\d", words[1])):
        body, zone = " ".join(words[:-1]), _zone(words[-1])
    try:
        when = datetime.fromisoformat(body)
    except ValueError:
        raise TimeError(f"{printable(text)!r} is not a date and time (YYYY-MM-DD HH:MM:SS "
                        "and a zone)") from None
    if zone is not None:
        if when.tzinfo is not None:
            raise TimeError(f"{printable(text)!r} gives two time zones")
        when = when.replace(tzinfo=zone)
    note = ""
    if when.tzinfo is None:
        when, note = when.replace(tzinfo=timezone.utc), "no time zone given: read as UTC"
    return when.astimezone(timezone.utc), note


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(timezone.utc).isoformat()


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def shown_time(when: datetime | None) -> str:
    return "unknown" if when is None else when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def duration(text: str) -> timedelta:
    """``15min``, ``2h``, ``1d``, ``90s``, ``0``."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text)
    if not found or (found.group(2) or "s") not in DURATION_UNITS:
        raise PolicyError(f"{text!r} is not a duration (e.g. 15min, 2h, 1d)")
    return timedelta(seconds=float(found.group(1)) * DURATION_UNITS[found.group(2) or "s"])


def shown_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return " ".join(parts) or f"{seconds} s"


@dataclass(frozen=True)
class Policy:
    """What lateness costs: ``none``; ``zero`` (every point, once late); or ``percent``
    of the points per started ``per`` (hour or day) counted from the due date, never
    below ``floor`` percent of the points kept. A submission no later than ``grace``
    after its due date is on time."""

    kind: str = "none"
    percent: float = 0.0
    per: str = "day"
    floor: float = 0.0
    grace: timedelta = timedelta(0)

    @classmethod
    def parse(cls, text: str) -> "Policy":
        """``none``, ``zero``, ``10%/day`` or ``5%/hour``, then optionally ``floor=50%``
        (the least share of the points kept) and ``grace=15min``."""
        words = text.split()
        if not words:
            raise PolicyError("an empty late policy (none, zero, 10%/day, 5%/hour)")
        head, options = words[0], words[1:]
        if head in ("none", "zero"):
            policy = cls(head)
        else:
            found = re.fullmatch(r"(\d+(?:\.\d+)?)%/(hour|day)", head)
            if not found or not 0 < float(found.group(1)) <= 100:
                raise PolicyError(f"{text!r}: a late policy is none, zero, or a percentage per "
                                  "hour or day (e.g. 10%/day), then floor=50% and grace=15min")
            policy = cls("percent", float(found.group(1)), found.group(2))
        for option in options:
            key, _, value = option.partition("=")
            if key == "grace":
                policy = replace(policy, grace=duration(value))
            elif key == "floor" and policy.kind == "percent":
                found = re.fullmatch(r"(\d+(?:\.\d+)?)%", value)
                if not found or float(found.group(1)) > 100:
                    raise PolicyError(f"{option!r}: floor is a percentage, e.g. floor=50%")
                policy = replace(policy, floor=float(found.group(1)))
            else:
                raise PolicyError(f"{option!r}: a late policy takes floor=P% (with a "
                                  "percentage) and grace=DURATION")
        return policy

    def __str__(self) -> str:
        text = self.kind if self.kind != "percent" else f"{self.percent:g}%/{self.per}"
        if self.floor:
            text += f" floor={self.floor:g}%"
        if self.grace:
            seconds = int(self.grace.total_seconds())
            unit = next(u for u, n in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
                        if seconds % n == 0)
            text += f" grace={seconds // DURATION_UNITS[unit]}{unit}"
        return text

    def described(self) -> str:
        """The policy in words, for feedback."""
        if self.kind == "none":
            return "no late penalty"
        text = "no points after the due date" if self.kind == "zero" else \
            f"{self.percent:g}% of the points per started {self.per} late"
        if self.floor:
            text += f", never below {self.floor:g}% of them"
        if self.grace:
            text += f" ({shown_duration(self.grace)} of grace)"
        return text

    def share(self, late: timedelta) -> tuple[float, int]:
        """``(the share of the points taken, the started units counted)`` for ``late``."""
        if self.kind == "none" or late <= self.grace or late <= timedelta(0):
            return 0.0, 0
        if self.kind == "zero":
            return 1.0, 0
        units = math.ceil(late / UNITS[self.per])
        return min(self.percent * units, 100 - self.floor) / 100, units


@dataclass(frozen=True)
class Extension:
    due: datetime
    note: str = ""


@dataclass
class Deadline:
    """An output folder's deadline settings (``deadline.json``)."""

    due: datetime | None = None
    due_from: str = "none"
    policy: Policy = Policy()
    extensions: dict[str, Extension] = field(default_factory=dict)
    extensions_from: str = ""
    problems: list[str] = field(default_factory=list)  # extension lines not read

    def due_for(self, student: str) -> tuple[datetime | None, Extension | None]:
        extension = self.extensions.get(student)
        return (extension.due, extension) if extension else (self.due, None)

    def as_dict(self) -> dict:
        return {"due": iso(self.due), "due_from": self.due_from, "policy": str(self.policy),
                "extensions": {s: {"due": iso(e.due), "note": e.note}
                               for s, e in sorted(self.extensions.items())},
                "extensions_from": self.extensions_from, "problems": self.problems}

    @classmethod
    def from_dict(cls, data: dict) -> "Deadline":
        return cls(from_iso(data.get("due")), data.get("due_from", "none"),
                   Policy.parse(data.get("policy") or "none"),
                   {s: Extension(from_iso(e["due"]), e.get("note", ""))
                    for s, e in data.get("extensions", {}).items()},
                   data.get("extensions_from", ""), list(data.get("problems", [])))

    def unknown_students(self, students) -> list[str]:
        """Students with an extension and no submission in the gradebook."""
        return sorted(set(self.extensions) - set(students))

    def summary(self, students=None) -> str:
        lines = [f"due: {shown_time(self.due)} ({self.due_from})" if self.due else
                 "due: no due date (no late penalty)",
                 f"late policy: {self.policy} ({self.policy.described()})",
                 f"extensions: {len(self.extensions)}"
                 + (f" from {self.extensions_from}" if self.extensions_from else "")]
        lines += [f"extensions: {problem}" for problem in self.problems]
        if students is not None:
            unknown = self.unknown_students(students)
            if unknown:
                lines.append("extensions for students with no graded submission: "
                             + ", ".join(unknown))
        return "\n".join(lines)


def load(out: str | Path) -> Deadline:
    path = Path(out) / SETTINGS
    return Deadline.from_dict(json.loads(path.read_text())) if path.is_file() else Deadline()


def save(out: str | Path, deadline: Deadline) -> None:
    atomic_write(Path(out) / SETTINGS, json.dumps(deadline.as_dict(), indent=1) + "\n")


def read_extensions(path: str | Path) -> tuple[dict[str, Extension], list[str]]:
    """``({student: Extension}, problems)`` of a CSV with the columns ``student``, ``due``
    and optionally ``note``; a row that cannot be read is a problem named by its line,
    never a guess (a student named twice keeps the later row, and that is named)."""
    path = Path(path)
    raw = path.read_bytes()[:MAX_EXTENSIONS_BYTES + 1]
    if len(raw) > MAX_EXTENSIONS_BYTES:
        raise PolicyError(f"{path} is larger than {MAX_EXTENSIONS_BYTES} bytes")
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"student", "due"} <= {n.strip() for n in reader.fieldnames}:
        raise PolicyError(f"{path}: its first line must name the columns student,due,note")
    found: dict[str, Extension] = {}
    problems = []
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
        line = reader.line_num
        student = student_id(row.get("student", ""))
        if not student:
            problems.append(f"line {line}: no student")
            continue
        try:
            due, note = parse_time(row.get("due", ""))
        except TimeError as exc:
            problems.append(f"line {line} ({student}): due date {exc}")
            continue
        if student in found:
            problems.append(f"line {line}: {student} has an earlier extension too; this one is used")
        found[student] = Extension(due, printable(row.get("note", "")[:500]))
    return found, problems


@dataclass(frozen=True)
class Submitted:
    """When a submission was handed in, and how the grader knows."""

    at: datetime | None
    source: str  # where the time was read, or why there is none

    @classmethod
    def resolve(cls, timestamp_txt: str | None, recorded: datetime | None) -> "Submitted":
        """From the submission's ``timestamp.txt`` (its text, or None when there is none)
        and nbgrader's record (``recorded``). nbgrader's record wins over a file that is
        not the one it was read from (rewritten since: forged, or collected again),
        and that is named. Where the record was read from this very file, the file is
        read again here, exactly: nbgrader reads an offset such as ``+0530`` as seconds,
        and a zone it does not know (``IST``) as UTC, without a word."""
        mine, problem = None, ""
        if timestamp_txt is not None and timestamp_txt.startswith(LEFT_OUT):
            return cls(recorded, ("nbgrader's database" if recorded else "unknown")
                       + f"; its timestamp.txt was left out: {timestamp_txt[len(LEFT_OUT):-1]}")
        if timestamp_txt is not None:
            try:
                mine, note = parse_time(timestamp_txt)
                problem = f" ({note})" if note else ""
            except TimeError as exc:
                problem = f"; its timestamp.txt cannot be read: {exc}"
        if recorded is not None and timestamp_txt is not None and \
                _nbgrader_reading(timestamp_txt) == recorded:
            if mine is None:
                return cls(None, f"unknown{problem} (nbgrader's database holds "
                                 f"{shown_time(recorded)}, its guess from that file)")
            return cls(mine, "timestamp.txt, which nbgrader's database records" + problem)
        if recorded is not None:
            source = "nbgrader's database"
            if mine is not None and abs(mine - recorded) > timedelta(seconds=1):
                source += f"; its timestamp.txt says {shown_time(mine)}, which is not used"
            return cls(recorded, source + (problem if mine is None else ""))
        if mine is not None:
            return cls(mine, "timestamp.txt" + problem)
        if timestamp_txt is None:
            return cls(None, "unknown: no timestamp.txt and no record in nbgrader's database")
        return cls(None, "unknown" + problem)


def _nbgrader_reading(text: str) -> datetime | None:
    """The time nbgrader's own ``parse_utc`` makes of ``text`` (as its autograde
    records it), in UTC; None where it cannot."""
    from nbgrader.utils import parse_utc
    try:
        found = parse_utc(text.strip())
    except Exception:  # noqa: BLE001 - nbgrader refuses it: its record is not of this text
        return None
    return found.replace(tzinfo=timezone.utc) if found is not None else None


@dataclass(frozen=True)
class Lateness:
    """What the deadline settings make of one submission (kept apart from its points)."""

    due: str | None  # ISO, the student's own (extended) due date
    extended: bool
    extension_note: str
    seconds_late: float
    policy: str
    share: float  # of the points taken
    units: int  # started hours or days counted
    penalty: float  # points taken

    def as_dict(self) -> dict:
        return asdict(self)


def lateness(deadline: Deadline, student: str, submitted: datetime | None,
             points: float) -> Lateness | None:
    """The lateness and penalty of ``student``'s submission worth ``points`` (after
    overrides); None when there is no due date or no submission time."""
    due, extension = deadline.due_for(student)
    if due is None or submitted is None:
        return None
    late = submitted - due
    share, units = deadline.policy.share(late)
    return Lateness(iso(due), extension is not None, extension.note if extension else "",
                    max(0.0, late.total_seconds()), str(deadline.policy), share, units,
                    round(points * share, 4))


def settle(out: str | Path, *, due: str | None = None, policy: str | None = None,
           extensions: str | Path | None = None, db_due: datetime | None = None,
           spec_due: str | None = None, spec_policy: str | None = None) -> Deadline:
    """The deadline settings of ``out`` after what the instructor gave now: the due date
    from ``due`` (the command line), else one given before on the command line, else
    nbgrader's database's (``db_due``), else the spec's; the policy and extensions from
    the arguments, else as they were, else the spec's policy. ``due="none"`` and
    ``extensions="none"`` take them away. Saved in ``out``; raises
    :class:`TimeError` or :class:`PolicyError` on what cannot be read."""
    settings = load(out)
    fresh = not (Path(out) / SETTINGS).is_file()
    if due is not None:
        settings.due, settings.due_from = (None, "none") if due == "none" else \
            (parse_time(due)[0], "the command line")
    elif settings.due_from != "the command line":
        if db_due is not None:
            settings.due, settings.due_from = db_due, "nbgrader's database"
        elif settings.due_from == "nbgrader's database":
            pass  # the database was not asked this time: its due date stays
        elif spec_due:
            settings.due, settings.due_from = parse_time(spec_due)[0], "the assignment's spec"
        else:
            settings.due, settings.due_from = None, "none"
    if policy is not None:
        settings.policy = Policy.parse(policy)
    elif fresh and spec_policy:
        settings.policy = Policy.parse(spec_policy)
    if extensions is not None:
        if str(extensions) == "none":
            settings.extensions, settings.extensions_from, settings.problems = {}, "", []
        else:
            settings.extensions, settings.problems = read_extensions(extensions)
            settings.extensions_from = str(Path(extensions).resolve())
    Path(out).mkdir(parents=True, exist_ok=True)
    save(out, settings)
    return settings
