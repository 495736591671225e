"""The SPARQL endpoint and linked-data pages, through a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import re

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from tests.conftest import Listener

COUNT = "PREFIX r2p: <https://w3id.org/r2p/ontology#> SELECT (COUNT(?f) AS ?n) WHERE { ?f a r2p:Finding }"
JPN = "https://w3id.org/r2p/id/state/JPN"


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_in_every_result_format(server: str, fmt: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(COUNT)
    client.setReturnFormat(fmt)
    result = client.query().convert()
    if fmt == JSON:
        assert result["results"]["bindings"][0]["n"]["value"] == "36"
    elif fmt == XML:
        assert result.getElementsByTagName("literal")[0].firstChild.data == "36"
    else:
        text = result.decode() if isinstance(result, bytes) else result
        assert text.splitlines()[1].strip() in ("36", '"36"^^<http://www.w3.org/2001/XMLSchema#integer>')


def test_post_forms_and_format_parameter(server: str) -> None:
    form = httpx.post(server + "/sparql", data={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    assert form.json()["results"]["bindings"][0]["n"]["value"] == "36"
    direct = httpx.post(
        server + "/sparql?format=csv", content=COUNT, headers={"Content-Type": "application/sparql-query"}
    )
    assert direct.headers["content-type"].startswith("text/csv") and direct.text.splitlines() == ["n", "36"]


def test_named_graph_parameters(server: str) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = "https://w3id.org/r2p/graph/treaty-actions/JPN"
    r = httpx.get(server + "/sparql", params={"query": q, "default-graph-uri": one, "format": "json"})
    n_one = int(r.json()["results"]["bindings"][0]["n"]["value"])
    r = httpx.get(server + "/sparql", params={"query": q, "format": "json"})
    n_all = int(r.json()["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_one < n_all


def test_malformed_query_is_400_with_position(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400 and "error at 1:" in r.text


def test_unacceptable_format_is_406(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": COUNT}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_update_is_refused(server: str) -> None:
    r = httpx.post(server + "/sparql", data={"update": "INSERT DATA { <a:a> <a:b> <a:c> }"})
    assert r.status_code == 403 and "read-only" in r.text
    r = httpx.post(server + "/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403


def test_service_is_refused_before_any_connection(server: str, listener: Listener) -> None:
    q = f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"
    r = httpx.get(server + "/sparql", params={"query": q})
    assert r.status_code == 400 and "SERVICE" in r.text
    listener.assert_untouched()


def test_load_fetches_nothing(server: str, listener: Listener) -> None:
    load = f"LOAD <{listener.url}/data.ttl>"
    assert httpx.get(server + "/sparql", params={"query": load}).status_code == 403
    assert httpx.post(server + "/sparql", data={"update": load}).status_code == 403
    headers = {"Content-Type": "application/sparql-update"}
    assert httpx.post(server + "/sparql", content=load, headers=headers).status_code == 403
    listener.assert_untouched()


def test_service_description(server: str) -> None:
    r = httpx.get(server + "/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef(server + "/sparql"), URIRef(sd + "endpoint"), URIRef(server + "/sparql")) in g


def test_iri_dereferences_by_content_negotiation(server: str) -> None:
    turtle = httpx.get(server + "/id/state/JPN", headers={"Accept": "text/turtle"})
    jsonld = httpx.get(server + "/id/state/JPN", headers={"Accept": "application/ld+json"})
    nt = httpx.get(server + "/id/state/JPN.nt")
    g1 = Graph().parse(data=turtle.text, format="turtle")
    g2 = Graph().parse(data=jsonld.text, format="json-ld")
    g3 = Graph().parse(data=nt.text, format="nt")
    assert isomorphic(g1, g2) and isomorphic(g1, g3)
    assert (URIRef(JPN), URIRef("https://w3id.org/r2p/ontology#iso3166Alpha2"), None) in g1
    assert 'rel="alternate"; type="text/turtle"' in turtle.headers["link"]


def test_html_page_shows_labels_graphs_and_citations(server: str) -> None:
    page = httpx.get(server + "/id/assessment/apr2p-2019/JPN/focal-point", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Appoint national R2P Focal Point" in page.text
    assert "http://www.un.emb-japan.go.jp/jp/statements/yoshikawa090815.html" in page.text
    assert "assessments/apr2p-2019/JPN" in page.text  # the named graph that says it


def test_unknown_iri_is_404_in_html_and_rdf(server: str) -> None:
    assert httpx.get(server + "/id/state/XXX", headers={"Accept": "text/html"}).status_code == 404
    r = httpx.get(server + "/id/state/XXX", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and len(Graph().parse(data=r.text, format="turtle")) == 0


def test_pages_and_downloads(server: str, generation: object) -> None:
    for path in ("/", "/query", "/ontology", "/downloads"):
        assert httpx.get(server + path).status_code == 200, path
    r = httpx.get(server + "/downloads/r2p.ttl", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.headers["etag"] and int(r.headers["content-length"]) == len(r.content)
    assert "r2p:Finding" in httpx.get(server + "/ontology").text


def test_rdflib_sparqlstore_reads_the_endpoint(server: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = Graph(store=SPARQLStore(server + "/sparql", returnFormat="json"))
    rows = list(g.query(COUNT))
    assert int(rows[0][0]) == 36  # type: ignore[index]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
        ("application/n-quads", "nquads"),
    ],
)
def test_construct_in_every_rdf_format(server: str, accept: str, fmt: str) -> None:
    q = f"CONSTRUCT {{ <{JPN}> ?p ?o }} WHERE {{ <{JPN}> ?p ?o }}"
    reference = Graph().parse(
        data=httpx.get(server + "/sparql", params={"query": q, "format": "ntriples"}).text, format="nt"
    )
    r = httpx.get(server + "/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    got = Graph()
    if fmt == "nquads":
        from rdflib import Dataset

        ds = Dataset()
        ds.parse(data=r.text, format="nquads")
        for s, p, o, _ in ds.quads((None, None, None, None)):
            got.add((s, p, o))
    else:
        got.parse(data=r.text, format=fmt)
    assert len(reference) > 5 and isomorphic(reference, got)


def test_accept_q_values_choose_the_format(server: str) -> None:
    r = httpx.get(
        server + "/sparql",
        params={"query": COUNT},
        headers={"Accept": "application/sparql-results+json;q=0.5, text/csv"},
    )
    assert r.headers["content-type"].startswith("text/csv")
    r = httpx.get(
        server + "/sparql",
        params={"query": COUNT},
        headers={"Accept": "text/csv;q=0.1, application/sparql-results+xml"},
    )
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    r = httpx.get(server + "/id/state/JPN", headers={"Accept": "text/html;q=0.2, application/ld+json;q=0.9"})
    assert r.headers["content-type"].startswith("application/ld+json")


def test_service_description_in_jsonld(server: str) -> None:
    r = httpx.get(server + "/sparql", headers={"Accept": "application/ld+json"})
    g = Graph().parse(data=r.text, format="json-ld")
    assert (None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"), URIRef(server + "/sparql")) in g


def test_cors_is_on(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": COUNT}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_void_and_dcat_description(server: str, generation: object) -> None:
    r = httpx.get(server + "/.well-known/void", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    void = "http://rdfs.org/ns/void#"
    ds = URIRef("https://w3id.org/r2p/dataset")
    assert (ds, URIRef(void + "sparqlEndpoint"), URIRef(server + "/sparql")) in g
    assert (
        ds,
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        URIRef("http://www.w3.org/ns/dcat#Dataset"),
    ) in g
    dumps = set(g.objects(ds, URIRef(void + "dataDump")))
    assert URIRef(server + "/downloads/r2p.nq") in dumps
    for dump in dumps:
        assert httpx.head(str(dump)).status_code == 200
    assert "/.well-known/void" in httpx.get(server + "/").text


def test_indicator_and_instrument_pages(server: str) -> None:
    page = httpx.get(server + "/id/indicator/rome-statute").text
    assert "Ratings across states and editions" in page and "Very Strong" in page and 'href="/id/state/JPN"' in page
    page = httpx.get(server + "/id/instrument/rome-statute").text
    japan = page[page.index('<tr id="JPN">') :]
    japan = japan[: japan.index("</tr>")]
    assert "<h2>Parties</h2>" in page and "<td>accession</td>" in japan and ">2007-07-17</a>" in japan
    act = re.search(r'<a href="(/id/treaty-action/[^"]+)">2007-07-17</a>', japan)
    assert act is not None  # the act's own page gives its sources
    assert "Japan: Ratification and Implementation Status" in httpx.get(server + act.group(1)).text


def test_oversized_queries_get_413(server: str) -> None:
    long_query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 100_001
    assert httpx.post(server + "/sparql", data={"query": long_query}).status_code == 413
    huge = httpx.post(
        server + "/sparql", content=b"#" * 1_000_001, headers={"Content-Type": "application/sparql-query"}
    )
    assert huge.status_code == 413 and "larger than" in huge.text


def test_dataset_iris_are_never_fetched(server: str, listener: Listener) -> None:
    remote = f"{listener.url}/data.ttl"
    queries = [
        (f"SELECT * FROM <{remote}> WHERE {{ ?s ?p ?o }}", {}),
        ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
        ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": remote, "named-graph-uri": "file:///etc/passwd"}),
    ]
    for query, extra in queries:
        r = httpx.get(server + "/sparql", params={"query": query, "format": "json", **extra})
        assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    listener.assert_untouched()
