"""The W3C SPARQL 1.1 Protocol tests (protocol/manifest.ttl) replayed against a real server.

Every mf:ProtocolTest is run: its ht:requests are sent as written (method, path with ``/sparql/``
mapped to ``/sparql``, headers, body in its declared character encoding) and the responses are
checked against mf:expectedStatus, mf:expectedFormat and mf:expectedBoolean.

The update tests cannot apply to this read-only endpoint; they are skipped, and
``test_update_requests_are_refused`` checks that their update requests really are refused.

All tests share one server over the union of the tests' datasets (data1..3.nt in named graphs
named by their rdfs:label): a test either names its dataset with default-graph-uri /
named-graph-uri / FROM, or asks ``ASK {}``, so the extra graphs cannot change an outcome.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, URIRef
from rdflib.collection import Collection

from tests.server.w3c._w3c import (
    CNT,
    HT,
    MF,
    RDF_MEDIA_RDFLIB,
    RESULT_MEDIA,
    RESULT_OX,
    SPARQL11,
    UT,
    Solutions,
    file_quads,
    iri_path,
    load_manifest,
    local_name,
    make_build_dir,
    media_type,
    ox_results,
    rdflib_graph,
    require_suites,
    start_servers,
)

pytestmark = pytest.mark.slow  # the W3C suite, over servers of its own

require_suites()

MANIFEST = SPARQL11 / "protocol" / "manifest.ttl"
GRAPH, ENTRIES = load_manifest(MANIFEST)
TESTS = {local_name(e): e for e in ENTRIES if (e, RDF.type, MF.ProtocolTest) in GRAPH}
UPDATE_TESTS = [name for name in TESTS if name.startswith(("update_", "bad_update_"))]
SKIP_REASON = "read-only endpoint: SPARQL Update is refused with 403"
KASEI = "http://kasei.us/2009/09/sparql/data/"


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expected_status: list[str] = field(default_factory=list)
    expected_format: str | None = None
    expected_boolean: bool | None = None


def _body(node: object) -> bytes | None:
    if node is None:
        return None
    if (node, RDF.type, CNT.ContentAsBase64) in GRAPH or GRAPH.value(node, CNT.bytes) is not None:
        return base64.b64decode(str(GRAPH.value(node, CNT.bytes)))
    encoding = str(GRAPH.value(node, CNT.characterEncoding) or "UTF-8")
    return str(GRAPH.value(node, CNT.chars)).encode(encoding)


def requests_of(test: URIRef) -> list[HttpRequest]:
    connection = GRAPH.value(test, MF.action)
    out = []
    for node in Collection(GRAPH, GRAPH.value(connection, HT.requests)):
        headers_list = GRAPH.value(node, HT.headers)
        headers = {
            str(GRAPH.value(h, HT.fieldName)): str(GRAPH.value(h, HT.fieldValue))
            for h in (Collection(GRAPH, headers_list) if headers_list is not None else [])
        }
        resp = GRAPH.value(node, HT.resp)
        boolean = GRAPH.value(resp, MF.expectedBoolean)
        fmt = GRAPH.value(resp, MF.expectedFormat)
        out.append(
            HttpRequest(
                method=str(GRAPH.value(node, HT.methodName)),
                path=str(GRAPH.value(node, HT.absolutePath)),
                headers=headers,
                body=_body(GRAPH.value(node, HT.body)),
                expected_status=sorted(local_name(s) for s in GRAPH.objects(resp, MF.expectedStatus)),
                expected_format=str(fmt) if fmt is not None else None,
                expected_boolean=bool(boolean.toPython()) if boolean is not None else None,
            )
        )
    return out


def dataset_quads() -> list[ox.Quad]:
    """ut:data of every test in the default graph, ut:graphData in graphs named by rdfs:label."""
    named: dict[str, Path] = {}
    default: set[Path] = set()
    for test in TESTS.values():
        default.update(iri_path(d) for d in GRAPH.objects(test, UT.data))
        for gd in GRAPH.objects(test, UT.graphData):
            label, path = str(GRAPH.value(gd, RDFS.label)), iri_path(GRAPH.value(gd, UT.graph))
            assert named.setdefault(label, path) == path, f"graph {label} has two different files"
    quads = [q for path in sorted(default) for q in file_quads(path, ox.DefaultGraph())]
    for label, path in sorted(named.items()):
        quads.extend(file_quads(path, ox.NamedNode(label)))
    return quads


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    build_dir = make_build_dir(tmp_path_factory.mktemp("w3c-protocol"), dataset_quads())
    with ExitStack() as stack:
        yield start_servers(stack, {"protocol": build_dir})["protocol"] + "/sparql"


def send(endpoint: str, request: HttpRequest) -> httpx.Response:
    path = request.path
    assert path.startswith("/sparql/"), path
    url = endpoint + path[len("/sparql/") :]
    return httpx.request(
        request.method, url, headers=request.headers, content=request.body, follow_redirects=False, timeout=30
    )


def status_matches(code: int, expected: list[str]) -> bool:
    for name in expected:
        m = re.fullmatch(r"StatusCode(\d)xx", name)
        if m and code // 100 == int(m.group(1)):
            return True
        if not m and re.sub(r"[^A-Za-z]", "", HTTPStatus(code).phrase) == name:
            return True
    return False


def check_format(response: httpx.Response, request: HttpRequest) -> None:
    media = media_type(response.headers.get("content-type"))
    body = response.content
    if request.expected_format == "boolean":
        assert media in (RESULT_MEDIA["json"], RESULT_MEDIA["xml"]), f"boolean result as {media}"
        result = ox_results(body, RESULT_OX[media])
        assert isinstance(result, bool), f"not a boolean result: {body[:200]!r}"
        if request.expected_boolean is not None:
            assert result is request.expected_boolean
    elif request.expected_format == "tabular":
        assert media in RESULT_MEDIA.values(), f"tabular result as {media}"
        if media == RESULT_MEDIA["csv"]:
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            assert rows and rows[0], f"no CSV header: {body[:200]!r}"
        else:
            assert isinstance(ox_results(body, RESULT_OX[media]), Solutions)
    elif request.expected_format == "RDF":
        assert media in RDF_MEDIA_RDFLIB, f"RDF result as {media}"
        rdflib_graph(body, RDF_MEDIA_RDFLIB[media])
    else:
        assert request.expected_format is None, f"unknown mf:expectedFormat {request.expected_format}"


@pytest.mark.parametrize("name", list(TESTS))
def test_protocol(endpoint: str, name: str) -> None:
    if name in UPDATE_TESTS:
        pytest.skip(SKIP_REASON)
    for request in requests_of(TESTS[name]):
        response = send(endpoint, request)
        assert status_matches(response.status_code, request.expected_status), (
            f"{request.method} {request.path}: status {response.status_code}, expected {request.expected_status}\n"
            f"{response.text[:500]}"
        )
        if 200 <= response.status_code < 300:
            check_format(response, request)


DATA1_INTACT = f"ASK {{ GRAPH <{KASEI}data1.rdf> {{ <{KASEI}data1.rdf> a ?type }} }}"


@pytest.mark.parametrize("name", UPDATE_TESTS)
def test_update_requests_are_refused(endpoint: str, name: str) -> None:
    """The skipped update tests are honest: their update request gets a 4xx and changes nothing."""
    update = requests_of(TESTS[name])[0]
    response = send(endpoint, update)
    assert 400 <= response.status_code < 500, f"status {response.status_code}: {response.text[:300]}"
    assert response.text.strip(), "a refusal should say why"
    check = httpx.get(endpoint, params={"query": DATA1_INTACT}, headers={"Accept": RESULT_MEDIA["json"]})
    assert check.status_code == 200 and ox_results(check.content, ox.QueryResultsFormat.JSON) is True


def test_every_update_test_is_accounted_for() -> None:
    """The manifest's update tests are exactly the ones this module skips (and checks separately)."""
    updates = {
        name
        for name, test in TESTS.items()
        for r in requests_of(test)
        if "sparql-update" in r.headers.get("content-type", "")
        or re.search(r"(^|[?&])update=", r.path.split("?", 1)[-1] if "?" in r.path else "")
        or (r.body or b"").startswith(b"update=")
    }
    assert updates - set(UPDATE_TESTS) == {"bad_multiple_updates"}  # expects a 4xx: runs as a normal test
    assert set(UPDATE_TESTS) - updates == {"bad_update_wrong_media_type"}  # text/plain body "CLEAR NAMED"


# --- Beyond the manifest: protocol behaviour the W3C tests leave implicit ---------------------------


def _ask(endpoint: str, query: str, **params: str | list[str]) -> bool:
    response = httpx.get(endpoint, params={"query": query, **params}, headers={"Accept": RESULT_MEDIA["json"]})
    assert response.status_code == 200, response.text
    result = ox_results(response.content, ox.QueryResultsFormat.JSON)
    assert isinstance(result, bool)
    return result


def test_default_graph_uri_alone_gives_a_dataset_without_named_graphs(endpoint: str) -> None:
    """SPARQL 1.1 Protocol §2.1.4 / Query §13.2: a dataset given by default-graph-uri only has no
    named graphs (as with FROM and no FROM NAMED), so GRAPH ?g matches nothing."""
    assert _ask(endpoint, "ASK { GRAPH ?g { ?s ?p ?o } }") is True
    assert _ask(endpoint, f"ASK FROM <{KASEI}data1.rdf> {{ GRAPH ?g {{ ?s ?p ?o }} }}") is False
    assert _ask(endpoint, "ASK { GRAPH ?g { ?s ?p ?o } }", **{"default-graph-uri": f"{KASEI}data1.rdf"}) is False


def test_relative_iris_in_queries_resolve_against_a_service_base(endpoint: str) -> None:
    """Protocol tests query_content_type_construct and update_base_uri: a query may use relative
    IRIs, resolved against a base the service defines ("which MAY be the service endpoint")."""
    response = httpx.get(endpoint, params={"query": "SELECT (<s> AS ?x) {}"}, headers={"Accept": RESULT_MEDIA["json"]})
    assert response.status_code == 200, response.text
    result = ox_results(response.content, ox.QueryResultsFormat.JSON)
    assert isinstance(result, Solutions)
    iri = result.rows[0]["x"]
    assert iri[0] == "I" and re.match(r"^[a-z][a-z0-9+.-]*:", iri[1]) and iri[1].endswith("/s"), iri


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16")),
        ("application/sparql-query; charset=ISO-8859-1", 'ASK { FILTER("café" != "") }'.encode("latin-1")),
        ("application/sparql-query", b"ASK {} # \xff\xfe"),
        ("application/x-www-form-urlencoded", "query=ASK%20%7B%7D%20%23%20café".encode("latin-1")),
        ("application/x-www-form-urlencoded; charset=UTF-16", "query=ASK%20%7B%7D".encode("utf-16")),
    ],
    ids=["direct-utf16", "direct-latin1", "direct-invalid-bytes", "form-latin1", "form-utf16"],
)
def test_non_utf8_bodies_are_refused_with_4xx(endpoint: str, content_type: str, body: bytes) -> None:
    """Protocol §2.1.2/2.1.3: query bodies are UTF-8; anything else is the client's error (4xx), never a 500."""
    response = httpx.post(endpoint, content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, f"status {response.status_code}: {response.text[:200]}"
