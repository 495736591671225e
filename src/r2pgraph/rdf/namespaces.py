"""The project's namespaces and IRI minting as rdflib terms, for the pipeline (loaders, build,
validation). The IRIs themselves are decided in ``iris.py``, as plain strings; the server uses those.

Data IRIs live under ``BASE`` (``https://w3id.org/r2p/``): resources under ``id/<kind>/<key>``,
named graphs under ``graph/<path>``. Ontology terms live under ``R2P`` (``…/ontology#``).
"""

from __future__ import annotations

from rdflib import Namespace, URIRef

from r2pgraph.rdf import iris
from r2pgraph.rdf.iris import ALPHA3, BASE, GRAPH, ID, KINDS, PREFIXES, SLUG, is_project_iri

__all__ = [
    "ALPHA3",
    "BASE",
    "GRAPH",
    "ID",
    "KINDS",
    "ONTOLOGY_IRI",
    "ORG",
    "PREFIXES",
    "R2P",
    "SCHEMA",
    "SLUG",
    "WD",
    "graph_iri",
    "is_project_iri",
    "mint",
]


class TermNamespace(Namespace):
    """An rdflib Namespace that makes each of its terms once.

    rdflib builds and checks a new URIRef at every attribute access (``R2P.state``), which the
    loaders do hundreds of thousands of times in a large build (about 3 µs each); here the term is
    kept on the namespace after its first use (about 0.1 µs), the same term rdflib would make.
    """

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)
        self.__dict__[name] = term
        return term


R2P = TermNamespace(iris.R2P)
ONTOLOGY_IRI = URIRef(iris.ONTOLOGY_IRI)
SCHEMA = TermNamespace(iris.SCHEMA)
ORG = TermNamespace(iris.ORG)
WD = TermNamespace(iris.WD)


def mint(kind: str, *keys: str | int) -> URIRef:
    """Return the IRI of a resource of ``kind`` identified by ``keys`` (joined with ``/``).

    Raises ValueError for an unknown kind or an empty key.
    """
    return URIRef(iris.mint(kind, *keys))


def graph_iri(relative_path: str) -> URIRef:
    """Return the named-graph IRI for a data file, from its path relative to data/ (no suffix)."""
    return URIRef(iris.graph_iri(relative_path))
