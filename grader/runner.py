"""The program of a submission's process: run the student's cells, then the probes.

It reads its whole job from standard input (JSON) before any student code runs: the
cells, the module whose ``run(params, target)`` probes a target, and the probes to do,
``[grade_id, part, target, params]``, where ``target`` is a name of the student's
namespace or ``"file:PATH"``. It writes one JSON line per event to the ``events`` file
(``start``/``result`` per probe, ``cell_error`` per failed cell); :mod:`grader.run`
reads them back. An error in a cell is recorded and the next cell still runs, as in
nbgrader.

Standard library only (and what the probe module imports): in the sandbox this file
is copied next to :mod:`grader.probes` and :mod:`grader.limits`, and nothing else of
the grader exists there.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

from grader.limits import time_limit


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def main() -> None:
    spec = json.load(sys.stdin)
    out = open(spec["events"], "a")

    def emit(**event):
        out.write(json.dumps(event) + "\n")
        out.flush()

    namespace = {"__name__": "__main__"}
    for cell in spec["cells"]:
        try:
            with time_limit(spec.get("cell_timeout"), f"cell {cell['id']}"):
                exec(compile(cell["source"], f"<cell {cell['id']}>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - the student's error, recorded
            emit(event="cell_error", cell=cell["id"], error=_describe(exc))
    probes = importlib.import_module(spec["probes"]) if spec["todo"] else None
    raised = set()
    for grade_id, part, target, params in spec["todo"]:
        emit(event="start", test=grade_id, part=part)
        if part == "hidden" and grade_id in raised:
            emit(event="result", test=grade_id, part=part, data={"skipped": True})
            continue
        if target.startswith("file:"):
            obj, data = target[len("file:"):], None
        elif target in namespace:
            obj, data = namespace[target], None
        else:
            data = {"error": f"your notebook defines no {target!r}: the test needs it by "
                             "that name (was it renamed, or did its cell fail?)"}
        if data is None:
            try:
                data = probes.run(params, obj)
                json.dumps(data, allow_nan=True)
            except BaseException as exc:  # noqa: BLE001
                data = {"error": f"{target} raised {_describe(exc)}",
                        "traceback": traceback.format_exc(limit=-3)}
        if "error" in data:
            raised.add(grade_id)
        emit(event="result", test=grade_id, part=part, data=data)
    out.close()
    sys.stdout.flush()
    os._exit(0)  # threads the student's code left running would otherwise keep it alive


if __name__ == "__main__":
    main()
