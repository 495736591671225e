"""The Wikidata importer, against real servers on 127.0.0.1 only: our own ``r2pgraph serve`` over a
small Wikibase-shaped fixture, and tiny HTTP stubs for retries, timeouts and the User-Agent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from r2pgraph.build.assemble import load_ontology, write_generation
from r2pgraph.build.generations import current_generation
from r2pgraph.importers.common import ImportReport
from r2pgraph.importers.wikidata import import_wikidata
from r2pgraph.importers.wikidata_endpoint import WikidataError
from r2pgraph.importers.wikidata_statements import convert_date
from r2pgraph.rdf.namespaces import GRAPH, R2P, SCHEMA, mint
from r2pgraph.store.embedded import open_store
from r2pgraph.validation.validate import load_shapes, validate_graph
from tests.conftest import ROOT, repo_settings, running_server

USER_AGENT = "r2pgraph-tests/0.1 (https://w3id.org/r2p/; test suite, no contact)"
STATEMENT = "http://www.wikidata.org/entity/statement/"
RECORDS = URIRef(f"{GRAPH}import/wikidata/treaty-actions")
PROVENANCE = URIRef(f"{GRAPH}import/wikidata/provenance")
# (not rdflib's XSD namespace object: pytest probes module attributes, and XSD warns on unknown ones)
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")

# A Wikibase-shaped fixture (made-up items): two mapped instruments and one that is not mapped;
# Japan (linked by our data, and JP), France (matched by its code FR), Germany (linked by our data,
# no code given) and an item whose code XX matches no state.
WIKIBASE = """
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wds: <http://www.wikidata.org/entity/statement/> .
@prefix wdv: <http://www.wikidata.org/value/> .
@prefix wdref: <http://www.wikidata.org/reference/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
@prefix pqv: <http://www.wikidata.org/prop/qualifier/value/> .
@prefix pr: <http://www.wikidata.org/prop/reference/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix wikibase: <http://wikiba.se/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

wd:Q900101 rdfs:label "Japan"@en ; wdt:P297 "JP" .
wd:Q900102 rdfs:label "France"@en ; wdt:P297 "FR" .
wd:Q900103 rdfs:label "Nowhere"@en ; wdt:P297 "XX" .
wd:Q900104 rdfs:label "Germany"@en .

wd:Q900001 rdfs:label "Test Treaty A"@en ;
    p:P1891 wds:Q900001-a1 , wds:Q900001-a2 , wds:Q900001-a3 ;
    p:P6193 wds:Q900001-b1 , wds:Q900001-b2 , wds:Q900001-b3 .

# Japan signed on a day, with one reference.
wds:Q900001-a1 ps:P1891 wd:Q900101 ; wikibase:rank wikibase:NormalRank ;
    pq:P585 "2007-07-17T00:00:00Z"^^xsd:dateTime ; pqv:P585 wdv:t-a1 ; prov:wasDerivedFrom wdref:r-a1 .
wdv:t-a1 wikibase:timeValue "2007-07-17T00:00:00Z"^^xsd:dateTime ; wikibase:timePrecision 11 .
wdref:r-a1 pr:P854 <https://treaties.example.org/a/signatures#JP> .

# France signed on a day, without a reference.
wds:Q900001-a2 ps:P1891 wd:Q900102 ; wikibase:rank wikibase:NormalRank ;
    pq:P585 "2008-03-05T00:00:00Z"^^xsd:dateTime ; pqv:P585 wdv:t-a2 .
wdv:t-a2 wikibase:timeValue "2008-03-05T00:00:00Z"^^xsd:dateTime ; wikibase:timePrecision 11 .

# An item that maps to no state.
wds:Q900001-a3 ps:P1891 wd:Q900103 ; wikibase:rank wikibase:NormalRank ;
    pq:P585 "2010-01-02T00:00:00Z"^^xsd:dateTime .

# Japan "ratified", known to the year only, with two references.
wds:Q900001-b1 ps:P6193 wd:Q900101 ; wikibase:rank wikibase:PreferredRank ;
    pq:P585 "2009-01-01T00:00:00Z"^^xsd:dateTime ; pqv:P585 wdv:t-b1 ;
    prov:wasDerivedFrom wdref:r-b1 , wdref:r-b2 .
wdv:t-b1 wikibase:timeValue "2009-01-01T00:00:00Z"^^xsd:dateTime ; wikibase:timePrecision 9 .
wdref:r-b1 pr:P854 <https://treaties.example.org/a/status> .
wdref:r-b2 pr:P854 <https://news.example.net/2009/japan-joins> .

# France "ratified", without a date.
wds:Q900001-b2 ps:P6193 wd:Q900102 ; wikibase:rank wikibase:NormalRank ;
    prov:wasDerivedFrom wdref:r-b1 .

# Germany "ratified" on a day; the endpoint gives no precision node.
wds:Q900001-b3 ps:P6193 wd:Q900104 ; wikibase:rank wikibase:NormalRank ;
    pq:P585 "2011-06-01T00:00:00Z"^^xsd:dateTime .

wd:Q900002 rdfs:label "Test Treaty B"@en ;
    p:P1891 wds:Q900002-c1 , wds:Q900002-c4 ;
    p:P6193 wds:Q900002-c2 , wds:Q900002-c3 .

# Japan signed, known to the month.
wds:Q900002-c1 ps:P1891 wd:Q900101 ; wikibase:rank wikibase:NormalRank ;
    pq:P585 "2013-05-01T00:00:00Z"^^xsd:dateTime ; pqv:P585 wdv:t-c1 .
wdv:t-c1 wikibase:timeValue "2013-05-01T00:00:00Z"^^xsd:dateTime ; wikibase:timePrecision 10 .

# France "ratified" on 1 January, precision not given: ambiguous.
wds:Q900002-c2 ps:P6193 wd:Q900102 ; wikibase:rank wikibase:NormalRank ;
    pq:P585 "2012-01-01T00:00:00Z"^^xsd:dateTime .

# A deprecated statement.
wds:Q900002-c3 ps:P6193 wd:Q900101 ; wikibase:rank wikibase:DeprecatedRank ;
    pq:P585 "2014-02-02T00:00:00Z"^^xsd:dateTime .

# France signed before the treaty was adopted (2006-12-13 in our data).
wds:Q900002-c4 ps:P1891 wd:Q900102 ; wikibase:rank wikibase:NormalRank ;
    pq:P585 "2005-02-02T00:00:00Z"^^xsd:dateTime .

# An instrument our data does not link: never queried.
wd:Q900003 p:P1891 wds:Q900003-d1 .
wds:Q900003-d1 ps:P1891 wd:Q900101 ; pq:P585 "2000-05-05T00:00:00Z"^^xsd:dateTime .
"""

# Our side: the instruments (two linked to Wikidata, one not) and the states, complete enough to
# satisfy the project's shapes.
MAPPING = """
@prefix r2p: <https://w3id.org/r2p/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix id: <https://w3id.org/r2p/id/> .

<https://w3id.org/r2p/id/law-kind/test-law> a r2p:LawKind , skos:Concept ; skos:prefLabel "Test law"@en .
<https://w3id.org/r2p/id/source/test-treaty-texts> a r2p:EvidenceSource ;
    dct:title "Texts of the test treaties"@en ; schema:url <https://treaties.example.org/> .

<https://w3id.org/r2p/id/instrument/test-treaty-a> a r2p:Instrument ; dct:title "Test Treaty A"@en ;
    r2p:adoptionDate "2006-12-13"^^xsd:date ; r2p:lawKind <https://w3id.org/r2p/id/law-kind/test-law> ;
    r2p:wikidataEntity wd:Q900001 ; r2p:hasCitation <https://w3id.org/r2p/id/instrument/test-treaty-a/citation/1> .
<https://w3id.org/r2p/id/instrument/test-treaty-a/citation/1> a r2p:Citation ;
    r2p:citesSource <https://w3id.org/r2p/id/source/test-treaty-texts> ; r2p:locator "Treaty A" .

<https://w3id.org/r2p/id/instrument/test-treaty-b> a r2p:Instrument ; dct:title "Test Treaty B"@en ;
    r2p:adoptionDate "2006-12-13"^^xsd:date ; r2p:lawKind <https://w3id.org/r2p/id/law-kind/test-law> ;
    r2p:wikidataEntity wd:Q900002 ; r2p:hasCitation <https://w3id.org/r2p/id/instrument/test-treaty-b/citation/1> .
<https://w3id.org/r2p/id/instrument/test-treaty-b/citation/1> a r2p:Citation ;
    r2p:citesSource <https://w3id.org/r2p/id/source/test-treaty-texts> ; r2p:locator "Treaty B" .

<https://w3id.org/r2p/id/instrument/test-treaty-c> a r2p:Instrument ; dct:title "Test Treaty C"@en ;
    r2p:lawKind <https://w3id.org/r2p/id/law-kind/test-law> ;
    r2p:hasCitation <https://w3id.org/r2p/id/instrument/test-treaty-c/citation/1> .
<https://w3id.org/r2p/id/instrument/test-treaty-c/citation/1> a r2p:Citation ;
    r2p:citesSource <https://w3id.org/r2p/id/source/test-treaty-texts> ; r2p:locator "Treaty C" .

<https://w3id.org/r2p/id/state/JPN> a r2p:State ; skos:prefLabel "Japan"@en ; r2p:iso3166Alpha2 "JP" ;
    r2p:iso3166Alpha3 "JPN" ; r2p:iso3166Numeric "392" ; r2p:wikidataEntity wd:Q900101 .
<https://w3id.org/r2p/id/state/FRA> a r2p:State ; skos:prefLabel "France"@en ; r2p:iso3166Alpha2 "FR" ;
    r2p:iso3166Alpha3 "FRA" ; r2p:iso3166Numeric "250" .
<https://w3id.org/r2p/id/state/DEU> a r2p:State ; skos:prefLabel "Germany"@en ; r2p:iso3166Alpha2 "DE" ;
    r2p:iso3166Alpha3 "DEU" ; r2p:iso3166Numeric "276" ; r2p:wikidataEntity wd:Q900104 .
"""

EMPTY_RESULT = json.dumps(
    {
        "head": {"vars": ["instrument", "property", "statement", "item", "iso2", "date", "precision", "rank"]},
        "results": {"bindings": []},
    }
).encode()


def _nquads(turtle: str, graph: str) -> bytes:
    store = ox.Store()
    store.load(turtle.encode("utf-8"), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return store.dump(format=ox.RdfFormat.N_QUADS) or b""


def _memory_mapping() -> ox.Store:
    store = ox.Store()
    store.load(_nquads(MAPPING, GRAPH + "test/mapping"), ox.RdfFormat.N_QUADS)
    return store


def action(state: str, instrument: str, key: str) -> URIRef:
    return mint("treaty-action", "wikidata", state, instrument, key)


@dataclass
class Imported:
    report: ImportReport
    endpoint: str
    dataset: Dataset
    records: Graph


@pytest.fixture(scope="module")
def mapping_store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The mapping data as a built generation's store, opened the way the CLI opens it."""
    build_dir = tmp_path_factory.mktemp("mapping-build")
    write_generation(_nquads(MAPPING, GRAPH + "test/mapping"), repo_settings(build_dir))
    return open_store(current_generation(build_dir))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, mapping_store: ox.Store) -> Iterator[Imported]:
    """Serve the Wikibase fixture with ``r2pgraph serve`` and run the importer against it."""
    build_dir = tmp_path_factory.mktemp("wikibase-build")
    write_generation(_nquads(WIKIBASE, GRAPH + "test/wikibase"), repo_settings(build_dir))
    out = tmp_path_factory.mktemp("imports") / "wikidata.trig"
    with running_server(build_dir) as url:
        endpoint = url + "/sparql"
        report = import_wikidata(endpoint, out, mapping_store, user_agent=USER_AGENT, timeout=10, backoff=0.01)
    ds = Dataset()
    ds.parse(out, format="trig")
    yield Imported(report, endpoint, ds, ds.graph(RECORDS))


# ------------------------------------------------------------------------ the fixture import ---


def test_records_kinds_states_instruments_and_dates(imported: Imported) -> None:
    g = imported.records
    expected = {
        action("JPN", "test-treaty-a", "signature-2007-07-17"): (R2P.Signature, "JPN", "2007-07-17", XSD_DATE),
        action("FRA", "test-treaty-a", "signature-2008-03-05"): (R2P.Signature, "FRA", "2008-03-05", XSD_DATE),
        action("JPN", "test-treaty-a", "consent-to-be-bound-2009"): (R2P.ConsentToBeBound, "JPN", "2009", XSD_GYEAR),
        action("DEU", "test-treaty-a", "consent-to-be-bound-2011-06-01"): (
            R2P.ConsentToBeBound,
            "DEU",
            "2011-06-01",
            XSD_DATE,
        ),
        action("JPN", "test-treaty-b", "signature-2013"): (R2P.Signature, "JPN", "2013", XSD_GYEAR),
        action("FRA", "test-treaty-b", "consent-to-be-bound-2012-01-01"): (
            R2P.ConsentToBeBound,
            "FRA",
            "2012-01-01",
            XSD_DATE,
        ),
    }
    actions = set(g.subjects(R2P.state, None))
    assert actions == set(expected)
    for record, (cls, state, date, datatype) in expected.items():
        assert set(g.objects(record, RDF.type)) == {cls}, record
        assert g.value(record, R2P.state) == mint("state", state)
        assert g.value(record, R2P.instrument) == mint("instrument", str(record).split("/")[-2])
        value = g.value(record, R2P.date)
        assert isinstance(value, Literal)
        assert (str(value), value.datatype) == (date, datatype), record
    # the unmapped instrument's statements were never asked for
    assert not any("test-treaty-c" in str(s) or "2000" in str(s) for s in actions)


def test_notes_say_what_wikidata_does_not(imported: Imported) -> None:
    g = imported.records

    def notes(record: URIRef) -> str:
        found = list(g.objects(record, SKOS.note))
        assert all(isinstance(n, Literal) and n.language == "en" for n in found)
        return " ".join(str(n) for n in found)

    consent = action("JPN", "test-treaty-a", "consent-to-be-bound-2009")
    assert "P6193" in notes(consent) and "kind of consent to be bound is unknown" in notes(consent)
    assert notes(action("JPN", "test-treaty-a", "signature-2007-07-17")) == ""
    # month precision: recorded as the year, the month kept in the note
    assert "2013-05" in notes(action("JPN", "test-treaty-b", "signature-2013"))
    # 1 January without a precision: kept, but the date is marked unconfirmed and the note says why
    ambiguous = action("FRA", "test-treaty-b", "consent-to-be-bound-2012-01-01")
    assert (ambiguous, R2P.unconfirmed, R2P.date) in g
    assert "without its precision" in notes(ambiguous)
    assert (action("DEU", "test-treaty-a", "consent-to-be-bound-2011-06-01"), R2P.unconfirmed, None) not in g


def test_citations_name_the_statement_and_its_references(imported: Imported) -> None:
    ds, g = imported.dataset, imported.records
    wikidata = mint("source", "wikidata")
    prov = ds.graph(PROVENANCE)
    assert (wikidata, RDF.type, R2P.EvidenceSource) in prov
    assert str(prov.value(wikidata, URIRef("http://purl.org/dc/terms/title"))) == "Wikidata"
    assert prov.value(wikidata, SCHEMA.url) == URIRef(imported.endpoint)

    def citations(record: URIRef) -> dict[URIRef, str | None]:
        out = {}
        for c in g.objects(record, R2P.hasCitation):
            assert (c, RDF.type, R2P.Citation) in g
            source = g.value(c, R2P.citesSource)
            assert isinstance(source, URIRef)
            locator = g.value(c, R2P.locator)
            out[source] = str(locator) if locator is not None else None
        return out

    signed = citations(action("JPN", "test-treaty-a", "signature-2007-07-17"))
    assert signed[wikidata] == STATEMENT + "Q900001-a1"
    pages = [s for s in signed if s != wikidata]
    assert len(pages) == 1
    assert g.value(pages[0], SCHEMA.url) == URIRef("https://treaties.example.org/a/signatures#JP")
    assert (pages[0], RDF.type, R2P.EvidenceSource) in g

    consent = citations(action("JPN", "test-treaty-a", "consent-to-be-bound-2009"))
    assert consent[wikidata] == STATEMENT + "Q900001-b1"
    urls = {str(g.value(s, SCHEMA.url)) for s in consent if s != wikidata}
    assert urls == {"https://treaties.example.org/a/status", "https://news.example.net/2009/japan-joins"}

    assert citations(action("FRA", "test-treaty-a", "signature-2008-03-05")) == {wikidata: STATEMENT + "Q900001-a2"}


def test_refused_statements_are_reported_with_reasons(imported: Imported) -> None:
    report = imported.report
    assert (report.rows_read, report.rows_imported) == (10, 6)
    refused = {p.path: p for p in report.refused}
    assert set(refused) == {
        "http://www.wikidata.org/entity/Q900103",
        STATEMENT + "Q900001-b2",
        STATEMENT + "Q900002-c3",
        STATEMENT + "Q900002-c4",
    }
    assert all(p.line is None for p in report.refused)
    unknown = refused["http://www.wikidata.org/entity/Q900103"].message
    assert "maps to no state" in unknown and "XX" in unknown and "Q900001-a3" in unknown
    assert "needs a date" in refused[STATEMENT + "Q900001-b2"].message
    assert "deprecated" in refused[STATEMENT + "Q900002-c3"].message
    assert "before the instrument was adopted (2006-12-13)" in refused[STATEMENT + "Q900002-c4"].message
    assert report.corrected == []
    assert report.files == [imported.endpoint]
    assert "6 of 10 rows imported" in report.text()
    assert json.loads(report.as_json())["rows_imported"] == 6


def test_output_passes_the_shapes_with_the_mapping_data(imported: Imported) -> None:
    data = Graph()
    data.parse(data=MAPPING, format="turtle")
    for context in imported.dataset.graphs():
        data += context
    result = validate_graph(data, load_ontology(ROOT / "ontology"), load_shapes(ROOT / "shapes"))
    assert result.conforms, result.text()
    assert not result.violations, result.text()


def test_date_precision_rules() -> None:
    def lexical(value: str, precisions: set[int]) -> tuple[str, str] | str:
        d = convert_date(value, precisions)
        return d if isinstance(d, str) else (str(d.literal), str(d.literal.datatype).rsplit("#", 1)[-1])

    assert lexical("2007-07-17T00:00:00Z", {11}) == ("2007-07-17", "date")
    assert lexical("2009-01-01T00:00:00Z", {9}) == ("2009", "gYear")
    assert lexical("2013-05-01T00:00:00Z", {10}) == ("2013", "gYear")
    assert lexical("+2009-00-00T00:00:00Z", set()) == ("2009", "gYear")  # Wikidata JSON style
    assert lexical("1990-01-01T00:00:00Z", {11, 9}) == ("1990", "gYear")  # the coarsest wins
    assert "coarser than a year" in str(lexical("1990-01-01T00:00:00Z", {8}))
    assert "not a valid calendar date" in str(lexical("2001-02-30T00:00:00Z", {11}))
    assert "four-digit year" in str(lexical("-0500-01-01T00:00:00Z", {9}))
    ambiguous = convert_date("2012-01-01T00:00:00Z", set())
    assert not isinstance(ambiguous, str) and ambiguous.unconfirmed and ambiguous.notes


# ------------------------------------------------------- retries, timeouts and the User-Agent ---


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


@contextmanager
def stub_endpoint(replies: list[Reply]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """An HTTP server on 127.0.0.1 giving ``replies`` in turn (the last one repeated), recording
    each request's method and headers."""
    seen: list[dict[str, str]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            with lock:
                seen.append({**dict(self.headers.items()), "method": "POST", "body": body})
                reply = replies[min(len(seen), len(replies)) - 1]
            time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up (a timeout test)

        def do_GET(self) -> None:
            with lock:
                seen.append({**dict(self.headers.items()), "method": "GET"})
            self.send_error(405)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


OK = Reply(200, EMPTY_RESULT, (("Content-Type", "application/sparql-results+json"),))
UNAVAILABLE = Reply(503, b"busy", (("Retry-After", "0"),))


def test_retries_transient_failures_with_the_user_agent(tmp_path: Path) -> None:
    out = tmp_path / "wikidata.trig"
    with stub_endpoint([UNAVAILABLE, UNAVAILABLE, OK]) as (endpoint, seen):
        report = import_wikidata(endpoint, out, _memory_mapping(), user_agent=USER_AGENT, retries=3, backoff=0.01)
    assert len(seen) == 3
    assert all(r.get("User-Agent") == USER_AGENT for r in seen)
    assert all(r["method"] == "POST" for r in seen)
    assert all("application/sparql-results+json" in r.get("Accept", "") for r in seen)
    assert "wd%3AQ900001" in seen[0]["body"] and "wd%3AQ900002" in seen[0]["body"]
    assert (report.rows_read, report.rows_imported, report.refused) == (0, 0, [])
    assert out.exists()


def test_gives_up_after_retries_naming_the_endpoint(tmp_path: Path) -> None:
    out = tmp_path / "wikidata.trig"
    with stub_endpoint([Reply(503, b"down")]) as (endpoint, seen):
        started = time.monotonic()
        with pytest.raises(WikidataError) as error:
            import_wikidata(endpoint, out, _memory_mapping(), user_agent=USER_AGENT, retries=2, backoff=0.01)
    assert len(seen) == 3  # the first try and two retries
    assert endpoint in str(error.value) and "3 attempt" in str(error.value) and "503" in str(error.value)
    assert time.monotonic() - started < 5
    assert not out.exists()


def test_a_refused_query_is_not_retried(tmp_path: Path) -> None:
    with stub_endpoint([Reply(400, b"bad query")]) as (endpoint, seen), pytest.raises(WikidataError) as error:
        import_wikidata(endpoint, tmp_path / "w.trig", _memory_mapping(), user_agent=USER_AGENT, backoff=0.01)
    assert len(seen) == 1
    assert endpoint in str(error.value)


def test_a_timeout_is_retried(tmp_path: Path) -> None:
    slow = Reply(200, EMPTY_RESULT, OK.headers, delay=1.0)
    with stub_endpoint([slow, OK]) as (endpoint, seen):
        report = import_wikidata(
            endpoint, tmp_path / "w.trig", _memory_mapping(), user_agent=USER_AGENT, timeout=0.3, backoff=0.01
        )
    assert len(seen) == 2
    assert report.rows_read == 0


def test_an_unreachable_endpoint_fails_clearly(tmp_path: Path) -> None:
    with stub_endpoint([OK]) as (endpoint, _):
        pass  # the server is closed again: nothing listens on that port now
    with pytest.raises(WikidataError) as error:
        import_wikidata(
            endpoint, tmp_path / "w.trig", _memory_mapping(), user_agent=USER_AGENT, retries=1, backoff=0.01
        )
    assert endpoint in str(error.value) and "2 attempt" in str(error.value)


def test_nothing_to_query_without_wikidata_links(tmp_path: Path) -> None:
    store = ox.Store()
    with pytest.raises(WikidataError, match="no instrument"):
        import_wikidata("http://127.0.0.1:9/sparql", tmp_path / "w.trig", store, user_agent=USER_AGENT)
