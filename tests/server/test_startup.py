"""What makes `r2pgraph serve` start fast: what it does not import, and how its query workers start."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

import rdflib.namespace as rns
from rdflib import URIRef

from r2pgraph.rdf import iris, namespaces
from r2pgraph.server.evaluation import Job
from r2pgraph.server.workers import QueryPool
from r2pgraph.store.embedded import STORE_DIR

ROOT = Path(__file__).resolve().parents[2]


def test_serving_imports_neither_rdflib_nor_jinja() -> None:
    probe = (
        "import sys\n"
        "import r2pgraph.cli, r2pgraph.server.run, r2pgraph.server.app\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'jinja2', 'httpx'}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plain_iris_are_the_rdflib_namespaces() -> None:
    rdflib_terms = {
        "rdf": rns.RDF,
        "rdfs": rns.RDFS,
        "owl": rns.OWL,
        "xsd": rns.XSD,
        "skos": rns.SKOS,
        "prov": rns.PROV,
        "dct": rns.DCTERMS,
        "sh": rns.SH,
        "void": rns.VOID,
        "dcat": rns.DCAT,
    }
    for prefix, term in rdflib_terms.items():
        assert iris.PREFIXES[prefix] == str(term), prefix
    assert namespaces.PREFIXES is iris.PREFIXES
    assert namespaces.mint("state", "FRA") == URIRef(iris.mint("state", "FRA")) == URIRef(iris.ID + "state/FRA")
    assert namespaces.graph_iri("states/fra.yaml") == URIRef(iris.graph_iri("states/fra.yaml"))
    assert str(namespaces.R2P.State) == iris.R2P + "State"


def _children() -> set[int]:
    return {p.pid for p in mp.active_children() if p.pid is not None}


def test_a_pool_answers_with_its_first_worker_and_closes_every_worker(generation: Path) -> None:
    before = _children()
    pool = QueryPool(generation / STORE_DIR, size=3)
    try:
        assert pool.run(Job("ASK {}", fmt="json"), 60).body == b'{"head":{},"boolean":true}'
    finally:
        pool.close()
    # Closed while its later workers may still be starting: none is left running.
    deadline = time.monotonic() + 60
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _children() - before


def test_a_pool_closed_at_once_leaves_no_worker(generation: Path) -> None:
    before = _children()
    QueryPool(generation / STORE_DIR, size=3).close()
    deadline = time.monotonic() + 60
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _children() - before
