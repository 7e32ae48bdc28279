"""The grader's layout, held by its imports (computed with ``ast`` by
``benchmarks/grader_architecture.py``): no import cycle; the results never reach back
into the code that runs submissions; what is copied into a sandbox imports nothing but
the standard library, NumPy, Keras and itself; and an assignment is looked up by its name
only at the edges that are given a name. Each rule is also run on a small tree that
breaks it, which it must catch."""
from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import grader_architecture as arch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Where a name comes in: the command line and pytest's options, the notebook's API
# (set-up cells call grader.data/grader.thresholds by name; test cells call a check by
# its name: grader.checks.base.check), and a gradebook read back from disk, which records the assignment's name.
EDGES = {"grader.__main__", "grader.pytest_plugin", "grader.data", "grader.thresholds",
         "grader.checks.base", "grader.results.exports", "grader.results.report",
         "grader.results.nbgrader_db"}
INSIDE_MAY_IMPORT = {"numpy", "keras"}


def import_cycles(root: Path) -> list[list[str]]:
    return arch.cycles(arch.imports(root))


def results_into_host(root: Path) -> list[str]:
    return sorted(f"{m} imports {d}" for m, deps in arch.imports(root).items()
                  if m.startswith("grader.results") for d in deps if d.startswith("grader.host"))


def inside_outside(root: Path) -> list[str]:
    """The imports of ``grader/inside/`` of anything but the standard library, NumPy,
    Keras and ``grader.inside`` itself."""
    found = []
    for name, path in arch.modules(root).items():
        if not name.startswith("grader.inside"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    continue  # relative: within the package
                targets = [node.module]
            else:
                continue
            for target in targets:
                top = target.split(".")[0]
                if top in sys.stdlib_module_names or top in INSIDE_MAY_IMPORT \
                        or target == "grader.inside" or target.startswith("grader.inside."):
                    continue
                found.append(f"{name} imports {target}")
    return sorted(found)


def lookups_below_the_edge(root: Path) -> dict[str, int]:
    return {m: n for m, n in arch.lookups(root).items() if m not in EDGES}


def test_the_grader_has_no_import_cycle():
    assert import_cycles(ROOT) == [], "modules of grader/ that import each other"


def test_the_results_never_import_the_code_that_runs_submissions():
    assert results_into_host(ROOT) == []


def test_what_runs_in_the_sandbox_imports_only_the_standard_library_numpy_keras_and_itself():
    assert inside_outside(ROOT) == []


def test_an_assignment_is_looked_up_by_name_only_at_the_edges():
    assert lookups_below_the_edge(ROOT) == {}, (
        "pass the Assignment object down from the edge that was given the name")


def test_the_sandbox_gets_all_of_inside_and_the_notebook_api():
    from grader.host.sandbox import runtime_modules
    copied = set(runtime_modules())
    assert {f"inside/{p.name}" for p in (ROOT / "grader" / "inside").glob("*.py")} <= copied
    assert {"__init__.py", "data.py", "thresholds.py"} <= copied


# --- each rule catches a tree that breaks it ------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"grader/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_a_cycle_through_a_lazy_import_is_caught(tmp_path):
    root = _tree(tmp_path, {"grader/a.py": "from grader import b\n",
                            "grader/b.py": "def f():\n    from grader.a import x\n"})
    assert import_cycles(root) == [["grader.a", "grader.b"]]


def test_results_importing_host_is_caught(tmp_path):
    root = _tree(tmp_path, {"grader/results/__init__.py": "", "grader/host/__init__.py": "",
                            "grader/host/grade.py": "",
                            "grader/results/book.py": "def f():\n    from grader.host.grade import g\n"})
    assert results_into_host(root) == ["grader.results.book imports grader.host.grade"]


@pytest.mark.parametrize("line", ["import dlcourse", "from grader import config",
                                  "from grader.host import sandbox", "import nbformat"])
def test_inside_importing_the_host_or_a_package_is_caught(tmp_path, line):
    root = _tree(tmp_path, {"grader/inside/__init__.py": "",
                            "grader/inside/probe.py": f"import os\nimport numpy as np\n"
                                                      f"from grader.inside import call_timeout\n{line}\n"})
    assert len(inside_outside(root)) == 1


def test_a_lookup_below_the_edge_is_caught(tmp_path):
    root = _tree(tmp_path, {
        "grader/assignments/__init__.py": "",
        "grader/assignments/registry.py": "def get(name):\n    pass\n",
        "grader/host/__init__.py": "",
        "grader/host/run.py": "from grader.assignments import registry as assignments\n"
                              "def run(name):\n    return assignments.get(name)\n",
        "grader/host/stage.py": "from grader.assignments.registry import get as spec_of\n"
                                "def stage(name):\n    return spec_of(name).tests\n"})
    assert lookups_below_the_edge(root) == {"grader.host.run": 1, "grader.host.stage": 1}
