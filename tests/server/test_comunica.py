"""Comunica (from npm, pinned in tests/js/package-lock.json and installed there by
``scripts/system-packages``), a real linked-data client, against the real server: as a SPARQL
endpoint, reading a state's document, and following links from it (link traversal).

Every request Comunica makes goes through a proxy on 127.0.0.1 (``--proxy``), which sends the
project's IRIs (``https://w3id.org/r2p/…``) to the server, as w3id.org would, and refuses every
other address: nothing leaves the machine, whatever links the documents hold."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from r2pgraph.rdf.iris import BASE
from tests.conftest import ROOT, missing_system_package

JS = ROOT / "tests" / "js"
ENGINES = {
    "query-sparql": JS / "node_modules/@comunica/query-sparql/bin/query.js",
    "link-traversal": JS / "node_modules/@comunica/query-sparql-link-traversal/bin/query.js",
}
PREFIXES = "PREFIX r2p: <https://w3id.org/r2p/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
JPN = BASE + "id/state/JPN"
STATES = PREFIXES + "SELECT ?s ?label WHERE { ?s a r2p:State ; skos:prefLabel ?label } ORDER BY ?s LIMIT 20"
TIMEOUT_S = 120
RESULTS_JSON = "application/sparql-results+json"


def _engine(name: str) -> Path:
    """The Comunica command-line engine ``name``, or skip (fail in CI) saying how to install it."""
    missing_system_package("node")
    engine = ENGINES[name]
    if not engine.is_file():
        message = f"Comunica is not installed in tests/js: make system-packages (npm ci in {JS})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return engine


class _LocalProxy(BaseHTTPRequestHandler):
    """Comunica's proxy: its requests arrive as ``/<absolute URL>``. The server's own URLs are
    redirected to (307), the project's IRIs to the server's paths for them (303), and any other
    address is refused (404) and recorded."""

    server: _ProxyServer

    def do_GET(self) -> None:
        target = self.path[1:]
        if target.startswith(self.server.upstream + "/"):
            self._redirect(307, target)
        elif target.startswith(BASE):
            self._redirect(303, self.server.upstream + "/" + target[len(BASE) :])
        else:
            self.server.refused.append(target)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))  # 307: the client sends it again
        self.do_GET()

    def _redirect(self, status: int, location: str) -> None:
        self.server.followed.append(location)
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str):
        super().__init__(("127.0.0.1", 0), _LocalProxy)
        self.upstream = upstream
        self.followed: list[str] = []
        self.refused: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


@pytest.fixture
def proxy(server: str) -> Iterator[_ProxyServer]:
    running = _ProxyServer(server)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    thread.join()
    running.server_close()


def _comunica(engine: str, proxy: _ProxyServer, source: str, query: str, output: str) -> str:
    """Run a Comunica engine on ``query`` over ``source``; its standard output."""
    command = [
        shutil.which("node") or "node",
        str(_engine(engine)),
        source,
        "-q",
        query,
        "-t",
        output,
        "--proxy",
        proxy.url,
        "--lenient",
    ]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rows(results_json: str) -> list[dict[str, str]]:
    """Each row of SPARQL results JSON: its values (IRIs, literals' lexical forms) by variable."""
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(results_json)["results"]["bindings"]]


def _store_rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [{n: row[n].value for n in names} for row in solutions]  # type: ignore[union-attr]


def test_comunica_selects_from_the_endpoint(server: str, store: ox.Store, proxy: _ProxyServer) -> None:
    out = _comunica("query-sparql", proxy, f"sparql@{server}/sparql", STATES, RESULTS_JSON)
    rows = _rows(out)
    assert len(rows) == 20 and rows == _store_rows(store, STATES)
    assert proxy.refused == []


def test_comunica_constructs_from_the_endpoint(server: str, store: ox.Store, proxy: _ProxyServer) -> None:
    query = f"CONSTRUCT {{ <{JPN}> ?p ?o }} WHERE {{ <{JPN}> ?p ?o }}"
    out = _comunica("query-sparql", proxy, f"sparql@{server}/sparql", query, "application/n-triples")
    triples = store.query(query, use_default_graph_as_union=True)
    expected = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()  # type: ignore[arg-type]
    got = Graph().parse(data=out, format="nt")
    assert len(got) > 5 and isomorphic(got, Graph().parse(data=expected, format="nt"))


def test_comunica_reads_the_state_document(server: str, store: ox.Store, proxy: _ProxyServer) -> None:
    query = PREFIXES + f"SELECT ?label ?type WHERE {{ <{JPN}> skos:prefLabel ?label ; a ?type }}"
    got = _rows(_comunica("query-sparql", proxy, f"{server}/id/state/JPN", query, RESULTS_JSON))
    expected = _store_rows(store, query)
    assert {"label": "Japan", "type": BASE + "ontology#State"} in got
    assert sorted(got, key=str) == sorted(expected, key=str)


def test_comunica_traverses_from_the_state_document_to_its_region(
    server: str, store: ox.Store, proxy: _ProxyServer
) -> None:
    query = PREFIXES + f"SELECT ?area ?label WHERE {{ <{JPN}> r2p:m49Area ?area . ?area skos:prefLabel ?label }}"
    (expected,) = _store_rows(store, query)
    out = _comunica("link-traversal", proxy, f"{server}/id/state/JPN", query + " LIMIT 1", RESULTS_JSON)
    assert _rows(out) == [expected]
    # the label is in the region's document only: Comunica followed the link to it
    assert server + "/" + expected["area"][len(BASE) :] in proxy.followed
