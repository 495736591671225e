"""Graphs the build derives from the validated data: the treaty cross-reference and the checks
of assessments' treaty claims. Both are recomputed on every build, so they are always current."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from r2pgraph.claims import CLAIMS_GRAPH, check_claims, claim_check_graph
from r2pgraph.crossref import CROSSREF_GRAPH, reconcile, reconciliation_graph
from r2pgraph.namespaces import R2P


def _load(store: ox.Store, graph: Graph, name: URIRef) -> None:
    store.load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))


def add_derived_graphs(nquads: bytes) -> bytes:
    """Return ``nquads`` plus the cross-reference and claim-check graphs, as sorted N-Quads."""
    store = ox.Store()
    store.load(nquads, ox.RdfFormat.N_QUADS)
    crossref = reconciliation_graph(reconcile(store))
    checks = claim_check_graph(check_claims(store))
    for graph, name, what in (
        (crossref, CROSSREF_GRAPH, "treaty cross-reference: r2pgraph.crossref"),
        (checks, CLAIMS_GRAPH, "claim checks: r2pgraph.claims"),
    ):
        graph.add((name, RDF.type, R2P.DataFile))
        graph.add((name, R2P.filePath, Literal(f"derived by the build ({what})")))
        graph.add((name, PROV.wasDerivedFrom, URIRef(str(name).rsplit("/", 1)[0] + "/provenance")))
        _load(store, graph, name)
    lines = (store.dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
    return b"".join(sorted(set(lines)))
