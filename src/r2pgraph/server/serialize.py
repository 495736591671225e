"""Writing a graph in a negotiated format: the one serialiser of the pages, the SPARQL endpoint's
graph results and the dataset's descriptions.

A document is one graph: its statements go in the default graph in every format, N-Quads and TriG
included, so that a client reading a document (a link-traversal engine, say) finds them there (the
named graphs stay available through SPARQL and the downloads). JSON-LD gives each node's classes
as ``@type``, as JSON-LD readers expect, never as an ``rdf:type`` key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox

from r2pgraph.exports.jsonld_compact import with_type_keyword
from r2pgraph.rdf.iris import PREFIXES
from r2pgraph.server.conneg import GRAPH_OX, Format

WITH_PREFIXES = ("turtle", "trig", "n3")


def serialize_graph(statements: Iterable[ox.Triple | ox.Quad], fmt: Format) -> bytes:
    """``statements`` as one graph (duplicates dropped) in the graph format ``fmt``."""
    store = ox.Store()
    store.extend(ox.Quad(s.subject, s.predicate, s.object, ox.DefaultGraph()) for s in statements)
    rdf_format = GRAPH_OX[fmt.name]
    kwargs: dict[str, object] = {"format": rdf_format}
    if not rdf_format.supports_datasets:  # a dataset format writes the whole store: the default graph
        kwargs["from_graph"] = ox.DefaultGraph()
    if fmt.name in WITH_PREFIXES:
        kwargs["prefixes"] = dict(PREFIXES)
    body = store.dump(**kwargs) or b""  # type: ignore[arg-type]
    if fmt.name == "jsonld":
        nodes = json.loads(body or b"[]")
        return json.dumps([with_type_keyword(node) for node in nodes], ensure_ascii=False).encode()
    return body
