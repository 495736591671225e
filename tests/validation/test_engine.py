"""How the shapes are evaluated: SPARQL constraints once over the graph, property shapes batched.

The examples in valid/ and invalid/ must give the same results as one plain pySHACL run over the
unchanged shapes graph, and every sh:sparql constraint of shapes/ must take the one-query path
(a constraint left to pySHACL would still be checked, but once per focus node).
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD

from r2pgraph.build.assemble import load_ontology
from r2pgraph.rdf.namespaces import R2P
from r2pgraph.validation.shacl.core import TARGETS, hoist_property_shapes, run_pyshacl
from r2pgraph.validation.shacl.native import COMPONENTS, compile_shapes, has_targets
from r2pgraph.validation.shacl.results import ShaclResult
from r2pgraph.validation.shacl.sparql import split_shapes
from r2pgraph.validation.validate import load_shapes, shacl_results

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


def test_no_shape_of_shapes_is_left_to_pyshacl(shapes: Graph) -> None:
    # pySHACL would validate over an rdflib copy of the whole data (most of validation's time and
    # memory at 1,000 states): every targeted shape is evaluated natively or as one query.
    core, _ = split_shapes(shapes)
    rest, native = compile_shapes(hoist_property_shapes(core))
    assert native
    assert not has_targets(rest)


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


@pytest.mark.slow  # about 1 s per example, 60 s in all
@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_results_as_one_plain_pyshacl_run(path: Path, shapes: Graph, ontology: Graph) -> None:
    data = Graph().parse(path, format="turtle")
    expected = _fields(run_pyshacl(_copy(data, ontology), shapes))
    assert _fields(shacl_results([data, ontology], shapes)) == expected


# Values that trip the components' edge cases: ill-typed and non-canonical literals, language tags
# in other cases and subtags, plain and xsd:string strings, blank nodes, outside IRIs.
TRICKY = [
    Literal("2019-13-45", datatype=XSD.date),
    Literal("2019-05-01", datatype=XSD.date),
    Literal("2019-05-01"),
    Literal("2019-05-01T10:00:00", datatype=XSD.dateTime),
    Literal("2019", datatype=XSD.gYear),
    Literal("19999", datatype=XSD.gYear),
    Literal("JP"),
    Literal("JP", lang="en"),
    Literal("jp", datatype=XSD.string),
    Literal("392", datatype=XSD.string),
    Literal("0", datatype=XSD.integer),
    Literal("-3", datatype=XSD.integer),
    Literal("01", datatype=XSD.integer),
    Literal("abc", datatype=XSD.integer),
    Literal("7.5", datatype=XSD.decimal),
    Literal("5"),
    Literal("true", datatype=XSD.boolean),
    Literal("maybe", datatype=XSD.boolean),
    Literal("Japan", lang="en"),
    Literal("Japon", lang="fr"),
    Literal("Japan", lang="en-GB"),
    Literal("JAPAN", lang="EN"),
    Literal("party"),
    Literal("party", datatype=XSD.string),
    Literal("Party"),
    BNode("tricky"),
    URIRef("https://example.org/elsewhere"),
    URIRef("https://w3id.org/r2p/id/state/JPN"),
]


def _mutated(data: Graph, ontology: Graph, seed: int, changes: int = 12) -> Graph:
    """``data`` with ``changes`` random edits: objects replaced, triples dropped or doubled, types added."""
    rng = random.Random(seed)
    g = _copy(data)
    nodes = sorted({n for t in g for n in (t[0], t[2]) if not isinstance(n, Literal)}, key=str)
    classes = sorted(set(ontology.subjects(RDF.type, OWL.Class)), key=str)
    for _ in range(changes):
        s, p, o = rng.choice(sorted(g, key=str))
        move = rng.randrange(5)
        value = rng.choice(TRICKY + nodes)
        if move == 0:
            g.remove((s, p, o))
            g.add((s, p, value))
        elif move == 1:
            g.remove((s, p, o))
        elif move == 2:
            g.add((s, p, value))
        elif move == 3:
            g.add((rng.choice([*nodes, BNode("typed")]), RDF.type, rng.choice(classes)))
        else:  # a label, a kind or a status more for a node: languages and lists
            g.add((s, rng.choice([SKOS.prefLabel, R2P.summary, R2P.claimKind, R2P.treatyStatus]), value))
    return g


VALID = sorted((HERE / "valid").glob("*.ttl"))


def _core(results: Counter[tuple[str, ...]]) -> Counter[tuple[str, ...]]:
    """``results`` without the SPARQL-based ones (compared on the examples above)."""
    sparql = str(SH.SPARQLConstraintComponent)
    return Counter({r: n for r, n in results.items() if r[4] != sparql})


@pytest.mark.slow
def test_same_results_as_pyshacl_on_randomly_broken_data(shapes: Graph, ontology: Graph) -> None:
    """Random edits of the valid examples, each broken graph validated both ways: the same results
    from every constraint but the SPARQL-based ones, and the same verdict.

    The SPARQL-based constraints run on pyoxigraph here and on rdflib in pySHACL; on broken data the
    two engines can disagree (RDF 1.1 makes "x" and "x"^^xsd:string one term, rdflib does not;
    comparisons of mistyped dates differ), always about data that other constraints reject too.
    """
    seen: Counter[str] = Counter()
    violation = str(SH.Violation)
    for path in VALID:
        data = Graph().parse(path, format="turtle")
        for seed in range(5):
            broken = _mutated(data, ontology, seed=zlib.crc32(f"{path.name} {seed}".encode()))
            expected = _fields(run_pyshacl(_copy(broken, ontology), shapes))
            actual = _fields(shacl_results([broken, ontology], shapes))
            assert _core(actual) == _core(expected), f"{path.name} seed {seed}"
            assert any(r[6] == violation for r in actual) == any(r[6] == violation for r in expected)
            seen.update(fields[4].rsplit("#", 1)[-1] for fields in expected.elements())
    # The edits must have reached the components evaluated natively, or the comparison says little.
    wanted = {str(c).rsplit("#", 1)[-1] for c in COMPONENTS.values()}
    assert wanted <= set(seen), wanted - set(seen)


@pytest.mark.slow
def test_same_results_as_pyshacl_with_every_tricky_value(shapes: Graph, ontology: Graph) -> None:
    """Each valid example with every value of TRICKY (four at a time) added to each of its
    statements: the same results from the shapes without their SPARQL-based constraints (which
    these values can crash rdflib's SPARQL engine in pySHACL with)."""
    core, _ = split_shapes(shapes)
    for path in VALID:
        data = Graph().parse(path, format="turtle")
        pairs = sorted({(s, p) for s, p, _ in data if p != RDF.type}, key=str)
        for start in range(0, len(TRICKY), 4):
            broken = _copy(data)
            for s, p in pairs:
                for value in TRICKY[start : start + 4]:
                    broken.add((s, p, value))
            expected = _fields(run_pyshacl(_copy(broken, ontology), core))
            assert _fields(shacl_results([broken, ontology], core)) == expected, f"{path.name} values from {start}"


@pytest.mark.slow
@pytest.mark.parametrize("direction", ["subclass", "superclass"])
def test_same_results_as_pyshacl_with_nodes_retyped(direction: str, shapes: Graph, ontology: Graph) -> None:
    """Each valid example with every typed node retyped to a new subclass of its type (two new
    classes in a subclass cycle) or to a superclass of its type: sh:class and class targets must
    follow rdfs:subClassOf as pySHACL does."""
    core, _ = split_shapes(shapes)
    retyped = 0
    for path in VALID:
        data = Graph().parse(path, format="turtle")
        broken = _copy(data)
        for node, cls in sorted(data.subject_objects(RDF.type), key=str):
            if direction == "subclass":
                special, other = URIRef(f"{cls}-special"), URIRef(f"{cls}-other")
                broken.add((special, RDFS.subClassOf, cls))
                broken.add((special, RDFS.subClassOf, other))
                broken.add((other, RDFS.subClassOf, special))
                new = [special]
            else:
                new = sorted((c for c in ontology.objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)), key=str)
            if new:
                broken.remove((node, RDF.type, cls))
                broken.add((node, RDF.type, new[0]))
                retyped += 1
        expected = _fields(run_pyshacl(_copy(broken, ontology), core))
        assert _fields(shacl_results([broken, ontology], core)) == expected, path.name
    assert retyped > 10
