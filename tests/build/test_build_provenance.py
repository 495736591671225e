"""A build records every file it read (data, imports, ontology, shapes) with its SHA-256, in
build-report.json and in the provenance graph, where the build activity prov:used each of them."""

from __future__ import annotations

import hashlib
import json
import shutil
from fnmatch import fnmatch
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import PROV, RDF

from r2pgraph.build.assemble import BUILD_ACTIVITY, ONTOLOGY_GRAPH, PROVENANCE_GRAPH, build_generation, file_entity
from r2pgraph.config import Settings
from r2pgraph.rdf.namespaces import GRAPH, R2P
from r2pgraph.sources import IGNORED
from r2pgraph.store.embedded import open_store
from tests.conftest import ROOT

EXTRA_TTL = """@prefix r2p: <https://w3id.org/r2p/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/r2p/id/state/JPN> rdfs:comment "A statement of a plain Turtle data file."@en .
"""


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_build_records_exactly_the_files_it_read_with_their_hashes(tmp_path: Path) -> None:
    data, ontology, shapes = tmp_path / "data", tmp_path / "ontology", tmp_path / "shapes"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(ROOT / "ontology", ontology)
    shutil.copytree(ROOT / "shapes", shapes)
    (data / "extra.ttl").write_text(EXTRA_TTL, encoding="utf-8")
    with (ontology / "r2p.ttl").open("a", encoding="utf-8") as f:
        f.write('\nr2p:DataFile rdfs:comment "Changed for this build."@en .\n')
    settings = Settings(data, ontology, shapes, tmp_path / "build", tmp_path / "no-imports")
    result = build_generation(settings)

    read = {
        "data": {
            f"data/{p.relative_to(data).as_posix()}": _sha256(p)
            for p in sorted(data.rglob("*"))
            # documentation and the importers' own inputs (a snapshot's manifest) are not read
            if p.is_file() and not any(fnmatch(p.relative_to(data).as_posix(), pattern) for pattern in IGNORED)
        },
        "imports": {},
        "ontology": {
            "ontology/context.jsonld": _sha256(ontology / "context.jsonld"),
            "ontology/r2p.ttl": _sha256(ontology / "r2p.ttl"),
        },
        "shapes": {"shapes/r2p-shapes.ttl": _sha256(shapes / "r2p-shapes.ttl")},
    }
    assert read["data"]["data/extra.ttl"] == _sha256(data / "extra.ttl")
    assert read["ontology"]["ontology/r2p.ttl"] != _sha256(ROOT / "ontology/r2p.ttl")
    assert result.report["files_read"] == read
    on_disk = json.loads((result.generation / "build-report.json").read_text(encoding="utf-8"))
    assert on_disk["files_read"] == read

    # The same in the provenance graph: the build used each file, which has its path and hash.
    store = open_store(result.generation)
    provenance = Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(PROVENANCE_GRAPH)):
        provenance.parse(data=f"{q.subject} {q.predicate} {q.object} .", format="nt")
    used = Graph()
    used.add((BUILD_ACTIVITY, RDF.type, PROV.Activity))
    for role, files in read.items():
        for path, digest in files.items():
            if role == "data":  # a data file is its named graph's r2p:DataFile
                entity = URIRef(GRAPH + path.removeprefix("data/").rsplit(".", 1)[0])
                used.add((entity, RDF.type, R2P.DataFile))
            else:
                entity = file_entity(path)
            used.add((entity, RDF.type, PROV.Entity))
            used.add((BUILD_ACTIVITY, PROV.used, entity))
            used.add((entity, R2P.filePath, Literal(path)))
            used.add((entity, R2P.contentHash, Literal(digest)))
    described = {BUILD_ACTIVITY, *provenance.objects(BUILD_ACTIVITY, PROV.used)}
    kept = (RDF.type, PROV.used, R2P.filePath, R2P.contentHash)
    recorded = Graph()
    for triple in provenance:
        if triple[0] in described and triple[1] in kept:
            recorded.add(triple)
    if not isomorphic(recorded, used):
        _, missing, extra = graph_diff(to_isomorphic(used), to_isomorphic(recorded))
        raise AssertionError(f"missing:\n{missing.serialize(format='nt')}\nextra:\n{extra.serialize(format='nt')}")
    # the ontology graph was parsed from the ontology's Turtle file, and says so
    assert set(provenance.objects(ONTOLOGY_GRAPH, R2P.filePath)) == {Literal("ontology/r2p.ttl")}
    assert file_entity("ontology/r2p.ttl") in set(provenance.objects(ONTOLOGY_GRAPH, PROV.wasDerivedFrom))
