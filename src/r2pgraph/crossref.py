"""Treaty-ratification cross-reference: who is party to what, according to which source, and
where the sources disagree.

Every source keeps its own records in its own named graph: curated treaty actions (signature,
ratification, accession…) and imported status records (party since a year, signatory, no
action). For each state and instrument this module derives what each source says and compares
them: the same status, year, date and kind of action, or how they differ. Curated actions are
read as of the date of the record they are compared with, so a later ratification is no
disagreement with an older table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from r2pgraph.iris import not_staging
from r2pgraph.namespaces import GRAPH, R2P, mint
from r2pgraph.query import Source, select

CROSSREF_GRAPH = URIRef(GRAPH + "crossref")
CONSENT_KINDS = {"Ratification", "Accession", "Acceptance", "Approval", "Succession", "ConsentToBeBound"}
PARTY, SIGNATORY, NO_ACTION = "party", "signatory", "no action"

ACTIONS_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT ?g ?x ?s ?i ?kind ?date WHERE {{
  GRAPH ?g {{ ?x r2p:state ?s ; r2p:instrument ?i ; r2p:date ?date ; a ?kind . }}
  FILTER (?kind IN (r2p:Signature, r2p:Ratification, r2p:Accession, r2p:Acceptance, r2p:Approval,
                    r2p:Succession, r2p:Withdrawal, r2p:ConsentToBeBound))
  {not_staging("g")}
}}"""
STATUS_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT ?g ?x ?s ?i ?status ?since ?asof WHERE {{
  GRAPH ?g {{ ?x a r2p:StatusRecord ; r2p:state ?s ; r2p:instrument ?i ; r2p:treatyStatus ?status ;
                 r2p:asOf ?asof . OPTIONAL {{ ?x r2p:sinceYear ?since }} }}
  {not_staging("g")}
}}"""


@dataclass(frozen=True)
class Action:
    iri: str
    kind: str
    date: str


@dataclass
class SourceView:
    """What one source (a named graph) says about one state and instrument."""

    graph: str
    status: str
    since: str | None = None  # date or year the state became a party
    kind: str | None = None  # kind of the consent action, when known
    as_of: str | None = None
    records: list[str] = field(default_factory=list)

    @property
    def year(self) -> str | None:
        return self.since[:4] if self.since else None


@dataclass
class Reconciliation:
    state: str
    instrument: str
    views: list[SourceView]
    disagreements: list[str]

    @property
    def verdict(self) -> str:
        if len(self.views) < 2:
            return "single source"
        return "disagree" if self.disagreements else "agree"


def _bind(state: str | None, instruments: list[str] | None) -> dict[str, ox.NamedNode | list[ox.NamedNode]]:
    """The state and instruments asked for, as terms bound to ?s and ?i (never as query text)."""
    bind: dict[str, ox.NamedNode | list[ox.NamedNode]] = {}
    if state:
        bind["s"] = ox.NamedNode(state)
    if instruments:
        bind["i"] = [ox.NamedNode(i) for i in instruments]
    return bind


def view_from_actions(graph: str, actions: list[Action], as_of: str | None = None) -> SourceView | None:
    """A source's status from its treaty actions, counting only those up to ``as_of``."""
    if as_of:
        limit = as_of if len(as_of) == 10 else as_of[:4] + "-12-31"
        actions = [a for a in actions if (a.date if len(a.date) == 10 else a.date[:4] + "-01-01") <= limit]
    if not actions:
        return None
    ordered = sorted(actions, key=lambda a: a.date)
    view = SourceView(graph, NO_ACTION, as_of=as_of, records=[a.iri for a in ordered])
    for a in ordered:
        if a.kind in CONSENT_KINDS and view.status != PARTY:
            view.status, view.since = PARTY, a.date
            view.kind = None if a.kind == "ConsentToBeBound" else a.kind
        elif a.kind == "Signature" and view.status == NO_ACTION:
            view.status = SIGNATORY
        elif a.kind == "Withdrawal":
            view.status, view.since, view.kind = NO_ACTION, None, None
    return view


def compare(a: SourceView, b: SourceView) -> list[str]:
    """How two sources' views differ (empty when they agree)."""
    where = f"{_short(a.graph)} vs {_short(b.graph)}"
    if a.status != b.status:
        if PARTY in (a.status, b.status):
            return [f"party vs not party: {a.status} vs {b.status} ({where})"]
        return [f"different status: {a.status} vs {b.status} ({where})"]
    found = []
    if a.status == PARTY and a.since and b.since:
        if a.year != b.year:
            found.append(f"different year: {a.year} vs {b.year} ({where})")
        elif len(a.since) == 10 and len(b.since) == 10 and a.since != b.since:
            found.append(f"different date: {a.since} vs {b.since} ({where})")
    if a.status == PARTY and a.kind and b.kind and a.kind != b.kind:
        found.append(f"different kind of action: {a.kind.lower()} vs {b.kind.lower()} ({where})")
    return found


def _short(graph: str) -> str:
    return graph[len(GRAPH) :] if graph.startswith(GRAPH) else graph


def reconcile(store: Source, state: str | None = None, instruments: list[str] | None = None) -> list[Reconciliation]:
    """Compare, for each state and instrument, what every source says."""
    bind = _bind(state, instruments)
    actions: dict[tuple[str, str], dict[str, list[Action]]] = {}
    for row in select(store, ACTIONS_QUERY, union=False, bind=bind):
        key = (row["s"].value, row["i"].value)
        kind = row["kind"].value.rsplit("#", 1)[-1]
        actions.setdefault(key, {}).setdefault(row["g"].value, []).append(
            Action(row["x"].value, kind, row["date"].value)
        )
    statuses: dict[tuple[str, str], list[SourceView]] = {}
    names = {str(R2P.Party): PARTY, str(R2P.Signatory): SIGNATORY, str(R2P.NoAction): NO_ACTION}
    for row in select(store, STATUS_QUERY, union=False, bind=bind):
        key = (row["s"].value, row["i"].value)
        since = row["since"].value if row["since"] is not None else None
        statuses.setdefault(key, []).append(
            SourceView(row["g"].value, names[row["status"].value], since, None, row["asof"].value, [row["x"].value])
        )
    results = []
    for key in sorted(set(actions) | set(statuses)):
        tables = statuses.get(key, [])
        views: list[SourceView] = list(tables)
        disagreements: list[str] = []
        for graph, acts in sorted(actions.get(key, {}).items()):
            current = view_from_actions(graph, acts)
            if current is not None:
                views.insert(0, current)
            for table in tables:
                dated = view_from_actions(graph, acts, table.as_of) or SourceView(graph, NO_ACTION, as_of=table.as_of)
                disagreements += compare(dated, table)
        curated = [v for v in views if v.as_of is None]
        for i, a in enumerate(curated):
            for b in curated[i + 1 :]:
                disagreements += compare(a, b)
        for i, a in enumerate(tables):
            for b in tables[i + 1 :]:
                if a.as_of == b.as_of:
                    disagreements += compare(a, b)
        results.append(Reconciliation(key[0], key[1], views, disagreements))
    return results


def reconciliation_graph(results: list[Reconciliation]) -> Graph:
    """The reconciliations as RDF, for the ``graph/crossref`` named graph."""
    g = Graph()
    verdicts = {"agree": R2P.Agree, "disagree": R2P.Disagree}
    for r in results:
        if r.verdict not in verdicts:
            continue
        state_key, instrument_key = r.state.rsplit("/", 1)[-1], r.instrument.rsplit("/", 1)[-1]
        node = mint("reconciliation", state_key, instrument_key)
        g.add((node, RDF.type, R2P.Reconciliation))
        g.add((node, R2P.state, URIRef(r.state)))
        g.add((node, R2P.instrument, URIRef(r.instrument)))
        g.add((node, R2P.verdict, verdicts[r.verdict]))
        for view in r.views:
            for record in view.records:
                g.add((node, R2P.comparesRecord, URIRef(record)))
            g.add((node, PROV.wasDerivedFrom, URIRef(view.graph)))
        for text in r.disagreements:
            g.add((node, R2P.disagreement, Literal(text, lang="en")))
    return g
