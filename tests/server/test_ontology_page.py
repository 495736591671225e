"""The ontology's documentation at /ontology and at its version IRI, on a real server: every class
and property with its label and definition, domains and ranges, an example per class, a diagram."""

from __future__ import annotations

import html
import re

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from r2pgraph.build.assemble import write_generation
from r2pgraph.server.ontology_diagram import edges, render_svg
from r2pgraph.server.ontology_doc import OntologyDoc, read_ontology
from tests.conftest import ROOT, repo_settings, running_server

R2P = "https://w3id.org/r2p/ontology#"
ONTOLOGY = Graph().parse(ROOT / "ontology" / "r2p.ttl", format="turtle")
VERSION_IRI = str(ONTOLOGY.value(URIRef("https://w3id.org/r2p/ontology"), OWL.versionIRI))
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
TERMS = sorted(str(t) for kind in KINDS for t in ONTOLOGY.subjects(RDF.type, kind) if str(t).startswith(R2P))


def read_ontology_from_file() -> OntologyDoc:
    store = ox.Store()
    store.load(path=str(ROOT / "ontology" / "r2p.ttl"), format=ox.RdfFormat.TURTLE)
    return read_ontology(store.quads_for_pattern(None, None, None))


def _sections(page: str) -> dict[str, str]:
    """The text of each term's section, by its anchor."""
    parts = re.split(r'<div class="term" id="([^"]+)">', page)
    return {parts[i]: html.unescape(parts[i + 1].split("</div>")[0]) for i in range(1, len(parts), 2)}


@pytest.fixture(scope="module")
def page(server: str) -> str:
    response = httpx.get(server + "/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def test_every_class_and_property_with_its_label_and_definition(page: str) -> None:
    sections = _sections(page)
    assert len(TERMS) > 100
    for term in TERMS:
        local = term[len(R2P) :]
        assert local in sections, f"r2p:{local} is not documented"
        text = sections[local]
        assert str(ONTOLOGY.value(URIRef(term), RDFS.label)) in text, local
        assert str(ONTOLOGY.value(URIRef(term), SKOS.definition)) in text, local


def test_properties_show_their_domain_and_range_and_classes_their_properties(page: str) -> None:
    sections = _sections(page)
    assert 'href="#Instrument"><code>r2p:Instrument</code>' in sections["includesInstrument"]
    assert "Domain" in sections["includesInstrument"] and "r2p:InstrumentSet" in sections["includesInstrument"]
    # r2p:instrument has no domain: it is used by treaty actions, records and claims alike
    assert "none given" in sections["instrument"].split("Domain")[1].split("Range")[0]
    # a class lists its own properties, those it inherits and those it is the range of
    assert "r2p:expectedSize" in sections["InstrumentSet"]
    assert "r2p:involvesState" in sections["Dialogue"]  # inherited from r2p:Event
    assert "r2p:memberState" in sections["State"]
    assert "schema:Country" in sections["State"]  # a superclass outside the ontology


def test_each_class_with_instances_shows_one_example_that_resolves(server: str, page: str) -> None:
    sections = _sections(page)
    assert "SELECT ?s WHERE { ?s a r2p:State } LIMIT 1" in sections["State"]
    example = re.search(r'Example</th><td><a href="(/id/[^"]+)"', sections["Dialogue"])
    assert example, sections["Dialogue"]
    assert example.group(1).startswith("/id/event/japan-national-dialogue-")
    assert httpx.get(server + example.group(1)).status_code == 200
    assert "none in the data" in sections["Withdrawal"]  # no withdrawal is recorded


def test_the_diagram_draws_every_domain_range_link(page: str) -> None:
    svg = page[page.index("<svg") : page.index("</svg>")]
    doc = read_ontology_from_file()
    links = edges(doc)
    assert {e.label for e in links if e.label} >= {"includesInstrument", "checksClaim", "memberState", "lawKind"}
    for e in links:
        if e.label:
            assert f">{e.label}</text>" in svg, e.label
    linked = {e.source for e in links} | {e.target for e in links}
    for cls in linked:
        assert f'<a href="#{cls[len(R2P) :]}">' in svg
    # the classes left out are named under it
    after = page[page.index("</svg>") : page.index('<section id="classes">')]
    for c in doc.classes:
        if c.iri not in linked:
            assert f'<a href="#{c.local}">{c.local}</a>' in after, c.local
    assert "SummaryTableEntry" in after


def test_the_diagram_points_every_subclass_arrow_upwards() -> None:
    svg = render_svg(read_ontology_from_file())
    box = re.compile(r'<a href="#(\w+)"><g class="class"><rect x="[\d.]+" y="([\d.]+)"')
    boxes = {m.group(1): float(m.group(2)) for m in box.finditer(svg)}
    assert boxes["TreatyAction"] > boxes["Event"]
    assert boxes["Ratification"] > boxes["ConsentToBeBound"] > boxes["TreatyAction"]


def test_version_iri_answers_in_turtle_and_html(server: str) -> None:
    assert VERSION_IRI.startswith("https://w3id.org/r2p/ontology/")
    path = VERSION_IRI[len("https://w3id.org/r2p") :]
    turtle = httpx.get(server + path, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert isomorphic(Graph().parse(data=turtle.text, format="turtle"), ONTOLOGY)
    page = httpx.get(server + path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'<a href="{path}"><code>{VERSION_IRI}</code></a>' in page.text
    missing = httpx.get(server + "/ontology/0.0.1", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404
    assert "0.0.1" in missing.text and VERSION_IRI in missing.text


def test_a_generation_without_the_ontology_graph_still_answers(tmp_path_factory: pytest.TempPathFactory) -> None:
    build_dir = tmp_path_factory.mktemp("no-ontology")
    nquads = (
        "<https://w3id.org/r2p/id/state/XXX> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        f"<{R2P}State> <https://w3id.org/r2p/graph/test> .\n"
    ).encode()
    write_generation(nquads, repo_settings(build_dir))
    with running_server(build_dir) as url:
        page = httpx.get(url + "/ontology", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "<svg" not in page.text
        assert httpx.get(url + "/ontology/0.2.0", headers={"Accept": "text/turtle"}).status_code == 404
