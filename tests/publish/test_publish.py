"""``r2pgraph publish`` into real SPARQL stores on 127.0.0.1 (Oxigraph server, Virtuoso): contents
equal the local generation graph by graph, re-publishing sends no update, a new generation replaces
only the graphs that changed, and a failure at any step leaves the previous live graphs in place."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from r2pgraph.build.assemble import BuildResult, write_generation
from r2pgraph.cli import main
from r2pgraph.publish.lock import LOCK_GRAPH
from r2pgraph.publish.publisher import STAGING, canonical_line, load_generation
from r2pgraph.store.manifest import MANIFEST_GRAPH, PUB, read_manifest
from r2pgraph.store.remote import Endpoints, RemoteStore, RemoteStoreError
from tests.conftest import Listener, repo_settings
from tests.remote_stores import (  # noqa: F401 (fixtures)
    VIRTUOSO_PASSWORD,
    VIRTUOSO_USER,
    OxigraphServer,
    Seen,
    VirtuosoServer,
    oxigraph,
    proxy_to,
    publishable,
    virtuoso,
)

pytestmark = pytest.mark.slow  # starts Oxigraph server and Virtuoso
R2P = "https://w3id.org/r2p/"
CHANGED = R2P + "graph/events/japan-national-dialogue"
GONE = R2P + "graph/claim-checks"
ADDED = R2P + "graph/publish-test-added"

Snapshot = dict[str, frozenset[str]]


def snapshot(query_url: str) -> Snapshot:
    """Every graph under https://w3id.org/r2p/ in the store (live, manifest, staging) as N-Triples."""
    remote = RemoteStore(Endpoints(query_url, query_url))
    with remote:
        rows = remote.select(
            f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{R2P}")) }}'
        )
        graphs = sorted(str(r["g"].value) for r in rows if r["g"] is not None)  # type: ignore[union-attr]
        return {
            g: frozenset(
                str(t) for t in remote.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
            )
            for g in graphs
        }


def local_snapshot(generation: Path) -> Snapshot:
    out: dict[str, set[str]] = {}
    for q in ox.parse(path=str(generation / "r2p.nq"), format=ox.RdfFormat.N_QUADS):
        out.setdefault(q.graph_name.value, set()).add(str(q.triple))  # type: ignore[union-attr]
    return {g: frozenset(ts) for g, ts in out.items()}


def live(snap: Snapshot) -> Snapshot:
    """Without the manifest, lock and staging graphs."""
    return {g: ts for g, ts in snap.items() if g not in (MANIFEST_GRAPH, LOCK_GRAPH) and not g.startswith(STAGING)}


def staging(snap: Snapshot) -> list[str]:
    return [g for g in snap if g.startswith(STAGING)]


@pytest.fixture(scope="module")
def built(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The session's build without the world's treaty records (``publishable``)."""
    return publishable(built, tmp_path_factory.mktemp("publishable"))


@pytest.fixture(scope="module")
def modified(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second generation: one graph changed, one gone, one added; the rest as in the seed."""
    lines = (built.generation / "r2p.nq").read_bytes().decode("utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.rstrip().endswith(f"<{GONE}> .")]
    changed = [line for line in kept if line.rstrip().endswith(f"<{CHANGED}> .")]
    assert changed and len(kept) < len(lines)
    kept.remove(changed[0])
    kept.append(f'<{R2P}thing/publish-test> <http://www.w3.org/2000/01/rdf-schema#label> "changed" <{CHANGED}> .\n')
    kept.append(f'<{R2P}thing/publish-test> <http://www.w3.org/2000/01/rdf-schema#label> "added"@en <{ADDED}> .\n')
    settings = repo_settings(tmp_path_factory.mktemp("modified-build"))
    return write_generation("".join(sorted(kept)).encode("utf-8"), settings).generation


@pytest.fixture
def fresh_virtuoso(tmp_path: Path) -> Iterator[VirtuosoServer]:
    """A Virtuoso of its own for the crash test: it kills the server, and a Virtuoso that had just
    dropped large graphs (a whole build's, 125k quads) came back from kill -9 without the publish
    that dropped them; on a database of its own each publish is in the log it recovers from."""
    server = VirtuosoServer(tmp_path / "virtuoso")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def ox_args(server: OxigraphServer, base: str | None = None) -> list[str]:
    base = base or server.base
    return ["--to", base + "/query", "--update", base + "/update", "--gsp", base + "/store"]


def run(capsys: pytest.CaptureFixture[str], generation: Path, *args: str) -> tuple[int, str, str]:
    code = main(["publish", "--generation", str(generation), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.remote
def test_publish_into_oxigraph(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    modified: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed = local_snapshot(built.generation)
    code, out, err = run(capsys, built.generation, *ox_args(oxigraph))
    assert code == 0, err
    assert out.startswith(f"published {built.report['content_hash']} to {oxigraph.query}: {len(seed)} graph(s)")
    first = snapshot(oxigraph.query)
    assert live(first) == seed
    assert staging(first) == []

    # Re-publishing the same generation sends no update and no upload.
    with proxy_to(oxigraph.base) as proxy:
        code, out, err = run(capsys, built.generation, *ox_args(oxigraph, proxy.url))
    assert code == 0, err
    assert out.startswith("unchanged:")
    assert proxy.seen and proxy.writes() == []
    assert snapshot(oxigraph.query) == first

    # A new generation replaces only the graphs that changed, adds the new one, drops the gone one.
    with proxy_to(oxigraph.base) as proxy:
        code, out, err = run(capsys, modified, *ox_args(oxigraph, proxy.url))
    assert code == 0, err
    assert "2 graph(s) replaced, 1 dropped" in out
    uploaded = sorted(s.path for s in proxy.seen if s.method == "PUT")
    assert len(uploaded) == 2 and all("staging" in p for p in uploaded)
    second = snapshot(oxigraph.query)
    assert live(second) == local_snapshot(modified)
    assert GONE not in second and staging(second) == []
    with RemoteStore(Endpoints(oxigraph.query, oxigraph.update)) as remote:
        assert read_manifest(remote)[0] == load_generation(modified)[0]


@pytest.mark.remote
def test_publish_with_update_only(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without a Graph Store endpoint the graphs go up as INSERT DATA requests."""
    code, _, err = run(capsys, built.generation, "--to", oxigraph.query, "--update", oxigraph.update)
    assert code == 0, err
    assert live(snapshot(oxigraph.query)) == local_snapshot(built.generation)


@pytest.mark.remote
def test_dropped_connection_at_switch_keeps_the_live_graphs(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    modified: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, built.generation, *ox_args(oxigraph))[0] == 0
    before = snapshot(oxigraph.query)

    def is_switch(seen: Seen) -> bool:
        return seen.method == "POST" and b"MOVE+GRAPH" in seen.body

    with proxy_to(oxigraph.base, fail_when=is_switch) as proxy:
        code, out, err = run(capsys, modified, *ox_args(oxigraph, proxy.url))
    assert proxy.failed
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: publish failed at step 'switch': {proxy.url}/update:")
    assert snapshot(oxigraph.query) == before  # staging graphs were dropped again


@pytest.mark.remote
def test_server_killed_during_upload_keeps_the_live_graphs(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    modified: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, built.generation, *ox_args(oxigraph))[0] == 0
    before = snapshot(oxigraph.query)
    puts = 0

    def second_upload(seen: Seen) -> bool:
        nonlocal puts
        puts += seen.method == "PUT"
        return puts == 2

    with proxy_to(oxigraph.base, fail_when=second_upload, on_fail=oxigraph.kill) as proxy:
        code, _, err = run(capsys, modified, *ox_args(oxigraph, proxy.url))
    assert proxy.failed and code == 1
    assert err.startswith(f"error: publish failed at step 'upload': {proxy.url}/store:")
    assert "staging graphs left under <https://w3id.org/r2p/staging/" in err
    assert "publication lock is left in place: the next publish needs --break-lock" in err

    oxigraph.start()  # on the same database
    after = snapshot(oxigraph.query)
    assert live(after) == live(before)
    assert after[MANIFEST_GRAPH] == before[MANIFEST_GRAPH]
    assert len(staging(after)) == 1  # the first upload, under its clearly named staging graph
    assert any(f"pid {os.getpid()}" in t for t in after[LOCK_GRAPH])

    # The lock names a live process (this one): the next publish stops before writing anything.
    code, _, err = run(capsys, modified, *ox_args(oxigraph))
    assert code == 1 and err.startswith(f"error: publish failed at step 'lock': {oxigraph.update}:")
    assert f"pid {os.getpid()}, since " in err and "--break-lock" in err
    assert snapshot(oxigraph.query) == after

    # --break-lock: the stale lock and the stale staging graph go, the new generation is live.
    code, out, err = run(capsys, modified, *ox_args(oxigraph), "--break-lock")
    assert code == 0, err
    assert out.startswith(f"dropped 1 staging graph(s) that a stopped publish left in {oxigraph.query}")
    final = snapshot(oxigraph.query)
    assert live(final) == local_snapshot(modified) and staging(final) == [] and LOCK_GRAPH not in final


@pytest.mark.remote
def test_a_lock_held_by_another_publisher(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    modified: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, built.generation, *ox_args(oxigraph))[0] == 0
    before = snapshot(oxigraph.query)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(ended.stdout)
    here = socket.gethostname()

    def hold(node: str, by: str) -> None:
        with RemoteStore(Endpoints(oxigraph.query, oxigraph.update)) as remote:
            remote.update(
                f"INSERT DATA {{ GRAPH <{LOCK_GRAPH}> {{ <{node}> <{PUB}since> "
                f'"2026-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ; <{PUB}heldBy> "{by}" }} }}'
            )

    # A publisher on another machine holds the lock: nothing is written, the holder is named.
    hold("urn:uuid:other-machine", "elsewhere.example pid 1")
    with proxy_to(oxigraph.base) as proxy:
        code, _, err = run(capsys, modified, *ox_args(oxigraph, proxy.url))
    assert code == 1 and "another publish holds the store's lock (elsewhere.example pid 1, since 2026-01-01" in err
    writes = proxy.writes()  # only the attempt to take the lock, which the store's condition refused
    assert len(writes) == 1 and b"publication-lock" in writes[0].body and b"FILTER+NOT+EXISTS" in writes[0].body
    assert live(snapshot(oxigraph.query)) == live(before)

    # Re-publishing what is live still needs no lock and writes nothing.
    with proxy_to(oxigraph.base) as proxy:
        code, out, _ = run(capsys, built.generation, *ox_args(oxigraph, proxy.url))
    assert code == 0 and out.startswith("unchanged:") and proxy.writes() == []

    # A lock left by a process of this machine that has ended is removed by the next publish.
    with RemoteStore(Endpoints(oxigraph.query, oxigraph.update)) as remote:
        remote.update(f"DROP GRAPH <{LOCK_GRAPH}>")
    hold("urn:uuid:ended", f"{here} pid {dead_pid}")
    code, out, err = run(capsys, modified, *ox_args(oxigraph))
    assert code == 0, err
    final = snapshot(oxigraph.query)
    assert live(final) == local_snapshot(modified) and LOCK_GRAPH not in final


@pytest.mark.remote
def test_a_staging_graph_that_differs_is_never_switched_in(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    modified: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The store keeps something other than what was sent (here: a proxy respells a literal)."""
    assert run(capsys, built.generation, *ox_args(oxigraph))[0] == 0
    before = snapshot(oxigraph.query)

    def respell(seen: Seen) -> bytes:
        return seen.body.replace(b'"changed"', b'"Changed"') if seen.method == "PUT" else seen.body

    with proxy_to(oxigraph.base, rewrite=respell) as proxy:
        code, _, err = run(capsys, modified, *ox_args(oxigraph, proxy.url))
    assert code == 1
    assert err.startswith(f"error: publish failed at step 'verify': {proxy.url}/query: staging graph <{STAGING}")
    assert f"differs from the local graph <{CHANGED}>" in err
    assert snapshot(oxigraph.query) == before


def test_canonical_literals_compare_values() -> None:
    def line(o: ox.Literal) -> str:
        return canonical_line(ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), o))

    xsd = "http://www.w3.org/2001/XMLSchema#"
    same = [
        (
            ox.Literal("1.50", datatype=ox.NamedNode(xsd + "decimal")),
            ox.Literal("1.5", datatype=ox.NamedNode(xsd + "decimal")),
        ),
        (
            ox.Literal("1", datatype=ox.NamedNode(xsd + "boolean")),
            ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")),
        ),
        (
            ox.Literal("007", datatype=ox.NamedNode(xsd + "integer")),
            ox.Literal("7", datatype=ox.NamedNode(xsd + "integer")),
        ),
        (ox.Literal("x", language="EN"), ox.Literal("x", language="en")),
        (ox.Literal("x", datatype=ox.NamedNode(xsd + "string")), ox.Literal("x")),
    ]
    for a, b in same:
        assert line(a) == line(b)
    assert line(ox.Literal("x")) != line(ox.Literal("X"))
    with pytest.raises(ValueError, match="blank node"):
        canonical_line(ox.Triple(ox.BlankNode(), ox.NamedNode("urn:p"), ox.Literal("x")))


def test_unreachable_store(built: BuildResult, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/query"
    code, out, err = run(capsys, built.generation, "--to", url)
    assert code == 1 and out == ""
    assert err.startswith(f"error: publish failed at step 'read manifest': {url}: connection failed")
    assert err.count("\n") == 1


@pytest.mark.remote
def test_publish_into_virtuoso(
    virtuoso: VirtuosoServer,  # noqa: F811
    built: BuildResult,
    modified: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("R2P_STORE_USER", VIRTUOSO_USER)
    monkeypatch.setenv("R2P_STORE_PASSWORD", VIRTUOSO_PASSWORD)
    monkeypatch.setenv("R2P_STORE_AUTH", "digest")
    args = ["--to", virtuoso.query, "--gsp", virtuoso.gsp]

    code, out, err = run(capsys, built.generation, *args)
    assert code == 0, err
    first = snapshot(virtuoso.public_query)
    assert live(first) == local_snapshot(built.generation)
    assert staging(first) == []

    code, out, err = run(capsys, built.generation, *args)
    assert code == 0 and out.startswith("unchanged:"), err
    assert snapshot(virtuoso.public_query) == first

    code, out, err = run(capsys, modified, *args)
    assert code == 0, err
    assert "2 graph(s) replaced, 1 dropped" in out
    second = snapshot(virtuoso.public_query)
    assert live(second) == local_snapshot(modified) and staging(second) == []

    # Wrong credentials: a clear error at the first write, the live graphs untouched.
    monkeypatch.setenv("R2P_STORE_PASSWORD", "wrong")
    code, _, err = run(capsys, built.generation, *args)
    assert code == 1 and "HTTP 401" in err and "publish failed at step" in err
    assert snapshot(virtuoso.public_query) == second

    # Anonymous updates are refused by this Virtuoso: the error names the URL and status.
    monkeypatch.delenv("R2P_STORE_USER")
    code, _, err = run(capsys, built.generation, "--to", virtuoso.public_query)
    assert code == 1 and f"{virtuoso.public_query}: HTTP" in err
    assert httpx.get(virtuoso.public_query, params={"query": "ASK {}"}).is_success


@pytest.mark.remote
def test_virtuoso_failures_keep_the_live_graphs(
    fresh_virtuoso: VirtuosoServer,
    built: BuildResult,
    modified: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("R2P_STORE_USER", VIRTUOSO_USER)
    monkeypatch.setenv("R2P_STORE_PASSWORD", VIRTUOSO_PASSWORD)
    monkeypatch.setenv("R2P_STORE_AUTH", "digest")
    server, generation = fresh_virtuoso, built.generation

    def args(base: str) -> list[str]:
        return ["--to", base + "/sparql-auth", "--gsp", base + "/sparql-graph-crud-auth"]

    code, _, err = run(capsys, generation, *args(server.base))
    assert code == 0, err
    before = snapshot(server.public_query)

    # The switch request never arrives: nothing live changes, the staging graphs are dropped.
    with proxy_to(server.base, fail_when=lambda seen: b"MOVE+GRAPH" in seen.body) as proxy:
        code, _, err = run(capsys, modified, *args(proxy.url))
    assert code == 1 and err.startswith(f"error: publish failed at step 'switch': {proxy.url}/sparql-auth:")
    assert snapshot(server.public_query) == before

    # The server is killed during the uploads and started again on its database.
    puts = 0

    def second_upload(seen: Seen) -> bool:
        nonlocal puts
        puts += seen.method == "PUT" and "Authorization" in seen.headers
        return puts == 2

    with proxy_to(server.base, fail_when=second_upload, on_fail=server.kill) as proxy:
        code, _, err = run(capsys, modified, *args(proxy.url))
    assert code == 1 and err.startswith(f"error: publish failed at step 'upload': {proxy.url}/sparql-graph-crud-auth:")
    server.start()
    after = snapshot(server.public_query)
    assert live(after) == live(before) and after[MANIFEST_GRAPH] == before[MANIFEST_GRAPH]

    code, _, err = run(capsys, modified, *args(server.base))
    assert code == 1 and "publish failed at step 'lock'" in err and "--break-lock" in err
    code, _, err = run(capsys, modified, *args(server.base), "--break-lock")
    assert code == 0, err
    final = snapshot(server.public_query)
    assert live(final) == local_snapshot(modified) and staging(final) == []


def test_remote_store_timeout_names_the_url(listener: Listener) -> None:
    """A store that accepts the connection and never answers: RemoteStoreError, not an httpx error."""
    url = listener.url + "/query"
    with RemoteStore(Endpoints(url, url), timeout=0.5) as remote, pytest.raises(RemoteStoreError) as caught:
        remote.select("ASK {}")
    assert str(caught.value) == f"{url}: timed out (ReadTimeout)"
    assert caught.value.status is None


def default_graph(query_url: str) -> frozenset[str]:
    """The store's default graph (Oxigraph without --union-default-graph: a graph of its own)."""
    with RemoteStore(Endpoints(query_url, query_url)) as remote:
        return frozenset(str(t) for t in remote.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))


def union(snap: Snapshot) -> frozenset[str]:
    return frozenset().union(*live(snap).values())


@pytest.mark.remote
def test_default_graph_copy(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With --default-graph-copy the default graph is the union of the live graphs, switched with
    them in one request: readers of it never see a staging graph or half a switch."""
    g1, g2, g3 = (f"{R2P}graph/copy-test-{n}" for n in (1, 2, 3))

    def triple(n: int) -> str:
        return f'<{R2P}thing/t{n}> <http://www.w3.org/2000/01/rdf-schema#label> "t{n}"'

    def generation(name: str, graphs: dict[str, list[int]]) -> Path:
        lines = sorted(f"{triple(n)} <{g}> .\n" for g, ns in graphs.items() for n in ns)
        return write_generation("".join(lines).encode(), repo_settings(tmp_path / name)).generation

    # t2 is in g1 and g2; the second generation drops g2 but t2 stays through g1; t3 goes.
    first = generation("a", {g1: [1, 2], g2: [2, 3]})
    second = generation("b", {g1: [1, 2], g3: [4]})
    copy = "--default-graph-copy"

    code, _, err = run(capsys, first, *ox_args(oxigraph), copy)
    assert code == 0, err
    assert default_graph(oxigraph.query) == union(snapshot(oxigraph.query)) == {triple(n) for n in (1, 2, 3)}
    code, out, _ = run(capsys, first, *ox_args(oxigraph), copy)
    assert code == 0 and out.startswith("unchanged:")

    # At the moment the switch request arrives, the staging graph is in the store, and the
    # default graph is still exactly the old union.
    seen_before_switch: list[frozenset[str]] = []

    def at_switch(seen: Seen) -> bool:
        if b"MOVE+GRAPH" in seen.body:
            assert staging(snapshot(oxigraph.query))
            seen_before_switch.append(default_graph(oxigraph.query))
        return False

    with proxy_to(oxigraph.base, fail_when=at_switch) as proxy:
        code, _, err = run(capsys, second, *ox_args(oxigraph, proxy.url), copy)
    assert code == 0, err
    assert seen_before_switch == [{triple(n) for n in (1, 2, 3)}]
    after = snapshot(oxigraph.query)
    assert default_graph(oxigraph.query) == union(after) == {triple(n) for n in (1, 2, 4)}
    assert staging(after) == [] and g2 not in after

    # Publishing without the flag into a store that keeps the copy would let it go stale: refused.
    code, _, err = run(capsys, first, *ox_args(oxigraph))
    assert code == 1 and "publish with --default-graph-copy again" in err
    assert default_graph(oxigraph.query) == union(after)

    # A store published without the copy gets its default graph filled from every live graph.
    other = OxigraphServer(tmp_path / "second-db")
    other.start()
    try:
        assert run(capsys, built.generation, *ox_args(other))[0] == 0
        assert default_graph(other.query) == frozenset()
        code, out, err = run(capsys, built.generation, *ox_args(other), copy)
        assert code == 0 and out.startswith("published"), err
        assert default_graph(other.query) == union(snapshot(other.query))
    finally:
        other.stop()


# Each character str.splitlines() ends a line at; N-Triples writes the first three unescaped.
LINE_BREAKERS = ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r", "\r\n", "\n"]


@pytest.mark.remote
def test_publish_with_update_only_keeps_literals_holding_line_separators(
    oxigraph: OxigraphServer,  # noqa: F811
    built: BuildResult,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    graph = ox.NamedNode(R2P + "graph/publish-test-line-separators")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    added = [
        ox.Quad(
            ox.NamedNode(f"{R2P}thing/separator-{n}"), label, ox.Literal(f"before{c}after{c}", language="en"), graph
        )
        for n, c in enumerate(LINE_BREAKERS)
    ]
    lines = (built.generation / "r2p.nq").read_bytes().split(b"\n")
    lines += (ox.serialize(added, format=ox.RdfFormat.N_QUADS) or b"").split(b"\n")
    nquads = b"\n".join(sorted(line for line in lines if line)) + b"\n"
    generation = write_generation(nquads, repo_settings(tmp_path / "build")).generation

    code, _, err = run(capsys, generation, "--to", oxigraph.query, "--update", oxigraph.update)
    assert code == 0, err
    with RemoteStore(Endpoints(oxigraph.query, oxigraph.update)) as remote:
        back = remote.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    assert sorted(str(t) for t in back) == sorted(str(q.triple) for q in added)
    assert sorted(t.object.value for t in back) == sorted(f"before{c}after{c}" for c in LINE_BREAKERS)  # type: ignore[union-attr]
    assert live(snapshot(oxigraph.query)) == local_snapshot(generation)
