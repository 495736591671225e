"""Every SPARQL query has a deadline that really stops it, and one slow query does not hold up others."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult
from tests.conftest import running_server

# A cartesian product of the whole store with itself, three times: never finishes in time.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> }"
# An unbounded property path in both directions over every predicate, and a sort of a cartesian product.
ANY_PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:none>|^!<urn:x:none>)* ?b }"
SORT_ALL = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"


def _client(address: str) -> httpx.Client:
    """A client connecting from ``address`` (any 127.x.y.z is this machine), i.e. another client."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


@pytest.fixture(scope="module")
def strict_server(built: BuildResult) -> Iterator[str]:
    with running_server(built.generation.parent.parent, "--query-timeout", "3") as url:
        yield url


def test_a_query_past_its_deadline_gets_503_and_the_server_recovers(strict_server: str) -> None:
    started = time.monotonic()
    r = httpx.get(strict_server + "/sparql", params={"query": CARTESIAN}, timeout=60)
    elapsed = time.monotonic() - started
    assert r.status_code == 503 and "deadline of 3 s" in r.text
    assert elapsed < 15  # the deadline, plus generous room for a loaded machine
    for _ in range(3):  # the killed worker was replaced: later queries are answered
        ok = httpx.get(strict_server + "/sparql", params={"query": SIMPLE, "format": "json"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_a_lower_timeout_parameter_is_honoured_and_a_bad_one_refused(strict_server: str) -> None:
    started = time.monotonic()
    r = httpx.get(strict_server + "/sparql", params={"query": CARTESIAN, "timeout": "0.5"}, timeout=60)
    assert r.status_code == 503 and "0.5 s" in r.text
    assert time.monotonic() - started < 10
    higher = httpx.get(strict_server + "/sparql", params={"query": CARTESIAN, "timeout": "600"}, timeout=60)
    assert higher.status_code == 503 and "deadline of 3 s" in higher.text
    for bad in ("soon", "0", "0.001", "nan", "inf", "-1"):
        refused = httpx.get(strict_server + "/sparql", params={"query": SIMPLE, "timeout": bad})
        assert refused.status_code == 400, bad


def test_a_simple_query_is_answered_while_a_pathological_one_runs(strict_server: str) -> None:
    slow: list[int] = []
    t = threading.Thread(
        target=lambda: slow.append(
            httpx.get(strict_server + "/sparql", params={"query": CARTESIAN}, timeout=60).status_code
        )
    )
    t.start()
    time.sleep(0.3)
    started = time.monotonic()
    r = httpx.get(strict_server + "/sparql", params={"query": SIMPLE, "format": "json"}, timeout=30)
    quick = time.monotonic() - started
    t.join()
    assert r.status_code == 200 and quick < 1.5  # generous: normally a few milliseconds
    assert slow == [503]


def test_a_simple_query_keeps_its_latency_while_one_client_runs_two_pathological_ones(strict_server: str) -> None:
    url = strict_server + "/sparql"
    with _client("127.0.0.3") as other:
        normal = []
        for _ in range(5):
            started = time.monotonic()
            assert other.get(url, params={"query": SIMPLE, "format": "json"}).status_code == 200
            normal.append(time.monotonic() - started)
        slow: list[int] = []

        def hostile(query: str) -> None:
            with _client("127.0.0.2") as client:
                slow.append(client.get(url, params={"query": query}).status_code)

        threads = [threading.Thread(target=hostile, args=(q,)) for q in (ANY_PATH, SORT_ALL)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        with _client("127.0.0.2") as same:  # the hostile client's third query is refused at once
            refused = same.get(url, params={"query": SIMPLE})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
        assert "at most 2" in refused.text
        during = []
        for _ in range(5):
            started = time.monotonic()
            answer = other.get(url, params={"query": SIMPLE, "format": "json"})
            during.append(time.monotonic() - started)
            assert answer.status_code == 200 and answer.json()["boolean"] is True
        for t in threads:
            t.join()
    assert slow == [503, 503]
    # Generous for a shared 2-core machine: normally a few milliseconds either way.
    assert sorted(during)[2] < max(1.0, 20 * sorted(normal)[2]), (normal, during)
