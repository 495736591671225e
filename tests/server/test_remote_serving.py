"""``r2pgraph serve --store URL`` over a real Oxigraph server and a real Virtuoso holding the
published seed graph answers the same queries, pages and cross-reference views as the embedded
store, by meaning; and behaves when the store is down or slow."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from r2pgraph.build.assemble import BuildResult, write_generation
from r2pgraph.cli import main
from r2pgraph.query.examples import example_queries
from tests.conftest import repo_settings, running_server
from tests.remote_stores import (  # noqa: F401 (fixtures)
    OxigraphServer,
    VirtuosoServer,
    publishable,
    virtuoso,
)

pytestmark = [pytest.mark.remote, pytest.mark.slow]  # starts Oxigraph server and Virtuoso
JSON = {"Accept": "application/sparql-results+json"}
TOKEN = "remote-admin-token"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _rows(answer: httpx.Response) -> list[tuple[str, ...]]:
    """A SELECT result as sorted rows of (variable, type, value, datatype/lang) — its meaning."""
    data = answer.json()
    out = []
    for b in data["results"]["bindings"]:
        row = []
        for var in sorted(b):
            t = b[var]
            value = t["value"]
            if t.get("datatype") in (
                "http://www.w3.org/2001/XMLSchema#decimal",
                "http://www.w3.org/2001/XMLSchema#double",
            ):
                value = repr(float(value))
            row.append((var, t["type"], value, t.get("xml:lang", "").lower(), t.get("datatype", "")))
        out.append(tuple(str(x) for x in row))
    return sorted(out)


def _graph(answer: httpx.Response) -> Graph:
    return Graph().parse(data=answer.text, format="turtle")


def compare_servers(embedded: str, remote: str) -> None:
    """The shared suite: the shipped example queries, linked-data pages, cross-reference views."""
    with httpx.Client(timeout=60) as client:
        for q in example_queries():
            a = client.get(embedded + "/sparql", params={"query": q.text}, headers=JSON)
            b = client.get(remote + "/sparql", params={"query": q.text}, headers=JSON)
            assert a.status_code == b.status_code == 200, (q.name, b.text[:300])
            assert _rows(a) == _rows(b), q.name
        for path in ("/id/state/JPN", "/id/instrument/rome-statute", "/id/assessment/apr2p-2019/JPN/focal-point"):
            a = client.get(embedded + path, headers={"Accept": "text/turtle"})
            b = client.get(remote + path, headers={"Accept": "text/turtle"})
            assert a.status_code == b.status_code == 200, path
            assert isomorphic(_graph(a), _graph(b)), path
            html_a, html_b = client.get(embedded + path).text, client.get(remote + path).text
            for marker in ('class="cell rating-', 'class="status-', "<time>", 'class="url"'):
                assert html_a.count(marker) == html_b.count(marker), (path, marker)
        assert client.get(embedded + "/id/state/NOPE").status_code == client.get(remote + "/id/state/NOPE").status_code
        a, b = client.get(embedded + "/matrix.csv"), client.get(remote + "/matrix.csv")
        assert list(csv.reader(io.StringIO(a.text))) == list(csv.reader(io.StringIO(b.text)))
        for page in ("/crossref?state=JPN", "/claims"):
            a, b = client.get(embedded + page), client.get(remote + page)
            assert a.status_code == b.status_code == 200
            verdicts = re.compile(r'class="(verdict|outcome)-[a-z-]+"')
            assert sorted(m.group(0) for m in verdicts.finditer(a.text)) == sorted(
                m.group(0) for m in verdicts.finditer(b.text)
            ), page
        dumps = [
            Dataset().parse(data=client.get(u + "/downloads/r2p.nq").content, format="nquads")
            for u in (embedded, remote)
        ]
        assert {tuple(q) for q in dumps[0].quads()} == {tuple(q) for q in dumps[1].quads()}


@pytest.fixture(scope="module")
def built(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The session's build without the world's treaty records (``publishable``)."""
    return publishable(built, tmp_path_factory.mktemp("publishable"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, built: BuildResult) -> Iterator[OxigraphServer]:
    """An Oxigraph server (union default graph, its own 5 s query limit) holding the seed graph."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db", "--union-default-graph", "--timeout-s", "5")
    server.start()
    try:
        args = ["--to", server.query, "--update", server.update, "--gsp", server.gsp]
        assert main(["publish", "--generation", str(built.generation), *args]) == 0
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def embedded(built: BuildResult) -> Iterator[str]:
    with running_server(built.generation.parent.parent) as url:
        yield url


@pytest.fixture(scope="module")
def remote(store: OxigraphServer, built: BuildResult) -> Iterator[str]:
    build_dir = built.generation.parent.parent
    with running_server(
        build_dir, "--store", store.query, "--query-timeout", "5", env={"R2P_ADMIN_TOKEN": TOKEN}
    ) as url:
        yield url


def test_oxigraph_answers_like_the_embedded_store(embedded: str, remote: str, built: BuildResult) -> None:
    compare_servers(embedded, remote)
    health = httpx.get(remote + "/health").json()
    assert health["status"] == "ok" and health["content_hash"] == built.report["content_hash"]


def test_a_store_whose_default_graph_is_a_copy(embedded: str, built: BuildResult, tmp_path: Path) -> None:
    """Oxigraph without --union-default-graph, published with --default-graph-copy: same answers,
    also while a publish is in progress (a staging graph in the store is seen by no page or view)."""
    server = OxigraphServer(tmp_path / "db", "--timeout-s", "5")
    server.start()
    try:
        args = ["--to", server.query, "--update", server.update, "--gsp", server.gsp, "--default-graph-copy"]
        assert main(["publish", "--generation", str(built.generation), *args]) == 0
        live = "https://w3id.org/r2p/graph/treaty-actions/JPN"
        staged = "https://w3id.org/r2p/staging/0123456789abcdef/treaty-actions/JPN"
        httpx.post(server.update, data={"update": f"ADD <{live}> TO <{staged}>"}).raise_for_status()
        with running_server(built.generation.parent.parent, "--store", server.query) as url:
            compare_servers(embedded, url)
    finally:
        server.stop()


def test_the_front_still_guards_the_remote_store(remote: str, store: OxigraphServer) -> None:
    sparql = remote + "/sparql"
    assert (
        httpx.get(sparql, params={"query": f"SELECT * WHERE {{ SERVICE <{store.query}> {{ ?s ?p ?o }} }}"}).status_code
        == 400
    )
    assert httpx.post(sparql, data={"update": "CLEAR ALL"}).status_code == 403
    bad = httpx.get(sparql, params={"query": "SELECT * WHERE { ?s ?p }"})
    assert bad.status_code == 400 and "Malformed query" in bad.text
    cut = httpx.get(sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"}, headers=JSON)
    assert cut.status_code == 200 and len(cut.json()["results"]["bindings"]) == 500
    # A slow store: our deadline applies, the client gets 503 in time.
    started = time.monotonic()
    slow = httpx.get(sparql, params={"query": SLOW, "timeout": "1"}, timeout=60)
    assert slow.status_code == 503 and "deadline of 1 s" in slow.text
    assert time.monotonic() - started < 10


def test_a_store_that_goes_away_gives_503_and_recovery_when_it_returns(remote: str, store: OxigraphServer) -> None:
    assert httpx.get(remote + "/id/state/JPN").status_code == 200
    store.kill()
    try:
        for path in ("/id/state/JPN", "/sparql?query=ASK%20%7B%7D", "/matrix.csv", "/health"):
            down = httpx.get(remote + path, timeout=30)
            assert down.status_code == 503, (path, down.status_code, down.text[:200])
        assert "unreachable" in httpx.get(remote + "/id/state/JPN").text
    finally:
        store.start(same_port=True)
    deadline = time.monotonic() + 30
    while httpx.get(remote + "/health", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "no recovery"
        time.sleep(0.5)
    assert httpx.get(remote + "/id/state/JPN").status_code == 200


def test_a_new_publication_is_served_after_a_reload(
    remote: str, store: OxigraphServer, built: BuildResult, tmp_path: Path
) -> None:
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    marker = f'<https://w3id.org/r2p/id/test/x> {label} "new" <https://w3id.org/r2p/graph/test/x> .\n'.encode()
    newer = write_generation((built.generation / "r2p.nq").read_bytes() + marker, repo_settings(tmp_path / "b"))
    args = ["--to", store.query, "--update", store.update, "--gsp", store.gsp]
    assert main(["publish", "--generation", str(newer.generation), *args]) == 0
    assert httpx.get(remote + "/health").json()["content_hash"] == built.report["content_hash"]
    answer = httpx.post(remote + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert answer.status_code == 200 and answer.json()["switched"] is True
    assert httpx.get(remote + "/health").json()["content_hash"] == newer.report["content_hash"]
    assert "test/x" in httpx.get(remote + "/graph/test/x", headers={"Accept": "text/turtle"}).text


def test_serving_starts_while_the_store_is_unreachable(built: BuildResult, tmp_path: Path) -> None:
    build_dir = built.generation.parent.parent
    with running_server(build_dir, "--store", "http://127.0.0.1:9/query") as url:
        assert httpx.get(url + "/health").status_code == 503
        answer = httpx.get(url + "/id/state/JPN")
        assert answer.status_code == 503 and "unreachable" in answer.text


def test_virtuoso_answers_like_the_embedded_store(
    embedded: str,
    virtuoso: VirtuosoServer,  # noqa: F811
    built: BuildResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("R2P_STORE_USER", "dba")
    monkeypatch.setenv("R2P_STORE_PASSWORD", "dba")
    monkeypatch.setenv("R2P_STORE_AUTH", "digest")
    assert main(["publish", "--generation", str(built.generation), "--to", virtuoso.query, "--gsp", virtuoso.gsp]) == 0
    monkeypatch.delenv("R2P_STORE_USER")
    with running_server(built.generation.parent.parent, "--store", virtuoso.public_query) as url:
        compare_servers(embedded, url)
