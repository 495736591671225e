"""Extra views for the pages people use most: a state (ratings grid, treaty status, timeline),
an indicator (ratings across states and editions) and an instrument (parties, dates, sources)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from r2pgraph.query.engine import Source, select
from r2pgraph.rdf.iris import GRAPH, R2P
from r2pgraph.server.charts import AreaRatings, Rating, parties_timeline, ratings_chart
from r2pgraph.server.describe import every_label
from r2pgraph.treaties.status import NO_RECORD, Coverage, Status, StatusIndex, newest

if TYPE_CHECKING:
    from r2pgraph.server.patterns import StateRecords
    from r2pgraph.treaties.world import TreatyWorld

PREFIXES = f"""PREFIX r2p: <{R2P}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""


def _v(term: Any) -> str:
    return "" if term is None else str(term.value)


@dataclass
class GridCell:
    indicator: str
    label: str
    notation: str
    finding: str | None = None
    rating: str | None = None
    rating_label: str | None = None


@dataclass
class GridArea:
    label: str
    cells: list[GridCell] = field(default_factory=list)


@dataclass
class EditionGrid:
    edition: str
    label: str
    areas: list[GridArea] = field(default_factory=list)


def rating_scale(store: Source) -> list[Rating]:
    """The ratings on the scale, best (highest score) first."""
    rows = select(
        store,
        PREFIXES
        + """SELECT ?r ?label ?score WHERE { ?r r2p:score ?score ; skos:prefLabel ?label
             FILTER (LANGMATCHES(LANG(?label), "en")) } ORDER BY DESC(?score)""",
    )
    return [Rating(_v(r["r"]).rsplit("/", 1)[-1], _v(r["label"])) for r in rows]


def ratings_charts(scale: list[Rating], grids: list[EditionGrid]) -> dict[str, str]:
    """Each edition's ratings by thematic area as an SVG chart, by edition IRI."""
    return {
        g.edition: ratings_chart(
            g.label, [AreaRatings(a.label, [c.rating for c in a.cells]) for a in g.areas], scale, f"chart-ratings-{n}"
        )
        for n, g in enumerate(grids)
    }


# One row of an edition's framework: (edition label, area label, indicator, its label, its notation).
SkeletonRow = tuple[str, str, str, str, str]


def framework_skeletons(store: Source) -> dict[str, list[SkeletonRow]]:
    """Each edition's framework, by edition IRI: its areas and indicators in order."""
    rows = select(
        store,
        PREFIXES
        + """SELECT ?edition ?elabel ?alabel ?aorder ?ind ?ilabel ?iorder ?notation WHERE {
      ?edition skos:prefLabel ?elabel ; r2p:framework ?fw .
      ?ind skos:inScheme ?fw ; a r2p:Indicator ; skos:prefLabel ?ilabel ; r2p:order ?iorder ;
           skos:notation ?notation ; skos:broader ?area .
      ?area skos:prefLabel ?alabel ; r2p:order ?aorder .
    } ORDER BY ?edition ?aorder ?iorder""",
    )
    skeletons: dict[str, list[SkeletonRow]] = {}
    for r in rows:
        row = (_v(r["elabel"]), _v(r["alabel"]), _v(r["ind"]), _v(r["ilabel"]), _v(r["notation"]))
        skeletons.setdefault(_v(r["edition"]), []).append(row)
    return skeletons


def ratings_grid(
    store: Source, state: str, skeletons: dict[str, list[SkeletonRow]], records: StateRecords | None = None
) -> list[EditionGrid]:
    """Per edition that assessed the state: its framework's areas and indicators with ratings.

    The editions that assessed the state and its findings are read by two queries (or from
    ``records``, the state's as read from an embedded store) and joined here with each edition's
    framework (``framework_skeletons``, the same for every state); one query with an OPTIONAL over
    the findings was two orders of magnitude slower.
    """
    if records is not None:
        return _grids(records.findings(), records.assessed(), skeletons)
    bind = {"state": ox.NamedNode(state)}
    findings = {
        (_v(r["e"]), _v(r["ind"])): (_v(r["f"]), _v(r["r"]), _v(r["rlabel"]))
        for r in select(
            store,
            PREFIXES
            + """SELECT ?e ?ind ?f ?r ?rlabel WHERE {
          ?f a r2p:Finding ; r2p:state ?state ; r2p:edition ?e ; r2p:indicator ?ind ; r2p:rating ?r .
          ?r skos:prefLabel ?rlabel . }""",
            bind=bind,
        )
    }
    assessed = select(
        store,
        PREFIXES + "SELECT ?edition WHERE { ?a a r2p:StateAssessment ; r2p:state ?state ; r2p:edition ?edition }",
        bind=bind,
    )
    return _grids(findings, [_v(r["edition"]) for r in assessed], skeletons)


def _grids(
    findings: dict[tuple[str, str], tuple[str, str, str]], editions: list[str], skeletons: dict[str, list[SkeletonRow]]
) -> list[EditionGrid]:
    grids: dict[str, EditionGrid] = {}
    for edition in sorted(set(editions)):
        for elabel, alabel, ind, ilabel, notation in skeletons.get(edition, []):
            grid = grids.setdefault(edition, EditionGrid(edition, elabel))
            finding, rating, rating_label = findings.get((edition, ind), (None, None, None))
            for _ in range(editions.count(edition)):  # as many times as the state's assessments name it
                if not grid.areas or grid.areas[-1].label != alabel:
                    grid.areas.append(GridArea(alabel))
                grid.areas[-1].cells.append(
                    GridCell(
                        indicator=ind,
                        label=ilabel,
                        notation=notation,
                        finding=finding or None,
                        rating=rating.rsplit("/", 1)[-1] if rating else None,
                        rating_label=rating_label or None,
                    )
                )
    return list(grids.values())


@dataclass
class ActionRecord:
    iri: str
    kind: str
    date: str
    state: str
    state_label: str
    instrument: str
    instrument_label: str
    unconfirmed: list[str]
    sources: list[tuple[str, str]]


def treaty_actions(
    store: Source, state: str | None = None, instrument: str | None = None, read: StateRecords | None = None
) -> list[ActionRecord]:
    """Treaty actions of a state or on an instrument, with kinds, dates, sources and doubts
    (``read``: the state's records, when the caller has read them from an embedded store).

    The actions, their cited sources and their doubts are read by three queries and joined here,
    each action's sources and doubts in IRI order (OPTIONALs in one query made it three times slower).
    """
    if isinstance(store, ox.Store) and state and not instrument:  # the same, by triple patterns
        from r2pgraph.server.patterns import StateRecords, state_actions

        return [ActionRecord(*row) for row in state_actions(read or StateRecords(store, state))]
    # The known IRI is bound as a term, which the engine treats as a constant in the patterns
    # (a BIND would be joined only after a full scan).
    bind = {k: ox.NamedNode(v) for k, v in (("s", state), ("i", instrument)) if v}
    rows = select(
        store,
        PREFIXES
        + """SELECT ?x ?kind ?date ?s ?slabel ?i ?ilabel WHERE {
      ?x r2p:state ?s ; r2p:instrument ?i ; r2p:date ?date ; a ?k .
      ?k rdfs:label ?kind .
      FILTER (?k IN (r2p:Signature, r2p:Ratification, r2p:Accession, r2p:Acceptance, r2p:Approval,
                     r2p:Succession, r2p:Withdrawal, r2p:ConsentToBeBound))
      ?s skos:prefLabel ?slabel . ?i skos:prefLabel ?ilabel .
    } ORDER BY ?ilabel ?slabel ?date ?x""",
        bind=bind,
    )
    cited = select(
        store,
        PREFIXES
        + """SELECT ?x ?src ?title WHERE { ?x r2p:state ?s ; r2p:instrument ?i ; r2p:hasCitation ?c .
          ?c r2p:citesSource ?src . OPTIONAL { ?src dct:title ?title } }""",
        bind=bind,
    )
    doubted = select(
        store,
        PREFIXES + "SELECT ?x ?doubt WHERE { ?x r2p:state ?s ; r2p:instrument ?i ; r2p:unconfirmed ?doubt }",
        bind=bind,
    )
    records: dict[str, ActionRecord] = {}
    for row in rows:
        key = _v(row["x"])
        records.setdefault(
            key,
            ActionRecord(
                key,
                _v(row["kind"]),
                _v(row["date"]),
                _v(row["s"]),
                _v(row["slabel"]),
                _v(row["i"]),
                _v(row["ilabel"]),
                [],
                [],
            ),
        )
    for row in sorted(doubted, key=lambda r: _v(r["doubt"])):
        rec = records.get(_v(row["x"]))
        doubt = _v(row["doubt"]).rsplit("#", 1)[-1]
        doubt = {"type": "kind of action"}.get(doubt, doubt)
        if rec and doubt and doubt not in rec.unconfirmed:
            rec.unconfirmed.append(doubt)
    for row in sorted(cited, key=lambda r: _v(r["src"])):
        rec = records.get(_v(row["x"]))
        src = (_v(row["src"]), _v(row["title"]))
        if rec and src[0] and src not in rec.sources:
            rec.sources.append(src)
    return list(records.values())


@dataclass
class TreatyStatusRow:
    """One instrument on a state's page (or one state on an instrument's): the status to show, and
    what each source says (from ``r2pgraph.treaties.status``)."""

    iri: str
    label: str
    status: str
    by_source: list[tuple[str, str, str]]  # (source graph, its name, what it says)
    actions: list[ActionRecord]
    verdict: str = ""  # the cross-reference's verdict on the sources, when known


def status_row(statuses: list[Status], iri: str, label: str, acts: list[ActionRecord], verdict: str) -> TreatyStatusRow:
    """The row of an instrument, from every speaking source's status (``StatusIndex.statuses``)."""
    views = [v for v in statuses if v.value != NO_RECORD]
    shown = newest(views).value if views else NO_RECORD
    by_source = [(v.source, v.source.removeprefix(GRAPH), v.describe()) for v in views]
    return TreatyStatusRow(iri, label, shown, by_source, acts, verdict)


@dataclass
class TimelineEntry:
    date: str
    label: str
    kind: str
    iri: str
    # a treaty action recorded by several sources (same date, act and instrument): each record's
    # IRI and the record set it belongs to (e.g. "curated", "untc-2015"); one line, not one per source
    records: list[tuple[str, str]] = field(default_factory=list)


def _record_set(action: str) -> str:
    """The record set a treaty action's IRI names (``…/treaty-action/<set>/…``)."""
    return action.partition("/treaty-action/")[2].split("/", 1)[0] or action


def timeline(store: Source, state: str, actions: list[ActionRecord] | None = None) -> list[TimelineEntry]:
    """Events involving the state and its treaty actions (``treaty_actions``, read here when not
    given), in date order."""
    rows = select(
        store,
        PREFIXES
        + """SELECT ?e ?date ?label ?kind WHERE {
      ?e r2p:involvesState ?state ; r2p:date ?date ; skos:prefLabel ?label ; a ?k .
      FILTER (LANG(?label) = "en")
      ?k rdfs:label ?kind . FILTER (STRSTARTS(STR(?k), STR(r2p:)))
    } ORDER BY ?date""",
        bind={"state": ox.NamedNode(state)},
    )
    entries = [TimelineEntry(_v(r["date"]), _v(r["label"]), _v(r["kind"]), _v(r["e"])) for r in rows]
    acts: dict[tuple[str, str], TimelineEntry] = {}
    for a in treaty_actions(store, state=state) if actions is None else actions:
        label = f"{a.kind}: {a.instrument_label}"
        entry = acts.setdefault((a.date, label), TimelineEntry(a.date, label, "Treaty action", a.iri))
        entry.records.append((a.iri, _record_set(a.iri)))
    entries.extend(acts.values())
    return sorted(entries, key=lambda e: (e.date, e.label))


@dataclass
class IndicatorRating:
    finding: str
    state: str
    state_label: str
    edition_label: str
    rating: str
    rating_label: str


def indicator_ratings(store: Source, indicator: str) -> list[IndicatorRating]:
    rows = select(
        store,
        PREFIXES
        + """SELECT ?f ?s ?slabel ?elabel ?r ?rlabel WHERE {
      ?f a r2p:Finding ; r2p:indicator ?indicator ; r2p:state ?s ; r2p:edition ?e ; r2p:rating ?r .
      ?s skos:prefLabel ?slabel . ?e skos:prefLabel ?elabel . ?r skos:prefLabel ?rlabel .
    } ORDER BY ?slabel ?elabel""",
        bind={"indicator": ox.NamedNode(indicator)},
    )
    return [
        IndicatorRating(
            _v(r["f"]), _v(r["s"]), _v(r["slabel"]), _v(r["elabel"]), _v(r["r"]).rsplit("/", 1)[-1], _v(r["rlabel"])
        )
        for r in rows
    ]


def instruments(store: Source) -> list[tuple[str, str]]:
    """Every instrument (IRI, label), by label."""
    rows = select(store, PREFIXES + "SELECT ?i ?l WHERE { ?i a r2p:Instrument ; skos:prefLabel ?l } ORDER BY ?l")
    return [(_v(r["i"]), _v(r["l"])) for r in rows]


def un_standing(store: Source, state: str) -> str:
    """One line on the state's UN status and M49 areas, e.g. "UN member since 1956 · Eastern Asia,
    Asia"; empty when the data records neither."""
    bind = {"state": ox.NamedNode(state)}
    query = "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?status ?since WHERE { ?state r2p:unStatus ?status ."
    rows = select(store, PREFIXES + query + " OPTIONAL { ?state org:hasMembership/r2p:date ?since } }", bind=bind)
    areas = select(
        store,
        PREFIXES
        + """SELECT ?a ?label ?up WHERE { ?state r2p:m49Area/skos:broader* ?a . ?a skos:prefLabel ?label
             OPTIONAL { ?a skos:broader ?up } }""",
        bind=bind,
    )
    words = {
        "UNMemberState": "UN member",
        "UNObserverState": "UN observer State",
        "UNNonMemberState": "not a UN member",
    }
    parts = []
    if rows:
        text = words.get(_v(rows[0]["status"]).rsplit("#", 1)[-1], "")
        parts.append(f"{text} since {_v(rows[0]['since'])}" if rows[0]["since"] is not None else text)
    label = {_v(r["a"]): _v(r["label"]) for r in areas}
    up = {_v(r["a"]): _v(r["up"]) for r in areas if r["up"] is not None}
    chain = [a for a in label if a not in up.values()][:1]  # the finest: no other area's parent
    while chain and chain[-1] in up and up[chain[-1]] not in chain:
        chain.append(up[chain[-1]])
    names = ", ".join(label[a] for a in chain if a in label)
    return " · ".join(p for p in (*parts, names) if p)


def view_for(
    store: Source,
    iri: str,
    types: list[str],
    world: Callable[[], TreatyWorld] | None = None,
    loaded: TreatyWorld | None = None,
    basis: Callable[[], PageBasis] | None = None,
) -> dict[str, Any]:
    """The extra template context for a resource of one of the special kinds (empty otherwise).
    ``world``: every state's treaty status, when the caller keeps it (an instrument's page reads
    it; read here otherwise); ``loaded``: the same when already read (a state's page uses it then,
    and otherwise reads only the state's records); ``basis``: what every page shares, when the
    caller keeps it (``page_basis.PageBasis``; read here otherwise)."""
    if R2P + "State" in types:
        return state_view(store, iri, _basis(store, basis), loaded)
    if R2P + "Indicator" in types:
        return {"indicator_ratings": indicator_ratings(store, iri)}
    if R2P + "Instrument" in types:
        from r2pgraph.server.world_map import map_data, state_numerics
        from r2pgraph.treaties.world import instrument_summary, load_world

        statuses = world() if world else load_world(store)
        label = next((label for i, label in _basis(store, basis).instruments if i == iri), iri)
        summary = instrument_summary(statuses, iri)
        dates = [d for _, d in summary.sources if d]
        return {
            "instrument": summary,
            "world_map": map_data(statuses, state_numerics(store), iri, label, summary),
            "parties_timeline": parties_timeline(
                label, [r.status.since for r in summary.parties], max(dates, default=None)
            ),
        }
    return {}


def state_view(store: Source, iri: str, basis: PageBasis, loaded: TreatyWorld | None = None) -> dict[str, Any]:
    """A state's ratings grid and charts, treaty status by instrument and timeline: the state's
    statuses and verdicts from ``loaded`` (every state's) when given, else from its own records."""
    from r2pgraph.treaties.crossref import reconcile_one

    records = None
    if isinstance(store, ox.Store):  # the state's treaty actions, findings and assessments by pattern
        from r2pgraph.server.patterns import StateRecords

        records = StateRecords(store, iri)
    actions = treaty_actions(store, state=iri, read=records)
    by_instrument: dict[str, list[ActionRecord]] = {}
    for a in actions:
        by_instrument.setdefault(a.instrument, []).append(a)
    index = loaded.index if loaded else StatusIndex.load(store, state=iri, shared=basis.coverage)
    treaty_status = []
    for inst, label in basis.instruments:
        found = (loaded and loaded.reconciliations.get((iri, inst))) or reconcile_one(index, iri, inst)
        treaty_status.append(status_row(found.views, inst, label, by_instrument.get(inst, []), found.verdict))
    grids = ratings_grid(store, iri, basis.skeletons, records)
    return {
        "un_standing": un_standing(store, iri),
        "grids": grids,
        "ratings_charts": ratings_charts(basis.scale, grids),
        "treaty_status": treaty_status,
        "timeline": timeline(store, iri, actions),
    }


def _basis(store: Source, kept: Callable[[], PageBasis] | None) -> PageBasis:
    return kept() if kept else read_basis(store)


@dataclass(frozen=True)
class PageBasis:
    """The instruments (IRI, label) by label, the ratings best first, each edition's framework
    skeleton by edition IRI, the treaty records' coverage, and every resource's label."""

    instruments: list[tuple[str, str]]
    scale: list[Rating]
    skeletons: dict[str, list[SkeletonRow]]
    coverage: Coverage
    labels: dict[str, str]  # every resource's label, by IRI (``describe.every_label``)


def read_basis(store: Source) -> PageBasis:
    """Read the basis from ``store`` (a few queries: tens of milliseconds with the world's records)."""
    return PageBasis(
        instruments(store), rating_scale(store), framework_skeletons(store), Coverage.load(store), every_label(store)
    )
