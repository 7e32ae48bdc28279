"""The architecture of ``grader/`` as its imports show it, computed with ``ast`` alone.

Prints the files and packages, the import floors, the import cycles and the places that
turn an assignment's name into the assignment, so that a change to the layout is
measured rather than described. ``python benchmarks/grader_architecture.py [ROOT]``
(default: this checkout; pass another checkout, e.g. a ``git worktree`` of an older
commit, to compare).

How it counts:

- an *import* is any ``import``/``from ... import`` of a module of ``grader/`` anywhere
  in a file, inside functions too (a lazy import is still a dependency); importing a
  name from a package counts as importing that package's module of that name when it is
  one;
- a module's *floor* is 1 for a module that imports no other module of ``grader/``, and
  otherwise one more than the highest floor it imports; the modules of a cycle share a
  floor (the graph is condensed to its strongly connected components first);
- a *cycle* is a strongly connected component of more than one module;
- a *lookup by name* is a call of the registry's ``get``, ``model_assignment`` or
  ``find_check`` (under any alias, as a bare name or an attribute of the module that
  defines it); those in the module that defines them are not counted;
- ``assignment: str`` counts the parameters annotated ``str`` whose name is
  ``assignment`` or ``name_of_assignment``.
"""
from __future__ import annotations

import ast
import sys
from collections import Counter, defaultdict
from pathlib import Path

LOOKUPS = {"get", "model_assignment", "find_check"}
# The modules that define the lookups, in the layouts this script has seen.
REGISTRIES = {"grader.assignment", "grader.assignments.registry", "grader.models.assignment"}


def modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every ``.py`` file of ``root/grader``."""
    found = {}
    for path in sorted((root / "grader").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _absolute(name: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = name.split(".") if is_package else name.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of ``grader/`` it imports."""
    known = modules(root)
    graph = {}
    for name, path in known.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    for i in range(len(parts), 0, -1):  # import a.b.c imports a.b.c
                        if ".".join(parts[:i]) in known:
                            deps.add(".".join(parts[:i]))
                            break
            elif isinstance(node, ast.ImportFrom):
                module = _absolute(name, node, path.name == "__init__.py")
                for alias in node.names:
                    if f"{module}.{alias.name}" in known:
                        deps.add(f"{module}.{alias.name}")
                    elif module in known:
                        deps.add(module)
        graph[name] = {d for d in deps if d != name and d != "grader"}
    return graph


def components(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            out.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def cycles(graph) -> list[list[str]]:
    return [c for c in components(graph) if len(c) > 1]


def floors(graph) -> dict[str, int]:
    """Module -> its floor (see the module's docstring)."""
    group_of = {m: i for i, c in enumerate(components(graph)) for m in c}
    groups = components(graph)
    memo: dict[int, int] = {}

    def floor(i):
        if i not in memo:
            below = {group_of[d] for m in groups[i] for d in graph[m]} - {i}
            memo[i] = 1 + max((floor(j) for j in below), default=0)
        return memo[i]

    return {m: floor(group_of[m]) for m in graph}


def lookups(root: Path) -> Counter:
    """Module -> how many times it looks an assignment up by its name."""
    found = Counter()
    for name, path in modules(root).items():
        if name in REGISTRIES:
            continue
        tree = ast.parse(path.read_text())
        names, module_aliases = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = _absolute(name, node, path.name == "__init__.py")
                for alias in node.names:
                    if module in REGISTRIES and alias.name in LOOKUPS:
                        names.add(alias.asname or alias.name)
                    if f"{module}.{alias.name}" in REGISTRIES:
                        module_aliases.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in REGISTRIES and alias.asname:
                        module_aliases.add(alias.asname)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id in names:
                found[name] += 1
            elif isinstance(f, ast.Attribute) and f.attr in LOOKUPS \
                    and isinstance(f.value, ast.Name) and f.value.id in module_aliases:
                found[name] += 1
    return found


def names_as_str(root: Path) -> int:
    count = 0
    for path in modules(root).values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.arg) and node.arg in ("assignment", "name_of_assignment") \
                    and isinstance(node.annotation, ast.Name) and node.annotation.id == "str":
                count += 1
    return count


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else "grader"


def report(root: Path) -> str:
    graph = imports(root)
    known = modules(root)
    packages = defaultdict(list)
    for m, path in known.items():
        if path.name != "__init__.py":
            packages[package_of(m) if path.parent.name != "grader" else "grader"].append(m)
    level = floors(graph)
    found = lookups(root)
    lines = [f"grader/ at {root}",
             f"files (.py): {len(known)}",
             f"packages: {len([p for p in known.values() if p.name == '__init__.py'])}"]
    for package in sorted(packages):
        lines.append(f"  {package}: {len(packages[package])} modules")
    lines.append(f"import floors: {max(level.values())}")
    for n in range(max(level.values()), 0, -1):
        lines.append(f"  {n}: " + " ".join(sorted(m.removeprefix("grader.")
                                                  for m in level if level[m] == n)))
    found_cycles = cycles(graph)
    lines.append(f"import cycles: {len(found_cycles)}")
    lines += ["  " + " <-> ".join(m.removeprefix("grader.") for m in c) for c in found_cycles]
    lines.append(f"lookups of an assignment by name outside the registry: {sum(found.values())}")
    lines += [f"  {m.removeprefix('grader.')}: {n}" for m, n in sorted(found.items())]
    lines.append(f"parameters `assignment: str`: {names_as_str(root)}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])))
