"""The build: data/ + ontology/ → validated dataset → a new generation (store, dumps, report).

A generation is written in a temporary directory and only then renamed into
``build/generations/`` and pointed to by ``build/current`` (a symlink swapped atomically), so a
failed build never touches what was built before. Builds hold the build directory's lock
(``generations.build_lock``) and pass a sanity gate before the switch: no class may lose more than
half of its instances unless the build is asked to allow it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from r2pgraph.build import collector
from r2pgraph.build.background_validation import BackgroundValidation
from r2pgraph.build.forked import Forked
from r2pgraph.build.generations import REPORT_FILE, build_lock, current_generation, prune, switch_current
from r2pgraph.config import Settings
from r2pgraph.errors import NoGeneration, R2PError, ValidationFailed
from r2pgraph.exports.dumps import in_memory, write_jsonld_export, write_rdf_exports
from r2pgraph.query.engine import select
from r2pgraph.rdf.namespaces import GRAPH, R2P
from r2pgraph.rdf.oxterms import OxTerms
from r2pgraph.sources import load_data_dir, load_imports
from r2pgraph.sources.base import SourceGraph
from r2pgraph.store.embedded import write_store
from r2pgraph.treaties.derived import add_derived_graphs
from r2pgraph.validation.validate import ValidationReport, load_shapes, validate_graphs

ONTOLOGY_GRAPH = URIRef(GRAPH + "ontology")
PROVENANCE_GRAPH = URIRef(GRAPH + "provenance")
BUILD_ACTIVITY = URIRef(GRAPH + "provenance/build")  # the build that made the generation
VALIDATION_FILE = "shacl-report.json"
SHRINK_LIMIT = 0.5


class ShrinkRefused(R2PError):
    """The new generation lost more than half of some class's instances; nothing was switched."""

    def __init__(self, losses: list[tuple[str, int, int]]):
        self.losses = losses
        lines = [f"  {cls}: {before} → {after} instances" for cls, before, after in losses]
        super().__init__(
            "refusing to switch: the new graph has lost more than half of the instances of "
            f"{len(losses)} class(es) compared with the served generation\n"
            + "\n".join(lines)
            + "\nIf this is intended, build again with --allow-shrink."
        )


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


# Each file a build read, by its role (data, imports, ontology, shapes): its path as reports show it
# (``data/…``, ``ontology/…``) → the SHA-256 of its bytes as 'sha256:<hex>'.
FilesRead = dict[str, dict[str, str]]


def files_read(settings: Settings, sources: list[SourceGraph]) -> FilesRead:
    """Every file a build reads (see ``FilesRead``), each role's files sorted by path."""
    read: FilesRead = {"data": {sg.path: sg.content_hash for sg in sources if sg.content_hash}}  # hashed as loaded
    for role, directory, pattern in (
        ("imports", settings.imports_dir, "*.trig"),
        ("ontology", settings.ontology_dir, "*.ttl"),
        ("ontology", settings.ontology_dir, "context.jsonld"),
        ("shapes", settings.shapes_dir, "*.ttl"),
    ):
        files = read.setdefault(role, {})
        for path in sorted(directory.glob(pattern)) if directory.is_dir() else []:
            files[f"{directory.name}/{path.name}"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    return {role: dict(sorted(files.items())) for role, files in read.items()}


def file_entity(path: str) -> URIRef:
    """The IRI of a file the build read that is not a data file, e.g. ``ontology/r2p.ttl``: under
    ``graph/provenance/file/``, its dots as dashes (an IRI ending in ``.ttl`` would dereference
    as the Turtle of another)."""
    return URIRef(f"{PROVENANCE_GRAPH}/file/{path.replace('.', '-')}")


def provenance_graph(sources: list[SourceGraph], files: FilesRead) -> Graph:
    """Which file each named graph came from, its hash, and the documents it is derived from; and
    the build (``BUILD_ACTIVITY``), which ``prov:used`` each file it read (``files_read``): a data
    file is its graph's ``r2p:DataFile``, any other is an entity of its own."""
    g = Graph()
    for sg in sources:
        g.add((sg.iri, RDF.type, R2P.DataFile))
        g.add((sg.iri, RDF.type, PROV.Entity))
        g.add((sg.iri, R2P.filePath, Literal(sg.path)))
        if sg.content_hash:
            g.add((sg.iri, R2P.contentHash, Literal(sg.content_hash)))
        for doc in sorted(sg.derived_from):
            g.add((sg.iri, PROV.wasDerivedFrom, doc))
    data_files = {sg.path: sg.iri for sg in sources if sg.content_hash}
    g.add((BUILD_ACTIVITY, RDF.type, PROV.Activity))
    g.add((ONTOLOGY_GRAPH, RDF.type, R2P.DataFile))
    for role, paths in files.items():
        for path, digest in paths.items():
            entity = data_files.get(path) if role == "data" else None
            if entity is None:
                entity = file_entity(path)
                g.add((entity, RDF.type, PROV.Entity))
                g.add((entity, R2P.filePath, Literal(path)))
                g.add((entity, R2P.contentHash, Literal(digest)))
            g.add((BUILD_ACTIVITY, PROV.used, entity))
            if role == "ontology" and path.endswith(".ttl"):  # the files the ontology graph was parsed from
                g.add((ONTOLOGY_GRAPH, R2P.filePath, Literal(path)))
                g.add((ONTOLOGY_GRAPH, PROV.wasDerivedFrom, entity))
    g.add((ONTOLOGY_GRAPH, PROV.wasDerivedFrom, URIRef("https://w3id.org/r2p/ontology")))
    return g


def source_store(sources: list[SourceGraph], ontology: Graph) -> ox.Store:
    """An in-memory store holding each source in its named graph, and the ontology: the union of
    its graphs is the data SHACL validates."""
    store = ox.Store()
    convert = OxTerms()
    for sg in sources:
        store.extend(convert.quads(sg.triples, sg.iri))
    store.extend(convert.quads(ontology, ONTOLOGY_GRAPH))
    return store


def complete_dataset(store: ox.Store, sources: list[SourceGraph], files: FilesRead) -> bytes:
    """Add the provenance (of the ``sources`` and the ``files`` read, see ``files_read``) and the
    derived graphs to a ``source_store``; the whole dataset as canonical N-Quads."""
    store.extend(OxTerms().quads(provenance_graph(sources, files), PROVENANCE_GRAPH))
    add_derived_graphs(store)
    return canonical_nquads(store)


def assemble_dataset(sources: list[SourceGraph], ontology: Graph, files: FilesRead) -> tuple[bytes, ox.Store]:
    """The whole dataset (sources, ontology, provenance and the derived graphs) as canonical
    N-Quads, and the in-memory store holding it."""
    store = source_store(sources, ontology)
    return complete_dataset(store, sources, files), store


def canonical_nquads(store: ox.Store) -> bytes:
    """The store as canonical N-Quads: sorted lines, literals in the store's canonical form.

    The data has no blank nodes, so equal datasets give equal bytes. A store holds each quad once
    and writes each as one line, so the lines need no de-duplication (which took longer than the
    sort: 3.2 s of 5.6 s at 3.2 million quads).
    """
    lines = (store.dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
    lines.sort()
    return b"".join(lines)


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


def shrinkage(before: dict[str, int], after: dict[str, int], limit: float = SHRINK_LIMIT) -> list[tuple[str, int, int]]:
    """Classes that lost more than ``limit`` of their instances: (class, before, after)."""
    return [
        (cls, n, after.get(cls, 0))
        for cls, n in sorted(before.items())
        if n > 0 and after.get(cls, 0) < n * (1 - limit)
    ]


def load_sources(settings: Settings) -> tuple[list[SourceGraph], Graph]:
    """The data files' and the imports' graphs, and the ontology (the cycle collector paused:
    ``r2pgraph.build.collector``). Raises DataError."""
    with collector.paused():
        sources = load_data_dir(settings.data_dir) + load_imports(settings.imports_dir)
        ontology = load_ontology(settings.ontology_dir)
    return sources, ontology


def check(settings: Settings) -> tuple[list[SourceGraph], Graph, ValidationReport]:
    """Load and validate data/ without writing anything. Raises DataError."""
    sources, ontology = load_sources(settings)
    report = validate_graphs(sources, ontology, load_shapes(settings.shapes_dir))
    return sources, ontology, report


def build_generation(settings: Settings, allow_shrink: bool = False) -> BuildResult:
    """Load, validate and write a new generation; switch ``build/current`` to it.

    Raises DataError (unreadable input), ValidationFailed (SHACL violations), ShrinkRefused (the
    sanity gate) or BuildLocked (another build is running); in each case what is served is unchanged.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sources, ontology = load_sources(settings)
    timings["load_s"] = time.perf_counter() - t0
    # The sources live until the build ends: frozen out of the cycle collector's passes.
    with collector.frozen(), BackgroundValidation(sources, ontology, load_shapes(settings.shapes_dir)) as validation:
        t0 = time.perf_counter()
        dataset = source_store(sources, ontology)
        # The SPARQL-based constraints read this store's union of graphs, in a process whose copy
        # of it keeps the sources and the ontology only.
        validation.start_sparql(dataset)
        read = files_read(settings, sources)
        nquads = complete_dataset(dataset, sources, read)
        timings["assemble_s"] = time.perf_counter() - t0
        files = [{"graph": str(sg.iri), "file": sg.path, "hash": sg.content_hash} for sg in sources]

        def validated() -> tuple[dict[str, object], dict[str, float]]:
            t = time.perf_counter()
            report, seconds = validation.result()
            waited = time.perf_counter() - t
            if not report.conforms:
                raise ValidationFailed(report, report.text())
            shacl = {"conforms": report.conforms, "results": [asdict(v) for v in report.violations]}
            return shacl, {"validate_s": seconds, "validate_wait_s": waited}

        extra: dict[str, object] = {"sources": files, "files_read": read}
        return write_generation(nquads, settings, extra, timings, validated, allow_shrink, dataset)


# The SHACL report, or a function that waits for it (and raises ValidationFailed): the report and
# the timings of validation (its own duration, and how long the build waited for it).
Validation = dict[str, object] | Callable[[], tuple[dict[str, object], dict[str, float]]] | None


def write_generation(
    nquads: bytes,
    settings: Settings,
    extra: dict[str, object] | None = None,
    timings: dict[str, float] | None = None,
    validation: Validation = None,
    allow_shrink: bool = False,
    dataset: ox.Store | None = None,
) -> BuildResult:
    """Write a dataset (N-Quads) as a new generation and switch to it.

    ``validation`` (the SHACL report) is kept in the generation. It may be a function that waits
    for a validation running meanwhile: it is called before anything is switched (also when the
    content equals the current generation's, in which case nothing is written), and a failure it
    raises (ValidationFailed) leaves nothing behind. ``dataset`` is an in-memory store holding the
    same N-Quads (else one is loaded): the exports and the counts are made from it, the exports in
    two forked processes while the on-disk store is written (``r2pgraph.build.forked``;
    ``exports_s`` is the longer of the two). Raises ShrinkRefused or BuildLocked.
    """
    with build_lock(settings.build_dir):
        return _write_generation(nquads, settings, extra or {}, dict(timings or {}), validation, allow_shrink, dataset)


def _write_generation(
    nquads: bytes,
    settings: Settings,
    extra: dict[str, object],
    timings: dict[str, float],
    validation: Validation,
    allow_shrink: bool,
    dataset: ox.Store | None,
) -> BuildResult:
    def resolve() -> dict[str, object] | None:
        if not callable(validation):
            return validation
        shacl, validation_timings = validation()
        timings.update(validation_timings)
        return shacl

    t0 = time.perf_counter()
    digest = content_hash(nquads)
    generations = settings.build_dir / "generations"
    previous: dict[str, object] = {}
    try:
        current = current_generation(settings.build_dir)
        previous = json.loads((current / REPORT_FILE).read_text())
        if previous.get("content_hash") == digest:
            resolve()
            return BuildResult(current, previous, unchanged=True)
    except (NoGeneration, OSError, ValueError):
        previous = {}

    generations.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = generations / f".tmp-{stamp}-{os.getpid()}"
    tmp.mkdir()
    try:
        if dataset is None:
            dataset = in_memory(nquads)
        # The exports in two forked processes (JSON-LD is about half of their work), the
        # on-disk store meanwhile in this one.
        rdf = Forked(partial(write_rdf_exports, dataset, nquads, tmp), "exports")
        jsonld = Forked(partial(write_jsonld_export, nquads, tmp, settings.ontology_dir), "JSON-LD export")
        with rdf, jsonld:
            store = write_store(tmp, nquads)
            timings["store_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            timings["exports_s"] = max(rdf.result()[1], jsonld.result()[1])
            timings["exports_wait_s"] = time.perf_counter() - t0
        shutil.copyfile(settings.ontology_dir / "context.jsonld", tmp / "context.jsonld")
        shacl = resolve()
        report: dict[str, object] = {
            "content_hash": digest,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **extra,
            **counts(dataset),
            "validation": {"conforms": bool(shacl and shacl.get("conforms")), "file": VALIDATION_FILE},
            "timings": {k: round(v, 3) for k, v in timings.items()},
        }
        del store
        lost = shrinkage(previous.get("classes") or {}, report["classes"])  # type: ignore[arg-type]
        if lost and not allow_shrink:
            raise ShrinkRefused(lost)
        written = shacl or {"conforms": None, "note": "written without SHACL validation"}
        (tmp / VALIDATION_FILE).write_text(json.dumps(written, indent=2), encoding="utf-8")
        (tmp / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
        _fsync_tree(tmp)
        final = generations / f"{stamp}-{digest[7:19]}"
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    switch_current(settings.build_dir, final)
    prune(settings.build_dir, keep=settings.keep_generations)
    return BuildResult(final, report, unchanged=False)


def _fsync_tree(root: Path) -> None:
    """Flush a generation's files to disk before it is renamed into place (survives a crash)."""
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
