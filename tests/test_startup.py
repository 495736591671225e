"""What makes `r2pgraph serve` start fast: what it does not import, and how its query workers start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import rdflib.namespace as rns
from rdflib import URIRef

from r2pgraph import iris, namespaces

ROOT = Path(__file__).resolve().parent.parent


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
