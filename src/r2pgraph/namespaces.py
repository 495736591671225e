"""The project's namespaces and IRI minting: the one place that decides what an IRI looks like.

Data IRIs live under ``BASE`` (``https://w3id.org/r2p/``): resources under ``id/<kind>/<key>``,
named graphs under ``graph/<path>``. Ontology terms live under ``R2P`` (``…/ontology#``).
"""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

BASE = "https://w3id.org/r2p/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
# Where ``r2pgraph publish`` stages graphs in a remote store before switching them in. Queries
# that range over named graphs (GRAPH ?g) leave these out with ``not_staging``.
STAGING = BASE + "staging/"


def not_staging(var: str) -> str:
    """A SPARQL FILTER keeping ``?var`` off the staging graphs of a publish in progress."""
    return f'FILTER (!STRSTARTS(STR(?{var}), "{STAGING}"))'


R2P = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = URIRef(BASE + "ontology")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, str] = {
    "r2p": str(R2P),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dct": str(DCTERMS),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "sh": str(SH),
    "void": str(VOID),
    "dcat": str(DCAT),
    "wd": str(WD),
    "state": ID + "state/",
    "instrument": ID + "instrument/",
    "indicator": ID + "indicator/",
    "source": ID + "source/",
    "event": ID + "event/",
}

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ALPHA3 = re.compile(r"^[A-Z]{3}$")

# The kinds of resource, each with its IRI path segment.
KINDS = (
    "state",
    "instrument",
    "instrument-set",
    "law-kind",
    "framework",
    "thematic-area",
    "indicator",
    "rating-scale",
    "rating",
    "edition",
    "assessment",
    "source",
    "organisation",
    "event",
    "treaty-action",
    "reconciliation",
    "claim",
    "state-group",
)


def mint(kind: str, *keys: str | int) -> URIRef:
    """Return the IRI of a resource of ``kind`` identified by ``keys`` (joined with ``/``).

    Raises ValueError for an unknown kind or an empty key.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}")
    parts = [str(k) for k in keys]
    if not parts or any(not p or "/" in p or " " in p for p in parts):
        raise ValueError(f"bad key {keys!r} for an IRI of kind {kind!r}")
    return URIRef(ID + kind + "/" + "/".join(parts))


def graph_iri(relative_path: str) -> URIRef:
    """Return the named-graph IRI for a data file, from its path relative to data/ (no suffix)."""
    stem = relative_path.rsplit(".", 1)[0] if "." in relative_path.rsplit("/", 1)[-1] else relative_path
    return URIRef(GRAPH + stem)


def is_project_iri(iri: str) -> bool:
    """True when ``iri`` is in one of the project's namespaces."""
    return iri.startswith(BASE)
