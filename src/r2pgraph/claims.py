"""Checking an assessment's treaty claims against the records as of the edition's date.

Each claim (data/claims/) gets an outcome — consistent, inconsistent or undecidable — with the
evidence in words and the records it rests on. The records are every source's treaty actions up to
the end of the edition's date, and status records dated no later than that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from r2pgraph.crossref import PARTY, SIGNATORY, SourceView, reconcile, view_from_actions
from r2pgraph.namespaces import GRAPH, R2P
from r2pgraph.query import Source, select

CLAIMS_GRAPH = URIRef(GRAPH + "claim-checks")
CLAIMS_QUERY = f"""PREFIX r2p: <{R2P}>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?c ?kind ?state ?edition ?asof ?instrument ?set ?count ?action ?year ?statement WHERE {{
  ?c a r2p:TreatyClaim ; r2p:claimKind ?kind ; r2p:state ?state ; r2p:edition ?edition ;
     dct:description ?statement .
  ?edition r2p:date ?asof .
  OPTIONAL {{ ?c r2p:instrument ?instrument }} OPTIONAL {{ ?c r2p:instrumentSet ?set }}
  OPTIONAL {{ ?c r2p:claimedCount ?count }} OPTIONAL {{ ?c r2p:claimedAction ?action }}
  OPTIONAL {{ ?c r2p:date ?year }}
}} ORDER BY ?c"""
OUTCOMES = {"consistent": R2P.Consistent, "inconsistent": R2P.Inconsistent, "undecidable": R2P.Undecidable}


@dataclass
class ClaimCheck:
    claim: str
    statement: str
    state: str
    as_of: str
    outcome: str
    evidence: str
    records: list[str] = field(default_factory=list)


def _views_as_of(store: Source, state: str, instrument: str, as_of: str) -> list[SourceView]:
    """Each source's view of the state and instrument, as of ``as_of``."""
    views: list[SourceView] = []
    for r in reconcile(store, state=state, instruments=[instrument]):
        for v in r.views:
            if v.as_of is None:
                actions = _actions_of(store, v)
                dated = view_from_actions(v.graph, actions, as_of)
                if dated is not None:
                    views.append(dated)
            elif v.as_of[:4] <= as_of[:4]:
                views.append(v)
    return views


def _actions_of(store: Source, view: SourceView) -> list:  # type: ignore[type-arg]
    from r2pgraph.crossref import Action

    if not view.records:
        return []
    values = " ".join(f"<{r}>" for r in view.records)
    rows = select(
        store,
        f"PREFIX r2p: <{R2P}> SELECT ?x ?kind ?date WHERE {{ VALUES ?x {{ {values} }} ?x a ?kind ; r2p:date ?date . "
        "FILTER (STRSTARTS(STR(?kind), STR(r2p:))) }",
    )
    return [Action(r["x"].value, r["kind"].value.rsplit("#", 1)[-1], r["date"].value) for r in rows]


def _describe(views: list[SourceView]) -> str:
    parts = []
    for v in views:
        src = v.graph[len(GRAPH) :] if v.graph.startswith(GRAPH) else v.graph
        what = v.status + (f" ({(v.kind or 'kind unknown').lower()} {v.since})" if v.status == PARTY else "")
        parts.append(f"{src}: {what}")
    return "; ".join(parts)


def _check_one(store: Source, row: dict[str, object]) -> ClaimCheck:
    def val(name: str) -> str | None:
        term = row[name]
        return None if term is None else str(term.value)  # type: ignore[attr-defined]

    claim, kind, state, as_of = val("c") or "", val("kind"), val("state") or "", val("asof") or ""
    check = ClaimCheck(claim, val("statement") or "", state, as_of, "undecidable", "")
    if kind == "party-count":
        set_iri = val("set") or ""
        this = {"set": ox.NamedNode(set_iri)}
        members = select(store, f"PREFIX r2p: <{R2P}> SELECT ?i WHERE {{ ?set r2p:includesInstrument ?i }}", bind=this)
        confirmed = not select(store, f"PREFIX r2p: <{R2P}> SELECT ?x WHERE {{ ?set r2p:unconfirmed ?x }}", bind=this)
        party = []
        for m in members:
            views = _views_as_of(store, state, m["i"].value, as_of)
            if any(v.status == PARTY for v in views):
                party.append(m["i"].value.rsplit("/", 1)[-1])
            check.records += [r for v in views for r in v.records]
        party.sort()
        count = int(val("count") or 0)
        summary = f"party to {len(party)} of the {len(members)} recorded members ({', '.join(party) or 'none'})"
        if not confirmed:
            check.outcome = "undecidable"
            check.evidence = f"The instrument set's membership is not confirmed; the records show the state {summary}."
        else:
            check.outcome = "consistent" if len(party) == count else "inconsistent"
            check.evidence = f"The records show the state {summary}; the claim says {count}."
        return check

    instrument = val("instrument") or ""
    views = _views_as_of(store, state, instrument, as_of)
    check.records = [r for v in views for r in v.records]
    name = instrument.rsplit("/", 1)[-1]
    if not views:
        no_record = f"No source records any action by the state on {name} up to {as_of}"
        if kind in ("not-party", "not-signed"):
            check.outcome, check.evidence = "consistent", no_record + "."
        else:
            check.outcome, check.evidence = "inconsistent", no_record + "."
        return check
    seen = _describe(views)
    is_party = [v for v in views if v.status == PARTY]
    year = val("year")
    if kind == "party":
        check.outcome = "consistent" if is_party else "inconsistent"
    elif kind == "not-party":
        check.outcome = "inconsistent" if is_party else "consistent"
    elif kind in ("signed", "not-signed"):
        signatures = _signatures(store, views)
        if kind == "not-signed":
            check.outcome = "inconsistent" if signatures else "consistent"
        elif not signatures:
            check.outcome = "inconsistent"
            seen += "; no signature is recorded"
        else:
            check.outcome = "consistent" if not year or any(d[:4] == year for d in signatures) else "inconsistent"
            seen += f"; signed {', '.join(signatures)}"
    elif kind == "action":
        claimed = (val("action") or "").rsplit("#", 1)[-1]
        known = [v for v in is_party if v.kind]
        if not is_party:
            check.outcome = "inconsistent"
        elif known and all(v.kind != claimed for v in known):
            check.outcome = "inconsistent"
            seen += f"; the records name the action {', '.join(sorted({(v.kind or '').lower() for v in known}))}"
        elif not known:
            check.outcome = "undecidable"
            seen += "; no source says which kind of action it was"
        else:
            check.outcome = "consistent"
    if check.outcome == "consistent" and year and kind in ("party", "action"):
        years = {v.year for v in is_party if v.year}
        if years and year not in years:
            check.outcome = "inconsistent"
            seen += f"; the claim says {year}"
    if any(v.status == SIGNATORY for v in views) and kind == "party":
        seen += "; a source records a signature only"
    doubts = _unconfirmed(store, check.records)
    if doubts:
        seen += f"; awaiting confirmation in the records: {', '.join(doubts)}"
    check.evidence = f"Records up to {as_of}: {seen}."
    return check


def _unconfirmed(store: Source, records: list[str]) -> list[str]:
    """Which facts of the given records are marked unconfirmed (e.g. 'date', 'kind of action')."""
    if not records:
        return []
    values = " ".join(f"<{r}>" for r in records)
    query = f"PREFIX r2p: <{R2P}> SELECT DISTINCT ?p WHERE {{ VALUES ?x {{ {values} }} ?x r2p:unconfirmed ?p }}"
    rows = select(store, query)
    names = {"type": "kind of action"}
    return sorted(names.get(r["p"].value.rsplit("#", 1)[-1], r["p"].value.rsplit("#", 1)[-1]) for r in rows)


def _signatures(store: Source, views: list[SourceView]) -> list[str]:
    values = " ".join(f"<{r}>" for v in views for r in v.records)
    if not values:
        return []
    rows = select(
        store, f"PREFIX r2p: <{R2P}> SELECT ?d WHERE {{ VALUES ?x {{ {values} }} ?x a r2p:Signature ; r2p:date ?d }}"
    )
    return sorted(r["d"].value for r in rows)


def check_claims(store: Source, state: str | None = None) -> list[ClaimCheck]:
    """Check every treaty claim (of one state, when given)."""
    rows = select(store, CLAIMS_QUERY, bind={"state": ox.NamedNode(state)} if state else None)
    return [_check_one(store, row) for row in rows]


def claim_check_graph(checks: list[ClaimCheck]) -> Graph:
    """The checks as RDF, for the ``graph/claim-checks`` named graph."""
    g = Graph()
    for c in checks:
        node = URIRef(c.claim + "/check")
        g.add((node, RDF.type, R2P.ClaimCheck))
        g.add((node, R2P.checksClaim, URIRef(c.claim)))
        g.add((node, R2P.outcome, OUTCOMES[c.outcome]))
        g.add((node, R2P.evidence, Literal(c.evidence, lang="en")))
        g.add((node, R2P.asOf, Literal(c.as_of)))
        for record in c.records:
            g.add((node, R2P.comparesRecord, URIRef(record)))
    return g
