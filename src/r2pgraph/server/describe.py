"""Reading one resource from the store: its statements (with the named graph that says each),
incoming links, labels of everything it links to, and its citations with their sources' URLs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from r2pgraph.query.engine import Row, Source, select
from r2pgraph.rdf import iris
from r2pgraph.rdf.iris import INSTANCE_PREFIXES, PREFIXES

LABEL_PREDICATES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
)
R2P = PREFIXES["r2p"]


@dataclass
class Value:
    term: ox.NamedNode | ox.Literal | ox.BlankNode
    label: str | None = None

    @property
    def is_iri(self) -> bool:
        return isinstance(self.term, ox.NamedNode)

    @property
    def text(self) -> str:
        return self.term.value

    @property
    def lang(self) -> str | None:
        return self.term.language if isinstance(self.term, ox.Literal) else None

    @property
    def datatype(self) -> str | None:
        if isinstance(self.term, ox.Literal) and not self.term.language:
            dt = self.term.datatype.value
            return None if dt.endswith("#string") else curie(dt)
        return None


@dataclass
class Statement:
    predicate: str
    predicate_label: str
    value: Value
    graph: str


@dataclass
class Citation:
    iri: str
    source: str
    source_title: str
    urls: list[str]
    locator: str | None
    footnote: int | None


@dataclass
class Resource:
    iri: str
    label: str | None
    types: list[Value] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    incoming: list[Statement] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.statements or self.types)


def curie(iri: str) -> str:
    """A vocabulary term as ``prefix:local``; the project's resources (and SHACL terms) stay IRIs."""
    return iris.curie(iri, skip=(*INSTANCE_PREFIXES, "sh"))


def _label_map(store: Source, iris: set[str] | None) -> dict[str, str]:
    """The label of each of ``iris`` that has one (of every resource with one when None)."""
    if iris is not None and not iris:
        return {}
    values = "VALUES ?x { " + " ".join(f"<{i}>" for i in iris) + " }" if iris is not None else ""
    # One branch per label predicate, in order of preference: a second VALUES over the predicates
    # was evaluated as a scan per pair (ten times slower on a state's page).
    branches = " UNION ".join(f"{{ ?x <{p}> ?l }}" for p in LABEL_PREDICATES)
    query = f"""SELECT ?x ?l WHERE {{ {values} {branches} FILTER (LANG(?l) IN ("en", "")) }}"""
    labels: dict[str, str] = {}
    for row in select(store, query):
        x, lab = row["x"], row["l"]
        if x is not None and lab is not None:
            labels.setdefault(x.value, lab.value)
    return labels


def every_label(store: Source) -> dict[str, str]:
    """Every resource's label (as ``describe`` picks it), by IRI: the same for every page of a version."""
    return _label_map(store, None)


DEFAULT_GRAPH = ox.DefaultGraph()
SORTED_HERE = 2_000  # incoming statements sorted here at most (more are sorted and cut by the store)


def _incoming(store: Source, this: dict[str, ox.NamedNode], limit: int) -> list[Row]:
    """The first ``limit`` statements linking to ``?this``, by property, subject and graph. When
    there are few, they are sorted here: the store's ORDER BY took four times as long as the query."""
    query = "SELECT ?s ?p ?g WHERE { GRAPH ?g { ?s ?p ?this } }"
    if isinstance(store, ox.Store):  # the same statements by their pattern: a third of the time of the query
        named = (q for q in store.quads_for_pattern(None, None, this["this"]) if q.graph_name != DEFAULT_GRAPH)
        rows: list[Row] = [
            {"s": q.subject, "p": q.predicate, "g": q.graph_name} for q in islice(named, SORTED_HERE + 1)
        ]
    else:
        rows = select(store, f"{query} LIMIT {SORTED_HERE + 1}", False, this)
    if len(rows) <= SORTED_HERE and all(isinstance(r["s"], ox.NamedNode) for r in rows):  # IRIs sort as strings
        return sorted(rows, key=lambda r: (r["p"].value, r["s"].value, r["g"].value))[:limit]
    return select(store, f"{query} ORDER BY ?p ?s ?g LIMIT {int(limit)}", False, this)


def describe(store: Source, iri: str, incoming_limit: int = 200, labels: Mapping[str, str] | None = None) -> Resource:
    """Everything the store says about ``iri`` (empty Resource when it says nothing). ``labels``:
    ``every_label(store)``, when the caller keeps it (the labels needed are read here otherwise)."""
    this = {"this": ox.NamedNode(iri)}
    out = select(store, "SELECT ?p ?o ?g WHERE { GRAPH ?g { ?this ?p ?o } } ORDER BY ?p ?o ?g", False, this)
    inc = _incoming(store, this, incoming_limit)
    iris = {iri}
    for row in out:
        iris.add(row["p"].value)
        if isinstance(row["o"], ox.NamedNode):
            iris.add(row["o"].value)
    for row in inc:
        iris.add(row["p"].value)
        iris.add(row["s"].value)
    if labels is None:
        labels = _label_map(store, iris)
    res = Resource(iri=iri, label=labels.get(iri))
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for row in out:
        p, o, g = row["p"].value, row["o"], row["g"].value
        value = Value(o, labels.get(o.value) if isinstance(o, ox.NamedNode) else None)
        if p == rdf_type:
            if all(t.text != o.value for t in res.types):
                res.types.append(value)
            continue
        res.statements.append(Statement(p, labels.get(p) or curie(p), value, g))
    for row in inc:
        s, p, g = row["s"], row["p"].value, row["g"].value
        res.incoming.append(Statement(p, labels.get(p) or curie(p), Value(s, labels.get(s.value)), g))
    res.citations = citations(store, iri)
    return res


def citations(store: Source, iri: str) -> list[Citation]:
    """The citations of a finding, treaty action, event…, with source titles and URLs."""
    query = f"""PREFIX r2p: <{R2P}>
    SELECT ?c ?src ?title ?loc ?fn (GROUP_CONCAT(DISTINCT STR(?url); separator=" ") AS ?urls) WHERE {{
      ?this r2p:hasCitation ?c . ?c r2p:citesSource ?src .
      OPTIONAL {{ ?src <http://purl.org/dc/terms/title> ?title }}
      OPTIONAL {{ ?src <https://schema.org/url> ?url }}
      OPTIONAL {{ ?c r2p:locator ?loc }} OPTIONAL {{ ?c r2p:footnoteNumber ?fn }}
    }} GROUP BY ?c ?src ?title ?loc ?fn ORDER BY ?fn ?c"""
    found = []
    for row in select(store, query, bind={"this": ox.NamedNode(iri)}):
        urls = row["urls"].value.split() if row["urls"] is not None else []
        found.append(
            Citation(
                iri=row["c"].value,
                source=row["src"].value,
                source_title=row["title"].value if row["title"] is not None else row["src"].value,
                urls=urls,
                locator=row["loc"].value if row["loc"] is not None else None,
                footnote=int(row["fn"].value) if row["fn"] is not None else None,
            )
        )
    return found


def construct(store: Source, iri: str) -> list[ox.Quad]:
    """The resource's own statements plus those of its citation and agenda-item nodes, per graph."""
    query = f"""PREFIX r2p: <{R2P}>
    SELECT ?s ?p ?o ?g WHERE {{
      {{ GRAPH ?g {{ ?this ?p ?o }} BIND (?this AS ?s) }}
      UNION {{ ?this r2p:hasCitation|r2p:agendaItem ?s . GRAPH ?g {{ ?s ?p ?o }} }}
    }}"""
    rows = select(store, query, bind={"this": ox.NamedNode(iri)})
    return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]
