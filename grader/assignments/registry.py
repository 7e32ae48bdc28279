"""Where the course's assignments are found, and the one place a name becomes an
assignment.

An assignment is one folder, ``assignments/source/<name>/``: its notebook
``<name>.ipynb`` (the solutions, hidden tests and each test cell's points, as nbgrader
keeps them), and ``assignment.py``, which defines ``ASSIGNMENT``: one
:class:`~grader.assignments.spec.Assignment` (code the student writes, probed live) or
:class:`~grader.models.assignment.ModelAssignment` (a network the student trains and
saves) with its tests as objects. nbgrader's release leaves ``assignment.py`` out
(``assignments/nbgrader_config.py``), and the grader's sandbox does not see the folder
(:mod:`grader.host.sandbox`). Everything below the edges (the command line, pytest's
plugin, the notebook API) takes the objects this module returns, never a name.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from grader.assignments.spec import SOURCE, SPEC_FILE, Assignment, Check


def _load(folder: Path) -> Assignment:
    path = folder / SPEC_FILE
    spec = importlib.util.spec_from_file_location(f"_dlcourse_assignment_{folder.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = getattr(module, "ASSIGNMENT", None)
    if not isinstance(found, Assignment) or found.name != folder.name:
        raise ValueError(f"{path} must define ASSIGNMENT, an Assignment named {folder.name!r}")
    return found


@functools.lru_cache(maxsize=1)
def all_assignments() -> dict[str, Assignment]:
    """Every folder of ``assignments/source/`` with a spec, by name."""
    return {folder.name: _load(folder) for folder in sorted(SOURCE.iterdir())
            if (folder / SPEC_FILE).is_file()}


def get(name: str) -> Assignment:
    try:
        return all_assignments()[name]
    except KeyError:
        raise KeyError(f"no assignment {name!r}; known: {', '.join(all_assignments())}") from None


def find_check(name: str) -> Check:
    """The check a notebook's test cell names, in whichever assignment declares it."""
    for assignment in all_assignments().values():
        found = assignment.checks().get(name)
        if found is not None:
            return found
    raise KeyError(f"no check named {name!r}")
