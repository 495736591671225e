"""How the shapes are evaluated: SPARQL constraints once over the graph, property shapes batched.

The examples in valid/ and invalid/ must give the same results as one plain pySHACL run over the
unchanged shapes graph, and every sh:sparql constraint of shapes/ must take the one-query path
(a constraint left to pySHACL would still be checked, but once per focus node).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from r2pgraph.build import load_ontology
from r2pgraph.shacl.core import TARGETS, hoist_property_shapes, run_pyshacl
from r2pgraph.shacl.results import ShaclResult
from r2pgraph.shacl.sparql import split_shapes
from r2pgraph.validate import load_shapes, shacl_results

HERE = Path(__file__).parent
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(HERE.glob("*/*.ttl"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ROOT / "ontology")


def test_every_sparql_constraint_is_one_query(shapes: Graph) -> None:
    core, extracted = split_shapes(shapes)
    assert {(c.shape, c.constraint) for c in extracted} == set(shapes.subject_objects(SH.sparql))
    assert (None, SH.sparql, None) not in core
    for c in extracted:
        assert "$this" not in c.query and "?this" in c.query


def test_property_shapes_of_targeted_node_shapes_carry_the_targets(shapes: Graph) -> None:
    hoisted = hoist_property_shapes(shapes)
    for node_shape in {s for p in TARGETS for s in shapes.subjects(p, None)}:
        targets = {(p, o) for p, o in shapes.predicate_objects(node_shape) if p in TARGETS}
        for prop in shapes.objects(node_shape, SH.property):
            assert (node_shape, SH.property, prop) not in hoisted
            assert {(p, o) for p, o in hoisted.predicate_objects(prop) if p in TARGETS} == targets


def _fields(results: list[ShaclResult]) -> Counter[tuple[str, ...]]:
    return Counter(
        (str(r.focus), str(r.path), str(r.value), r.message, str(r.constraint), str(r.shape), str(r.severity))
        for r in results
    )


def _copy(*graphs: Graph) -> Graph:
    g = Graph()
    for graph in graphs:
        g += graph
    return g


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_results_as_one_plain_pyshacl_run(path: Path, shapes: Graph, ontology: Graph) -> None:
    data = Graph().parse(path, format="turtle")
    expected = _fields(run_pyshacl(_copy(data, ontology), shapes))
    assert _fields(shacl_results(_copy(data, ontology), shapes)) == expected
