"""Run one submission's code in a process of its own, and bring back plain data.

The process runs :mod:`grader.inside.boot` and then :mod:`grader.inside.runner` in a
:class:`grader.host.sandbox.Sandbox`, under the assignment's :class:`grader.config.Limits`.
This module drives it over two pipes: it sends the set-up, waits until the student's
cells have run, then hands out the probes one call at a time, every visible part
before any hidden part, and waits for each result before it sends the next. So while
student code runs, its process holds no hidden input it has not been called with.

Only the JSON the process sends back (numbers, lists, strings) is kept, once it has
passed the schema of :mod:`grader.host.events`, and only as the answer to the request the
grader is waiting for: the grader judges it in its own
process with the check's ``verify``, and never touches a live student object. If the
process passes its wall-clock limit or dies (a crash, ``os._exit``, a segfault, the
memory or file-size limit), its whole process group is killed, the call that was
running fails with the reason, and the remaining calls go to a fresh process, as long
as the dead one got at least one call done. A ``calls`` probe may also ask for a fresh
process from some of its calls on (``"fresh"``: their indices): the process that
answered earlier calls ends there, and a new one (the cells run again) answers the
rest, so that a check can compare what two processes return for the same call. Its
output goes to a file, of which only the tail is kept, for the instructor's log.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import signal
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import config
from grader.assignments.spec import PARTS
from grader.config import Limits
from grader.host import events
from grader.host.sandbox import Bubblewrap, Sandbox, SandboxError

# The longest event line kept from a submission's process (a 1cycle run's rates, a
# model's predictions on 10,000 images); longer ones are dropped.
MAX_EVENT_BYTES = 4 * 2**20
BOOT_FAILED = 70  # grader.inside.boot's exit status when the sandbox cannot start


# The signals by which the kernel enforces a limit (memory, a file's size).
LIMIT_SIGNALS = ("SIGKILL", "SIGXFSZ")


def _death(returncode: int, limits: Limits) -> tuple[str, str]:
    """(reason, kind) of a process that ended with ``returncode``: kind ``died``, or
    ``killed`` when a limit's signal ended it."""
    if returncode > 128 and returncode - 128 in signal.valid_signals():
        returncode = 128 - returncode  # bwrap passes its child's death on as 128 + signal
    if returncode < 0:
        name = signal.Signals(-returncode).name
        why = {"SIGXFSZ": f": it wrote a file over the {limits.file_size_bytes / 2**20:g} MiB limit",
               "SIGKILL": ": killed (out of memory?)",
               "SIGSEGV": ": a segmentation fault"}.get(name, "")
        return f"the process died ({name}{why})", "killed" if name in LIMIT_SIGNALS else "died"
    return f"the process died (exit code {returncode})", "died"


def _tail(path: Path, size: int = 4000) -> str:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - size))
        return f.read().decode("utf-8", "replace")


@dataclass
class Request:
    """One call of student code: call ``index`` of test ``test``'s ``part``."""

    test: str
    part: str
    index: int
    target: str
    params: dict
    fresh: bool = False  # answered by a process that has answered nothing before


def requests_for(tests: list[tuple[str, str, dict]]) -> list[Request]:
    """Every visible call of every test, then every hidden one. A ``calls`` probe is
    split into its single calls, so the process gets one input at a time (its
    ``"fresh"`` indices marked, and not sent)."""
    out = []
    for part in PARTS:
        for grade_id, target, parts in tests:
            params = parts[part]
            if params.get("kind") == "calls":
                fresh = set(params.get("fresh", ()))
                params = {k: v for k, v in params.items() if k != "fresh"}
                for i, (args, label) in enumerate(zip(params["calls"], params["labels"])):
                    out.append(Request(grade_id, part, i, target,
                                       {**params, "calls": [args], "labels": [label]}, i in fresh))
            else:
                out.append(Request(grade_id, part, 0, target, params))
    return out


@dataclass
class _Process:
    """One launch of the submission's process, and what came back from it."""

    proc: object  # what Sandbox.start returned (grader.host.sandbox.Cold, grader.host.warm.Started)
    events: int
    started: float
    deadline: float
    buffer: bytes = b""
    pending: list = field(default_factory=list)
    booted: bool = False

    def next_event(self) -> tuple[dict | None, str | None]:
        """The next event, or ``(None, failure)`` when the process ended or ran out of time."""
        while True:
            while self.pending:
                event = self.pending.pop(0)
                if event.get("event") == "booted":
                    self.booted = True
                    continue
                return event, None
            timeout = self.deadline - time.monotonic()
            if timeout <= 0:
                return None, "timeout"
            ready, _, _ = select.select([self.events], [], [], timeout)
            if not ready:
                return None, "timeout"
            chunk = os.read(self.events, 1 << 16)
            if not chunk:
                return None, "ended"
            self.buffer += chunk
            *lines, self.buffer = self.buffer.split(b"\n")
            if len(self.buffer) > MAX_EVENT_BYTES:
                self.buffer = b""  # a line too long to be a result: dropped
            self.pending += filter(None, map(events.parse, lines))

    def send(self, message: dict) -> bool:
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False


def run_submission(cells: list[dict], tests: list[tuple[str, str, dict]], probes: str,
                   snapshot: str | Path, runtime: Path, limits: Limits = config.DEFAULT_LIMITS,
                   env: dict | None = None, sandbox: Sandbox | None = None,
                   outputs: tuple[str, ...] = (), packages: tuple[str, ...] | None = None,
                   scratch: str | Path | None = None) -> dict:
    """Run ``cells`` in a copy of ``snapshot``, then probe every ``(grade_id, target,
    {part: params})`` of ``tests`` with ``probes.run(params, target)``.

    ``target`` is a name of the student's namespace, or ``"file:PATH"`` for a file
    (relative to the working directory). With no tests, the cells still run once (for
    the files they write: ``outputs`` names them, and they come back in a folder).
    ``runtime`` is the folder holding the sandbox's ``grader`` package
    (:func:`grader.host.sandbox.write_runtime`); ``packages``: the only site-packages the
    process may import; ``scratch``: a folder of the grader's for this run's files.

    Returns ``{"data": {grade_id: {part: data}}, "cell_errors": [...], "log": str,
    "outputs": Path | None}``, where each ``data`` is what the probe returned (the
    values of a ``calls`` probe joined), or a failure ``{"error", "kind", ...}``.
    """
    sandbox = sandbox or Bubblewrap()
    scratch = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="run-"))
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
           # the grader's own backend (the course's default, or the instructor's choice)
           **({"KERAS_BACKEND": os.environ["KERAS_BACKEND"]} if "KERAS_BACKEND" in os.environ else {}),
           **sandbox.environment(),
           **(env or {})}
    remaining = requests_for(tests)
    data: dict[str, dict] = {g: {} for g, _, _ in tests}
    values: dict[tuple[str, str], list] = {}
    cell_errors: list[dict] = []
    log, got_outputs, launch = "", None, 0
    while remaining or (launch == 0 and cells):
        launch += 1
        folder = scratch / f"launch-{launch}"
        folder.mkdir(parents=True)
        done, stop, tail, outs = _launch(cells, remaining, probes, Path(snapshot), runtime,
                                         limits, env, sandbox, folder, outputs, packages,
                                         cell_errors)
        log += tail
        got_outputs = got_outputs or outs
        for request, result in done:
            _record(request, result, data, values)
        if stop is not None:
            reason, kind, running = stop
            failure = {"error": reason, "kind": kind}
            if running is not None:
                _record(running, failure, data, values)
            elif not done:  # died before any call began: a fresh process would do the same
                for request in remaining:
                    _record(request, failure, data, values)
        remaining = _still_to_do(remaining, data, values)
    for (grade_id, part), vals in values.items():
        data[grade_id].setdefault(part, {"values": vals})
    return {"data": data, "cell_errors": cell_errors, "log": log, "outputs": got_outputs}


def _record(request: Request, result, data: dict, values: dict) -> None:
    """Fold one call's result into its test's part."""
    part = data[request.test]
    if request.part in part:
        return
    if not isinstance(result, dict):
        result = {"error": "the submission's process sent back no result", "kind": "failed"}
    if "error" in result:
        part[request.part] = result
    elif request.params.get("kind") == "calls":
        got = result.get("values")
        if isinstance(got, list) and len(got) == 1:
            values.setdefault((request.test, request.part), []).append(got[0])
        else:
            part[request.part] = dict(events.NOT_A_RESULT)
    else:
        part[request.part] = result


def _still_to_do(remaining: list[Request], data: dict, values: dict) -> list[Request]:
    """The requests not yet answered, less those of a part that has failed already, or
    of a hidden part whose visible part failed."""
    answered = {}
    for (test, part), vals in values.items():
        answered[test, part] = len(vals)
    out = []
    for r in remaining:
        if r.part in data[r.test] or r.index < answered.get((r.test, r.part), 0):
            continue
        if r.part == "hidden" and "error" in data[r.test].get("visible", {}):
            continue
        out.append(r)
    return out


def _launch(cells, remaining: list[Request], probes: str, snapshot: Path, runtime: Path,
            limits: Limits, env: dict, sandbox: Sandbox, folder: Path, outputs, packages,
            cell_errors: list[dict]):
    """One process. Returns (answered [(request, result)], None or (reason, kind, the
    request that was running or None), output tail, outputs folder or None)."""
    events_r, events_w = os.pipe()
    outputs_path = folder / "outputs.tar"
    outputs_file = open(outputs_path, "wb")
    boot = sandbox.boot_spec(limits, events_w)
    setup = {"cells": cells, "cell_timeout": config.CELL_TIMEOUT_S, "probes": probes,
             "outputs": list(outputs), "outputs_fd": outputs_file.fileno(),
             "quota": sandbox.quota(limits)}
    log_path = folder / "output.log"
    done: list[tuple[Request, dict]] = []
    with open(log_path, "wb") as log_file:
        try:
            proc = sandbox.start(runtime, snapshot, env, packages, limits, boot, folder,
                                 log_file.fileno(), events_w, outputs_file.fileno())
        except BaseException:
            os.close(events_r)
            raise
        finally:
            os.close(events_w)
            outputs_file.close()
        now = time.monotonic()
        process = _Process(proc, events_r, now, now + limits.timeout_s)
        try:
            stop = _converse(process, setup, remaining, done, cell_errors)
            if stop is not None and stop[0] == "ended":
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)  # its own exit status, not our kill's
        finally:
            proc.kill()  # and anything it started
            try:
                proc.wait()
            finally:
                os.close(events_r)
    if stop is not None:
        why, running = stop
        if why == "timeout":
            reason, kind = (f"timed out: the submission's process ran past {limits.timeout_s:g} s",
                            "timeout_process")
        elif proc.returncode == BOOT_FAILED and not process.booted:
            raise SandboxError("the sandbox did not start: " + _tail(log_path, 1000))
        elif proc.returncode:
            reason, kind = _death(proc.returncode, limits)
        else:
            reason, kind = "the process exited (exit code 0) before its checks finished", "died"
        stop = (reason, kind, running)
    outs = _unpack_outputs(outputs_path, folder / "outputs", outputs, limits) if outputs else None
    return done, stop, _tail(log_path), outs


def _converse(process: _Process, setup: dict, remaining: list[Request],
              done: list, cell_errors: list[dict]):
    """The set-up, the cells, then one request at a time. Returns None when the process
    finished its work, or (``"timeout"`` or ``"ended"``, the request that was running)."""
    if not process.send(setup):
        return "ended", None
    while True:  # the cells
        event, why = process.next_event()
        if event is None:
            return why, None
        if event["event"] == "cell_error" and len(cell_errors) < 50:
            entry = {"cell": event["cell"][:100], "error": event["error"][:600]}
            if entry not in cell_errors:
                cell_errors.append(entry)
        elif event.get("event") == "ready":
            break
    failed = set()
    for request in remaining:
        if (request.test, request.part) in failed or (request.test, "visible") in failed \
                and request.part == "hidden":
            continue
        if request.fresh and done:
            break  # this process ends; this request and the rest go to a fresh one
        # An id the process cannot guess: no answer written before it was asked counts.
        ident = secrets.token_hex(8)
        process.pending.clear()
        if not process.send({"id": ident, "target": request.target, "params": request.params}):
            return "ended", request
        while True:
            event, why = process.next_event()
            if event is None:
                return why, request
            if event.get("event") == "result" and event.get("id") == ident:
                break
        result = events.result(event["data"])
        done.append((request, result))
        if not isinstance(result, dict) or "error" in result:
            failed.add((request.test, request.part))
        if isinstance(result, dict) and result.get("kind") == "quota":
            return None  # this process ends; the rest go to a fresh one
    process.send({"done": True})
    return None


def _unpack_outputs(tar_path: Path, dest: Path, names, limits: Limits) -> Path:
    """The files the cells left (``names``), from the process's tar stream: regular
    members of those names only, each within the model size limit."""
    dest.mkdir()
    try:
        with tarfile.open(tar_path, mode="r|") as tar:
            for member in tar:
                target = dest / member.name
                if member.name not in names or not member.isreg() \
                        or member.size > limits.model_bytes or target.exists():
                    continue
                source = tar.extractfile(member)
                with open(target, "wb") as out:
                    left = member.size
                    while left > 0:
                        block = source.read(min(1 << 20, left))
                        if not block:
                            break
                        out.write(block)
                        left -= len(block)
    except (tarfile.TarError, OSError, EOFError):
        pass
    return dest
