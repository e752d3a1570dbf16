"""The shape of the package: no import cycles in ``sim``, a light ``import sim``, no private
names imported across modules, a small public surface."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"


def _runtime_imports(tree: ast.Module) -> list[ast.ImportFrom]:
    """``from`` imports outside ``if TYPE_CHECKING:`` blocks (those never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            skipped.update(id(n) for n in ast.walk(node))
    return [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and id(n) not in skipped]


def sim_import_graph() -> dict[str, set[str]]:
    graph = {}
    for path in SIM.glob("*.py"):
        deps = set()
        for node in _runtime_imports(ast.parse(path.read_text())):
            if node.level == 1:
                deps.update(
                    [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
                )
            elif node.module and node.module.startswith("sim."):
                deps.add(node.module.split(".")[1])
        graph[path.stem] = deps - {path.stem}
    return graph


def test_sim_has_no_import_cycles():
    graphlib.TopologicalSorter(sim_import_graph()).prepare()  # raises CycleError on a cycle


def test_the_cycle_check_can_fail():
    graph = sim_import_graph()
    graph["params"] = graph["params"] | {"kernels"}  # kernels imports params
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(graph).prepare()


def test_no_private_names_imported_across_modules():
    offenders = []
    for path in [*SIM.glob("*.py"), *(SIM.parent / "experiments").glob("*.py")]:
        for node in _runtime_imports(ast.parse(path.read_text())):
            offenders += [
                f"{path.name}: {a.name}"
                for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")
            ]
    assert not offenders


@pytest.mark.parametrize("heavy", ["numba", "pandas", "matplotlib", "hydra", "mesa"])
def test_import_sim_is_light(heavy):
    # `import sim` must not pull in the kernels' compiler, pandas, plotting, Hydra or Mesa:
    # they load on first use (start-up of the CLI, the app and every Hydra job).
    code = f"import sys, sim; print({heavy!r} in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_public_surface_is_small_and_resolves():
    import sim

    assert len(sim.__all__) <= 25
    for name in sim.__all__:
        assert getattr(sim, name) is not None
