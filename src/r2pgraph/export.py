"""Dumps of a generation in every format, plus CSV tables.

N-Quads and TriG keep the named graphs (one per source file); Turtle and N-Triples hold the union
of all graphs; JSON-LD keeps the named graphs and is compacted with ontology/context.jsonld.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from r2pgraph.iris import PREFIXES
from r2pgraph.jsonld_compact import compact

# format name → (file name, media type)
EXPORTS: dict[str, tuple[str, str]] = {
    "nquads": ("r2p.nq", "application/n-quads"),
    "trig": ("r2p.trig", "application/trig"),
    "turtle": ("r2p.ttl", "text/turtle"),
    "ntriples": ("r2p.nt", "application/n-triples"),
    "jsonld": ("r2p.jsonld", "application/ld+json"),
    "findings-csv": ("findings.csv", "text/csv"),
    "treaty-actions-csv": ("treaty-actions.csv", "text/csv"),
}

FINDINGS_QUERY = """
PREFIX r2p: <https://w3id.org/r2p/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?edition ?state ?state_name ?area ?indicator_order ?indicator ?rating ?score ?summary ?finding
WHERE {
  ?finding a r2p:Finding ; r2p:edition ?e ; r2p:state ?s ; r2p:indicator ?i ; r2p:rating ?r ;
           r2p:summary ?summary .
  ?e skos:prefLabel ?edition . ?s skos:prefLabel ?state_name ; r2p:iso3166Alpha3 ?state .
  ?i skos:prefLabel ?indicator ; r2p:order ?indicator_order ; skos:broader/skos:prefLabel ?area .
  ?r skos:prefLabel ?rating ; r2p:score ?score .
} ORDER BY ?edition ?state ?indicator_order
"""

TREATY_ACTIONS_QUERY = """
PREFIX r2p: <https://w3id.org/r2p/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?state ?instrument ?action ?date
       (GROUP_CONCAT(DISTINCT STR(?source_url); separator=" ") AS ?source_urls)
       (IF(BOUND(?unconfirmed), "no", "yes") AS ?confirmed) ?record
WHERE {
  ?record a ?cls ; r2p:state/r2p:iso3166Alpha3 ?state ; r2p:instrument/r2p:shortName ?instrument ;
          r2p:date ?date .
  ?cls rdfs:subClassOf* r2p:TreatyAction ; rdfs:label ?action .
  FILTER(?cls != r2p:TreatyAction && ?cls != r2p:ConsentToBeBound)
  OPTIONAL { ?record r2p:hasCitation/r2p:citesSource/<https://schema.org/url> ?source_url }
  OPTIONAL { ?record r2p:unconfirmed ?unconfirmed }
} GROUP BY ?state ?instrument ?action ?date ?unconfirmed ?record ORDER BY ?state ?instrument ?date
"""


def _csv(store: ox.Store, query: str) -> bytes:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for solution in result:
        writer.writerow(["" if solution[n] is None else solution[n].value for n in names])
    return out.getvalue().encode("utf-8")


def load_context(ontology_dir: Path) -> dict[str, object]:
    """The published JSON-LD context (the value of its @context)."""
    doc = json.loads((ontology_dir / "context.jsonld").read_text(encoding="utf-8"))
    context: dict[str, object] = doc["@context"]
    return context


def union_ntriples(quads: list[ox.Quad]) -> bytes:
    """The union of all graphs as N-Triples (sorted lines, each triple once)."""
    text = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b""
    return b"".join(sorted(set(text.splitlines(keepends=True))))


def write_jsonld(doc: dict[str, Any], path: Path) -> None:
    """Write a compacted document: the context indented, then one top-level object per line.

    Each object is written by the json module's C encoder, which an ``indent`` would turn off.
    """
    context = json.dumps(doc["@context"], ensure_ascii=False, indent=1).replace("\n", "\n ")
    with path.open("w", encoding="utf-8") as f:
        f.write('{\n "@context": ' + context + ',\n "@graph": [\n')
        f.write(",\n".join(json.dumps(item, ensure_ascii=False) for item in doc["@graph"]))
        f.write("\n ]\n}\n")


def write_exports(dataset: ox.Store | None, nquads: bytes, generation: Path, ontology_dir: Path) -> dict[str, Path]:
    """Write every export of the generation; return format name → path.

    ``dataset`` is an in-memory store holding ``nquads`` (the CSV queries run several times faster
    there than on the on-disk store); without it, one is loaded from ``nquads``.
    """
    paths = {name: generation / file for name, (file, _) in EXPORTS.items()}
    prefixes = {k: v for k, v in PREFIXES.items()}
    paths["nquads"].write_bytes(nquads)
    # Serialised from the N-Quads, grouped by graph, rather than dumped from the on-disk store
    # (about 4x faster).
    quads = sorted(ox.parse(nquads, format=ox.RdfFormat.N_QUADS), key=lambda q: str(q.graph_name))
    paths["trig"].write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes) or b"")
    ntriples = union_ntriples(quads)
    paths["ntriples"].write_bytes(ntriples)
    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    paths["turtle"].write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"")
    expanded = json.loads(ox.serialize(quads, format=ox.RdfFormat.JSON_LD) or b"[]")
    del quads
    write_jsonld(compact(expanded, load_context(ontology_dir)), paths["jsonld"])
    if dataset is None:
        dataset = ox.Store()
        dataset.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    paths["findings-csv"].write_bytes(_csv(dataset, FINDINGS_QUERY))
    paths["treaty-actions-csv"].write_bytes(_csv(dataset, TREATY_ACTIONS_QUERY))
    return paths
