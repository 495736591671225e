"""Serving from a remote SPARQL 1.1 store (``r2pgraph serve --store URL``).

The store holds a generation written by ``r2pgraph publish``; its manifest graph says which. Pages
read it through ``query.select`` (SPARQL JSON results parsed into pyoxigraph terms), and SPARQL
protocol requests are forwarded to it after our own checks (nesting bounded; SERVICE and updates
refused by check-only query workers; request size limits, per-client limits, the deadline) and
re-serialised within our result limits, so clients see the same endpoint whichever store is behind it.

The store must answer queries without a dataset over the union of its named graphs (Virtuoso and
GraphDB do by default; Oxigraph server with ``--union-default-graph``; Fuseki with
``unionDefaultGraph``).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from r2pgraph.config import ServerConfig
from r2pgraph.exports.dumps import write_exports
from r2pgraph.server.backends.base import Served
from r2pgraph.server.evaluation import CHECKED, Answer, Job, respond
from r2pgraph.server.workers import DeadlineExceeded, QueryPool
from r2pgraph.store.manifest import fetch_graph, published_at, read_manifest
from r2pgraph.store.remote import Endpoints, RemoteStore, RemoteStoreError, auth_from_env, value

UNREACHABLE = "unreachable"
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


def _text(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def connect(config: ServerConfig, timeout: float | None = None) -> RemoteStore:
    """A client for the configured store (credentials from R2P_STORE_USER / R2P_STORE_PASSWORD)."""
    assert config.store_url
    endpoints = Endpoints(query=config.store_url, update=config.store_url)
    return RemoteStore(endpoints, auth_from_env(), timeout=timeout or config.query_timeout)


def published_version(config: ServerConfig) -> str:
    """The content hash of the generation published in the store, or ``unreachable``."""
    with connect(config, timeout=10) as store:
        try:
            generation, _ = read_manifest(store)
        except RemoteStoreError:
            return UNREACHABLE
    return generation or "unpublished"


class RemoteQueries:
    """Answers SPARQL protocol requests by forwarding them to the store, with our deadline.

    Nothing of a user's query is parsed or evaluated in this process: check-only query workers
    (``QueryPool`` without a store, killed at the deadline like evaluating ones) refuse SERVICE
    and updates, report syntax errors and say whether the result is a graph; only the text they
    checked is sent to the store, within what is left of the deadline."""

    def __init__(self, store: RemoteStore, checkers: QueryPool):
        self.store = store
        self.checkers = checkers

    def run(self, job: Job, deadline: float) -> Answer:
        started = time.monotonic()
        checked = self.checkers.run(job, deadline)
        if checked.media_type != CHECKED:
            return checked  # the refusal, or the syntax error, as the worker wrote it
        graph_result = checked.body == b"graph"
        params = {"query": [job.query]}
        params.update({k: v for k, v in job.params.items() if k in ("default-graph-uri", "named-graph-uri")})
        left = deadline - (time.monotonic() - started)
        if left <= 0:
            raise DeadlineExceeded(deadline)
        try:
            response = self.store.protocol_query(params, NTRIPLES if graph_result else RESULTS_JSON, left)
        except RemoteStoreError as e:
            if e.timed_out:
                raise DeadlineExceeded(deadline) from None
            if e.status is not None and 400 <= e.status < 500:
                return _text(400, f"The SPARQL store refused the query: {e.detail}")
            raise
        try:
            if graph_result:
                triples = [q.triple for q in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)]
                return respond(triples, job)
            return respond(ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON), job)
        except (SyntaxError, ValueError) as e:
            raise RemoteStoreError(self.store.endpoints.query, f"unreadable answer: {e}", response.status_code) from e

    async def run_async(self, job: Job, deadline: float) -> Answer:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(self.run, job, deadline)

    def engines(self) -> dict[str, int]:
        """The remote store answers every query (the local workers only check them)."""
        return {}

    def network_sandbox(self) -> str | None:
        return self.checkers.network_sandbox()

    def close(self) -> None:
        self.checkers.close()
        self.store.close()


def read_report(store: RemoteStore) -> dict[str, Any]:
    """What the build report says for a generation, read back from the store."""
    generation, hashes = read_manifest(store)
    counts: dict[str, int] = {}
    for r in store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        g, n = value(r, "g"), value(r, "n")
        if g in hashes and n is not None:
            counts[g] = int(n)
    classes: dict[str, int] = {}
    for r in store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"):
        c, n = value(r, "c"), value(r, "n")
        if c is not None and n is not None:
            classes[c] = int(n)
    return {
        "content_hash": generation,
        "built_at": published_at(store),
        "quads": sum(counts.values()),
        "graphs": dict(sorted(counts.items())),
        "classes": dict(sorted(classes.items())),
        "store": store.endpoints.query,
    }


class RemoteServed(Served):
    """The generation published in a remote store. Starts even when the store is unreachable (requests
    then get 503) and reads the store's report again when it is back."""

    def __init__(self, config: ServerConfig):
        super().__init__()
        self.config = config
        self.remote = connect(config)
        self.store = self.remote
        self._checkers = QueryPool(None, config.workers, all_now=False)
        self.queries = RemoteQueries(self.remote, self._checkers)
        self._report: dict[str, Any] | None = None
        self._files: Path | None = None
        self._files_lock = threading.Lock()
        try:
            self._report = read_report(self.remote)
        except RemoteStoreError:
            self._report = None
        self.version = str(self._report["content_hash"]) if self._report else UNREACHABLE

    @property
    def name(self) -> str:
        return f"{self.config.store_url} ({self.version})"

    def started(self) -> None:
        self._checkers.fill()

    @property
    def report(self) -> dict[str, Any]:  # type: ignore[override]
        if self._report is None:
            self._report = read_report(self.remote)  # raises RemoteStoreError (503) while unreachable
        return self._report

    def known_report(self) -> dict[str, Any] | None:
        return self._report

    def files(self) -> Path:
        """The exports, written once from the store's graphs into a temporary directory."""
        with self._files_lock:
            if self._files is None:
                tmp = Path(tempfile.mkdtemp(prefix="r2pgraph-remote-"))
                try:
                    lines = set()
                    for graph, n in self.report["graphs"].items():
                        name = ox.NamedNode(graph)
                        for t in fetch_graph(self.remote, graph, n):
                            lines.add(str(ox.Quad(t.subject, t.predicate, t.object, name)) + " .\n")
                    nquads = "".join(sorted(lines)).encode("utf-8")
                    write_exports(None, nquads, tmp, self.config.ontology_dir)
                    shutil.copyfile(self.config.ontology_dir / "context.jsonld", tmp / "context.jsonld")
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
                self._files = tmp
            return self._files

    def close(self) -> None:
        super().close()
        if self._files is not None:
            shutil.rmtree(self._files, ignore_errors=True)
