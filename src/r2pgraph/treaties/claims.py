"""Checking an assessment's treaty claims against the records as of the edition's date.

Each claim (data/claims/) gets an outcome — consistent, inconsistent or undecidable — with the
evidence in words and the records it rests on. Every source's status as of the edition's date comes
from ``r2pgraph.treaties.status``: curated records, and tables dated no earlier than the edition,
decide; a table dated earlier (UNTC as of 2015 against an assessment of 2019) cannot, so a claim
that only such tables speak to is undecidable — and so is one that no source covers, since "not
party" is never inferred from absence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from r2pgraph.query.engine import Source, select
from r2pgraph.rdf.namespaces import GRAPH, R2P
from r2pgraph.treaties.crossref import short
from r2pgraph.treaties.status import NO_RECORD, PARTY, SIGNATORY, Status, StatusIndex

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


@dataclass
class Decision:
    """What the records say of one state and instrument as of a date, and which records decide it."""

    deciding: list[Status]  # curated records, and tables not older than the date
    stale: list[Status]  # tables older than the date: they cannot decide it

    @property
    def records(self) -> list[str]:
        return [r for s in self.deciding + self.stale for r in s.records]

    def describe(self) -> str:
        return "; ".join(f"{short(s.source)}: {s.describe()}" for s in self.deciding)

    def why_undecidable(self, name: str, as_of: str) -> str:
        if not self.stale:
            return f"No source covers {name} for the state: nothing is inferred from absence."
        seen = "; ".join(f"{short(s.source)}: {s.describe()}" for s in self.stale)
        return f"The newest records predate {as_of} and no curated record decides it: {seen}."


def decide(index: StatusIndex, state: str, instrument: str, as_of: str) -> Decision:
    """The records as of ``as_of``: a curated record, or a table dated no earlier, decides; a table
    dated earlier (UNTC as of 2015 against an assessment of 2019) does not."""
    recorded = [s for s in index.statuses(state, instrument, as_of) if s.value != NO_RECORD]
    return Decision([s for s in recorded if not s.stale], [s for s in recorded if s.stale])


def _unconfirmed(store: Source, records: list[str]) -> list[str]:
    """Which facts of the given records are marked unconfirmed (e.g. 'date', 'kind of action')."""
    if not records:
        return []
    values = " ".join(f"<{r}>" for r in records)
    query = f"PREFIX r2p: <{R2P}> SELECT DISTINCT ?p WHERE {{ VALUES ?x {{ {values} }} ?x r2p:unconfirmed ?p }}"
    rows = select(store, query)
    names = {"type": "kind of action"}
    return sorted(names.get(r["p"].value.rsplit("#", 1)[-1], r["p"].value.rsplit("#", 1)[-1]) for r in rows)


def _signatures(decision: Decision) -> list[str]:
    """The signatures the deciding records give: dates, or "undated" for a signatory of a table."""
    found = {s.signed for s in decision.deciding if s.signed}
    undated = any(s.value == SIGNATORY and not s.signed for s in decision.deciding)
    return sorted(found) + (["undated"] if undated and not found else [])


def _count(store: Source, index: StatusIndex, check: ClaimCheck, set_iri: str, count: int) -> ClaimCheck:
    this = {"set": ox.NamedNode(set_iri)}
    members = select(store, f"PREFIX r2p: <{R2P}> SELECT ?i WHERE {{ ?set r2p:includesInstrument ?i }}", bind=this)
    confirmed = not select(store, f"PREFIX r2p: <{R2P}> SELECT ?x WHERE {{ ?set r2p:unconfirmed ?x }}", bind=this)
    party, open_ = [], []
    for m in members:
        instrument = m["i"].value
        decision = decide(index, check.state, instrument, check.as_of)
        key = instrument.rsplit("/", 1)[-1]
        if any(s.value == PARTY for s in decision.deciding):
            party.append(key)
        elif not decision.deciding:
            open_.append(key)
        check.records += decision.records
    party.sort()
    summary = f"party to {len(party)} of the {len(members)} recorded members ({', '.join(party) or 'none'})"
    if open_:
        summary += f"; undecided as of {check.as_of}: {', '.join(sorted(open_))}"
    if not confirmed:
        check.outcome = "undecidable"
        check.evidence = f"The instrument set's membership is not confirmed; the records show the state {summary}."
    elif open_ and len(party) < count <= len(party) + len(open_):
        check.outcome = "undecidable"
        check.evidence = f"The records show the state {summary}; the claim says {count}."
    else:
        check.outcome = "consistent" if len(party) == count else "inconsistent"
        check.evidence = f"The records show the state {summary}; the claim says {count}."
    return check


def _check_one(store: Source, index: StatusIndex, row: dict[str, object]) -> ClaimCheck:
    def val(name: str) -> str | None:
        term = row[name]
        return None if term is None else str(term.value)  # type: ignore[attr-defined]

    claim, kind, state, as_of = val("c") or "", val("kind"), val("state") or "", val("asof") or ""
    check = ClaimCheck(claim, val("statement") or "", state, as_of, "undecidable", "")
    if kind == "party-count":
        return _count(store, index, check, val("set") or "", int(val("count") or 0))
    instrument = val("instrument") or ""
    decision = decide(index, state, instrument, as_of)
    check.records = decision.records
    if not decision.deciding:
        check.evidence = decision.why_undecidable(instrument.rsplit("/", 1)[-1], as_of)
        return check
    views = decision.deciding
    seen = decision.describe()
    is_party = [v for v in views if v.value == PARTY]
    year = val("year")
    if kind == "party":
        check.outcome = "consistent" if is_party else "inconsistent"
    elif kind == "not-party":
        check.outcome = "inconsistent" if is_party else "consistent"
    elif kind in ("signed", "not-signed"):
        signatures = _signatures(decision)
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
        known = [v for v in is_party if v.act]
        if not is_party:
            check.outcome = "inconsistent"
        elif known and all(v.act != claimed for v in known):
            check.outcome = "inconsistent"
            seen += f"; the records name the action {', '.join(sorted({(v.act or '').lower() for v in known}))}"
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
    if any(v.value == SIGNATORY for v in views) and kind == "party":
        seen += "; a source records a signature only"
    if decision.stale:
        seen += "; older tables: " + "; ".join(f"{short(s.source)}: {s.describe()}" for s in decision.stale)
    doubts = _unconfirmed(store, check.records)
    if doubts:
        seen += f"; awaiting confirmation in the records: {', '.join(doubts)}"
    check.evidence = f"Records up to {as_of}: {seen}."
    return check


def check_claims(store: Source, state: str | None = None, index: StatusIndex | None = None) -> list[ClaimCheck]:
    """Check every treaty claim (of one state, when given)."""
    rows = select(store, CLAIMS_QUERY, bind={"state": ox.NamedNode(state)} if state else None)
    if not rows:
        return []
    index = index or StatusIndex.load(store)
    return [_check_one(store, index, row) for row in rows]


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
