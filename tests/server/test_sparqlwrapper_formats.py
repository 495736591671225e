"""SPARQLWrapper, a real client, in each of its return formats, for each query form, by GET, by
a form POST and by a direct POST, against the real server: it sends ``format=`` beside its Accept
header, and every combination must give it what it asked for. Each result is checked by meaning
against the same query evaluated on the store the server serves."""

from __future__ import annotations

import csv
import io
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

PREFIXES = "PREFIX r2p: <https://w3id.org/r2p/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
JPN = "https://w3id.org/r2p/id/state/JPN"
GRAPH_QUERIES = {
    "CONSTRUCT": PREFIXES
    + f"CONSTRUCT {{ <{JPN}> ?p ?o . ?o skos:prefLabel ?l }}"
    + f" WHERE {{ <{JPN}> ?p ?o OPTIONAL {{ ?o skos:prefLabel ?l }} }}",
    "DESCRIBE": f"DESCRIBE <{JPN}>",
}
SELECT = PREFIXES + "SELECT ?s ?label WHERE { ?s a r2p:State ; skos:prefLabel ?label } ORDER BY ?s LIMIT 25"
ASK = PREFIXES + f"ASK {{ <{JPN}> a r2p:State }}"
# SPARQLWrapper's return format -> the media type the server must answer with, per result kind
GRAPH_MEDIA = {
    XML: "application/rdf+xml",
    RDFXML: "application/rdf+xml",
    RDF: "application/rdf+xml",
    N3: "text/turtle",
    TURTLE: "text/turtle",
    JSONLD: "application/ld+json",
    JSON: "application/ld+json",
}
RESULT_MEDIA = {
    JSON: "application/sparql-results+json",
    XML: "application/sparql-results+xml",
    CSV: "text/csv",
    TSV: "text/tab-separated-values",
}
# SPARQLWrapper's own notes: it sends Accept */* for some formats, and rdflib deprecates the graph it makes.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]
METHODS = {"GET": (GET, URLENCODED), "POST form": (POST, URLENCODED), "POST query": (POST, POSTDIRECTLY)}


def _ask(server: str, query: str, fmt: str, method: str) -> Any:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    http_method, encoding = METHODS[method]
    client.setMethod(http_method)
    client.setRequestMethod(encoding)
    return client.query()


def _as_graph(converted: object) -> Graph:
    """What SPARQLWrapper's convert() gave for a graph result, as one rdflib graph."""
    graph = Graph()
    if isinstance(converted, bytes | str):
        graph.parse(data=converted, format="turtle")
    else:
        assert isinstance(converted, Graph), type(converted)
        for triple in converted.triples((None, None, None)):
            graph.add(triple)
    return graph


def _expected_graph(store: ox.Store, query: str) -> Graph:
    triples = store.query(query, use_default_graph_as_union=True)
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""  # type: ignore[arg-type]
    return Graph().parse(data=text.decode(), format="nt")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("form", GRAPH_QUERIES)
@pytest.mark.parametrize("fmt", GRAPH_MEDIA)
def test_graph_in_every_return_format(server: str, store: ox.Store, fmt: str, form: str, method: str) -> None:
    query = GRAPH_QUERIES[form]
    result = _ask(server, query, fmt, method)
    assert result.info()["content-type"].startswith(GRAPH_MEDIA[fmt])
    expected = _expected_graph(store, query)
    got = _as_graph(result.convert())
    assert len(expected) > 5 and isomorphic(got, expected)


def _term_text(binding: Any) -> str:
    """The text of the one term (``<uri>``, ``<literal>``) in a results-XML binding."""
    (term,) = [n for n in binding.childNodes if n.nodeType == n.ELEMENT_NODE]
    return str(term.firstChild.data)


def _rows(fmt: str, converted: Any) -> list[dict[str, str]]:
    """A SELECT result as SPARQLWrapper converted it: each row's values by variable, as text
    (IRIs and literals' lexical forms; TSV gives terms in Turtle syntax)."""
    if fmt == JSON:
        return [{k: v["value"] for k, v in b.items()} for b in converted["results"]["bindings"]]
    if fmt == XML:
        return [
            {b.getAttribute("name"): _term_text(b) for b in result.getElementsByTagName("binding")}
            for result in converted.getElementsByTagName("result")
        ]
    text = converted.decode() if isinstance(converted, bytes) else converted
    if fmt == CSV:
        return list(csv.DictReader(io.StringIO(text)))
    lines = text.splitlines()
    names = [v.lstrip("?") for v in lines[0].split("\t")]
    return [dict(zip(names, line.split("\t"), strict=True)) for line in lines[1:]]


def _expected_rows(store: ox.Store, fmt: str) -> list[dict[str, str]]:
    rows = []
    for solution in store.query(SELECT, use_default_graph_as_union=True):  # type: ignore[union-attr]
        terms = {"s": solution["s"], "label": solution["label"]}
        rows.append({k: str(t) if fmt == TSV else t.value for k, t in terms.items()})  # type: ignore[union-attr]
    return rows


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", RESULT_MEDIA)
def test_select_and_ask_in_every_result_format(server: str, store: ox.Store, fmt: str, method: str) -> None:
    result = _ask(server, SELECT, fmt, method)
    assert result.info()["content-type"].startswith(RESULT_MEDIA[fmt])
    expected = _expected_rows(store, fmt)
    assert len(expected) == 25 and _rows(fmt, result.convert()) == expected

    answer = _ask(server, ASK, fmt, method)
    assert answer.info()["content-type"].startswith(RESULT_MEDIA[fmt])
    converted = answer.convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    elif fmt == XML:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert (converted.decode() if isinstance(converted, bytes) else converted).strip() == "true"
