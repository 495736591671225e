"""The pieces of content negotiation that need no server: the names clients give formats, JSON-LD's
``@type``, and JSON made safe to embed in a page."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld

from r2pgraph.exports.jsonld_compact import RDF_TYPE, with_type_keyword
from r2pgraph.server.conneg import GRAPH_FORMATS, RESULT_FORMATS, NotAcceptable, negotiate
from r2pgraph.server.templating import script_json


@pytest.mark.parametrize(
    ("accept", "fmt", "results", "graph"),
    [
        ("application/json", None, "json", "jsonld"),
        ("application/xml", None, "xml", "rdfxml"),
        ("text/xml", None, "xml", "rdfxml"),
        (None, "json", "json", "jsonld"),
        (None, "xml", "xml", "rdfxml"),
        (None, "application/json", "json", "jsonld"),
        ("text/turtle", "json", "json", "jsonld"),  # the parameter wins over Accept
    ],
)
def test_a_name_means_results_or_a_graph_format_by_what_is_offered(
    accept: str | None, fmt: str | None, results: str, graph: str
) -> None:
    assert negotiate(accept, RESULT_FORMATS, fmt).name == results
    assert negotiate(accept, GRAPH_FORMATS, fmt).name == graph


@pytest.mark.parametrize(
    ("accept", "fmt", "chosen"),
    [
        (None, "json-ld", "jsonld"),
        (None, "rdf+xml", "rdfxml"),
        (None, "rdf", "rdfxml"),
        (None, "n3", "turtle"),
        (None, "turtle", "turtle"),
        ("text/n3", None, "n3"),
        ("application/n3, text/turtle;q=0.5", None, "n3"),
        ("application/x-json+ld", None, "jsonld"),
        ("application/turtle", None, "turtle"),
        ("application/json;q=0.2, text/turtle;q=0.9", None, "turtle"),
        ("application/json, application/ld+json;q=0.1", None, "jsonld"),
    ],
)
def test_graph_format_names(accept: str | None, fmt: str | None, chosen: str) -> None:
    assert negotiate(accept, GRAPH_FORMATS, fmt).name == chosen


@pytest.mark.parametrize(("accept", "fmt"), [(None, "json-ld"), (None, "turtle"), ("text/n3", None)])
def test_graph_formats_are_not_results(accept: str | None, fmt: str | None) -> None:
    with pytest.raises(NotAcceptable):
        negotiate(accept, RESULT_FORMATS, fmt)


def _nquads(doc: list[dict[str, object]]) -> set[str]:
    text = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    return set(text.splitlines())


def test_classes_become_type_and_the_statements_stay_the_same() -> None:
    node = {
        "@id": "https://w3id.org/r2p/id/state/JPN",
        "http://example.org/p": [{"@value": "x"}],
        RDF_TYPE: [
            {"@id": "https://w3id.org/r2p/ontology#State"},
            {"@id": "_:b0"},
            {"@value": "odd", "@type": "http://www.w3.org/2001/XMLSchema#string"},
        ],
    }
    typed = with_type_keyword(node)
    assert list(typed)[:2] == ["@id", "@type"] and typed["@type"] == ["https://w3id.org/r2p/ontology#State"]
    assert typed[RDF_TYPE] == node[RDF_TYPE][1:]  # type: ignore[index]
    assert _nquads([typed]) == _nquads([node]) and len(_nquads([node])) == 4
    untyped = {"@id": "_:x", "http://example.org/p": [{"@value": "y"}]}
    assert with_type_keyword(untyped) == untyped
    odd = {"@id": "_:y", RDF_TYPE: [{"@value": "odd"}]}
    assert with_type_keyword(odd) == odd


def test_embedded_json_cannot_end_its_script_block() -> None:
    data = [
        {"@id": "https://example.org/a", "http://example.org/p": [{"@value": "</script><!--<script>&amp; </SCRIPT"}]}
    ]
    text = json.dumps(data, ensure_ascii=False)
    embedded = str(script_json(text))
    assert not set("<>&") & set(embedded)
    assert json.loads(embedded) == data
    assert str(script_json(text.encode())) == embedded
