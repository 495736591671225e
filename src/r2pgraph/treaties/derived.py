"""Graphs the build derives from the validated data: the treaty cross-reference (and its
disagreements alone) and the checks of assessments' treaty claims. They are recomputed on every
build, so they are always current."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF

from r2pgraph.rdf.namespaces import R2P
from r2pgraph.rdf.oxterms import OxTerms
from r2pgraph.treaties.claims import CLAIMS_GRAPH, check_claims, claim_check_graph
from r2pgraph.treaties.crossref import CROSSREF_GRAPH, DISAGREEMENTS_GRAPH, reconcile, reconciliation_graph
from r2pgraph.treaties.status import StatusIndex


def add_derived_graphs(store: ox.Store) -> None:
    """Add the cross-reference, disagreement and claim-check graphs, computed from the store's
    data, to it."""
    index = StatusIndex.load(store)
    crossref, disagreements = reconciliation_graph(reconcile(index))
    checks = claim_check_graph(check_claims(store, index=index))
    for graph, name, what in (
        (crossref, CROSSREF_GRAPH, "treaty cross-reference: r2pgraph.treaties.crossref"),
        (disagreements, DISAGREEMENTS_GRAPH, "disagreements between sources: r2pgraph.treaties.crossref"),
        (checks, CLAIMS_GRAPH, "claim checks: r2pgraph.treaties.claims"),
    ):
        graph.add((name, RDF.type, R2P.DataFile))
        graph.add((name, R2P.filePath, Literal(f"derived by the build ({what})")))
        graph.add((name, PROV.wasDerivedFrom, URIRef(str(name).rsplit("/", 1)[0] + "/provenance")))
        store.extend(OxTerms().quads(graph, name))
