"""Run one submission's code in a process of its own, and bring back plain data.

The process runs :mod:`grader.runner`: the student's cells, then each probe. Only the
JSON it writes (numbers, lists, strings) comes back: the grader judges it in its own
process with the check's ``verify``, and never touches a live student object.

Student code runs in a :class:`grader.sandbox.Sandbox`, under the assignment's
:class:`grader.config.Limits`. If the process passes its wall-clock limit or dies (a
crash, ``os._exit``, a segfault, the memory or file-size limit), its whole process
group is killed, the probe that was running fails with the reason, and the remaining
probes run in a fresh process, as long as each process gets at least one further
probe done. Its output goes to a file, of which only the tail is
kept.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from grader import config
from grader.config import Limits
from grader.sandbox import Sandbox

PARTS = ("visible", "hidden")
# The sandbox's program: the copied grader modules first, then the working directory
# (a notebook's own helper modules), as a kernel started there would see them.
BOOT = ("import sys; sys.path[:0] = [{runtime!r}, '']; "
        "from grader.runner import main; main()")


def _death(returncode: int, limits: Limits) -> str:
    if returncode > 128 and returncode - 128 in signal.valid_signals():
        returncode = 128 - returncode  # bwrap passes its child's death on as 128 + signal
    if returncode < 0:
        name = signal.Signals(-returncode).name
        why = {"SIGXFSZ": f": it wrote a file over the {limits.file_size_bytes / 2**20:g} MiB limit",
               "SIGKILL": ": killed (out of memory?)",
               "SIGSEGV": ": a segmentation fault"}.get(name, "")
        return f"the process died ({name}{why})"
    return f"the process died (exit code {returncode})"


def _tail(path: Path, size: int = 4000) -> str:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - size))
        return f.read().decode("utf-8", "replace")


def _launch(job: dict, work: Path, runtime: Path | None, limits: Limits, env: dict,
            sandbox: Sandbox | None, tmp: Path) -> tuple[list[dict], str, str | None]:
    """One process: returns (events, output tail, failure or None)."""
    channel = tmp / "channel"
    channel.mkdir()
    if sandbox is None:  # trusted code (the file checks): the grader's own package
        argv = [sys.executable, "-m", "grader.runner"]
        events = channel / "events.jsonl"
        popen = {"env": {**os.environ, **env}, "preexec_fn": Sandbox("none").limit(limits)}
    else:
        paths = sandbox.paths(work, runtime, channel)
        events = Path(paths["channel"]) / "events.jsonl"
        argv = sandbox.command([sys.executable, "-I", "-c", BOOT.format(runtime=paths["runtime"])],
                               work, runtime, channel, env)
        sandbox.give(work, channel)
        popen = {"env": env if sandbox.kind == "bwrap" else {"PATH": os.environ.get("PATH", ""), **env},
                 "preexec_fn": sandbox.limit(limits)}
    job = {**job, "events": str(events)}
    log_path = tmp / "output.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(argv, cwd=work, stdin=subprocess.PIPE, stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True, **popen)
        try:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(json.dumps(job).encode())
                proc.stdin.close()
            proc.wait(timeout=limits.timeout_s)
            failure = None if proc.returncode == 0 else _death(proc.returncode, limits)
        except subprocess.TimeoutExpired:
            failure = f"timed out: the submission's process ran past {limits.timeout_s:g} s"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # and anything it started
            proc.wait()
    found = channel / "events.jsonl"
    events_list = []
    if found.exists():
        for line in found.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if isinstance(event, dict) and "event" in event:
                    events_list.append(event)
    return events_list, _tail(log_path), failure


def run_submission(cells: list[dict], tests: list[tuple[str, str, dict]], probes: str,
                   work: str | Path, limits: Limits = config.DEFAULT_LIMITS,
                   env: dict | None = None, sandbox: Sandbox | None = None,
                   runtime: Path | None = None) -> dict:
    """Run ``cells`` in ``work``, then probe every ``(grade_id, target, {part: params})``
    of ``tests`` with ``probes.run(params, target)``.

    ``target`` is a name of the student's namespace, or ``"file:PATH"`` for a file
    (relative to ``work``). With no tests, the cells still run once (for the files they
    write). With a ``sandbox``, the process is confined and ``runtime`` is the folder
    holding its ``grader`` package (:func:`grader.sandbox.write_runtime`); without one,
    the code is trusted (no student cell) and runs as the grader's own.

    Returns ``{"data": {grade_id: {part: data}}, "cell_errors": [...], "log": str}``, where
    each ``data`` is what the probe returned, or ``{"error": reason}``, or
    ``{"skipped": True}`` for a hidden part after its visible part raised.
    """
    work = Path(work)
    params = {(g, p): tests_params[p] for g, _, tests_params in tests for p in PARTS}
    targets = {g: target for g, target, _ in tests}
    remaining = [(g, p) for g, _, _ in tests for p in PARTS]
    data: dict[str, dict] = {g: {} for g, _, _ in tests}
    cell_errors: list[dict] = []
    log = ""
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
           **({"HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "KERAS_HOME": "/tmp/keras",
               "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
              if sandbox is not None and sandbox.kind == "bwrap" else {}),
           **(env or {})}
    first = True
    while remaining or (first and cells):
        first = False
        job = {"cells": cells, "cell_timeout": config.CELL_TIMEOUT_S, "probes": probes,
               "todo": [[g, p, targets[g], params[g, p]] for g, p in remaining]}
        with tempfile.TemporaryDirectory(prefix="grader-") as tmp:
            events, tail, failure = _launch(job, work, runtime, limits, env, sandbox, Path(tmp))
        log += tail
        started = None
        for event in events:
            kind = event.get("event")
            if kind == "cell_error" and event not in cell_errors:
                cell_errors.append({"cell": str(event.get("cell")), "error": str(event.get("error"))})
            elif kind == "start" and (event.get("test"), event.get("part")) in params:
                started = (event["test"], event["part"])
            elif kind == "result" and (event.get("test"), event.get("part")) == started \
                    and isinstance(event.get("data"), dict):
                # Only the probe the runner started (a second result for it is ignored).
                data[started[0]].setdefault(started[1], event["data"])
                started = None
        failure = failure or "the process exited (exit code 0) before its checks finished"
        before = len(remaining)
        if started is not None and started[1] not in data[started[0]]:
            # The check that was running when the process ended fails with the reason.
            data[started[0]][started[1]] = {"error": failure}
            if started[1] == "visible":
                data[started[0]]["hidden"] = {"skipped": True}
        remaining = [(g, p) for g, p in remaining if p not in data[g]]
        if remaining and len(remaining) == before:
            # Died before any check began: a fresh process would do the same.
            for g, p in remaining:
                data[g][p] = {"error": failure}
            remaining = []
    return {"data": data, "cell_errors": cell_errors, "log": log}

