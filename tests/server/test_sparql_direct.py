"""The plain ``GET /sparql`` answered by the direct layer (server/sparql_direct.py) gets what the
whole app sends: through a real server, each request is sent plain (the direct layer answers it)
and again with an ``If-Modified-Since`` long before the build (the app answers it, through its
router and middlewares, with the same 200), and the two responses must have the same status,
headers in the same order (but the date) and bytes. With ``--cache-mb 0`` both are evaluated."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult
from tests.conftest import running_server

JPN = "<https://w3id.org/r2p/id/state/JPN>"
LONG_AGO = "Sat, 01 Jan 2000 00:00:00 GMT"
JSON = "application/sparql-results+json"
ORIGIN = "https://elsewhere.example"
# A look-up with more rows than the server answers itself: a worker answers it, in the order of the
# store it reads (on disk or its own copy in memory: the rows are compared as a set).
MANY_ROWS = "SELECT ?s WHERE { ?s a <https://w3id.org/r2p/ontology#Accession> }"
BY_WORKER = "SELECT ?s WHERE { ?s a <https://w3id.org/r2p/ontology#State> } ORDER BY ?s LIMIT 40"

# (query parameters, request headers): look-ups and other queries, every result format, gzip or
# not, with an Origin or not, and errors.
CASES: list[tuple[dict[str, str], dict[str, str]]] = [
    ({"query": "ASK {}"}, {"Accept": JSON}),
    ({"query": "ASK {}"}, {"Accept": JSON, "Origin": ORIGIN}),
    ({"query": f"SELECT ?p ?o WHERE {{ {JPN} ?p ?o }} LIMIT 5"}, {"Accept": "text/csv"}),
    ({"query": f"SELECT ?p ?o WHERE {{ {JPN} ?p ?o }} LIMIT 5"}, {"Accept": "application/sparql-results+xml"}),
    ({"query": f"SELECT ?p ?o WHERE {{ {JPN} ?p ?o }}"}, {"Accept": "text/tab-separated-values"}),
    ({"query": f"CONSTRUCT WHERE {{ {JPN} ?p ?o }}"}, {"Accept": "text/turtle", "Accept-Encoding": "gzip"}),
    ({"query": f"CONSTRUCT WHERE {{ {JPN} ?p ?o }}"}, {"Accept": "text/turtle", "Origin": ORIGIN}),
    ({"query": f"CONSTRUCT WHERE {{ {JPN} ?p ?o }}", "format": "ntriples"}, {"Accept-Encoding": "gzip;q=0"}),
    ({"query": BY_WORKER}, {"Accept": JSON, "Accept-Encoding": "gzip", "Origin": ORIGIN}),
    ({"query": BY_WORKER, "timeout": "5"}, {"Accept": "text/csv"}),
    ({"query": MANY_ROWS}, {"Accept": JSON, "Accept-Encoding": "gzip"}),
    ({"query": "SELECT WHERE {"}, {"Accept": JSON}),  # malformed
    ({"query": "SELECT ?o { undeclared:x ?p ?o }"}, {"Accept": JSON, "Origin": ORIGIN}),  # malformed look-up
    ({"query": "ASK {}"}, {"Accept": "text/html"}),  # not acceptable
    ({"query": "ASK {}", "format": "turtle"}, {}),  # not acceptable
    ({"query": "ASK {}", "timeout": "soon"}, {"Accept": JSON}),  # a bad parameter
    ({"query": "ASK { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, {"Accept": JSON}),  # refused
]


@pytest.fixture(scope="module")
def uncached(built: BuildResult) -> Iterator[str]:
    with running_server(built.generation.parent.parent, "--cache-mb", "0") as url:
        yield url


def _sent(
    client: httpx.Client, url: str, params: dict[str, str], headers: dict[str, str] | list[tuple[str, str]]
) -> dict[str, Any]:
    request = client.build_request("GET", url + "/sparql", params=params, headers=headers)
    response = client.send(request, stream=True)
    try:
        body = b"".join(response.iter_raw())
    finally:
        response.close()
    kept = [(k, v) for k, v in response.headers.multi_items() if k != "date"]
    return {"status": response.status_code, "headers": kept, "body": body}


def _direct(client: httpx.Client, url: str) -> int:
    found: int = client.get(url + "/health").json()["queries"]["direct"]
    return found


@pytest.mark.parametrize(("params", "headers"), CASES)
def test_the_direct_answer_is_the_apps(uncached: str, params: dict[str, str], headers: dict[str, str]) -> None:
    plain = {"Accept-Encoding": "identity", **headers}
    with httpx.Client(timeout=30) as client:
        before = _direct(client, uncached)
        direct = _sent(client, uncached, params, plain)
        assert _direct(client, uncached) == before + 1
        through_app = _sent(client, uncached, params, {**plain, "If-Modified-Since": LONG_AGO})
        assert _direct(client, uncached) == before + 1
    if params["query"] == MANY_ROWS:
        for sent in (direct, through_app):
            rows = json.loads(gzip.decompress(sent.pop("body")))["results"]["bindings"]
            sent["rows"] = sorted(json.dumps(row, sort_keys=True) for row in rows)
            sent["headers"] = [(k, v) for k, v in sent["headers"] if k != "content-length"]
        assert len(direct["rows"]) > 500
    assert direct == through_app
    names = [name for name, _ in direct["headers"]]
    assert "x-content-type-options" in names and "vary" in names
    if direct["status"] == 200:
        assert "etag" in names and "last-modified" in names


def test_repeated_headers_are_read_as_the_app_reads_them(uncached: str) -> None:
    """The first of each (Starlette's ``Headers.get``), whichever way the request goes."""
    query = {"query": f"CONSTRUCT WHERE {{ {JPN} ?p ?o }}"}
    for first, second in (("text/turtle", "application/n-triples"), ("application/n-triples", "text/turtle")):
        for coding in (("identity", "gzip"), ("gzip", "identity")):
            headers = [("Accept", first), ("Accept", second), ("Accept-Encoding", coding[0])]
            headers += [("Accept-Encoding", coding[1]), ("Origin", ORIGIN), ("Origin", "https://other.example")]
            with httpx.Client(timeout=30) as client:
                before = _direct(client, uncached)
                direct = _sent(client, uncached, query, headers)
                through_app = _sent(client, uncached, query, [*headers, ("If-Modified-Since", LONG_AGO)])
                assert _direct(client, uncached) == before + 1
            assert direct == through_app
            assert dict(direct["headers"])["content-type"].startswith(first)
            assert ("content-encoding" in dict(direct["headers"])) == (coding[0] == "gzip")


def test_requests_the_app_answers(uncached: str) -> None:
    """Other methods, several or no queries, an update, conditional requests: not answered directly."""
    with httpx.Client(timeout=30) as client:
        before = _direct(client, uncached)
        assert client.get(uncached + "/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
        assert client.get(uncached + "/sparql", params={"update": "CLEAR ALL"}).status_code == 403
        assert client.head(uncached + "/sparql", params={"query": "ASK {}"}).status_code == 200
        assert client.post(uncached + "/sparql", data={"query": "ASK {}"}).status_code == 200
        assert client.get(uncached + "/sparql", headers={"Accept": "text/turtle"}).status_code == 200
        first = client.get(uncached + "/sparql", params={"query": "ASK {}"}, headers={"Accept": JSON})
        again = client.get(
            uncached + "/sparql",
            params={"query": "ASK {}"},
            headers={"Accept": JSON, "If-None-Match": first.headers["etag"]},
        )
        assert again.status_code == 304
        assert _direct(client, uncached) == before + 1  # the first of the last two only


def test_a_host_the_app_does_not_trust_is_refused_by_the_app(built: BuildResult) -> None:
    with (
        running_server(built.generation.parent.parent, "--trusted-host", "127.0.0.1") as url,
        httpx.Client(timeout=30) as client,
    ):
        trusted = client.get(url + "/sparql", params={"query": "ASK {}"}, headers={"Accept": JSON})
        assert trusted.status_code == 200 and _direct(client, url) == 1
        for host in ("evil.example", "127.0.0.1.evil.example", ""):
            refused = client.get(url + "/sparql", params={"query": "ASK {}"}, headers={"Host": host})
            assert refused.status_code == 400 and refused.text == "Invalid host header"
            assert refused.headers["x-content-type-options"] == "nosniff"  # the app's refusal, with its headers
        assert _direct(client, url) == 1
