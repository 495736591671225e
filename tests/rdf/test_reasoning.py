"""The ontology survives a reasoner: RDFS and OWL-RL inference over the built graph (and over every
valid shapes example) add no class of the ontology to a resource beyond the classes it was given and
their superclasses. A domain or range that some use of a property does not fit (a claim's
r2p:instrument under a domain of r2p:TreatyAction, say) would make the reasoner retype resources."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import owlrl
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from r2pgraph.build.assemble import BuildResult, load_ontology
from tests.conftest import ROOT

R2P = "https://w3id.org/r2p/ontology#"
SHAPE_EXAMPLES = sorted((ROOT / "tests" / "validation" / "valid").glob("*.ttl"))
SEMANTICS = {"RDFS": owlrl.RDFS_Semantics, "OWL-RL": owlrl.OWLRL_Semantics}


def _r2p_types(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    return {
        (s, o)
        for s, o in graph.subject_objects(RDF.type)
        if isinstance(s, URIRef) and isinstance(o, URIRef) and str(o).startswith(R2P)
    }


def _superclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    """``cls`` and every class above it in the ontology's rdfs:subClassOf hierarchy."""
    seen = {cls}
    todo = [cls]
    while todo:
        for sup in ontology.objects(todo.pop(), RDFS.subClassOf):
            if isinstance(sup, URIRef) and sup not in seen:
                seen.add(sup)
                todo.append(sup)
    return seen


def unexpected_classes(triples: Iterable[tuple], ontology: Graph, semantics: type) -> set[tuple[URIRef, URIRef]]:
    """The (resource, r2p class) pairs that inference adds beyond the asserted classes and their superclasses."""
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    graph += ontology
    allowed = {(s, sup) for s, cls in _r2p_types(graph) for sup in _superclasses(ontology, cls)}
    owlrl.DeductiveClosure(semantics).expand(graph)
    return _r2p_types(graph) - allowed


PER_PREDICATE = 300  # uses of each property kept for the closure (domain and range rules read one triple)


def sample_by_predicate(triples: list[tuple], per_predicate: int = PER_PREDICATE) -> list[tuple]:
    """Up to ``per_predicate`` triples of each property (taken evenly across its uses), with every
    rdf:type triple of the nodes they mention: every way the data uses a property, at a size the
    pure-Python reasoner closes in seconds (the world's treaty records hold thousands of each)."""
    by_predicate: dict[object, list[tuple]] = {}
    for t in triples:
        if t[1] != RDF.type:
            by_predicate.setdefault(t[1], []).append(t)
    kept = []
    for uses in by_predicate.values():
        step = max(1, len(uses) // per_predicate)
        kept.extend(uses[::step])
    nodes = {t[0] for t in kept} | {t[2] for t in kept}
    return kept + [t for t in triples if t[1] == RDF.type and t[0] in nodes]


@pytest.mark.slow
@pytest.mark.parametrize("name", SEMANTICS)
def test_inference_over_the_built_graph_adds_no_class(built: BuildResult, name: str) -> None:
    data = Dataset()
    data.parse(built.generation / "r2p.nq", format="nquads")
    triples = [(s, p, o) for s, p, o, _ in data.quads()]
    kinds = {o for _, p, o in triples if p == RDF.type}
    # the build holds what the domains and ranges are about: claims, summary entries, imported records
    for cls in ("TreatyClaim", "SummaryTableEntry", "StatusRecord", "Reconciliation", "ClaimCheck", "Dialogue"):
        assert URIRef(R2P + cls) in kinds, cls
    extra = unexpected_classes(sample_by_predicate(triples), load_ontology(ROOT / "ontology"), SEMANTICS[name])
    assert not extra, f"{name} inference retypes {len(extra)} resource(s), e.g. {sorted(extra)[:5]}"


def test_the_valid_shapes_examples_are_found() -> None:
    assert len(SHAPE_EXAMPLES) > 10, "the valid shapes examples are in tests/validation/valid/"


@pytest.mark.parametrize("path", SHAPE_EXAMPLES, ids=lambda p: p.name)
def test_inference_over_each_valid_shapes_example_adds_no_class(path: Path) -> None:
    example = Graph().parse(path, format="turtle")
    extra = unexpected_classes(example, load_ontology(ROOT / "ontology"), owlrl.RDFS_Semantics)
    assert not extra, f"RDFS inference retypes {sorted(extra)}"


def test_the_check_sees_a_domain_that_does_not_fit() -> None:
    """A claim using a property whose domain is another class is reported (the check can fail)."""
    ontology = load_ontology(ROOT / "ontology")
    claim = URIRef("https://w3id.org/r2p/id/claim/example")
    ontology.add((URIRef(R2P + "claimKind"), RDFS.domain, URIRef(R2P + "TreatyAction")))
    data = [(claim, RDF.type, URIRef(R2P + "TreatyClaim")), (claim, URIRef(R2P + "claimKind"), Literal("party"))]
    extra = unexpected_classes(data, ontology, owlrl.RDFS_Semantics)
    assert (claim, URIRef(R2P + "TreatyAction")) in extra
    assert (claim, URIRef(R2P + "Event")) in extra
