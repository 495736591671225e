"""The manifest of a remote store: which generation ``r2pgraph publish`` wrote into it, and how to read
its graphs back. Written by ``publish``, read by ``publish`` and by the server (``serve --store``)."""

from __future__ import annotations

import pyoxigraph as ox

from r2pgraph.rdf.iris import GRAPH
from r2pgraph.store.remote import RemoteStore, value

MANIFEST_GRAPH = GRAPH + "publication"
PUB = "https://w3id.org/r2p/publication#"
FETCH_PAGE = 10000  # triples per CONSTRUCT page when reading a graph back (Virtuoso's default row cap)


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL request, checked by pyoxigraph (an IRI never carries ``>`` or a space)."""
    return str(ox.NamedNode(iri))


def read_manifest(remote: RemoteStore) -> tuple[str | None, dict[str, str]]:
    """The published generation hash and live graph → content hash, from the manifest graph."""
    rows = remote.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri_ref(MANIFEST_GRAPH)} {{ ?s ?p ?o }} }}")
    generation: str | None = None
    hashes: dict[str, str] = {}
    for row in rows:
        s, p, o = value(row, "s"), value(row, "p"), value(row, "o")
        if s is None or o is None:
            continue
        if p == PUB + "generation":
            generation = o
        elif p == PUB + "contentHash":
            hashes[s] = o
    return generation, hashes


def published_at(remote: RemoteStore) -> str:
    """When the manifest says the generation was published (an xsd:dateTime), or ``""``."""
    rows = remote.select(f"SELECT ?t WHERE {{ GRAPH {iri_ref(MANIFEST_GRAPH)} {{ ?m <{PUB}publishedAt> ?t }} }}")
    return (value(rows[0], "t") or "") if rows else ""


def fetch_graph(remote: RemoteStore, graph: str, expected: int) -> list[ox.Triple]:
    """Every triple of ``graph``, in pages when it is larger than one page."""
    pattern = f"GRAPH {iri_ref(graph)} {{ ?s ?p ?o }}"
    if expected <= FETCH_PAGE:
        return remote.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }}")
    triples: list[ox.Triple] = []
    for offset in range(0, expected + FETCH_PAGE, FETCH_PAGE):
        page = remote.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }} ORDER BY ?s ?p ?o LIMIT {FETCH_PAGE} OFFSET {offset}"
        )
        triples += page
        if len(page) < FETCH_PAGE:
            break
    return triples
