"""SPARQL Query Results JSON written by the server is exactly what ``json.dumps`` writes of the
results object (https://www.w3.org/TR/sparql11-results-json/)."""

from __future__ import annotations

import json

import pyoxigraph as ox

from r2pgraph.server.evaluation import Job, answer
from r2pgraph.server.query_check import QueryChecker

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _expected(store: ox.Store, query: str) -> bytes:
    """The results object built term by term, looking each variable up by name, then ``json.dumps``."""

    def term(t: object) -> dict[str, object]:
        if isinstance(t, ox.NamedNode):
            return {"type": "uri", "value": t.value}
        if isinstance(t, ox.BlankNode):
            return {"type": "bnode", "value": t.value}
        if isinstance(t, ox.Literal):
            out: dict[str, object] = {"type": "literal", "value": t.value}
            if t.language:
                out["xml:lang"] = t.language
            elif t.datatype.value != XSD_STRING:
                out["datatype"] = t.datatype.value
            return out
        assert isinstance(t, ox.Triple)
        return {"type": "triple", "value": {k: term(getattr(t, k)) for k in ("subject", "predicate", "object")}}

    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    bindings = [{n: term(row[n]) for n in names if row[n] is not None} for row in result]
    return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()


def test_every_kind_of_term_and_unbound_variables() -> None:
    store = ox.Store()
    store.load(
        '@prefix ex: <http://example.org/> . ex:a ex:p "plain", "tagged"@en-GB, 3, "q\\"uote\\\\ back\\nline", '
        '"ünïcødé ✓ \\u0001"^^<http://example.org/dt>, _:b, <http://example.org/x%20y> . '
        "<< ex:a ex:p ex:c >> ex:says ex:d .",
        ox.RdfFormat.TURTLE,
    )
    queries = [
        "SELECT ?s ?o ?none WHERE { ?s <http://example.org/p> ?o OPTIONAL { ?o <urn:x> ?none } } ORDER BY STR(?o)",
        "SELECT ?t WHERE { ?t <http://example.org/says> ?d }",
        "SELECT ?nothing WHERE { FILTER(false) }",
        "SELECT * WHERE { VALUES (?a ?b) { (1 UNDEF) (UNDEF 2) (UNDEF UNDEF) } }",
        "SELECT * WHERE { }",
    ]
    checker = QueryChecker()
    for query in queries:
        got = answer(store, Job(query, fmt="json"), checker)
        assert got.status == 200, got.body
        assert got.body == _expected(store, query), query
