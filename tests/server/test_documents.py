"""Linked-data documents as clients expect them, through the real server: every RDF format of a
document is the same graph, in the default graph (N-Quads and TriG too); JSON-LD gives classes as
``@type``; ``text/n3`` and ``application/json`` are served; HTML pages embed their JSON-LD and link
their alternates; the dataset's IRI and every IRI of its namespaces dereference."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from r2pgraph.rdf.iris import BASE
from r2pgraph.server.templating import EMBED_LIMIT

JPN = "https://w3id.org/r2p/id/state/JPN"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STATE = "https://w3id.org/r2p/ontology#State"
# media type -> rdflib parser
PARSERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "text/n3": "n3",
}
SUFFIXES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples"}
SUFFIXES |= {"rdf": "application/rdf+xml", "nq": "application/n-quads", "trig": "application/trig", "n3": "text/n3"}


def _graph(text: str, media_type: str) -> Graph:
    """The document's statements; a dataset format's must all be in its default graph."""
    fmt = PARSERS[media_type]
    if fmt in ("nquads", "trig"):
        dataset = Dataset()
        dataset.parse(data=text, format=fmt)
        named = [g.identifier for g in dataset.graphs() if len(g) and g.identifier != dataset.default_graph.identifier]
        assert named == [], f"statements in named graphs {named}"
        graph = Graph()
        for triple in dataset.default_graph.triples((None, None, None)):
            graph.add(triple)
        return graph
    return Graph().parse(data=text, format=fmt)


def _state_graph(store: ox.Store) -> Graph:
    """What the store says about Japan, from every named graph."""
    query = f"CONSTRUCT {{ <{JPN}> ?p ?o }} WHERE {{ <{JPN}> ?p ?o }}"
    triples = store.query(query, use_default_graph_as_union=True)
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""  # type: ignore[arg-type]
    return Graph().parse(data=text.decode(), format="nt")


@pytest.mark.parametrize("media_type", PARSERS)
def test_a_document_in_every_format_is_its_graph_in_the_default_graph(
    server: str, store: ox.Store, media_type: str
) -> None:
    expected = _state_graph(store)
    r = httpx.get(server + "/id/state/JPN", headers={"Accept": media_type})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media_type)
    assert len(expected) > 5 and isomorphic(_graph(r.text, media_type), expected)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_suffix_names_the_format(server: str, store: ox.Store, suffix: str) -> None:
    r = httpx.get(f"{server}/id/state/JPN.{suffix}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(SUFFIXES[suffix])
    assert isomorphic(_graph(r.text, SUFFIXES[suffix]), _state_graph(store))


def test_a_graph_document_is_in_the_default_graph_too(server: str) -> None:
    graph = "https://w3id.org/r2p/graph/ontology"
    nquads = httpx.get(server + "/graph/ontology", headers={"Accept": "application/n-quads"})
    turtle = httpx.get(server + "/graph/ontology", headers={"Accept": "text/turtle"})
    assert graph not in nquads.text
    assert len(_graph(turtle.text, "text/turtle")) > 100
    assert isomorphic(_graph(nquads.text, "application/n-quads"), _graph(turtle.text, "text/turtle"))


def test_jsonld_gives_classes_as_type(server: str) -> None:
    r = httpx.get(server + "/id/state/JPN", headers={"Accept": "application/ld+json"})
    nodes = r.json()
    (japan,) = [n for n in nodes if n["@id"] == JPN]
    assert STATE in japan["@type"]
    assert all(RDF_TYPE not in node for node in nodes)


def test_application_json_is_jsonld_for_a_document_and_results_json_for_a_select(server: str) -> None:
    doc = httpx.get(server + "/id/state/JPN", headers={"Accept": "application/json"})
    assert doc.headers["content-type"].startswith("application/ld+json")
    assert (URIRef(JPN), URIRef(RDF_TYPE), URIRef(STATE)) in Graph().parse(data=doc.text, format="json-ld")
    query = f"ASK {{ <{JPN}> a <{STATE}> }}"
    ask = httpx.get(server + "/sparql", params={"query": query}, headers={"Accept": "application/json"})
    assert ask.headers["content-type"].startswith("application/sparql-results+json") and ask.json()["boolean"]
    construct = f"CONSTRUCT {{ <{JPN}> a ?c }} WHERE {{ <{JPN}> a ?c }}"
    graph = httpx.get(server + "/sparql", params={"query": construct}, headers={"Accept": "application/json"})
    assert graph.headers["content-type"].startswith("application/ld+json")
    assert json.loads(graph.text)[0]["@type"] == [STATE]


class _Head(HTMLParser):
    """The alternates a page links and the text of its JSON-LD script."""

    def __init__(self) -> None:
        super().__init__()
        self.alternates: dict[str, str] = {}
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") and a.get("href"):
            self.alternates[str(a["type"])] = str(a["href"])
        self._in_jsonld = tag == "script" and a.get("type") == "application/ld+json"
        if self._in_jsonld:
            self.jsonld.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_jsonld = False

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld[-1] += data


@pytest.mark.parametrize(
    "path", ["/id/state/JPN", "/id/indicator/focal-point", "/graph/ontology", "/ontology", "/dataset"]
)
def test_html_pages_embed_their_jsonld_and_link_every_alternate(server: str, path: str) -> None:
    page = httpx.get(server + path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    head = _Head()
    head.feed(page.text)
    assert set(head.alternates) == set(PARSERS)
    (embedded,) = head.jsonld
    graph = Graph().parse(data=embedded, format="json-ld")
    assert len(graph) > 5
    for media_type, href in head.alternates.items():
        r = httpx.get(server + href)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media_type), href
        assert isomorphic(_graph(r.text, media_type), graph), href


def test_a_page_of_a_large_graph_links_its_alternates_but_does_not_embed_it(server: str, store: ox.Store) -> None:
    graph = ox.NamedNode(BASE + "graph/crossref")
    assert len(list(store.quads_for_pattern(None, None, None, graph))) > EMBED_LIMIT
    head = _Head()
    head.feed(httpx.get(server + "/graph/crossref", headers={"Accept": "text/html"}, timeout=60).text)
    assert set(head.alternates) == set(PARSERS) and head.jsonld == []


def test_the_browser_reads_the_embedded_jsonld(server: str, store: ox.Store, browser: object) -> None:
    browser.get(server + "/id/state/JPN")  # type: ignore[attr-defined]
    text = browser.execute_script(  # type: ignore[attr-defined]
        "return document.querySelector('script[type=\"application/ld+json\"]').textContent"
    )
    types = browser.execute_script(  # type: ignore[attr-defined]
        "return [...document.querySelectorAll('link[rel=alternate]')].map(l => l.type)"
    )
    assert isomorphic(Graph().parse(data=text, format="json-ld"), _state_graph(store))
    assert set(types) == set(PARSERS)


def test_the_dataset_iri_dereferences_to_its_description(server: str) -> None:
    r = httpx.get(server + "/dataset", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    graph = Graph().parse(data=r.text, format="turtle")
    dataset = URIRef(BASE + "dataset")
    assert (dataset, URIRef(RDF_TYPE), URIRef("http://rdfs.org/ns/void#Dataset")) in graph
    well_known = httpx.get(server + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert isomorphic(graph, Graph().parse(data=well_known.text, format="turtle"))


def _project_iris(store: ox.Store, server: str) -> set[str]:
    """Every IRI in the project's namespaces: in the served graph (subjects, predicates, objects,
    graph names) and in the dataset's description."""
    query = f"""SELECT DISTINCT ?x WHERE {{
      {{ GRAPH ?x {{ ?a ?b ?c }} }} UNION {{ GRAPH ?g {{ {{ ?x ?p ?o }} UNION {{ ?s ?x ?o }} UNION {{ ?s ?p ?x }} }} }}
      FILTER (isIRI(?x) && STRSTARTS(STR(?x), "{BASE}")) }}"""
    found = {row["x"].value for row in store.query(query)}  # type: ignore[union-attr, index]
    void = Graph().parse(data=httpx.get(server + "/.well-known/void", headers={"Accept": "text/turtle"}).text)
    found |= {str(t) for triple in void for t in triple if isinstance(t, URIRef) and str(t).startswith(BASE)}
    return found


@pytest.mark.slow
def test_every_iri_the_dataset_mints_dereferences(server: str, store: ox.Store) -> None:
    iris = _project_iris(store, server)
    ids = sorted(i for i in iris if i.startswith(BASE + "id/"))
    others = sorted(i for i in iris if not i.startswith(BASE + "id/"))
    assert len(ids) > 1000 and BASE + "dataset" in others and BASE + "ontology/0.2.0" in others
    sample = others + ids[:: max(1, len(ids) // 200)]
    paths = sorted({"/" + iri[len(BASE) :].split("#", 1)[0] for iri in sample})
    failed = []
    with httpx.Client(base_url=server, headers={"Accept": "text/turtle"}, follow_redirects=True, timeout=60) as client:
        for path in paths:
            r = client.get(path)
            if r.status_code != 200 or any(hop.status_code != 303 for hop in r.history):
                failed.append((path, [h.status_code for h in r.history], r.status_code))
    assert failed == [] and len(paths) > 200
