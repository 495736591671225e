"""The build: data/ + ontology/ → validated dataset → a new generation (store, dumps, report).

A generation is written in a temporary directory and only then renamed into
``build/generations/`` and pointed to by ``build/current`` (a symlink swapped atomically), so a
failed build never touches what was built before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from r2pgraph.config import Settings
from r2pgraph.derived import add_derived_graphs
from r2pgraph.errors import NoGeneration, ValidationFailed
from r2pgraph.export import write_exports
from r2pgraph.namespaces import GRAPH, R2P
from r2pgraph.query import select
from r2pgraph.sources import load_data_dir, load_imports
from r2pgraph.sources.base import SourceGraph
from r2pgraph.store import write_store
from r2pgraph.validate import ValidationReport, load_shapes, validate_graphs

ONTOLOGY_GRAPH = URIRef(GRAPH + "ontology")
PROVENANCE_GRAPH = URIRef(GRAPH + "provenance")
REPORT_FILE = "build-report.json"


@dataclass(frozen=True)
class BuildResult:
    generation: Path
    report: dict[str, object]
    unchanged: bool


def load_ontology(ontology_dir: Path) -> Graph:
    """Parse the ontology's Turtle files."""
    g = Graph()
    for path in sorted(ontology_dir.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def provenance_graph(sources: list[SourceGraph], ontology_dir: Path) -> Graph:
    """Which file each named graph came from, its hash, and the documents it is derived from."""
    g = Graph()
    for sg in sources:
        g.add((sg.iri, RDF.type, R2P.DataFile))
        g.add((sg.iri, RDF.type, PROV.Entity))
        g.add((sg.iri, R2P.filePath, Literal(sg.path)))
        if sg.content_hash:
            g.add((sg.iri, R2P.contentHash, Literal(sg.content_hash)))
        for doc in sorted(sg.derived_from):
            g.add((sg.iri, PROV.wasDerivedFrom, doc))
    g.add((ONTOLOGY_GRAPH, RDF.type, R2P.DataFile))
    g.add((ONTOLOGY_GRAPH, R2P.filePath, Literal("ontology/r2p.ttl")))
    g.add((ONTOLOGY_GRAPH, PROV.wasDerivedFrom, URIRef("https://w3id.org/r2p/ontology")))
    _ = ontology_dir
    return g


def _add(store: ox.Store, graph: Graph, name: URIRef) -> None:
    store.load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))


def assemble(sources: list[SourceGraph], ontology: Graph, ontology_dir: Path) -> bytes:
    """The whole dataset as canonical N-Quads (sorted lines; the data has no blank nodes)."""
    store = ox.Store()
    for sg in sources:
        _add(store, sg.graph, sg.iri)
    _add(store, ontology, ONTOLOGY_GRAPH)
    _add(store, provenance_graph(sources, ontology_dir), PROVENANCE_GRAPH)
    lines = (store.dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
    return b"".join(sorted(set(lines)))


def content_hash(nquads: bytes) -> str:
    return "sha256:" + hashlib.sha256(nquads).hexdigest()


def counts(store: ox.Store) -> dict[str, object]:
    """Triples per named graph and instances per class (union of graphs)."""
    per_graph = Counter(q.graph_name.value for q in store if isinstance(q.graph_name, ox.NamedNode))
    per_class: dict[str, int] = {}
    for row in select(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"):
        c, n = row["c"], row["n"]
        if c is not None and n is not None:
            per_class[c.value] = int(n.value)
    return {"quads": len(store), "graphs": dict(sorted(per_graph.items())), "classes": per_class}


def current_generation(build_dir: Path) -> Path:
    """The generation ``build/current`` points to. Raises NoGeneration."""
    link = build_dir / "current"
    if not link.exists():
        raise NoGeneration(build_dir)
    return link.resolve()


def check(settings: Settings) -> tuple[list[SourceGraph], Graph, ValidationReport]:
    """Load and validate data/ without writing anything. Raises DataError."""
    sources = load_data_dir(settings.data_dir) + load_imports(settings.imports_dir)
    ontology = load_ontology(settings.ontology_dir)
    report = validate_graphs(sources, ontology, load_shapes(settings.shapes_dir))
    return sources, ontology, report


def build_generation(settings: Settings) -> BuildResult:
    """Load, validate and write a new generation; switch ``build/current`` to it.

    Raises DataError (unreadable input) or ValidationFailed (SHACL violations); in both cases
    nothing in ``build/`` is changed.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sources = load_data_dir(settings.data_dir) + load_imports(settings.imports_dir)
    ontology = load_ontology(settings.ontology_dir)
    timings["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    validation = validate_graphs(sources, ontology, load_shapes(settings.shapes_dir))
    timings["validate_s"] = time.perf_counter() - t0
    if not validation.conforms:
        raise ValidationFailed(validation, validation.text())
    nquads = add_derived_graphs(assemble(sources, ontology, settings.ontology_dir))
    files = [{"graph": str(sg.iri), "file": sg.path, "hash": sg.content_hash} for sg in sources]
    return write_generation(nquads, settings, {"sources": files}, timings)


def write_generation(
    nquads: bytes,
    settings: Settings,
    extra: dict[str, object] | None = None,
    timings: dict[str, float] | None = None,
) -> BuildResult:
    """Write an already validated dataset (N-Quads) as a new generation and switch to it.

    When the content equals the current generation's, nothing is written.
    """
    timings = dict(timings or {})
    t0 = time.perf_counter()
    digest = content_hash(nquads)
    generations = settings.build_dir / "generations"
    try:
        current = current_generation(settings.build_dir)
        previous = json.loads((current / REPORT_FILE).read_text())
        if previous.get("content_hash") == digest:
            return BuildResult(current, previous, unchanged=True)
    except (NoGeneration, OSError, ValueError):
        pass

    generations.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = generations / f".tmp-{stamp}-{os.getpid()}"
    tmp.mkdir()
    try:
        store = write_store(tmp, nquads)
        timings["store_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_exports(store, nquads, tmp, settings.ontology_dir)
        shutil.copyfile(settings.ontology_dir / "context.jsonld", tmp / "context.jsonld")
        timings["exports_s"] = time.perf_counter() - t0
        report: dict[str, object] = {
            "content_hash": digest,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **(extra or {}),
            **counts(store),
            "timings": {k: round(v, 3) for k, v in timings.items()},
        }
        del store
        (tmp / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
        final = generations / f"{stamp}-{digest[7:19]}"
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _switch_current(settings.build_dir, final)
    _prune(generations, keep=settings.keep_generations, current=final)
    return BuildResult(final, report, unchanged=False)


def _switch_current(build_dir: Path, generation: Path) -> None:
    """Point ``build/current`` at ``generation`` with an atomic rename of a new symlink."""
    link = build_dir / "current"
    tmp_link = build_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(generation.relative_to(build_dir))
    os.replace(tmp_link, link)


def _prune(generations: Path, keep: int, current: Path) -> None:
    """Remove all but the newest ``keep`` generations (never the current one)."""
    built = sorted(p for p in generations.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in built[:-keep] if keep > 0 else []:
        if old.resolve() != current.resolve():
            shutil.rmtree(old, ignore_errors=True)
