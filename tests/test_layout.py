"""The layout stays legible: no module imports itself back, none grows past 450 lines, and the
top folders stay small (the import contracts between layers are `make lint`'s, in .importlinter)."""

from __future__ import annotations

from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("resolver", "conflicts", "config")


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph(*PACKAGES)
    imports = nx.DiGraph(
        (module, imported) for module in graph.modules for imported in graph.find_modules_directly_imported_by(module)
    )
    cycles = [sorted(group) for group in nx.strongly_connected_components(imports) if len(group) > 1]
    assert cycles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_450_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > 450
    }
    assert long == {}


@pytest.mark.parametrize(("package", "most"), [("resolver", 10), ("conflicts", 12)])
def test_the_top_of_each_package_stays_small(package: str, most: int) -> None:
    assert len(list((ROOT / package).glob("*.py"))) <= most
