"""Every state's treaty status in one object: the status index, the verdicts of the cross-reference,
and each state's UN standing and M49 region, read from a built generation once.

A generation is immutable, so the server works this out once per served version (see
``Served.derived``) and the ratification matrix, the instrument pages and the state pages read it
from memory. The status of a state for an instrument is the one of ``r2pgraph.treaties.status``;
what a page shows for several sources is ``shown``: the newest source's status (``newest``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from r2pgraph.query.engine import Source, select
from r2pgraph.rdf.iris import R2P
from r2pgraph.treaties.crossref import Reconciliation, reconcile
from r2pgraph.treaties.status import NO_ACTION, NO_RECORD, PARTY, SIGNATORY, WITHDRAWN, Status, StatusIndex, newest

UN_STATUS = {
    R2P + "UNMemberState": "member",
    R2P + "UNObserverState": "observer",
    R2P + "UNNonMemberState": "non-member",
}
STATES_QUERY = f"""PREFIX r2p: <{R2P}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?code ?name ?un WHERE {{
  ?s a r2p:State ; r2p:iso3166Alpha3 ?code ; skos:prefLabel ?name . FILTER (LANGMATCHES(LANG(?name), "en"))
  OPTIONAL {{ ?s r2p:unStatus ?un }} }}"""
# Each state's M49 areas, the finest and all above it; an area without a broader one is a region.
AREAS_QUERY = f"""PREFIX r2p: <{R2P}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?area ?up WHERE {{ ?s r2p:m49Area/skos:broader* ?area . OPTIONAL {{ ?area skos:broader ?up }} }}"""
AREA_LABELS_QUERY = f"""PREFIX r2p: <{R2P}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?area ?code ?label WHERE {{ ?area a r2p:M49Area ; skos:notation ?code ; skos:prefLabel ?label }}"""


# The UN Treaty Collection's suffixes for the kind of consent (a ratification has none).
ACT_MARKS = {"Accession": "a", "Succession": "d", "Acceptance": "A", "Approval": "AA"}


@dataclass(frozen=True)
class Cell:
    status: str  # party, signatory, no action, not party, withdrawn
    year: str | None  # of the consent, signature or withdrawal
    disputed: bool
    sources: int
    act: str | None = None  # the kind of consent, when known
    detail: str = ""  # the status in words with its source and as-of date

    @property
    def mark(self) -> str:
        return ACT_MARKS.get(self.act or "", "")

    @property
    def text(self) -> str:
        """E.g. "party 2007 (a)", "signatory 1998", "no action"."""
        text = self.status + (f" {self.year}" if self.year else "")
        return text + (f" ({self.mark})" if self.mark else "")

    @property
    def css(self) -> str:
        """The cell's classes: its status, and for a party the kind of act."""
        classes = "st-" + self.status.replace(" ", "-")
        if self.status == PARTY:
            classes += " act-" + (self.act or "consent").lower()
        return classes + (" disputed" if self.disputed else "")


def matrix_cell(found: Reconciliation) -> Cell | None:
    """The matrix cell of a reconciled state and instrument: the status shown (see ``shown``), in
    short words with its source, as-of date and verdict (None when no source has a record)."""
    shown = _shown(found)
    if shown is None:
        return None
    dated = shown.value in (PARTY, SIGNATORY, WITHDRAWN)
    act = shown.act if shown.value == PARTY else None
    words = shown.value + (f" by {act.lower()}" if act else "") + (f" {shown.since}" if dated and shown.since else "")
    as_of = f" as of {shown.source_as_of}" if shown.source_as_of else ""
    return Cell(
        shown.value,
        shown.year if dated else None,
        found.disagrees,
        len([v for v in found.views if v.value != NO_RECORD]),
        act,
        f"{words}{as_of} · {shown.source.rsplit('/graph/', 1)[-1]} · {found.verdict}",
    )


@dataclass(frozen=True)
class Area:
    """An M49 area: its code (e.g. ``030``) and name (Eastern Asia)."""

    code: str
    label: str


@dataclass(frozen=True)
class StateInfo:
    iri: str
    code: str  # ISO 3166-1 alpha-3
    name: str
    un_status: str  # member, observer, non-member, or "" when the data does not say
    region: Area | None = None
    subregion: Area | None = None
    areas: frozenset[str] = frozenset()  # the M49 codes of every area the state is in


def state_infos(store: Source) -> dict[str, StateInfo]:
    """Every state with an ISO code: its name, UN standing, M49 region and sub-region."""
    labels = {r["area"].value: Area(r["code"].value, r["label"].value) for r in select(store, AREA_LABELS_QUERY)}
    ups: dict[str, str] = {}
    areas: dict[str, set[str]] = {}
    for r in select(store, AREAS_QUERY):
        areas.setdefault(r["s"].value, set()).add(r["area"].value)
        if r["up"] is not None:
            ups[r["area"].value] = r["up"].value
    infos: dict[str, StateInfo] = {}
    for r in select(store, STATES_QUERY):
        iri = r["s"].value
        if iri in infos:
            continue
        mine = areas.get(iri, set())
        region = next((a for a in mine if a not in ups), None)
        subregion = next((a for a in mine if ups.get(a) == region), None) if region else None
        infos[iri] = StateInfo(
            iri,
            r["code"].value,
            r["name"].value,
            UN_STATUS.get(r["un"].value, "") if r["un"] is not None else "",
            labels.get(region) if region else None,
            labels.get(subregion) if subregion else None,
            frozenset(labels[a].code for a in mine if a in labels),
        )
    return infos


def _shown(found: Reconciliation) -> Status | None:
    views = [v for v in found.views if v.value != NO_RECORD]
    return newest(views) if views else None


@dataclass
class TreatyWorld:
    """The status index, every reconciliation by (state, instrument), and every state's standing."""

    index: StatusIndex
    reconciliations: dict[tuple[str, str], Reconciliation]
    states: dict[str, StateInfo]

    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)  # the matrix's, by (state, instrument)

    def shown(self, state: str, instrument: str) -> Status | None:
        """The status a page shows for the state and instrument: the newest source's (a curated
        record first); None when no source has a record."""
        found = self.reconciliations.get((state, instrument))
        return _shown(found) if found else None

    def regions(self) -> list[tuple[Area, list[Area]]]:
        """The M49 regions with their sub-regions, as the states' data gives them, by name."""
        found: dict[Area, set[Area]] = {}
        for info in self.states.values():
            if info.region:
                subs = found.setdefault(info.region, set())
                if info.subregion:
                    subs.add(info.subregion)
        return [(r, sorted(found[r], key=lambda a: a.label)) for r in sorted(found, key=lambda a: a.label)]


def load_world(store: Source) -> TreatyWorld:
    """Read every source's records and reconcile every state and instrument (seconds, at world
    scale: do it once per generation)."""
    index = StatusIndex.load(store)
    found = {(r.state, r.instrument): r for r in reconcile(index)}
    cells = {key: cell for key, r in found.items() if (cell := matrix_cell(r))}
    return TreatyWorld(index, found, state_infos(store), cells)


@dataclass
class InstrumentRow:
    """One state on an instrument's page: what is shown, the verdict, and each source's words."""

    state: StateInfo
    status: Status
    verdict: str
    by_source: list[tuple[str, str]]  # (source graph, what it says)


@dataclass
class InstrumentSummary:
    """An instrument's parties and signatories across every state, with counts and sources' dates."""

    parties: list[InstrumentRow] = field(default_factory=list)
    signatories: list[InstrumentRow] = field(default_factory=list)
    by_act: list[tuple[str, int]] = field(default_factory=list)  # kind of consent, how many
    sources: list[tuple[str, str | None]] = field(default_factory=list)  # (source graph, as of)
    members_no_action: int = 0  # UN members whose shown status is "no action"
    no_action_as_of: list[str] = field(default_factory=list)  # the dates those statuses hold at


def instrument_summary(world: TreatyWorld, instrument: str) -> InstrumentSummary:
    summary = InstrumentSummary()
    as_of: set[str] = set()
    for info in sorted(world.states.values(), key=lambda s: s.name):
        shown = world.shown(info.iri, instrument)
        if shown is None:
            continue
        found = world.reconciliations[(info.iri, instrument)]
        says = [(v.source, v.describe()) for v in found.views if v.value != NO_RECORD]
        row = InstrumentRow(info, shown, found.verdict, says)
        if shown.value == PARTY:
            summary.parties.append(row)
        elif shown.value == SIGNATORY:
            summary.signatories.append(row)
        elif shown.value == NO_ACTION and info.un_status == "member":
            summary.members_no_action += 1
            if shown.source_as_of:
                as_of.add(shown.source_as_of)
    acts = Counter((r.status.act or "consent (kind not given)").lower() for r in summary.parties)
    summary.by_act = sorted(acts.items(), key=lambda kv: (-kv[1], kv[0]))
    summary.no_action_as_of = sorted(as_of)
    for graph, records in sorted(world.index.sources.items()):
        table = records.tables.get(instrument)
        if table is not None:
            summary.sources.append((graph, table.as_of))
        elif records.rows and instrument in records.instruments:
            dates = {r.as_of for (_, i), r in records.rows.items() if i == instrument}
            summary.sources.append((graph, max(dates)))
        elif not records.tables and not records.rows and instrument in records.instruments:
            summary.sources.append((graph, None))
    return summary
