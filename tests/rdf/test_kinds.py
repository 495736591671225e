"""The kinds of treaty action, defined once (rdf.iris), are the ontology's."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from r2pgraph.rdf.iris import ACTION_KINDS, CONSENT_KINDS, R2P
from tests.conftest import ROOT


def _subclasses(ontology: Graph, parent: str) -> set[str]:
    """Every class below ``parent`` (at any depth)."""
    found = {str(c) for c in ontology.transitive_subjects(RDFS.subClassOf, URIRef(R2P + parent))}
    return {c.removeprefix(R2P) for c in found} - {parent}


def test_the_kinds_are_the_ontology_classes() -> None:
    ontology = Graph().parse(ROOT / "ontology" / "r2p.ttl")
    assert set(CONSENT_KINDS) == _subclasses(ontology, "ConsentToBeBound") | {"ConsentToBeBound"}
    assert set(ACTION_KINDS) == _subclasses(ontology, "TreatyAction")
    assert len(set(ACTION_KINDS)) == len(ACTION_KINDS)
