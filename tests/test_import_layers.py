"""The package's imports form layers: no module imports one that imports it back (directly or
through others), and feature packages never import the tasks built on them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"rl_evolve": ROOT / "rl_evolve", "rl_evolve.envs": ROOT / "envs"}
FEATURES = (
    "curriculum",
    "evolve",
    "tune",
    "report",
    "evaluate",
    "supervised",
    "scoring",
    "tracking",
    "envs",
    "agents",
    "core",
    "config",
    "replay",
    "sysid",
)


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The package's modules that ``path`` imports anywhere in it (lazy imports included)."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + [base]).strip(".")
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(path, name, set(found)) for name, path in found.items()}


def test_no_module_imports_a_module_that_imports_it_back():
    edges, cycles = graph(), []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if nxt.startswith(node + ".") and node == nxt.rpartition(".")[0]:
                continue  # a package's __init__ naming its own modules is not a way back
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert cycles == []


@pytest.mark.parametrize("feature", FEATURES)
def test_feature_packages_do_not_import_tasks(feature):
    prefix = "rl_evolve.envs" if feature == "envs" else f"rl_evolve.{feature}"
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name == prefix or name.startswith(prefix + ".")
        for target in targets
        if target.startswith(("rl_evolve.tasks", "rl_evolve.cli"))
    )
    assert upward == []
