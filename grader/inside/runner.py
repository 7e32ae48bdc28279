"""The program of a submission's process: run the student's cells, then each probe the
grader hands it, one at a time.

The grader writes JSON lines to its standard input: first the set-up (the cells, the
module whose ``run(params, target)`` probes a target, the files to hand back), then one
request per probe call, and ``{"done": true}``. A request is sent only after the
previous one's result came back, and every visible part before any hidden part, so
while the student's code runs, the process holds no input it has not been called with.
It writes one JSON line per event to the events descriptor: ``cell_error`` per failed
cell, ``ready`` when the cells are done, and ``result`` per request. An error in a cell
is recorded and the next cell still runs, as in nbgrader.

A failure comes back as ``{"error": text, "kind": ..., "type": ...}``: ``kind`` is one
of ``raised``, ``timeout``, ``not_number``, ``missing`` and ``quota``, ``type`` the
exception's nearest built-in class. The grader shows ``text`` only for visible parts;
for hidden ones it words the reason from ``kind`` and ``type`` alone.

Standard library only (and what the probe module imports): in the sandbox this file
is copied next to :mod:`grader.inside.probes` and :mod:`grader.inside.call_timeout`, and nothing else of
the grader exists there.
"""
from __future__ import annotations

import builtins
import errno
import importlib
import io
import json
import os
import re
import sys
import tarfile

from grader.inside.call_timeout import CallTimeout, time_limit

TEXT_LIMIT = 500  # characters of an exception's message kept


def _text(value: str) -> str:
    return value if len(value) <= TEXT_LIMIT else value[:TEXT_LIMIT] + " [...]"


def builtin_base(exc: BaseException) -> str:
    """The name of the nearest built-in exception class of ``exc`` (a class of the
    student's own has a name the student chose)."""
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls.__name__
    return "BaseException"


class Quota:
    """The scratch tmpfs's quota, as the set-up gives it (``None``: unconfined)."""

    def __init__(self, spec: dict | None):
        self.spec = spec

    def reached(self) -> str | None:
        """Which quota is used up: ``"bytes"``, ``"files"`` or None."""
        if not self.spec:
            return None
        try:
            st = os.statvfs("/scratch")
        except OSError:
            return None
        if st.f_favail <= 1:
            return "files"
        if st.f_bavail * st.f_frsize < 64 * 1024:
            return "bytes"
        return None

    def text(self, which: str) -> str:
        if which == "files":
            return f"reached the quota of {self.spec['files']} files a submission may create"
        return (f"reached the quota of {self.spec['bytes'] / 2**20:g} MiB a submission may "
                "write (its scratch folder and /tmp together)")


def failure(exc: BaseException, target: str, quota: Quota) -> dict:
    from grader.inside.probes import NotANumber

    kind = ("timeout" if isinstance(exc, CallTimeout)
            else "not_number" if isinstance(exc, NotANumber) else "raised")
    text = f"{target} raised {type(exc).__name__}: {exc}"
    if isinstance(exc, CallTimeout):
        text = str(exc)
    elif isinstance(exc, NotANumber):
        text = str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        which = quota.reached() or "bytes"
        kind, text = "quota", f"{target} {quota.text(which)}"
    base = builtin_base(exc)
    return {"error": _text(text), "kind": kind, "type": base, "own_class": type(exc).__name__ != base}


def _defining_cell(target: str, cells: list[dict], errors: dict[str, str]) -> str:
    """Why ``target`` is missing: the error of the cell that defines it, if it failed."""
    pattern = re.compile(rf"^\s*(def|class)\s+{re.escape(target)}\b", re.MULTILINE)
    for cell in cells:
        if cell["id"] in errors and pattern.search(cell["source"]):
            return f" (its cell {cell['id']} raised {errors[cell['id']]})"
    return ""


def write_outputs(names: list[str], fd: int) -> None:
    """Hand the files ``names`` (regular files of the working directory, as the cells
    left them) back to the grader, as a tar stream on ``fd``."""
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w|") as tar:
        for name in names:
            try:
                fd_in = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            with os.fdopen(fd_in, "rb") as f:
                st = os.fstat(f.fileno())
                if not (st.st_mode & 0o170000 == 0o100000):
                    continue
                info = tarfile.TarInfo(name)
                info.size = st.st_size
                tar.addfile(info, f)


def main(events_fd: int) -> None:
    requests = io.open(os.dup(0), "rb", closefd=True)

    def read() -> dict | None:
        line = requests.readline()
        return json.loads(line) if line.strip() else None

    def emit(**event):
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(events_fd, data):]

    setup = read()
    quota = Quota(setup.get("quota"))
    namespace = {"__name__": "__main__"}
    errors: dict[str, str] = {}
    for cell in setup["cells"]:
        try:
            with time_limit(setup.get("cell_timeout"), f"cell {cell['id']}"):
                exec(compile(cell["source"], f"<cell {cell['id']}>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - the student's error, recorded
            errors[cell["id"]] = _text(f"{type(exc).__name__}: {exc}")
        which = quota.reached()
        if which:
            errors[cell["id"]] = f"it {quota.text(which)}" + (
                f" ({errors[cell['id']]})" if cell["id"] in errors else "")
        if cell["id"] in errors:
            emit(event="cell_error", cell=cell["id"], error=errors[cell["id"]])
    if setup.get("outputs"):
        write_outputs(setup["outputs"], setup["outputs_fd"])
    emit(event="ready")
    probes = None
    while True:
        request = read()
        if request is None or request.get("done"):
            break
        probes = probes or importlib.import_module(setup["probes"])
        target = request["target"]
        if target.startswith("file:"):
            obj, data = target[len("file:"):], None
        elif target in namespace:
            obj, data = namespace[target], None
        else:
            data = {"error": f"your notebook defines no {target!r}: the test needs it by "
                             "that name (was it renamed, or did its cell fail?)"
                             + _defining_cell(target, setup["cells"], errors),
                    "kind": "missing"}
        full_before = quota.reached()  # filled by a cell: not this check's doing
        if data is None:
            try:
                data = probes.run(request["params"], obj)
                json.dumps(data, allow_nan=True)
            except BaseException as exc:  # noqa: BLE001
                data = failure(exc, target, quota)
        which = None if full_before else quota.reached()
        if which:
            data = {"error": f"{target} {quota.text(which)}", "kind": "quota", "type": "OSError"}
        emit(event="result", id=request["id"], data=data)
        if data.get("kind") == "quota":
            break  # the rest run in a fresh process, with an empty scratch folder
    sys.stdout.flush()
    os._exit(0)  # threads the student's code left running would otherwise keep it alive
