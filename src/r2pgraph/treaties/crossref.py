"""Treaty-ratification cross-reference: what each source says of a state and an instrument, and a
verdict on every pair of sources, compared at the earlier of their two dates.

Every status comes from ``r2pgraph.treaties.status`` (the one definition). For two sources A and B
that speak of a state and an instrument, with as-of dates a and b (a curated source has none: it
is kept current), the pair is compared at t = the earlier of a and b, and gets one verdict:

* ``no record in one source``: one of them has no record (it does not cover the pair);
* ``disagree on status``: at t one says party and the other not, or signatory against no action;
* ``disagree on date``: both party (or both signatory) at t, with different dates at the precision
  both give (different days, or different years);
* ``disagree on kind of act``: both party at t, by different kinds of act (e.g. ratification vs
  accession), each kind known;
* ``later change``: they agree at t, and the later source records an act after t (or the year
  source's act falls in t's year, which the day source's table, as of t, does not yet list) — not a
  disagreement;
* ``agree at coarser precision``: they agree at t only as far as the coarser source tells (a year
  from OHCHR against a day from UNTC; a signatory of unknown date);
* ``agree``: the same status at t, with the same day and kind of act where both give them.

A state and instrument's verdict is the most severe of its pairs' (in the order above); with one
source only, ``single source``; with none, ``no source``. The entry into force derived from the
instrument's rule that differs from the one a source states is a ``disagree on date``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from r2pgraph.query.engine import Source
from r2pgraph.rdf.namespaces import GRAPH, R2P, mint
from r2pgraph.treaties.status import (
    NO_ACTION,
    NO_RECORD,
    NOT_PARTY,
    PARTY,
    SIGNATORY,
    Status,
    StatusIndex,
    earlier,
)

CROSSREF_GRAPH = URIRef(GRAPH + "crossref")
DISAGREEMENTS_GRAPH = URIRef(GRAPH + "disagreements")
DISAGREE_STATUS, DISAGREE_DATE, DISAGREE_KIND = "disagree on status", "disagree on date", "disagree on kind of act"
NO_RECORD_IN_ONE, LATER_CHANGE = "no record in one source", "later change"
COARSER, AGREE, SINGLE, NO_SOURCE = "agree at coarser precision", "agree", "single source", "no source"
# Most severe first.
VERDICTS = [DISAGREE_STATUS, DISAGREE_DATE, DISAGREE_KIND, NO_RECORD_IN_ONE, LATER_CHANGE, COARSER, AGREE]
DISAGREEMENTS = (DISAGREE_STATUS, DISAGREE_DATE, DISAGREE_KIND)
VERDICT_CONCEPTS = {
    DISAGREE_STATUS: R2P.DisagreeOnStatus,
    DISAGREE_DATE: R2P.DisagreeOnDate,
    DISAGREE_KIND: R2P.DisagreeOnKind,
    NO_RECORD_IN_ONE: R2P.NoRecordInOneSource,
    LATER_CHANGE: R2P.LaterChange,
    COARSER: R2P.AgreeAtCoarserPrecision,
    AGREE: R2P.Agree,
    SINGLE: R2P.SingleSource,
}
_COMPATIBLE = {frozenset({NOT_PARTY, NO_ACTION}), frozenset({NOT_PARTY, SIGNATORY})}


def short(graph: str) -> str:
    """A source's name for people: its graph IRI without the namespace."""
    return graph[len(GRAPH) :] if graph.startswith(GRAPH) else graph


@dataclass
class Comparison:
    """Two sources compared at the earlier of their dates (``at``; None: both are current)."""

    a: Status
    b: Status
    at: str | None
    verdict: str
    differences: list[str] = field(default_factory=list)

    def describe(self) -> str:
        at = f" (at {self.at})" if self.at else ""
        sides = f"{short(self.a.source)}: {self.a.describe()}; {short(self.b.source)}: {self.b.describe()}"
        how = f" — {'; '.join(self.differences)}" if self.differences else ""
        return f"{self.verdict}{at} — {sides}{how}"


@dataclass
class Reconciliation:
    state: str
    instrument: str
    views: list[Status]  # each speaking source's latest status
    comparisons: list[Comparison]
    in_force_differences: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        found = [c.verdict for c in self.comparisons] + [DISAGREE_DATE for _ in self.in_force_differences]
        if found:
            return min(found, key=VERDICTS.index)
        return SINGLE if len([v for v in self.views if v.value != NO_RECORD]) == 1 else NO_SOURCE

    @property
    def disagrees(self) -> bool:
        return self.verdict in DISAGREEMENTS

    @property
    def disagreements(self) -> list[str]:
        """Each disagreement in words, with both records' statuses and both as-of dates."""
        return [c.describe() for c in self.comparisons if c.verdict in DISAGREEMENTS] + self.in_force_differences


def _same_date(a: str | None, b: str | None) -> str | None:
    """None when two dates agree at the precision both give, COARSER when only at a year's,
    DISAGREE_DATE otherwise (or when one is missing)."""
    if not a or not b:
        return COARSER
    if len(a) == 10 and len(b) == 10:
        return None if a == b else DISAGREE_DATE
    return COARSER if a[:4] == b[:4] else DISAGREE_DATE


def compare(
    index: StatusIndex, state: str, instrument: str, first: str | Status, second: str | Status
) -> Comparison | None:
    """The verdict on two sources (named graphs, or their latest statuses) for a state and
    instrument; None when neither has a record."""
    latest_a = first if isinstance(first, Status) else index.status(state, instrument, first)
    latest_b = second if isinstance(second, Status) else index.status(state, instrument, second)
    first, second = latest_a.source, latest_b.source
    if latest_a.value == NO_RECORD and latest_b.value == NO_RECORD:
        return None
    if NO_RECORD in (latest_a.value, latest_b.value):
        return Comparison(latest_a, latest_b, None, NO_RECORD_IN_ONE)
    at = earlier(latest_a.source_as_of, latest_b.source_as_of)
    a, b = index.status(state, instrument, first, at), index.status(state, instrument, second, at)
    if a.value != b.value and frozenset({a.value, b.value}) not in _COMPATIBLE:
        if a.edge or b.edge:
            year = (a if a.edge else b).year
            return Comparison(a, b, at, LATER_CHANGE, [f"an act known by its year ({year}) may be after {at}"])
        return Comparison(a, b, at, DISAGREE_STATUS, [f"{a.value} vs {b.value}"])
    found: list[tuple[str, str]] = []
    if NOT_PARTY in (a.value, b.value):
        found.append((COARSER, "one source gives no date of signature"))
    if a.value == b.value and a.value in (PARTY, SIGNATORY):
        what = "consent" if a.value == PARTY else "signature"
        verdict = _same_date(a.since, b.since)
        if verdict:
            found.append((verdict, f"{what} {a.since or '(no date)'} vs {b.since or '(no date)'}"))
    if a.value == b.value == PARTY and a.act and b.act and a.act != b.act:
        found.append((DISAGREE_KIND, f"{a.act.lower()} vs {b.act.lower()}"))
    disagreements = [(v, text) for v, text in found if v in DISAGREEMENTS]
    if disagreements:
        verdict = min((v for v, _ in disagreements), key=VERDICTS.index)
        return Comparison(a, b, at, verdict, [text for _, text in disagreements])
    # A "not party" on the date (a table read before its own date) is whatever the other says.
    resolved = [
        (latest_a, a, b.value if a.value == NOT_PARTY else a.value),
        (latest_b, b, a.value if b.value == NOT_PARTY else b.value),
    ]
    changed = [s for s, dated, value in resolved if s.value != value or (value == PARTY and s.since != dated.since)]
    if changed:
        acts = [f"{short(s.source)}: {s.describe()}" for s in changed]
        return Comparison(a, b, at, LATER_CHANGE, [f"after {at}: {'; '.join(acts)}"])
    if found:
        return Comparison(a, b, at, COARSER, [text for _, text in found])
    return Comparison(a, b, at, AGREE)


def reconcile_one(index: StatusIndex, state: str, instrument: str) -> Reconciliation:
    """Every speaking source's status for the state and instrument, and each pair compared."""
    speaking = index.speaking(state, instrument)
    views = [index.status(state, instrument, g) for g in speaking]
    comparisons = []
    for n, first in enumerate(views):
        for second in views[n + 1 :]:
            found = compare(index, state, instrument, first, second)
            if found is not None:
                comparisons.append(found)
    mismatches = [
        f"{short(v.source)}: {v.in_force.describe()}"
        for v in views
        if v.in_force is not None and v.in_force.agrees is False
    ]
    return Reconciliation(state, instrument, views, comparisons, mismatches)


def reconcile(
    store: Source | StatusIndex,
    state: str | None = None,
    instruments: list[str] | None = None,
    every_instrument: bool = False,
) -> list[Reconciliation]:
    """For each state and instrument (the given ones, or all), what every source says and the
    verdicts. Pairs no source speaks of are left out unless ``every_instrument``."""
    index = store if isinstance(store, StatusIndex) else StatusIndex.load(store)
    states = [state] if state else index.world
    results = []
    for s in states:
        for i in instruments or index.instruments:
            r = reconcile_one(index, s, i)
            if every_instrument or r.verdict != NO_SOURCE:
                results.append(r)
    return results


def _date_literal(value: str) -> Literal:
    return Literal(value, datatype=XSD.date if len(value) == 10 else XSD.gYear)


def reconciliation_graph(results: list[Reconciliation]) -> tuple[Graph, Graph]:
    """The reconciliations as RDF for ``graph/crossref`` (those with a comparison: their verdict,
    and each comparison that is not an agreement, with both records), and their disagreements
    alone for ``graph/disagreements``."""
    g, disagreements = Graph(), Graph()
    for r in results:
        if not r.comparisons and not r.in_force_differences:
            continue
        state_key, instrument_key = r.state.rsplit("/", 1)[-1], r.instrument.rsplit("/", 1)[-1]
        node = mint("reconciliation", state_key, instrument_key)
        g.add((node, RDF.type, R2P.Reconciliation))
        g.add((node, R2P.state, URIRef(r.state)))
        g.add((node, R2P.instrument, URIRef(r.instrument)))
        g.add((node, R2P.verdict, VERDICT_CONCEPTS[r.verdict]))
        for view in r.views:
            g.add((node, PROV.wasDerivedFrom, URIRef(view.source)))
            if view.in_force and view.in_force.derived and view.in_force.date:
                g.add((node, R2P.derivedInForceDate, Literal(view.in_force.date, datatype=XSD.date)))
        for text in r.in_force_differences:
            for t in ((node, R2P.disagreement, Literal(text, lang="en")), (node, R2P.state, URIRef(r.state))):
                g.add(t)
                disagreements.add(t)
        for n, c in enumerate(r.comparisons, start=1):
            if c.verdict in (AGREE, COARSER):  # the reconciliation's verdict says enough
                continue
            pair = URIRef(f"{node}/comparison/{n}")
            triples: list[tuple[URIRef, URIRef, URIRef | Literal]] = [
                (node, R2P.comparison, pair),
                (pair, RDF.type, R2P.SourceComparison),
                (pair, R2P.state, URIRef(r.state)),
                (pair, R2P.instrument, URIRef(r.instrument)),
                (pair, R2P.verdict, VERDICT_CONCEPTS[c.verdict]),
                (pair, R2P.comparesSource, URIRef(c.a.source)),
                (pair, R2P.comparesSource, URIRef(c.b.source)),
                *((pair, R2P.comparesRecord, URIRef(x)) for x in (*c.a.records, *c.b.records)),
            ]
            if c.at:
                triples.append((pair, R2P.comparedAt, _date_literal(c.at)))
            triples.append((pair, R2P.evidence, Literal(c.describe(), lang="en")))
            if c.verdict in DISAGREEMENTS:
                triples.append((pair, R2P.disagreement, Literal(c.describe(), lang="en")))
            for triple in triples:
                g.add(triple)
                if c.verdict in DISAGREEMENTS:
                    disagreements.add(triple)
    return g, disagreements
