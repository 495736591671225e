"""The answers kept per served version (server/cache.py), through a real server: a repeated query
or page is answered as the first time, from the cache; after a switch to a new generation the new
answer is served; many distinct queries never grow the cache past its bound; `--cache-mb 0` keeps
nothing. The cache's counters are read from /health."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult
from r2pgraph.build.generations import rollback
from tests.conftest import running_server
from tests.server.test_serving_switch import MARKED, TOKEN, two_generations  # noqa: F401 (a fixture)

JSON = "application/sparql-results+json"
# Answered by every build, unlike any other test's query (the comment makes the text its own).
STATES = "SELECT ?s WHERE { ?s a <https://w3id.org/r2p/ontology#State> } ORDER BY ?s LIMIT 20 # answer cache test"


def _cache(client: httpx.Client, url: str) -> dict[str, Any]:
    health = client.get(url + "/health")
    assert health.status_code == 200
    found: dict[str, Any] = health.json()["answer_cache"]
    return found


def _ask(client: httpx.Client, url: str, query: str, accept: str = JSON) -> httpx.Response:
    answer = client.get(url + "/sparql", params={"query": query}, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    return answer


def test_a_repeated_query_or_page_is_answered_as_the_first_time_from_the_cache(server: str) -> None:
    with httpx.Client(timeout=30) as client:
        before = _cache(client, server)
        first = _ask(client, server, STATES)
        second = _ask(client, server, STATES)
        after_query = _cache(client, server)
        assert second.content == first.content and len(first.json()["results"]["bindings"]) == 20
        assert second.headers["content-type"] == first.headers["content-type"]
        assert second.headers["r2p-result-rows"] == "20" and second.headers["x-content-type-options"] == "nosniff"
        assert second.headers["vary"] == first.headers["vary"]
        assert after_query["misses"] - before["misses"] == 1 and after_query["hits"] - before["hits"] == 1
        # Another Accept header is another answer.
        xml = _ask(client, server, STATES, "application/sparql-results+xml")
        assert xml.headers["content-type"].startswith("application/sparql-results+xml")
        assert _cache(client, server)["misses"] - after_query["misses"] == 1

        page = server + "/id/state/JPN?answer-cache-test"  # a query string no other test asks for
        pages = [client.get(page, headers={"Accept": "text/html"}) for _ in range(2)]
        assert [p.status_code for p in pages] == [200, 200] and pages[0].content == pages[1].content
        assert pages[1].headers["content-security-policy"] == pages[0].headers["content-security-policy"]
        turtle = client.get(page, headers={"Accept": "text/turtle"})
        assert turtle.headers["content-type"].startswith("text/turtle") and b"<html" not in turtle.content
        after_pages = _cache(client, server)
        assert after_pages["hits"] - after_query["hits"] == 1 and after_pages["misses"] - after_query["misses"] == 3


def test_a_query_whose_answer_changes_each_time_is_not_kept(server: str) -> None:
    with httpx.Client(timeout=30) as client:
        before = _cache(client, server)
        for _ in range(2):
            _ask(client, server, "SELECT (STRUUID() AS ?id) WHERE {} # answer cache test")
        after = _cache(client, server)
        assert after["hits"] == before["hits"] and after["misses"] - before["misses"] == 2


@pytest.mark.slow  # two generations written, a server started
def test_after_a_switch_the_new_generation_answers(two_generations: tuple[Path, list[str]]) -> None:  # noqa: F811
    build_dir, (first, second) = two_generations
    rollback(build_dir, first)
    with running_server(build_dir, env={"R2P_ADMIN_TOKEN": TOKEN}) as url, httpx.Client(timeout=30) as client:
        marker = lambda: _ask(client, url, MARKED).json()["results"]["bindings"][0]["m"]["value"]  # noqa: E731
        assert [marker(), marker()] == ["1", "1"]
        assert _cache(client, url)["hits"] == 1
        rollback(build_dir, second)
        switched = client.post(url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert switched.json()["switched"] is True
        assert marker() == "2"
        held = _cache(client, url)
        assert held["hits"] == 1 and held["entries"] == 1  # the first generation's answer was dropped
        assert marker() == "2" and _cache(client, url)["hits"] == 2


@pytest.mark.slow  # 60 queries over the whole graph
def test_many_distinct_queries_stay_within_the_bound(built: BuildResult) -> None:
    build_dir = built.generation.parent.parent
    # Each answer is about 40 kB: 60 of them are more than twice the 1 MB bound.
    queries = [f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT 250 OFFSET {250 * k}" for k in range(60)]
    # With a cookie, no response is replayed as sent (replay.py): only the kept answers are counted.
    plain = {"Accept-Encoding": "identity", "Cookie": "measure=answers"}
    with running_server(build_dir, "--cache-mb", "1") as url, httpx.Client(timeout=30, headers=plain) as client:
        sizes = [len(_ask(client, url, q).content) for q in queries]
        held = _cache(client, url)
        assert sum(sizes) > 2 * held["max_bytes"] and held["max_bytes"] == 1_000_000
        assert 0 < held["bytes"] <= held["max_bytes"] and held["entries"] < len(queries)
        _ask(client, url, queries[-1])  # the most recent is still held, the first is gone
        _ask(client, url, queries[0])
        after = _cache(client, url)
        assert after["hits"] == held["hits"] + 1 and after["misses"] == held["misses"] + 1
        assert after["bytes"] <= after["max_bytes"]


def test_no_cache_keeps_nothing(built: BuildResult) -> None:
    build_dir = built.generation.parent.parent
    with running_server(build_dir, "--cache-mb", "0") as url, httpx.Client(timeout=30) as client:
        first, second = _ask(client, url, STATES), _ask(client, url, STATES)
        assert first.content == second.content
        nothing = {"entries": 0, "bytes": 0, "max_bytes": 0, "hits": 0}
        assert _cache(client, url) == {**nothing, "misses": 0, "replayed": nothing}


def test_a_held_answer_gets_the_headers_and_checks_of_any_other(server: str) -> None:
    query = STATES + " (headers)"
    with httpx.Client(timeout=30) as client:
        first = _ask(client, server, query)
        before = _cache(client, server)
        origin = {"Accept": JSON, "Origin": "https://example.org"}
        held = client.get(server + "/sparql", params={"query": query}, headers=origin)
        assert held.status_code == 200 and held.content == first.content
        assert held.headers["access-control-allow-origin"] == "*"
        assert "R2P-Result-Rows" in held.headers["access-control-expose-headers"]
        assert _cache(client, server)["hits"] == before["hits"] + 1
        # HEAD is GET without the body, answer held or not.
        head = client.head(server + "/sparql", params={"query": query}, headers={"Accept": JSON})
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == held.headers["content-type"]
        # A deadline the server refuses is refused, answer held or not.
        refused = client.get(server + "/sparql", params={"query": query, "timeout": "soon"}, headers=origin)
        assert refused.status_code == 400 and "timeout" in refused.text
        # The same query as a form POST is the same answer.
        posted = client.post(server + "/sparql", data={"query": query}, headers={"Accept": JSON})
        assert posted.status_code == 200 and posted.content == first.content
        assert _cache(client, server)["hits"] == before["hits"] + 3  # the GET, the HEAD and the POST


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/matrix?answer-cache-test", "text/html"),
        ("/crossref?verdict=disagree&answer-cache-test", "text/html"),
        ("/dataset?answer-cache-test", "text/turtle"),
        ("/?answer-cache-test", "text/html"),
    ],
)
def test_the_other_pages_are_kept_too(server: str, path: str, accept: str) -> None:
    with httpx.Client(timeout=60, headers={"Accept": accept}) as client:
        before = _cache(client, server)
        pages = [client.get(server + path) for _ in range(2)]  # compressed when large (httpx accepts gzip)
        pages.append(client.get(server + path, headers={"Accept-Encoding": "identity"}))  # the kept answer, plain
        after = _cache(client, server)
        assert [p.status_code for p in pages] == [200, 200, 200]
        assert pages[2].content == pages[1].content == pages[0].content and "content-encoding" not in pages[2].headers
        assert pages[0].headers["content-type"] == pages[1].headers["content-type"] == pages[2].headers["content-type"]
        assert after["misses"] - before["misses"] == 1 and after["hits"] - before["hits"] == 2


def test_operations_and_failures_are_not_kept(server: str) -> None:
    with httpx.Client(timeout=30) as client:
        before = _cache(client, server)
        for _ in range(2):
            assert client.get(server + "/matrix", params={"set": "nothing"}).status_code == 400
            assert client.get(server + "/static/favicon.svg").status_code == 200
            assert client.get(server + "/downloads/r2p.nt", headers={"Range": "bytes=0-10"}).status_code == 206
        after = _cache(client, server)
        assert after["entries"] == before["entries"] and after["hits"] == before["hits"]
