"""Pull the student's code out of a submitted notebook: every code cell in order, except
the autograded test cells (the grader runs its own checks instead), with locked cells
(set-up code the student was not to change) restored from the source notebook, as
nbgrader's autograde restores them."""
from __future__ import annotations

from pathlib import Path

import nbformat


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    """An nbgrader "autograder tests" cell: graded, and not where the student answers."""
    meta = _meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _without_magics(source: str) -> str:
    # IPython-only lines (%matplotlib, !pip ...) mean nothing to plain Python.
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def student_cells(notebook: str | Path, source: str | Path | None = None) -> list[dict]:
    """The code the grader runs for a submission: ``[{"id": grade_id or "cell-N",
    "source": code}, ...]``."""
    nb = nbformat.read(str(notebook), as_version=4)
    locked = {}
    if source is not None:
        src = nbformat.read(str(source), as_version=4)
        locked = {_meta(c)["grade_id"]: c.source for c in src.cells
                  if c.cell_type == "code" and _meta(c).get("locked") and _meta(c).get("grade_id")}
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        grade_id = _meta(cell).get("grade_id")
        code = locked.get(grade_id, cell.source) if _meta(cell).get("locked") else cell.source
        cells.append({"id": grade_id or f"cell-{index}", "source": _without_magics(code)})
    return cells
