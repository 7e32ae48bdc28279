"""Run one submission's code in a separate Python process with a wall-clock limit.

The child executes the student's cells in one namespace (an error in a cell is recorded
and the next cell still runs, as in nbgrader), then for every test calls the check's
``probe`` on the student's object, and writes one JSON line per event to a file. Only
that JSON (numbers, lists, strings) comes back: the grader judges it in its own process
with the check's ``verify``, and never touches a live student object.

If the child passes ``config.SUBMISSION_TIMEOUT_S`` or dies, the part that was running
fails ("timed out" / "the process died") and the remaining parts run in a fresh child.

This isolates grading from a crashing or hanging submission; it is not a security
sandbox (the student's code runs with the grader's user rights).
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from grader import config
from grader.limits import time_limit

PARTS = ("visible", "hidden")
_MISSING = object()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _limit_resources() -> None:
    """In the child, before it starts: cap its address space (a memory bomb fails with
    MemoryError or dies, not the machine) and the size of any file it writes (a flood of
    output fills no disk)."""
    memory = config.MEMORY_LIMIT_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = config.FILE_SIZE_LIMIT_BYTES
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def _death(returncode: int) -> str:
    if returncode < 0:
        name = signal.Signals(-returncode).name
        why = {"SIGXFSZ": ": it wrote more than the file size limit",
               "SIGKILL": ": killed (out of memory?)"}.get(name, "")
        return f"the process died ({name}{why})"
    return f"the process died (exit code {returncode})"


def _tail(path: Path, size: int = 4000) -> str:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - size))
        return f.read().decode("utf-8", "replace")


def run_submission(cells: list[dict], tests: list[tuple[str, str, str]], checks_module: str,
                   cwd: str | Path | None = None,
                   timeout: float = config.SUBMISSION_TIMEOUT_S,
                   env: dict | None = None) -> dict:
    """Probe every ``(grade_id, check, name)`` of ``tests`` on the code of ``cells``.

    ``name`` is the object of the student's namespace a check probes, or ``"file:PATH"``
    for a file (relative to ``cwd``). With no tests, the cells still run once (for the
    files they write). ``env`` adds environment variables for the child.

    Returns ``{"data": {grade_id: {part: data}}, "cell_errors": [...], "log": str}``, where
    each ``data`` is what the check's ``probe`` returned, or ``{"error": reason}``, or
    ``{"skipped": True}`` for a hidden part after its visible part raised.
    """
    remaining = [(grade_id, part) for grade_id, _, _ in tests for part in PARTS]
    data: dict[str, dict] = {grade_id: {} for grade_id, _, _ in tests}
    cell_errors: list[dict] = []
    log = ""
    first = True
    while remaining or (first and cells):
        first = False
        with tempfile.TemporaryDirectory(prefix="grader-") as tmp:
            spec_path, out_path = Path(tmp, "spec.json"), Path(tmp, "events.jsonl")
            spec = {"cells": cells, "checks": checks_module,
                    "tests": [[g, c, n] for g, c, n in tests],
                    "todo": [list(t) for t in remaining]}
            spec_path.write_text(json.dumps(spec))
            log_path = Path(tmp, "output.log")
            with open(log_path, "wb") as log_file:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "grader.run", str(spec_path), str(out_path)],
                    cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT,
                    env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1",
                         **(env or {})},
                    start_new_session=True, preexec_fn=_limit_resources)
                try:
                    proc.wait(timeout=timeout)
                    failure = _death(proc.returncode)
                except subprocess.TimeoutExpired:
                    failure = f"timed out: the submission's process ran past {timeout:g} s"
                finally:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)  # and anything it started
                    proc.wait()
            log += _tail(log_path)
            events = [json.loads(line) for line in out_path.read_text().splitlines()
                      if line.endswith("}")] if out_path.exists() else []
        started = None
        for event in events:
            if event["event"] == "cell_error" and event not in cell_errors:
                cell_errors.append({k: event[k] for k in ("cell", "error")})
            elif event["event"] == "start":
                started = (event["test"], event["part"])
            elif event["event"] == "result":
                data[event["test"]][event["part"]] = event["data"]
                started = None
        done = {(g, p) for g in data for p in data[g]}
        if started is None or started in done:
            # Died before any check began (or between two): nothing more will work.
            for g, p in remaining:
                data[g].setdefault(p, {"error": failure})
            break
        data[started[0]][started[1]] = {"error": failure}
        if started[1] == "visible":
            data[started[0]]["hidden"] = {"skipped": True}
        remaining = [(g, p) for g, p in remaining if p not in data[g]]
    return {"data": data, "cell_errors": cell_errors, "log": log}


def _child(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    out = open(out_path, "a")

    def emit(**event):
        out.write(json.dumps(event) + "\n")
        out.flush()

    namespace = {"__name__": "__main__"}
    for cell in spec["cells"]:
        try:
            with time_limit(config.CELL_TIMEOUT_S, f"cell {cell['id']}"):
                exec(compile(cell["source"], f"<cell {cell['id']}>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - the student's error, recorded
            emit(event="cell_error", cell=cell["id"], error=_describe(exc))
    checks = importlib.import_module(spec["checks"])
    names = {grade_id: (check, name) for grade_id, check, name in spec["tests"]}
    raised = set()
    for grade_id, part in spec["todo"]:
        check, name = names[grade_id]
        if part == "hidden" and grade_id in raised:
            emit(event="result", test=grade_id, part=part, data={"skipped": True})
            continue
        emit(event="start", test=grade_id, part=part)
        if name.startswith("file:"):
            target = name[len("file:"):]
        elif name in namespace:
            target = namespace[name]
        else:
            target, data = _MISSING, {"error": f"NameError: name {name!r} is not defined"}
        if target is not _MISSING:
            try:
                data = checks.probe(check, target, part)
                json.dumps(data)
            except BaseException as exc:  # noqa: BLE001
                data = {"error": f"{name} raised {_describe(exc)}",
                        "traceback": traceback.format_exc(limit=-3)}
        if "error" in data:
            raised.add(grade_id)
        emit(event="result", test=grade_id, part=part, data=data)
    out.close()


if __name__ == "__main__":
    _child(*sys.argv[1:3])
