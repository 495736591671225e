"""Dumps of a generation in every format, plus CSV tables.

N-Quads and TriG keep the named graphs (one per source file); Turtle and N-Triples hold the union
of all graphs; JSON-LD keeps the named graphs and is compacted with ontology/context.jsonld.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

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


def write_exports(store: ox.Store, nquads: bytes, generation: Path, ontology_dir: Path) -> dict[str, Path]:
    """Write every export of the generation; return format name → path."""
    paths = {name: generation / file for name, (file, _) in EXPORTS.items()}
    prefixes = {k: v for k, v in PREFIXES.items()}
    paths["nquads"].write_bytes(nquads)
    store.dump(str(paths["trig"]), ox.RdfFormat.TRIG, prefixes=prefixes)
    union = ox.Store()
    union.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store)
    union.dump(str(paths["turtle"]), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes)
    union.dump(str(paths["ntriples"]), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    expanded = json.loads(store.dump(format=ox.RdfFormat.JSON_LD) or b"[]")
    doc = compact(expanded, load_context(ontology_dir))
    paths["jsonld"].write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["findings-csv"].write_bytes(_csv(store, FINDINGS_QUERY))
    paths["treaty-actions-csv"].write_bytes(_csv(store, TREATY_ACTIONS_QUERY))
    return paths
