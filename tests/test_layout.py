"""The package layout: the top of src/r2pgraph/ holds packages, and no import goes round in a circle."""

from __future__ import annotations

import grimp

from tests.conftest import ROOT

TOP_MODULES = {"__init__.py", "__main__.py", "cli.py", "config.py", "errors.py"}


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every import circle found by a depth-first walk (each module visited once)."""
    state: dict[str, int] = {}
    found: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in state:
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph.find_modules_directly_imported_by(start)))]
        path = [start]
        state[start] = 1
        while stack:
            module, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                state[module] = 2
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(graph.find_modules_directly_imported_by(nxt))))
    return found


def test_no_import_goes_round_in_a_circle() -> None:
    assert _cycles(grimp.build_graph("r2pgraph")) == []


def test_the_walk_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a")]:
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["p.a", "p.b", "p.c", "p.a"]]


def test_the_top_of_the_package_holds_packages_and_a_few_modules() -> None:
    top = ROOT / "src" / "r2pgraph"
    assert {p.name for p in top.glob("*.py")} <= TOP_MODULES
    packages = {p.name for p in top.iterdir() if (p / "__init__.py").is_file()}
    assert {"sources", "build", "validation", "store", "exports", "publish", "treaties", "server"} <= packages
