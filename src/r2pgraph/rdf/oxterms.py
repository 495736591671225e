"""rdflib terms as pyoxigraph terms, without a round trip through N-Triples text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


class OxTerms:
    """Converts rdflib terms to pyoxigraph terms, IRIs and datatypes memoised (they repeat a lot).

    Raises ValueError for a term pyoxigraph refuses (e.g. an IRI with a space), as parsing its
    N-Triples would.
    """

    def __init__(self) -> None:
        self._iris: dict[str, ox.NamedNode] = {}

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def term(self, node: Node) -> OxTerm:
        if isinstance(node, URIRef):
            return self.iri(str(node))
        if isinstance(node, Literal):
            if node.language:
                return ox.Literal(str(node), language=node.language)
            if node.datatype is not None:
                return ox.Literal(str(node), datatype=self.iri(str(node.datatype)))
            return ox.Literal(str(node))
        if isinstance(node, BNode):
            return ox.BlankNode(str(node))
        raise ValueError(f"cannot store {node!r} in a named graph")

    def quads(self, triples: Iterable[tuple[Node, Node, Node]], graph: URIRef | None) -> Iterator[ox.Quad]:
        """The triples as quads in the named graph ``graph`` (None: the default graph)."""
        name = ox.DefaultGraph() if graph is None else self.iri(str(graph))
        term = self.term
        for s, p, o in triples:
            yield ox.Quad(term(s), term(p), term(o), name)  # type: ignore[arg-type]
