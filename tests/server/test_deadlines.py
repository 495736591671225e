"""Every SPARQL query has a deadline that really stops it, and one slow query does not hold up others."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult
from tests.conftest import running_server

pytestmark = pytest.mark.slow  # each test waits out a deadline of seconds

# A cartesian product of the whole store with itself, three times: never finishes in time.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# Two patterns: a worker answers it (a single-pattern look-up is answered in the server, see query_shape.py).
SIMPLE = "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> ; ?p ?o }"
LOOKUP = "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> }"
# An unbounded property path in both directions over every predicate, and a sort of a cartesian product.
ANY_PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:none>|^!<urn:x:none>)* ?b }"
SORT_ALL = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"


def _client(address: str) -> httpx.Client:
    """A client connecting from ``address`` (any 127.x.y.z is this machine), i.e. another client."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def _hostile(url: str, query: str, statuses: list[int]) -> None:
    """Send ``query`` from 127.0.0.2, again while it gets 429 (``_wait_until_running``'s quick probes
    of the same client can hold one of its two slots for a moment); record the final status."""
    deadline = time.monotonic() + 30
    with _client("127.0.0.2") as client:
        for _ in range(1000):
            status = client.get(url, params={"query": query}).status_code
            if status != 429 or time.monotonic() > deadline:
                break
        statuses.append(status)


def _wait_until_running(url: str) -> None:
    """Wait until 127.0.0.2 has its share of queries (two) in flight: a quick query of its own then
    gets 429 (while a slot is free it is answered at once)."""
    deadline = time.monotonic() + 30
    with _client("127.0.0.2") as probe:
        for _ in range(5000):
            if probe.get(url, params={"query": SIMPLE, "format": "json"}).status_code == 429:
                return
            if time.monotonic() > deadline:
                break
    pytest.fail("the pathological queries of 127.0.0.2 were not both running within 30 s")


@pytest.fixture(scope="module")
def strict_server(built: BuildResult) -> Iterator[str]:
    # No queue: a client's query past its two running ones is refused at once (see test_client_queue.py).
    # No answer cache: the simple query goes to a worker, and the probes count against the limit.
    with running_server(
        built.generation.parent.parent, "--query-timeout", "3", "--client-queue", "0", "--cache-mb", "0"
    ) as url:
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


def test_a_simple_query_is_answered_while_pathological_ones_run(strict_server: str) -> None:
    url = strict_server + "/sparql"
    slow: list[int] = []
    threads = [threading.Thread(target=_hostile, args=(url, CARTESIAN, slow)) for _ in range(2)]
    for t in threads:
        t.start()
    _wait_until_running(url)
    started = time.monotonic()
    r = httpx.get(url, params={"query": SIMPLE, "format": "json"}, timeout=30)
    quick = time.monotonic() - started
    for t in threads:
        t.join()
    assert r.status_code == 200 and quick < 1.5  # generous: normally a few milliseconds
    assert slow == [503, 503]


def test_a_simple_query_keeps_its_latency_while_one_client_runs_two_pathological_ones(strict_server: str) -> None:
    url = strict_server + "/sparql"
    with _client("127.0.0.3") as other:
        normal = []
        for _ in range(5):
            started = time.monotonic()
            assert other.get(url, params={"query": SIMPLE, "format": "json"}).status_code == 200
            normal.append(time.monotonic() - started)
        slow: list[int] = []
        threads = [threading.Thread(target=_hostile, args=(url, q, slow)) for q in (ANY_PATH, SORT_ALL)]
        for t in threads:
            t.start()
        _wait_until_running(url)
        with _client("127.0.0.2") as same:  # the hostile client's third query is refused at once
            refused = same.get(url, params={"query": SIMPLE})
            # but a look-up takes no slot: it is answered in the server, at once
            lookup = same.get(url, params={"query": LOOKUP, "format": "json"})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
        assert "at most 2" in refused.text
        assert lookup.status_code == 200 and lookup.json()["boolean"] is True
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
