"""An instructor's decisions on single tests (``python -m grader override``), kept beside
the automatic verdicts in the output folder's ``overrides.json``: an append-only log of
who set or removed which override, when and why. The gradebook applies the overrides in
force on every write (:mod:`grader.results.gradebook`), so a regrade, which replaces
the automatic verdicts, never overwrites one.
"""
from __future__ import annotations

import getpass
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.results.files import atomic_write

LOG = "overrides.json"


class OverrideError(ValueError):
    pass


@dataclass(frozen=True)
class Override:
    student: str
    test: str
    points: float
    reason: str
    by: str
    at: str  # ISO, UTC
    digest: str | None = None  # of the submission graded when it was decided

    def as_dict(self) -> dict:
        return asdict(self)


def history(out: str | Path) -> list[dict]:
    """Every entry of the log, oldest first: ``{"action": "set"|"remove", ...}``."""
    path = Path(out) / LOG
    return json.loads(path.read_text())["log"] if path.is_file() else []


def current(out: str | Path) -> dict[tuple[str, str], Override]:
    """``{(student, test): Override}`` in force."""
    found = {}
    for entry in history(out):
        key = (entry["student"], entry["test"])
        if entry["action"] == "set":
            found[key] = Override(**{k: v for k, v in entry.items() if k != "action"})
        else:
            found.pop(key, None)
    return found


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        return "unknown"


def _append(out: Path, entry: dict) -> None:
    log = history(out) + [entry]
    atomic_write(out / LOG, json.dumps({"log": log}, indent=1) + "\n")


def set_override(out: str | Path, record, test: str, points: float, reason: str,
                 by: str | None = None) -> Override:
    """Record an override of ``test`` for the student of ``record`` (a
    :class:`grader.results.gradebook.SubmissionRecord`); the caller holds the lock."""
    tests = {r.test: r for r in record.results}
    if test not in tests:
        raise OverrideError(f"no test {test!r} (the tests: {', '.join(tests)})")
    if not 0 <= points <= tests[test].max_points:
        raise OverrideError(f"{points:g} points: {test} is worth 0 to {tests[test].max_points:g}")
    if not reason.strip():
        raise OverrideError("an override needs a reason (--reason)")
    override = Override(record.student, test, float(points), reason.strip(), _who(by),
                        datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        record.digest)
    _append(Path(out), {"action": "set", **override.as_dict()})
    return override


def remove_override(out: str | Path, student: str, test: str, reason: str = "",
                    by: str | None = None) -> None:
    if (student, test) not in current(out):
        raise OverrideError(f"{student} has no override of {test}")
    _append(Path(out), {"action": "remove", "student": student, "test": test,
                        "reason": reason.strip(), "by": _who(by),
                        "at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
