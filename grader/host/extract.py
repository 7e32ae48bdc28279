"""Pull the student's code out of a submitted notebook: every code cell in order, except
the autograded test cells (the grader runs its own checks instead), with locked cells
(set-up code the student was not to change) restored from the source notebook, as
nbgrader's autograde restores them."""
from __future__ import annotations

import re
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
    "source": code}, ...]``. With the ``source`` notebook, its locked cells are run as
    they are there, whatever the submission did to them (edited, unlocked, deleted)."""
    nb = nbformat.read(str(notebook), as_version=4)
    locked: dict[str, str] = {}
    order: list[str] = []
    if source is not None:
        src = nbformat.read(str(source), as_version=4)
        for c in src.cells:
            grade_id = _meta(c).get("grade_id")
            if c.cell_type == "code" and grade_id and not is_test_cell(c):
                order.append(grade_id)
                if _meta(c).get("locked"):
                    locked[grade_id] = c.source
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        grade_id = _meta(cell).get("grade_id")
        code = locked.get(grade_id, cell.source)
        cells.append({"id": grade_id or f"cell-{index}", "source": _without_magics(code)})
    present = {c["id"] for c in cells}
    for position, grade_id in enumerate(order):  # a deleted locked cell goes back in place
        if grade_id in locked and grade_id not in present:
            later = [i for i, c in enumerate(cells) if c["id"] in order[position + 1:]]
            cells.insert(later[0] if later else len(cells),
                         {"id": grade_id, "source": _without_magics(locked[grade_id])})
            present.add(grade_id)
    return cells


_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


def _normal(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.splitlines() if line.strip())


def integrity_notes(notebook: str | Path, source: str | Path | None) -> list[str]:
    """What the student changed that they were not to change, worded for their feedback:
    deleted or edited test cells, edited locked cells. Grading does not depend on them
    (the grader runs its own checks and puts locked cells back); the notes say so."""
    if source is None:
        return []
    nb = nbformat.read(str(notebook), as_version=4)
    src = nbformat.read(str(source), as_version=4)
    cells = {_meta(c).get("grade_id"): c for c in nb.cells if _meta(c).get("grade_id")}
    notes = []
    for cell in src.cells:
        meta = _meta(cell)
        grade_id = meta.get("grade_id")
        if cell.cell_type != "code" or not meta.get("locked") or not grade_id:
            continue
        mine = cells.get(grade_id)
        if is_test_cell(cell):
            if mine is None:
                notes.append(f"test cell {grade_id!r} was deleted: graded with the original tests")
            elif not is_test_cell(mine) or _normal(mine.source) not in (
                    _normal(_HIDDEN.sub("", cell.source)), _normal(cell.source)):
                notes.append(f"test cell {grade_id!r} was edited: graded with the original tests")
        elif mine is None or _normal(mine.source) != _normal(cell.source):
            notes.append(f"locked cell {grade_id!r} was {'deleted' if mine is None else 'edited'}: "
                         "the original was run")
    return notes
