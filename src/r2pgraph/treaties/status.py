"""A state's status for an instrument on a date according to one source: the one definition.

A source is a named graph: the curated treaty actions of a state, one UN Treaty Collection status
table (treaty actions carrying the table's as-of date and citing an ``r2p:StatusTable``), one
OHCHR table (``r2p:StatusRecord``\\ s: party since a year, signatory, no action), or the Wikidata
import. ``StatusIndex.load`` reads every source's records with one SPARQL query per kind of record
into memory; ``StatusIndex.status`` then answers "what was state S's status for instrument I on
date D according to source X" without touching the store:

* ``no record``: X does not cover I for S (it says nothing; never read as "no action");
* ``no action``: X covers I and records no act of S by D — a table that lists every participant
  says so of every state it does not list, as of the table's date;
* ``signatory``, ``party`` (with the act, its date, and the entry into force derived from the
  instrument's rule), ``withdrawn``;
* ``not party``: a table dated after D that gives S a consent in a later year, or a signature of
  unknown date, cannot tell whether S had signed by D — only that it was no party.

Dates are ``YYYY-MM-DD`` or, where a source gives only the year, ``YYYY``. An act known only by its
year counts as done by D when its year is not after D's, and the answer is marked ``edge`` when
that year is D's own (the act may be after D). When X's as-of date is before D, the answer holds
as of X's date (``as_of``), and ``stale`` says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from r2pgraph.query.engine import Source, select
from r2pgraph.rdf import iris
from r2pgraph.rdf.entry_into_force import RULE_NAMES, in_force_for_party
from r2pgraph.rdf.iris import R2P, not_staging

NO_RECORD, NO_ACTION, NOT_PARTY = "no record", "no action", "not party"
SIGNATORY, PARTY, WITHDRAWN = "signatory", "party", "withdrawn"
# The kinds of act, defined once in rdf.iris (consent to be bound, signature, every treaty action).
CONSENT_KINDS = frozenset(iris.CONSENT_KINDS)
SIGNATURE_KINDS = frozenset(iris.SIGNATURE_KINDS)
ACTION_KINDS = frozenset(iris.ACTION_KINDS)
STATUS_NAMES = {R2P + "Party": PARTY, R2P + "Signatory": SIGNATORY, R2P + "NoAction": NO_ACTION}

# The act's as-of date and stated entry into force are read by queries of their own and joined
# here: OPTIONALs in this query made it ten times slower on the on-disk store.
ACTIONS_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT ?g ?x ?s ?i ?kind ?date WHERE {{ VALUES ?kind {{ {" ".join(f"r2p:{k}" for k in sorted(ACTION_KINDS))} }}
  GRAPH ?g {{ ?x a ?kind ; r2p:state ?s ; r2p:instrument ?i ; r2p:date ?date . }}
  {not_staging("g")}
}}"""
ACT_DATES_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT ?x ?p ?d WHERE {{ VALUES ?p {{ r2p:asOf r2p:inForceFrom }}
  GRAPH ?g {{ ?x ?p ?d ; r2p:state ?s ; r2p:instrument ?i }} {not_staging("g")} }}"""
# A record's since-year is read by a query of its own too (the OPTIONAL made it 15 times slower).
STATUS_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT ?g ?x ?s ?i ?status ?asof WHERE {{
  GRAPH ?g {{ ?x r2p:instrument ?i ; r2p:state ?s ; a r2p:StatusRecord ; r2p:treatyStatus ?status ;
                 r2p:asOf ?asof . }}
  {not_staging("g")}
}}"""
SINCE_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT ?g ?x ?since WHERE {{ GRAPH ?g {{ ?x r2p:sinceYear ?since ; r2p:state ?s ; r2p:instrument ?i }}
  {not_staging("g")} }}"""
TABLES_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT DISTINCT ?g ?t ?i ?asof ?every ?unread WHERE {{
  GRAPH ?tg {{ ?t a r2p:StatusTable ; r2p:coversInstrument ?i ; r2p:asOf ?asof ; r2p:listsEveryParticipant ?every .
             OPTIONAL {{ ?t r2p:unreadState ?unread }} }}
  GRAPH ?g {{ ?c r2p:citesSource ?t }}
  {not_staging("g")}
}}"""
# The instruments each source records something of: by status records, by treaty actions.
RECORDED_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT DISTINCT ?g ?i WHERE {{
  GRAPH ?g {{ ?x r2p:instrument ?i ; r2p:state ?s ; a r2p:StatusRecord ; r2p:treatyStatus ?status ; r2p:asOf ?asof }}
  {not_staging("g")} }}"""
ACTED_QUERY = ACTIONS_QUERY.replace("SELECT ?g ?x ?s ?i ?kind ?date", "SELECT DISTINCT ?g ?i")
HAS_DATED_RECORDS = f"""PREFIX r2p: <{R2P}> SELECT ?x WHERE {{ GRAPH ?g {{ ?x r2p:asOf ?a }} }} LIMIT 1"""
INSTRUMENTS_QUERY = f"""PREFIX r2p: <{R2P}>
SELECT ?i ?inforce ?rule ?article WHERE {{
  ?i a r2p:Instrument . OPTIONAL {{ ?i r2p:entryIntoForceDate ?inforce }}
  OPTIONAL {{ ?i r2p:entryIntoForceRule ?rule }} OPTIONAL {{ ?i r2p:entryIntoForceArticle ?article }}
}}"""
WORLD_QUERY = f"""PREFIX r2p: <{R2P}> SELECT DISTINCT ?s WHERE {{ ?s a r2p:State ; r2p:unStatus ?u }}"""


def end_of(date: str) -> str:
    """The last day a date stands for (``YYYY`` → ``YYYY-12-31``)."""
    return date if len(date) == 10 else date[:4] + "-12-31"


@dataclass(frozen=True)
class Act:
    """One treaty action as one source records it."""

    iri: str
    kind: str  # local name of its class: Ratification, Signature, ProvisionalApplication…
    date: str
    as_of: str | None = None
    in_force: str | None = None  # the in-force date the source states, if any


@dataclass(frozen=True)
class Table:
    """A status table's coverage of one instrument."""

    iri: str
    as_of: str
    lists_every_participant: bool
    unread: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StatusRow:
    """A status record (e.g. a row of OHCHR's table): a status as of a date, party since a year."""

    iri: str
    status: str
    since: str | None
    as_of: str


@dataclass(frozen=True)
class Rule:
    """An instrument's entry-into-force rule and its own date."""

    rule: str | None  # a key of entry_into_force.RULES
    article: str | None
    in_force: str | None


@dataclass(frozen=True)
class InForce:
    """When the instrument entered into force for the party, derived by its rule and/or stated."""

    date: str | None  # derived when a rule is known, else the date a source states
    derived: bool
    rule: str | None = None
    article: str | None = None
    stated: str | None = None

    @property
    def agrees(self) -> bool | None:
        """Whether the derived date is the one the source states (None when either is missing)."""
        return None if not (self.derived and self.stated) else self.date == self.stated

    def describe(self) -> str:
        if self.date is None:
            return ""
        how = f"derived by {self.article}: {self.rule}" if self.derived else "as the source states"
        check = ""
        if self.agrees is not None:
            check = "; the source states the same" if self.agrees else f"; the source states {self.stated}"
        return f"in force {self.date} ({how}{check})"


@dataclass(frozen=True)
class Status:
    """A source's answer for one state, instrument and date."""

    source: str
    state: str
    instrument: str
    value: str  # NO_RECORD, NO_ACTION, NOT_PARTY, SIGNATORY, PARTY or WITHDRAWN
    on: str | None  # the date asked about (None: the source's latest)
    as_of: str | None  # the date the answer holds at: the earlier of ``on`` and the source's date
    source_as_of: str | None = None  # the source's own date (None: curated, kept current)
    act: str | None = None  # the kind of consent (None when unknown)
    since: str | None = None  # date (or year) of the consent, of the signature, or of the withdrawal
    signed: str | None = None  # the signature's date, when the source gives it
    in_force: InForce | None = None
    records: tuple[str, ...] = ()
    edge: bool = False  # an act counted is known by its year only, the year of ``on``
    later: tuple[Act, ...] = ()  # the source's acts after ``on``

    @property
    def status(self) -> str:
        """The same as ``value``."""
        return self.value

    @property
    def stale(self) -> bool:
        """The source's date is before the date asked about."""
        return bool(self.on and self.source_as_of and end_of(self.source_as_of) < end_of(self.on))

    @property
    def year(self) -> str | None:
        return self.since[:4] if self.since else None

    def describe(self) -> str:
        """E.g. "party by accession since 2007-07-17, in force 2007-10-01 (…), as of 2014-01-27"."""
        text = self.value
        if self.value == PARTY:
            text += f" by {self.act.lower()}" if self.act and self.act != "ConsentToBeBound" else ""
            text += f" since {self.since}" if self.since else ""
            if self.in_force and self.in_force.date:
                text += ", " + self.in_force.describe()
        elif self.value in (SIGNATORY, WITHDRAWN) and self.since:
            text += f" since {self.since}"
        if self.source_as_of and self.as_of and end_of(self.as_of) < end_of(self.source_as_of):
            text += f" on {self.as_of} (source as of {self.source_as_of})"
        elif self.source_as_of:
            text += f" as of {self.source_as_of}"
        return text


@dataclass
class SourceRecords:
    """Everything one source (named graph) records, indexed by (state, instrument)."""

    graph: str
    acts: dict[tuple[str, str], list[Act]] = field(default_factory=dict)
    rows: dict[tuple[str, str], StatusRow] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)  # instrument → the table covering it
    states: set[str] = field(default_factory=set)
    instruments: set[str] = field(default_factory=set)
    # A source of status records (rows), also when none of the states read has one: an index of
    # one state knows which instruments such a source covers (``Coverage.rows``).
    keeps_rows: bool = False

    def speaks_for(self, state: str, instrument: str) -> bool:
        """Whether the source takes part in comparisons of this state and instrument: a table's
        records on the instrument it covers, a status-record source with records of the
        instrument, or a source of treaty actions without a table that records the state (curated
        files are per state: on an instrument they leave out, they have no record)."""
        if self.tables:
            return instrument in self.tables
        if self.rows or self.keeps_rows:
            return instrument in self.instruments
        return state in self.states


def _v(term: object) -> str | None:
    return None if term is None else str(term.value)  # type: ignore[attr-defined]


def _counted(date: str, limit: str | None) -> tuple[bool, bool]:
    """Whether an act of ``date`` is done by ``limit`` (a day), and whether only by its year."""
    if limit is None:
        return True, False
    if len(date) == 10:
        return date <= limit, False
    return date[:4] <= limit[:4], date[:4] == limit[:4] and limit[5:] != "12-31"


@dataclass(frozen=True)
class Coverage:
    """What every state's index shares: the status tables' coverage, as (graph citing the table,
    instrument, table, as-of date, lists every participant, a state it leaves unread) in the order
    read, the instruments each source of status records covers, the graphs citing a table that
    hold dated records, the instruments' rules and the world's states. The same for every state:
    a page may read it once per served version."""

    tables: tuple[tuple[str, str, str, str, bool, str | None], ...]
    rows: frozenset[tuple[str, str]]  # (graph, instrument) of every record of a source of status records
    dated: frozenset[str]
    rules: dict[str, Rule]
    world: tuple[str, ...]

    @classmethod
    def load(cls, store: Source, instrument: str | None = None) -> Coverage:
        """Read it (of one instrument only, when given)."""
        only_i = {"i": ox.NamedNode(instrument)} if instrument else None
        found = [
            (
                str(_v(r["g"])),
                str(_v(r["i"])),
                str(_v(r["t"])),
                str(_v(r["asof"])),
                _v(r["every"]) in ("true", "1"),
                _v(r["unread"]),
            )
            for r in select(store, TABLES_QUERY, union=False, bind=only_i)
        ]
        # One order whichever store they come from (of two tables covering an instrument, the first is kept).
        tables = tuple(sorted(found, key=lambda t: (*t[:5], t[5] or "")))
        recorded = {(str(_v(r["g"])), str(_v(r["i"]))) for r in select(store, RECORDED_QUERY, False, only_i)}
        acted = {(str(_v(r["g"])), str(_v(r["i"]))) for r in select(store, ACTED_QUERY, False, only_i)}
        rows = frozenset(recorded | {(g, i) for g, i in acted if g in {g for g, _ in recorded}})
        dated = frozenset(
            g
            for g in {t[0] for t in tables}
            if select(store, HAS_DATED_RECORDS, union=False, bind={"g": ox.NamedNode(g)})
        )
        rules = {
            str(_v(r["i"])): Rule(RULE_NAMES.get(_v(r["rule"]) or ""), _v(r["article"]), _v(r["inforce"]))
            for r in select(store, INSTRUMENTS_QUERY, bind=only_i)
        }
        world = tuple(sorted(str(_v(r["s"])) for r in select(store, WORLD_QUERY)))
        return cls(tables, rows, dated, rules, world)


class StatusIndex:
    """Every source's treaty records in memory, and the one definition of status at a date."""

    def __init__(
        self,
        sources: dict[str, SourceRecords],
        rules: dict[str, Rule],
        world: Iterable[str] = (),
    ) -> None:
        self.sources = sources
        self.rules = rules
        known = {s for src in sources.values() for s in src.states}
        self.world = sorted(set(world) | known)  # UN members and observers, and every state recorded
        self.instruments = sorted(rules)
        self._speaking: dict[str, list[str]] | None = None

    @classmethod
    def load(
        cls, store: Source, state: str | None = None, instrument: str | None = None, shared: Coverage | None = None
    ) -> StatusIndex:
        """Read every source's records (one query per kind of record) into memory — of one state
        or one instrument only, when given (for a page about it). ``shared``: what
        ``Coverage.load`` read for the same ``instrument``, when the caller keeps it."""
        sources: dict[str, SourceRecords] = {}
        bind: dict[str, ox.NamedNode] = {}
        if state:
            bind["s"] = ox.NamedNode(state)
        if instrument:
            bind["i"] = ox.NamedNode(instrument)
        shared = shared or Coverage.load(store, instrument)

        def src(graph: str) -> SourceRecords:
            return sources.setdefault(graph, SourceRecords(graph))

        dated_rows = select(store, ACT_DATES_QUERY, union=False, bind=bind)
        dates = {(str(_v(r["x"])), str(_v(r["p"]))): str(_v(r["d"])) for r in dated_rows}
        for row in select(store, ACTIONS_QUERY, union=False, bind=bind):
            g, s, i, x = str(_v(row["g"])), str(_v(row["s"])), str(_v(row["i"])), str(_v(row["x"]))
            kind = str(_v(row["kind"])).rsplit("#", 1)[-1]
            act = Act(x, kind, str(_v(row["date"])), dates.get((x, R2P + "asOf")), dates.get((x, R2P + "inForceFrom")))
            record = src(g)
            record.acts.setdefault((s, i), []).append(act)
            record.states.add(s)
            record.instruments.add(i)
        since = {(str(_v(r["g"])), str(_v(r["x"]))): _v(r["since"]) for r in select(store, SINCE_QUERY, False, bind)}
        for row in select(store, STATUS_QUERY, union=False, bind=bind):
            g, s, i, x = str(_v(row["g"])), str(_v(row["s"])), str(_v(row["i"])), str(_v(row["x"]))
            status = STATUS_NAMES[str(_v(row["status"]))]
            record = src(g)
            record.rows[(s, i)] = StatusRow(x, status, since.get((g, x)), str(_v(row["asof"])))
            record.keeps_rows = True
            record.states.add(s)
            record.instruments.add(i)
        if state:  # the sources of status records that have none of the state's
            for g, i in sorted(shared.rows):
                src(g).instruments.add(i)
                src(g).keeps_rows = True
        dated = {g for g, record in sources.items() if any(a.as_of for acts in record.acts.values() for a in acts)}
        for g, i, t, as_of, every, unread in shared.tables:
            if g not in dated and g not in shared.dated:
                continue  # a graph citing the table without records read from it
            dated.add(g)
            before = src(g).tables.get(i)
            table = before or Table(t, as_of, every)
            if unread:
                table = replace(table, unread=table.unread | {unread})
            src(g).tables[i] = table
        for record in sources.values():
            for acts in record.acts.values():
                acts.sort(key=lambda a: (a.date, a.kind != "Signature", a.iri))
        return cls(sources, dict(shared.rules), shared.world)

    def speaking(self, state: str, instrument: str) -> list[str]:
        """The sources that take part in comparisons of the state and instrument (see
        ``SourceRecords.speaks_for``), by name."""
        if self._speaking is None:  # by instrument: the sources that speak for it, or may
            self._speaking = {}
            for i in set(self.instruments) | {i for s in self.sources.values() for i in s.instruments}:
                self._speaking[i] = sorted(
                    g
                    for g, s in self.sources.items()
                    if i in s.tables or (not s.tables and (i in s.instruments or not (s.rows or s.keeps_rows)))
                )
        return [g for g in self._speaking.get(instrument, []) if self.sources[g].speaks_for(state, instrument)]

    def status(self, state: str, instrument: str, source: str, on: str | None = None) -> Status:
        """State ``state``'s status for ``instrument`` on ``on`` (``YYYY-MM-DD`` or ``YYYY``; None:
        the source's latest) according to ``source`` (a named graph). Raises KeyError for an
        unknown source."""
        record = self.sources[source]
        limit = end_of(on) if on else None
        row = record.rows.get((state, instrument))
        if row is not None:
            return self._from_row(Status(source, state, instrument, NO_RECORD, on, None), row, limit)
        table = record.tables.get(instrument)
        acts = record.acts.get((state, instrument), [])
        source_as_of = table.as_of if table else max((a.as_of for a in acts if a.as_of), default=None)
        as_of = earlier(on, source_as_of)
        if not acts:
            if table and table.lists_every_participant and state not in table.unread:
                return Status(source, state, instrument, NO_ACTION, on, as_of, source_as_of, records=(table.iri,))
            return Status(source, state, instrument, NO_RECORD, on, None)
        done: list[Act] = []
        later: list[Act] = []
        edge = False
        for act in acts:
            counted, by_year = _counted(act.date, limit)
            (done if counted else later).append(act)
            edge = edge or by_year
        consent: Act | None = None
        signed: str | None = None
        value, since = NO_ACTION, None
        for act in done:
            if act.kind in CONSENT_KINDS and value != PARTY:
                value, since, consent = PARTY, act.date, act
            elif act.kind in SIGNATURE_KINDS:
                signed = signed or act.date
                if value in (NO_ACTION, WITHDRAWN):
                    value, since = SIGNATORY, act.date
            elif act.kind == "Withdrawal":
                value, since, consent = WITHDRAWN, act.date, None
        return Status(
            source,
            state,
            instrument,
            value,
            on,
            as_of,
            source_as_of,
            since=since,
            signed=signed,
            act=None if consent is None or consent.kind == "ConsentToBeBound" else consent.kind,
            in_force=self.in_force(instrument, consent) if consent else None,
            records=tuple(a.iri for a in done),
            edge=edge,
            later=tuple(later),
        )

    def _from_row(self, base: Status, row: StatusRow, limit: str | None) -> Status:
        """A status record's answer: as the record says on its date; before it, only what its
        since-year tells."""
        as_of = earlier(base.on, row.as_of)
        status = replace(base, value=row.status, as_of=as_of, source_as_of=row.as_of, records=(row.iri,))
        if row.status == PARTY:
            status = replace(status, since=row.since)
        if limit is None or limit >= end_of(row.as_of):
            return status
        if row.status == SIGNATORY:  # the signature's date is not given
            return replace(status, value=NOT_PARTY)
        if row.status == PARTY and row.since:
            counted, by_year = _counted(row.since, limit)
            if not counted:
                later = Act(row.iri, "ConsentToBeBound", row.since, row.as_of)
                return replace(status, value=NOT_PARTY, since=None, later=(later,))
            return replace(status, edge=by_year)
        return status

    def in_force(self, instrument: str, consent: Act) -> InForce:
        """Entry into force for the party, derived from the instrument's rule where the data gives
        one and the deposit's day is known, and the date the source states."""
        rule = self.rules.get(instrument, Rule(None, None, None))
        if rule.rule and len(consent.date) == 10:
            own = dt.date.fromisoformat(rule.in_force) if rule.in_force and len(rule.in_force) == 10 else None
            date = in_force_for_party(rule.rule, dt.date.fromisoformat(consent.date), own).isoformat()
            return InForce(date, True, rule.rule, rule.article, consent.in_force)
        return InForce(consent.in_force, False, stated=consent.in_force)

    def statuses(self, state: str, instrument: str, on: str | None = None) -> list[Status]:
        """Every speaking source's status for the state and instrument (see ``speaking``)."""
        return [self.status(state, instrument, g, on) for g in self.speaking(state, instrument)]


def newest(views: list[Status]) -> Status:
    """The status to show for several sources: the curated record (kept current), else the one
    of the newest source."""
    return max(views, key=lambda v: end_of(v.source_as_of) if v.source_as_of else "9999")


def earlier(a: str | None, b: str | None) -> str | None:
    """The earlier of two dates (a year counts as its last day); None stands for 'now'."""
    if a is None or b is None:
        return a or b
    return a if end_of(a) <= end_of(b) else b
