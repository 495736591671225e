"""The project's IRIs as plain strings: namespaces, prefixes and IRI minting without rdflib.

The server and the query paths use these, so that serving does not import rdflib (about a fifth
of a second of start-up); ``namespaces.py`` gives the same IRIs as rdflib terms to the pipeline.

Data IRIs live under ``BASE`` (``https://w3id.org/r2p/``): resources under ``id/<kind>/<key>``,
named graphs under ``graph/<path>``. Ontology terms live under ``R2P`` (``…/ontology#``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

BASE = "https://w3id.org/r2p/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
# Where ``r2pgraph publish`` stages graphs in a remote store before switching them in. Queries
# that range over named graphs (GRAPH ?g) leave these out with ``not_staging``.
STAGING = BASE + "staging/"
R2P = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
WD = "http://www.wikidata.org/entity/"

PREFIXES: dict[str, str] = {
    "r2p": R2P,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dct": "http://purl.org/dc/terms/",
    "schema": SCHEMA,
    "org": ORG,
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "wd": WD,
    "state": ID + "state/",
    "instrument": ID + "instrument/",
    "indicator": ID + "indicator/",
    "source": ID + "source/",
    "event": ID + "event/",
}

# The kinds of treaty action, each the class r2p:<kind> (ontology/r2p.ttl): the kinds of consent to be
# bound are subclasses of r2p:ConsentToBeBound, which stands itself for a consent of unknown kind.
# Consent to be bound: the kinds of act by which a state becomes a party. Provisional application
# (ATT art. 23) and succession to a signature are not consent.
CONSENT_KINDS = ("Ratification", "Accession", "Acceptance", "Approval", "Succession", "ConsentToBeBound")
SIGNATURE_KINDS = ("Signature", "SuccessionToSignature")
ACTION_KINDS = (*SIGNATURE_KINDS, *CONSENT_KINDS, "Withdrawal", "ProvisionalApplication")

# The prefixes of the project's own resources (not vocabularies): shown as IRIs where terms are shortened.
INSTANCE_PREFIXES = ("state", "instrument", "indicator", "source", "event")

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
    "m49-area",
)


def mint(kind: str, *keys: str | int) -> str:
    """Return the IRI of a resource of ``kind`` identified by ``keys`` (joined with ``/``).

    Raises ValueError for an unknown kind or an empty key.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}")
    parts = [str(k) for k in keys]
    if not parts or any(not p or "/" in p or " " in p for p in parts):
        raise ValueError(f"bad key {keys!r} for an IRI of kind {kind!r}")
    return ID + kind + "/" + "/".join(parts)


def graph_iri(relative_path: str) -> str:
    """Return the named-graph IRI for a data file, from its path relative to data/ (no suffix)."""
    stem = relative_path.rsplit(".", 1)[0] if "." in relative_path.rsplit("/", 1)[-1] else relative_path
    return GRAPH + stem


def curie(iri: str, prefixes: Mapping[str, str] = PREFIXES, skip: Collection[str] = ()) -> str:
    """``prefix:local`` for ``iri`` under the longest namespace of ``prefixes`` that leaves a local part
    (the first prefix of equal namespaces, none of ``skip``); else ``iri`` itself."""
    best, found = "", ""
    for prefix, ns in prefixes.items():
        if len(ns) > len(found) and len(iri) > len(ns) and iri.startswith(ns) and prefix not in skip:
            best, found = prefix, ns
    return f"{best}:{iri[len(found) :]}" if found else iri


def is_project_iri(iri: str) -> bool:
    """True when ``iri`` is in one of the project's namespaces."""
    return iri.startswith(BASE)


def r2p_terms(names: Iterable[str]) -> str:
    """``r2p:A, r2p:B, …`` for a SPARQL ``IN (…)`` list (the query declares ``PREFIX r2p:``)."""
    return ", ".join(f"r2p:{name}" for name in names)


def not_staging(var: str) -> str:
    """A SPARQL FILTER keeping ``?var`` off the staging graphs of a publish in progress."""
    return f'FILTER (!STRSTARTS(STR(?{var}), "{STAGING}"))'
