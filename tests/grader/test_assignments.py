"""Every assignment folder (``assignments/source/<name>/``): its spec and its notebook
agree, the facts its intro and the READMEs state are the generated ones, and nbgrader's
release leaves the spec out. Parametrized over the folders, so a new assignment is
checked without a line here."""
from __future__ import annotations

import re

import nbformat
import pytest
from assignment_samples import copy_course, nbgrader

from grader.assignments.registry import all_assignments, find_check, get
from grader.authoring import intro
from grader.host.sandbox import Bubblewrap
from grader.models.assignment import ModelAssignment

NAMES = sorted(all_assignments())


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_every_folder_with_a_notebook_has_a_spec():
    folders = sorted(p.parent.name for p in
                     (intro.ROOT / "assignments" / "source").glob("*/*.ipynb"))
    assert folders == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_matches_its_spec(name):
    spec = get(name)
    nb = nbformat.read(str(spec.notebook_path), as_version=4)
    graded = {_meta(c)["grade_id"]: c for c in nb.cells if _meta(c).get("grade")}
    assert list(graded) == list(spec.tests), "the notebook's graded cells are the spec's tests"
    for grade_id, cell in graded.items():
        test = spec.tests[grade_id]
        assert find_check(test.check.name) is test.check, f"{test.check.name}: not a unique name"
        assert _meta(cell)["locked"] and not _meta(cell)["solution"]
        visible, hidden = cell.source.split("### BEGIN HIDDEN TESTS")
        # The released cells' source never changes: check(<name>, <target>, <part>).
        call = re.compile(rf'check\("{re.escape(test.check.name)}", ([^,]+), "(visible|hidden)"\)')
        assert [m[1] for m in call.findall(visible)] == ["visible"], cell.source
        assert [m[1] for m in call.findall(hidden)] == ["hidden"], cell.source
        target = call.search(visible)[1]
        if isinstance(spec, ModelAssignment):
            assert target == ("MODEL_PATH" if test.file == spec.grading_file else f'"{spec.model_file}"')
        else:
            assert target == test.name
    answers = [c for c in nb.cells if _meta(c).get("solution")]
    assert answers and all("### BEGIN SOLUTION" in c.source for c in answers)
    ids = [_meta(c).get("grade_id") for c in nb.cells]
    assert all(ids) and len(ids) == len(set(ids))
    if isinstance(spec, ModelAssignment):
        cells = {_meta(c)["grade_id"]: c for c in nb.cells}
        assert _meta(cells["setup"])["locked"] and f'model_path("{name}")' in cells["setup"].source
        assert "model.save(MODEL_PATH)" in "\n".join(c.source for c in answers)


@pytest.mark.parametrize("name", NAMES)
def test_the_intro_states_the_generated_facts(name):
    spec = get(name)
    text = nbformat.read(str(spec.notebook_path), as_version=4).cells[0].source
    assert intro.render_intro(spec, text) == text, "run: python -m grader.authoring.intro"
    assert f"**{spec.max_points:g} points** in all" in text
    assert intro.quota(spec) in text
    if isinstance(spec, ModelAssignment):
        assert "**The threshold**" in text


def test_the_course_readme_lists_every_assignment():
    text = intro.COURSE_README.read_text()
    assert intro.render_readme(text) == text, "run: python -m grader.authoring.intro"
    for name in NAMES:
        assert f"| `{name}` |" in text


def test_the_sandbox_hides_every_assignment_folder():
    secrets = Bubblewrap._secrets()
    assert all(any(str(get(name).folder).startswith(s) for s in secrets) for name in NAMES)


def test_the_release_leaves_the_spec_out(tmp_path):
    course = copy_course(tmp_path)
    for name in NAMES:
        assert (course / "source" / name / "assignment.py").is_file()
        nbgrader(course, "generate_assignment", name, "--force")
        released = sorted(p.name for p in (course / "release" / name).iterdir())
        assert released == [get(name).notebook], released


def test_the_sandbox_answers_every_name_a_set_up_cell_imports():
    """In the sandbox, ``grader.data`` and ``grader.thresholds`` are the notebook facade
    (grader/host/sandbox.py's NOTEBOOK_API): each name a model notebook's set-up cell
    imports exists there, taking the arguments the grader's own function takes."""
    import ast
    import importlib
    import inspect

    from grader.inside import notebook_facade
    for name in NAMES:
        spec = get(name)
        if not isinstance(spec, ModelAssignment):
            continue
        cells = nbformat.read(str(spec.notebook_path), as_version=4).cells
        setup = next(c for c in cells if _meta(c).get("grade_id") == "setup")
        for node in ast.walk(ast.parse(setup.source)):
            if isinstance(node, ast.ImportFrom) and node.module in ("grader.data", "grader.thresholds"):
                for alias in node.names:
                    ours = getattr(importlib.import_module(node.module), alias.name)
                    theirs = getattr(notebook_facade, alias.name, None)
                    assert theirs is not None, f"{name}: the sandbox has no {node.module}.{alias.name}"
                    positional = [p for p in inspect.signature(ours).parameters.values()
                                  if p.default is inspect.Parameter.empty]
                    assert [p.name for p in positional] == \
                        [p.name for p in inspect.signature(theirs).parameters.values()
                         if p.default is inspect.Parameter.empty], alias.name
