"""Kept answers replayed as they were sent (server/replay.py), through a real server: the replayed
response is the one the whole stack sends (headers and body), each variant of a request (Accept,
Accept-Encoding, Origin) gets its own, and conditional requests, refusals, errors and volatile
queries are never replayed. A response is recorded the second time its request comes, and replayed
from the third. The counters are read from /health."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest

from r2pgraph.server.replay import replay_key

JSON = "application/sparql-results+json"
QUERY = "SELECT ?s WHERE { ?s a <https://w3id.org/r2p/ontology#State> } ORDER BY ?s LIMIT 30 # replay test"


def _replayed(client: httpx.Client, url: str) -> dict[str, Any]:
    health = client.get(url + "/health")
    assert health.status_code == 200
    found: dict[str, Any] = health.json()["answer_cache"]["replayed"]
    return found


def _raw_get(client: httpx.Client, url: str, query: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (not decoded)."""
    request = client.build_request("GET", url + "/sparql", params={"query": query}, headers=headers)
    response = client.send(request, stream=True)
    try:
        return response, b"".join(response.iter_raw())
    finally:
        response.close()


def _without_date(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k != "date"]


def test_a_repeated_request_gets_the_response_the_whole_stack_sent(server: str) -> None:
    with httpx.Client(timeout=30) as client:
        before = _replayed(client, server)
        plain = {"Accept": JSON, "Accept-Encoding": "identity"}
        first, first_body = _raw_get(client, server, QUERY, **plain)
        _raw_get(client, server, QUERY, **plain)  # seen again: recorded as it is sent
        middle = _replayed(client, server)
        second, second_body = _raw_get(client, server, QUERY, **plain)
        after = _replayed(client, server)
        assert middle["hits"] == before["hits"]
        assert first.status_code == second.status_code == 200
        assert second_body == first_body and len(json.loads(first_body)["results"]["bindings"]) == 30
        assert _without_date(second) == _without_date(first)  # ETag, Vary, security headers…
        assert "etag" in second.headers and second.headers["x-content-type-options"] == "nosniff"
        assert after["hits"] - before["hits"] == 1  # (entries may stay the same: a full cache drops one)


def test_each_variant_of_a_request_gets_its_own_response(server: str) -> None:
    query = QUERY + " variants"
    variants: list[dict[str, str]] = [
        {"Accept": JSON, "Accept-Encoding": "gzip"},
        {"Accept": JSON, "Accept-Encoding": "identity"},
        {"Accept": JSON, "Accept-Encoding": "identity", "Origin": "https://elsewhere.example"},
        {"Accept": "application/sparql-results+xml", "Accept-Encoding": "identity"},
    ]
    with httpx.Client(timeout=30) as client:
        before = _replayed(client, server)
        rounds = [[_raw_get(client, server, query, **headers) for headers in variants] for _ in range(3)]
        after = _replayed(client, server)
        assert after["hits"] - before["hits"] == len(variants)  # the third round, replayed
        for (first, first_body), (third, third_body) in zip(rounds[0], rounds[2], strict=True):
            assert third_body == first_body and _without_date(third) == _without_date(first)
        (zipped, zipped_body), (plain, plain_body), (cors, _), (xml, xml_body) = rounds[2]
        assert zipped.headers["content-encoding"] == "gzip" and gzip.decompress(zipped_body) == plain_body
        assert "content-encoding" not in plain.headers
        assert "access-control-allow-origin" not in plain.headers
        assert cors.headers["access-control-allow-origin"] == "*"
        assert xml.headers["content-type"].startswith("application/sparql-results+xml") and b"<sparql" in xml_body
        assert zipped.headers["etag"] != plain.headers["etag"] != xml.headers["etag"]


def test_a_conditional_request_still_gets_304(server: str) -> None:
    query = QUERY + " conditional"
    with httpx.Client(timeout=30) as client:
        first, _ = _raw_get(client, server, query, Accept=JSON)
        for _ in range(2):  # recorded, then replayed
            _raw_get(client, server, query, Accept=JSON)
        again, body = _raw_get(client, server, query, Accept=JSON, **{"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and body == b""
        assert again.headers["etag"] == first.headers["etag"]


def test_errors_refusals_and_volatile_queries_are_never_replayed(server: str) -> None:
    with httpx.Client(timeout=30) as client:
        before = _replayed(client, server)
        for _ in range(3):
            missing = client.get(server + "/id/state/XXQ", headers={"Accept": "text/html"})
            assert missing.status_code == 404
            bad = client.get(server + "/sparql", params={"query": "SELECT WHERE {"}, headers={"Accept": JSON})
            assert bad.status_code == 400
            fresh = [
                client.get(server + "/sparql", params={"query": "SELECT (STRUUID() AS ?id) {} # replay"}).json()
                for _ in range(2)
            ]
            ids = [f["results"]["bindings"][0]["id"]["value"] for f in fresh]
            assert ids[0] != ids[1]
        after = _replayed(client, server)
        assert after["entries"] == before["entries"] and after["hits"] == before["hits"]


@pytest.mark.parametrize(
    ("method", "headers", "replayable"),
    [
        ("GET", [(b"accept", b"text/html")], True),
        ("HEAD", [], True),
        ("POST", [], False),
        ("GET", [(b"cookie", b"a=b")], False),
        ("GET", [(b"authorization", b"Bearer x")], False),
        ("GET", [(b"if-none-match", b'"x"')], False),
        ("GET", [(b"range", b"bytes=0-10")], False),
    ],
)
def test_which_requests_may_be_replayed(method: str, headers: list[tuple[bytes, bytes]], replayable: bool) -> None:
    scope = {"type": "http", "method": method, "path": "/sparql", "query_string": b"query=ASK{}", "headers": headers}
    assert (replay_key(scope) is not None) == replayable


def test_the_key_holds_every_header_the_response_depends_on() -> None:
    def key(*headers: tuple[bytes, bytes]) -> object:
        return replay_key({"method": "GET", "path": "/id/state/JPN", "query_string": b"", "headers": list(headers)})

    base = key((b"accept", b"text/html"))
    assert key((b"accept", b"text/turtle")) != base
    assert key((b"accept", b"text/html"), (b"accept-encoding", b"gzip")) != base
    assert key((b"accept", b"text/html"), (b"origin", b"https://a.example")) != base
    assert key((b"accept", b"text/html"), (b"host", b"other.example")) != base
    assert key((b"accept", b"text/html"), (b"user-agent", b"curl")) == base
