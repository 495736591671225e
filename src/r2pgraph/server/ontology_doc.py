"""The ontology's documentation, read from its named graph: the ontology's metadata, every class
with its superclasses, subclasses and properties, every property with its domain, range and
super-properties, the named individuals, and for each class an example instance from the data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from r2pgraph.query.engine import Source, select
from r2pgraph.rdf.iris import ONTOLOGY_IRI, R2P

OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
KNOWN_PREFIXES = {
    R2P: "r2p",
    OWL: "owl",
    RDFS: "rdfs",
    SKOS: "skos",
    DCT: "dct",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.w3.org/2001/XMLSchema#": "xsd",
    "http://www.w3.org/ns/prov#": "prov",
    "https://schema.org/": "schema",
    "http://www.w3.org/ns/org#": "org",
}
PROPERTY_KINDS = {OWL + "ObjectProperty": "object property", OWL + "DatatypeProperty": "datatype property"}


def curie(iri: str) -> str:
    """``r2p:State`` for an IRI in a known namespace, the IRI itself otherwise."""
    for namespace, prefix in KNOWN_PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


@dataclass(frozen=True)
class Ref:
    """A link to a term: its IRI, its prefixed name, and the anchor on this page for our own terms."""

    iri: str
    name: str
    anchor: str | None

    @classmethod
    def to(cls, iri: str) -> Ref:
        return cls(iri, curie(iri), iri[len(R2P) :] if iri.startswith(R2P) else None)


@dataclass
class Term:
    """One class, property or individual of the ontology, as the page shows it."""

    iri: str
    kind: str
    label: str
    definition: str
    supers: list[Ref] = field(default_factory=list)
    subs: list[Ref] = field(default_factory=list)
    domain: list[Ref] = field(default_factory=list)
    range: list[Ref] = field(default_factory=list)
    types: list[Ref] = field(default_factory=list)
    # for classes: the properties whose domain is the class or a superclass, and those whose range is
    own_properties: list[Ref] = field(default_factory=list)
    inherited_properties: list[Ref] = field(default_factory=list)
    range_of: list[Ref] = field(default_factory=list)
    example: Ref | None = None
    example_label: str = ""

    @property
    def local(self) -> str:
        return self.iri[len(R2P) :]

    @property
    def example_query(self) -> str:
        return f"SELECT ?s WHERE {{ ?s a r2p:{self.local} }} LIMIT 1"


@dataclass
class OntologyDoc:
    iri: str
    title: str
    definition: str
    version: str
    version_iri: str
    created: str
    classes: list[Term]
    properties: list[Term]
    individuals: list[Term]

    @property
    def version_path(self) -> str:
        """The path at which this server answers for the version IRI ("" when there is none)."""
        prefix = ONTOLOGY_IRI + "/"
        return "/ontology/" + self.version_iri[len(prefix) :] if self.version_iri.startswith(prefix) else ""


def _index(quads: Iterable[ox.Quad]) -> dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]]:
    index: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(lambda: defaultdict(list))
    for q in quads:
        if isinstance(q.subject, ox.NamedNode):
            index[q.subject.value][q.predicate.value].append(q.object)  # type: ignore[arg-type]
    return index


def _text(values: list[ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """The English text among ``values`` (else any), or ""."""
    literals = [v for v in values if isinstance(v, ox.Literal)]
    english = [v for v in literals if v.language == "en"]
    return (english or literals)[0].value if literals else ""


def _iris(values: list[ox.NamedNode | ox.BlankNode | ox.Literal]) -> list[str]:
    return sorted(v.value for v in values if isinstance(v, ox.NamedNode))


def read_ontology(quads: Iterable[ox.Quad]) -> OntologyDoc:
    """The documentation of the ontology whose statements are ``quads``."""
    index = _index(quads)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for subject, props in index.items():
        if not subject.startswith(R2P):
            continue
        types = _iris(props.get(RDF_TYPE, []))
        if OWL + "Class" in types:
            by_kind["class"].append(subject)
        elif any(t in PROPERTY_KINDS for t in types):
            by_kind["property"].append(subject)
        elif SKOS + "definition" in props:
            by_kind["individual"].append(subject)

    def term(iri: str, kind: str) -> Term:
        props = index[iri]
        supers = props.get(RDFS + "subClassOf", []) + props.get(RDFS + "subPropertyOf", [])
        return Term(
            iri=iri,
            kind=kind,
            label=_text(props.get(RDFS + "label", [])),
            definition=_text(props.get(SKOS + "definition", [])),
            supers=[Ref.to(s) for s in _iris(supers)],
            domain=[Ref.to(s) for s in _iris(props.get(RDFS + "domain", []))],
            range=[Ref.to(s) for s in _iris(props.get(RDFS + "range", []))],
            types=[Ref.to(s) for s in _iris(props.get(RDF_TYPE, []))],
        )

    classes = {iri: term(iri, "class") for iri in by_kind["class"]}
    properties = [
        term(iri, next(PROPERTY_KINDS[t] for t in _iris(index[iri][RDF_TYPE]) if t in PROPERTY_KINDS))
        for iri in by_kind["property"]
    ]
    individuals = [term(iri, "individual") for iri in by_kind["individual"]]
    for cls in classes.values():
        for sup in cls.supers:
            if sup.iri in classes:
                classes[sup.iri].subs.append(Ref.to(cls.iri))
    for prop in properties:
        for d in prop.domain:
            if d.iri in classes:
                classes[d.iri].own_properties.append(Ref.to(prop.iri))
        for r in prop.range:
            if r.iri in classes:
                classes[r.iri].range_of.append(Ref.to(prop.iri))
    for cls in classes.values():
        for ancestor in _ancestors(classes, cls.iri):
            cls.inherited_properties.extend(classes[ancestor].own_properties)
    meta = index.get(ONTOLOGY_IRI, {})
    return OntologyDoc(
        iri=ONTOLOGY_IRI,
        title=_text(meta.get(DCT + "title", [])) or _text(meta.get(RDFS + "label", [])),
        definition=_text(meta.get(SKOS + "definition", [])),
        version=_text(meta.get(OWL + "versionInfo", [])),
        version_iri=next(iter(_iris(meta.get(OWL + "versionIRI", []))), ""),
        created=_text(meta.get(DCT + "created", [])),
        classes=sorted(classes.values(), key=lambda t: t.local.lower()),
        properties=sorted(properties, key=lambda t: t.local.lower()),
        individuals=sorted(individuals, key=lambda t: t.local.lower()),
    )


def _ancestors(classes: dict[str, Term], iri: str) -> list[str]:
    """The ontology's classes above ``iri``, nearest first."""
    seen: list[str] = []
    todo = [s.iri for s in classes[iri].supers if s.iri in classes]
    while todo:
        current = todo.pop(0)
        if current not in seen and current != iri:
            seen.append(current)
            todo.extend(s.iri for s in classes[current].supers if s.iri in classes)
    return seen


def add_examples(store: Source, doc: OntologyDoc) -> None:
    """Give each class one instance from the data (with its label), found by one query of one
    ``LIMIT 1`` sub-select per class."""
    if not doc.classes:
        return
    branches = " UNION ".join(
        f"{{ {{ SELECT ?s WHERE {{ ?s a <{c.iri}> }} LIMIT 1 }} BIND (<{c.iri}> AS ?cls) }}" for c in doc.classes
    )
    query = (
        f"PREFIX skos: <{SKOS}> PREFIX rdfs: <{RDFS}> SELECT ?cls ?s ?label WHERE {{ {branches} "
        "OPTIONAL { ?s skos:prefLabel|rdfs:label ?label . FILTER (LANGMATCHES(LANG(?label), 'en')) } }"
    )
    found: dict[str, tuple[str, str]] = {}
    for row in select(store, query):
        cls, instance, label = row["cls"], row["s"], row["label"]
        if cls is None or instance is None:
            continue
        previous = found.get(cls.value)
        if previous is None or (not previous[1] and label is not None):
            found[cls.value] = (instance.value, label.value if label is not None else "")
    for c in doc.classes:
        if c.iri in found:
            instance, label = found[c.iri]
            c.example = Ref.to(instance)
            c.example_label = label
