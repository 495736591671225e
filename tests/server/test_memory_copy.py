"""Query workers answering from an in-memory copy of the store: the same answers as from disk, a
copy that does not match the store is dropped, and the memory budget decides which is used."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import to_isomorphic

from r2pgraph.build.generations import REPORT_FILE
from r2pgraph.server.backends.embedded import MEMORY_BYTES_PER_QUAD, memory_copy
from r2pgraph.server.evaluation import Job
from r2pgraph.server.workers import MemoryCopy, QueryPool
from r2pgraph.store.embedded import STORE_DIR
from tests.conftest import running_server

R2P = "PREFIX r2p: <https://w3id.org/r2p/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
QUERIES = [
    R2P + "SELECT ?state ?area (AVG(?score) AS ?mean) WHERE { ?f a r2p:Finding ; r2p:state ?state ;"
    " r2p:indicator/skos:broader ?area ; r2p:rating/r2p:score ?score } GROUP BY ?state ?area ORDER BY ?state ?area",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    R2P + "CONSTRUCT { ?s ?p ?o } WHERE { ?s r2p:state <https://w3id.org/r2p/id/state/JPN> ; ?p ?o }",
    "ASK { ?s ?p ?o }",
]


def _report(generation: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads((generation / REPORT_FILE).read_text(encoding="utf-8"))
    return report


def _settled(pool: QueryPool, size: int, timeout: float = 60) -> dict[str, int]:
    """The pool's engines once no worker is still starting or loading its copy."""
    deadline = time.monotonic() + timeout
    while True:
        engines = pool.engines()
        if sum(engines.values()) == size and "loading" not in engines:
            return engines
        assert time.monotonic() < deadline, engines
        time.sleep(0.05)


def _answers(pool: QueryPool) -> list[tuple[int, str, object]]:
    """Each query's status, media type and meaning: a graph (compared by isomorphism), the bindings
    in order when the query orders them, as a sorted list otherwise."""
    out: list[tuple[int, str, object]] = []
    for query in QUERIES:
        got = pool.run(Job(query, accept="application/sparql-results+json, application/n-triples"), 60)
        meaning: object
        if got.media_type.startswith("application/n-triples"):
            meaning = to_isomorphic(Graph().parse(data=got.body.decode(), format="nt"))
        else:
            results = json.loads(got.body)
            rows = results.get("results", {}).get("bindings")
            if rows is not None and "ORDER BY" not in query:
                results["results"]["bindings"] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))
            meaning = results
        out.append((got.status, got.media_type, meaning))
    return out


@pytest.fixture(scope="module")
def disk_answers(generation: Path) -> list[tuple[int, str, object]]:
    pool = QueryPool(generation / STORE_DIR, size=1)
    try:
        assert _settled(pool, 1) == {"disk": 1}
        return _answers(pool)
    finally:
        pool.close()


@pytest.fixture
def memory_pool(generation: Path) -> Iterator[QueryPool]:
    copy = memory_copy(generation, _report(generation), 2, budget_mb=1024)
    assert copy is not None
    pool = QueryPool(generation / STORE_DIR, size=2, memory_copy=copy)
    try:
        yield pool
    finally:
        pool.close()


def test_workers_answer_from_memory_exactly_as_from_disk(
    memory_pool: QueryPool, disk_answers: list[tuple[int, str, object]]
) -> None:
    assert _settled(memory_pool, 2) == {"memory": 2}
    assert all(status == 200 for status, _, _ in disk_answers)
    assert _answers(memory_pool) == disk_answers


def test_a_copy_that_does_not_hold_the_store_is_dropped(
    generation: Path, tmp_path: Path, disk_answers: list[tuple[int, str, object]]
) -> None:
    quads = _report(generation)["quads"]
    assert isinstance(quads, int)
    lines = (generation / "r2p.nq").read_bytes().splitlines(keepends=True)
    short = tmp_path / "short.nq"
    short.write_bytes(b"".join(lines[:-1]))  # one quad missing
    broken = tmp_path / "broken.nq"
    broken.write_bytes(b"".join(lines[:10]) + b"<not a quad\n")
    for path in (short, broken, tmp_path / "missing.nq"):
        pool = QueryPool(generation / STORE_DIR, size=1, memory_copy=MemoryCopy(path, quads))
        try:
            assert _settled(pool, 1) == {"disk": 1}, path
            assert _answers(pool) == disk_answers, path
        finally:
            pool.close()


def test_the_budget_decides_whether_the_workers_hold_a_copy(generation: Path, tmp_path: Path) -> None:
    report = _report(generation)
    quads = report["quads"]
    assert isinstance(quads, int) and quads > 0
    need_mb = quads * MEMORY_BYTES_PER_QUAD * 3 / 1_000_000
    assert memory_copy(generation, report, 3, budget_mb=int(need_mb) + 1) == MemoryCopy(generation / "r2p.nq", quads)
    assert memory_copy(generation, report, 3, budget_mb=int(need_mb) - 1 if need_mb >= 1 else 0) is None
    assert memory_copy(generation, report, 3, budget_mb=0) is None
    assert memory_copy(tmp_path, report, 3, budget_mb=1024) is None  # no N-Quads dump to load


@pytest.mark.slow  # about 7 s
def test_health_tells_which_store_the_workers_answer_from(generation: Path) -> None:
    build_dir = generation.parent.parent
    for extra, engine in (((), "memory"), (("--memory-budget", "0"), "disk")):
        with running_server(build_dir, "--workers", "2", *extra) as url:
            deadline = time.monotonic() + 60
            while True:
                health = httpx.get(url + "/health", timeout=30).json()
                if health["status"] == "ok" and health.get("query_workers") == {engine: 2}:
                    break
                assert time.monotonic() < deadline, health
                time.sleep(0.1)
            answer = httpx.get(url + "/sparql", params={"query": QUERIES[1]}, timeout=30)
            assert answer.status_code == 200 and len(answer.json()["results"]["bindings"]) > 1


def _pages_settled(url: str, want: str) -> None:
    deadline = time.monotonic() + 60
    while (health := httpx.get(url + "/health", timeout=30).json()).get("pages_from") != want:
        assert time.monotonic() < deadline, health
        time.sleep(0.1)


@pytest.mark.slow  # two servers
def test_pages_read_an_in_memory_copy_once_loaded_and_say_the_same(generation: Path) -> None:
    build_dir = generation.parent.parent
    answers: dict[str, tuple[Graph, bytes]] = {}
    for extra, store in (((), "memory"), (("--memory-budget", "0"), "disk")):
        with running_server(build_dir, "--workers", "1", "--cache-mb", "0", *extra) as url:
            _pages_settled(url, store)
            rdf = httpx.get(url + "/id/state/JPN", headers={"Accept": "application/n-triples"}, timeout=30)
            html = httpx.get(url + "/id/state/JPN", headers={"Accept": "text/html"}, timeout=30)
            assert rdf.status_code == html.status_code == 200
            answers[store] = (Graph().parse(data=rdf.text, format="nt"), html.content)
    assert len(answers["memory"][0]) > 10
    assert to_isomorphic(answers["memory"][0]) == to_isomorphic(answers["disk"][0])
    assert answers["memory"][1] == answers["disk"][1]
