"""Publish a built generation into a remote SPARQL 1.1 store without readers ever seeing half of it.

The protocol, step by step (each step's name appears in the error when it fails):

1. ``read manifest``: the store's manifest graph (``MANIFEST_GRAPH``) says which generation and which
   per-graph content hashes were published last; with the live graphs' triple counts it decides
   which named graphs changed. Nothing changed: no update is sent at all ("unchanged").
   ``lock``: otherwise the store's publication lock is taken (``r2pgraph.publish.lock``), the
   plan is made again under it, and staging graphs that a stopped publish left are dropped.
2. ``upload``: each changed graph goes into a staging graph
   ``https://w3id.org/r2p/staging/<generation hash>/<graph path>`` (Graph Store Protocol PUT when a
   GSP endpoint is given, otherwise SPARQL Update ``INSERT DATA`` in chunks).
3. ``verify``: each staging graph is read back (CONSTRUCT); its triple count and the hash of its
   canonical N-Triples must equal the local graph's.
4. ``switch``: one SPARQL Update request drops the manifest, moves every staging graph onto its
   live graph (``MOVE`` drops the target first), drops the graphs that disappeared, and writes the
   new manifest last. The manifest is dropped first so that a switch interrupted half-way (on a
   store that does not apply a request atomically) is seen as "nothing published" next time and
   every graph is sent again. With ``default_copy`` the same request keeps the store's default
   graph equal to the union of the live graphs (``default_copy_ops``).
5. ``check live``: the live graphs' triple counts and the manifest are read back.
6. ``clean up``: staging graphs left after a failure are dropped (best effort; their names say what
   they are); the lock is released, after a failure too.

Content hashes are over *canonical* N-Triples: literals compared by value where stores rewrite the
lexical form (``"1.50"^^xsd:decimal`` → ``1.5``, ``"true"`` ↔ ``"1"`` for booleans, language tags
in lower case, ``xsd:string`` as a simple literal), so a store that keeps values but not spellings
still verifies. The project's data has no blank nodes; a graph with one is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from r2pgraph.build.generations import REPORT_FILE
from r2pgraph.errors import R2PError
from r2pgraph.exports.dumps import EXPORTS
from r2pgraph.publish import lock as publish_lock
from r2pgraph.rdf.iris import GRAPH, STAGING
from r2pgraph.store.manifest import MANIFEST_GRAPH, PUB, fetch_graph, iri_ref, read_manifest
from r2pgraph.store.remote import RemoteStore, RemoteStoreError, value

XSD = "http://www.w3.org/2001/XMLSchema#"
INSERT_CHUNK = 2000  # triples per INSERT DATA request when there is no Graph Store endpoint
DEFAULT_COPY = "a copy of the live graphs"  # the manifest's pub:defaultGraph under --default-graph-copy


class PublishError(R2PError):
    """Publishing stopped at ``step``; the previous live graphs are still what readers see."""

    def __init__(self, step: str, url: str, message: str):
        self.step = step
        self.url = url
        self.detail = message
        super().__init__(f"publish failed at step '{step}': {url}: {message}")


@dataclass(frozen=True)
class LocalGraph:
    iri: str
    ntriples: bytes  # canonical, sorted, one triple a line
    count: int
    digest: str


@dataclass
class PublishResult:
    generation_hash: str
    unchanged: bool
    replaced: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)  # staging graphs an earlier, stopped publish left
    seconds: float = 0.0


def _canonical_literal(lit: ox.Literal) -> ox.Literal:
    dtype = lit.datatype.value
    value = lit.value
    if lit.language:
        return ox.Literal(value, language=lit.language.lower())
    if dtype == XSD + "string":
        return ox.Literal(value)
    try:
        if dtype == XSD + "boolean":
            value = {"1": "true", "0": "false"}.get(value.strip(), value.strip())
        elif dtype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "short", XSD + "nonNegativeInteger"):
            value = str(int(value))
        elif dtype == XSD + "decimal":
            d = Decimal(value).normalize()
            value = format(d, "f")
            value = value if "." in value else value + ".0"
        elif dtype in (XSD + "double", XSD + "float"):
            value = repr(float(value))
    except (ValueError, InvalidOperation):
        pass  # an ill-typed literal keeps its spelling
    return ox.Literal(value, datatype=lit.datatype)


def canonical_line(triple: ox.Triple) -> str:
    """One triple as canonical N-Triples (no trailing newline). Raises ValueError on a blank node."""
    s, p, o = triple.subject, triple.predicate, triple.object
    if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
        raise ValueError(f"blank node in {triple}: published graphs must be ground")
    if isinstance(o, ox.Literal):
        o = _canonical_literal(o)
    return f"{s} {p} {o} ."


def graph_digest(triples: Iterable[ox.Triple]) -> tuple[bytes, int, str]:
    """Canonical sorted N-Triples of a graph, its triple count, and ``sha256:`` of the former."""
    lines = sorted({canonical_line(t) for t in triples})
    body = "".join(line + "\n" for line in lines).encode("utf-8")
    return body, len(lines), "sha256:" + hashlib.sha256(body).hexdigest()


def load_generation(generation: Path) -> tuple[str, dict[str, LocalGraph]]:
    """A built generation's content hash and its named graphs (from the N-Quads dump)."""
    try:
        report = json.loads((generation / REPORT_FILE).read_text(encoding="utf-8"))
        digest = str(report["content_hash"])
        quads = ox.parse(path=str(generation / EXPORTS["nquads"][0]), format=ox.RdfFormat.N_QUADS)
        grouped: dict[str, list[ox.Triple]] = defaultdict(list)
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise ValueError(f"a triple outside any named graph: {q}")
            grouped[q.graph_name.value].append(q.triple)
    except (OSError, ValueError, KeyError, SyntaxError) as e:
        raise R2PError(f"{generation}: not a readable generation ({e})") from None
    graphs: dict[str, LocalGraph] = {}
    for iri, triples in sorted(grouped.items()):
        try:
            body, count, gdigest = graph_digest(triples)
        except ValueError as e:
            raise R2PError(f"{generation}: graph <{iri}> cannot be published: {e}") from None
        graphs[iri] = LocalGraph(iri, body, count, gdigest)
    return digest, graphs


def stagingiri_ref(generation_hash: str, live: str) -> str:
    """The staging graph of ``live`` for this generation: clearly named, never a live graph."""
    tail = live.removeprefix(GRAPH) if live.startswith(GRAPH) else quote(live, safe="")
    return f"{STAGING}{generation_hash.removeprefix('sha256:')[:16]}/{tail}"


def live_counts(remote: RemoteStore, graphs: Iterable[str]) -> dict[str, int]:
    """Triples per graph (graphs absent from the store are left out)."""
    names = sorted(set(graphs))
    if not names:
        return {}
    values = " ".join(iri_ref(g) for g in names)
    rows = remote.select(
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    )
    found = ((value(r, "g"), value(r, "n")) for r in rows)
    return {g: int(n) for g, n in found if g is not None and n is not None}


def _upload(remote: RemoteStore, graph: str, body: bytes) -> None:
    if remote.endpoints.gsp:
        remote.put_graph(graph, body)
        return
    # An N-Triples line ends at \n only: str.splitlines() would also cut a literal at the
    # U+2028, U+2029 or U+0085 it holds (written unescaped).
    lines = body.decode("utf-8").split("\n")
    for start in range(0, len(lines), INSERT_CHUNK):
        chunk = "\n".join(lines[start : start + INSERT_CHUNK])
        remote.update(f"INSERT DATA {{ GRAPH {iri_ref(graph)} {{\n{chunk}\n}} }}")


def manifest_data(generation_hash: str, graphs: dict[str, LocalGraph], default_copy: bool = False) -> str:
    """The manifest graph's triples (for INSERT DATA)."""
    m = iri_ref(MANIFEST_GRAPH)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        f"{m} <{PUB}generation> {ox.Literal(generation_hash)} .",
        f'{m} <{PUB}publishedAt> "{now}"^^<{XSD}dateTime> .',
    ]
    if default_copy:
        lines.append(f"{m} <{PUB}defaultGraph> {ox.Literal(DEFAULT_COPY)} .")
    for g in graphs.values():
        lines += [
            f"{m} <{PUB}graph> {iri_ref(g.iri)} .",
            f"{iri_ref(g.iri)} <{PUB}contentHash> {ox.Literal(g.digest)} .",
            f'{iri_ref(g.iri)} <{PUB}tripleCount> "{g.count}"^^<{XSD}integer> .',
        ]
    return "\n".join(lines)


def default_copy_ops(
    graphs: dict[str, LocalGraph], changed: list[str], dropped: list[str], rebuild: bool
) -> tuple[list[str], list[str]]:
    """The operations that keep the default graph equal to the union of the live graphs.

    Returns (operations before the live graphs change, operations after). ``rebuild`` fills the
    default graph from every live graph; otherwise the statements of the changed and dropped
    graphs leave it (unless another live graph also holds them) and the new versions are added.
    """
    if rebuild:
        return ["DROP SILENT DEFAULT"], [f"ADD SILENT GRAPH {iri_ref(g)} TO DEFAULT" for g in graphs]
    affected = [*changed, *dropped]
    outside = [g for g in graphs if not g.startswith(GRAPH)]
    others = f'STRSTARTS(STR(?h), "{GRAPH}")' + "".join(f" || ?h = {iri_ref(g)}" for g in outside)
    excluded = ", ".join(iri_ref(g) for g in [*affected, MANIFEST_GRAPH, publish_lock.LOCK_GRAPH])
    before = [
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(g)} {{ ?s ?p ?o }} FILTER NOT EXISTS {{ "
        f"GRAPH ?h {{ ?s ?p ?o }} FILTER (({others}) && ?h NOT IN ({excluded})) }} }}"
        for g in affected
    ]
    return before, [f"ADD SILENT GRAPH {iri_ref(g)} TO DEFAULT" for g in changed]


def switch_request(
    generation_hash: str,
    graphs: dict[str, LocalGraph],
    changed: list[str],
    dropped: list[str],
    default_copy: tuple[list[str], list[str]] | None = None,
) -> str:
    """The one Update request that makes the staged graphs live and records the new manifest.

    ``default_copy`` holds the operations of ``default_copy_ops`` when the store's default graph
    is kept as a copy of the live graphs.
    """
    before, after = default_copy or ([], [])
    ops = [f"DROP SILENT GRAPH {iri_ref(MANIFEST_GRAPH)}", *before]
    for g in changed:
        ops.append(f"DROP SILENT GRAPH {iri_ref(g)}")
        ops.append(f"MOVE GRAPH {iri_ref(stagingiri_ref(generation_hash, g))} TO GRAPH {iri_ref(g)}")
    ops += [f"DROP SILENT GRAPH {iri_ref(g)}" for g in dropped]
    ops += after
    manifest = manifest_data(generation_hash, graphs, default_copy is not None)
    ops.append(f"INSERT DATA {{ GRAPH {iri_ref(MANIFEST_GRAPH)} {{\n{manifest}\n}} }}")
    return " ;\n".join(ops)


def has_default_copy(remote: RemoteStore) -> bool:
    """Whether the last publish kept the store's default graph as a copy of the live graphs."""
    rows = remote.select(
        f"SELECT ?m WHERE {{ GRAPH {iri_ref(MANIFEST_GRAPH)} {{ ?m <{PUB}defaultGraph> {ox.Literal(DEFAULT_COPY)} }} }}"
    )
    return bool(rows)


def union_size(graphs: dict[str, LocalGraph]) -> int:
    """Distinct triples over all the graphs: what the default graph holds as their copy."""
    lines: set[bytes] = set()
    for g in graphs.values():
        lines.update(g.ntriples.splitlines())
    return len(lines)


def _drop_graphs(remote: RemoteStore, graphs: Iterable[str]) -> None:
    ops = [f"DROP SILENT GRAPH {iri_ref(g)}" for g in graphs]
    if ops:
        remote.update(" ;\n".join(ops))


def _drop_staging(remote: RemoteStore, generation_hash: str, graphs: Iterable[str]) -> None:
    _drop_graphs(remote, (stagingiri_ref(generation_hash, g) for g in graphs))


def stale_staging(remote: RemoteStore) -> list[str]:
    """Staging graphs in the store (under the lock, every one was left by a publish that stopped)."""
    rows = remote.select(
        f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}'
    )
    return sorted(g for g in (value(r, "g") for r in rows) if g)


def _plan(remote: RemoteStore, graphs: dict[str, LocalGraph]) -> tuple[str | None, list[str], list[str]]:
    """The published generation, the graphs to replace and the graphs to drop."""
    published, hashes = read_manifest(remote)
    counts = live_counts(remote, [*graphs, *hashes])
    changed = [g.iri for g in graphs.values() if hashes.get(g.iri) != g.digest or counts.get(g.iri, 0) != g.count]
    dropped = sorted(g for g in hashes if g not in graphs)
    return published, changed, dropped


def publish(
    generation: Path, remote: RemoteStore, break_lock: bool = False, default_copy: bool = False
) -> PublishResult:
    """Make the remote store's live graphs equal the generation's; see the module docstring.

    Raises PublishError naming the failed step; before the switch the previous live graphs then
    stay in place (a failure at ``check live`` comes after it). Writes happen only under the
    store's publication lock (``r2pgraph.publish.lock``); ``break_lock`` first removes a lock that
    a publish which died left behind. ``default_copy`` keeps the store's default graph equal to
    the union of the live graphs, changed in the same request as they are (for a store whose
    default graph is a graph of its own, so that readers of it never see staging graphs).
    """
    t0 = time.perf_counter()
    generation_hash, graphs = load_generation(generation)
    url = remote.endpoints.query
    step = "read manifest"
    try:
        published, changed, dropped = _plan(remote, graphs)
        copied = has_default_copy(remote) if published else False
        if copied and not default_copy:
            raise RemoteStoreError(
                url,
                "the store's default graph is a copy of the live graphs (published with --default-graph-copy); "
                "publish with --default-graph-copy again",
            )
        same = published == generation_hash and copied == default_copy
        if same and not changed and not dropped and not break_lock:
            kept = [g for g in graphs if g not in changed]
            return PublishResult(generation_hash, True, kept=kept, seconds=time.perf_counter() - t0)
        url, step = remote.endpoints.update, "lock"
        me = publish_lock.acquire(remote, break_lock)
    except RemoteStoreError as e:
        raise PublishError(step, e.url or url, e.detail) from None
    except publish_lock.PublishLocked as e:
        raise PublishError(step, url, str(e)) from None
    left = "; the store's publication lock is left in place: the next publish needs --break-lock"
    try:
        result = _publish_locked(generation_hash, graphs, remote, default_copy)
    except PublishError as e:
        try:
            publish_lock.release(remote, me)
        except RemoteStoreError:
            raise PublishError(e.step, e.url, e.detail + left) from None
        raise
    try:
        publish_lock.release(remote, me)
    except RemoteStoreError as e:
        raise PublishError("unlock", e.url or remote.endpoints.update, e.detail + left) from None
    result.seconds = time.perf_counter() - t0
    return result


def _publish_locked(
    generation_hash: str, graphs: dict[str, LocalGraph], remote: RemoteStore, default_copy: bool
) -> PublishResult:
    url = remote.endpoints.query
    step = "read manifest"
    staged: list[str] = []
    try:
        published, changed, dropped = _plan(remote, graphs)  # again: another publish may have just ended
        copied = has_default_copy(remote) if published else False
        kept = [g for g in graphs if g not in changed]
        stale = stale_staging(remote)
        if published == generation_hash and copied == default_copy and not changed and not dropped:
            _drop_graphs(remote, stale)
            return PublishResult(generation_hash, True, kept=kept, cleaned=stale)

        url = remote.endpoints.update
        step = "upload"
        _drop_graphs(remote, sorted({*stale, *(stagingiri_ref(generation_hash, g) for g in changed)}))
        if remote.endpoints.gsp:
            url = remote.endpoints.gsp
        for iri in changed:
            staged.append(iri)
            _upload(remote, stagingiri_ref(generation_hash, iri), graphs[iri].ntriples)

        url = remote.endpoints.query
        step = "verify"
        for iri in changed:
            local = graphs[iri]
            target = stagingiri_ref(generation_hash, iri)
            remote_count = live_counts(remote, [target]).get(target, 0)
            _, fetched_count, fetched_digest = graph_digest(fetch_graph(remote, target, remote_count))
            if remote_count != local.count or fetched_count != local.count:
                raise RemoteStoreError(
                    url, f"staging graph <{target}> holds {remote_count} triples, expected {local.count}"
                )
            if fetched_digest != local.digest:
                raise RemoteStoreError(url, f"staging graph <{target}> differs from the local graph <{iri}>")

        url = remote.endpoints.update
        step = "switch"
        copy_ops = default_copy_ops(graphs, changed, dropped, rebuild=not copied) if default_copy else None
        remote.update(switch_request(generation_hash, graphs, changed, dropped, copy_ops))
        staged = []

        url = remote.endpoints.query
        step = "check live"
        after = live_counts(remote, [*graphs, *dropped])
        wrong = [g for g in graphs if after.get(g, 0) != graphs[g].count] + [g for g in dropped if after.get(g, 0)]
        if wrong:
            raise RemoteStoreError(url, f"after the switch <{wrong[0]}> does not hold the expected triples")
        if read_manifest(remote)[0] != generation_hash:
            raise RemoteStoreError(url, "after the switch the manifest does not name the new generation")
        if default_copy:
            rows = remote.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            held, expected = int(value(rows[0], "n") or 0) if rows else 0, union_size(graphs)
            if held != expected:
                raise RemoteStoreError(
                    url, f"after the switch the default graph holds {held} triples, expected {expected}"
                )
    except RemoteStoreError as e:
        leftover = ""
        if staged:
            try:
                _drop_staging(remote, generation_hash, staged)
            except RemoteStoreError:
                leftover = f"; staging graphs left under <{stagingiri_ref(generation_hash, '')}>"
        if step == "switch" and e.status is None:
            leftover += "; the store may still apply the switch: publish again to see which generation is live"
        raise PublishError(step, e.url or url, e.detail + leftover) from None
    except ValueError as e:
        raise PublishError(step, url, str(e)) from None
    return PublishResult(generation_hash, False, replaced=changed, dropped=dropped, kept=kept, cleaned=stale)
