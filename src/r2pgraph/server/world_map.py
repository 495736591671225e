"""The data of an instrument's world map: each state's status, keyed by its ISO 3166-1 numeric code
(the key of the country shapes in ``static/vendor/world-atlas``), for ``static/map.js`` to draw.

A state's status is the matrix's cell for it (``TreatyWorld.cells``: the newest source's status,
the one the instrument page shows), so map, matrix and page always agree. Each status has one class
(``st-party act-accession``, ``st-signatory``…), the same the matrix colours its cells by and the
legend shows; a shape whose code names no state in the data is drawn as ``not-in-data``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from r2pgraph.query.engine import Source, select
from r2pgraph.rdf.iris import R2P
from r2pgraph.server.templating import local_path

if TYPE_CHECKING:
    from r2pgraph.treaties.world import InstrumentSummary, TreatyWorld

NUMERIC_QUERY = f"PREFIX r2p: <{R2P}> SELECT ?s ?n WHERE {{ ?s a r2p:State ; r2p:iso3166Numeric ?n }}"
NO_RECORD_CLASS = "st-no-record"
NOT_IN_DATA = "not-in-data"
# Every class a state (or a shape) can have, in the legend's order, with its words.
CLASSES: dict[str, str] = {
    "st-party act-ratification": "party by ratification",
    "st-party act-accession": "party by accession",
    "st-party act-succession": "party by succession",
    "st-party act-acceptance": "party by acceptance",
    "st-party act-approval": "party by approval",
    "st-party act-consenttobebound": "party (kind of act not given)",
    "st-party act-consent": "party (kind of act not given)",
    "st-signatory": "signatory",
    "st-not-party": "not party",
    "st-no-action": "no action",
    "st-withdrawn": "withdrawn",
    NO_RECORD_CLASS: "no record",
    NOT_IN_DATA: "not a state in the data",
}


@dataclass(frozen=True)
class MapState:
    """One state on the map."""

    code: str  # ISO 3166-1 alpha-3
    name: str
    css: str  # a key of CLASSES
    status: str  # the status in words, e.g. "party by accession 2007-07-17 as of 2014-01-27 · … · agree"
    year: str | None
    href: str


@dataclass
class MapData:
    """An instrument's map: its states by numeric code, the legend with counts, the sources' dates."""

    instrument: str
    label: str
    states: dict[str, MapState] = field(default_factory=dict)
    legend: list[tuple[str, str, int | None]] = field(default_factory=list)  # (class, words, states; None: shapes)
    sources: list[tuple[str, str | None]] = field(default_factory=list)  # (source graph, as of)

    @property
    def key(self) -> str:
        return self.instrument.rsplit("/", 1)[-1]

    @property
    def as_of(self) -> list[str]:
        """The dates the sources' statuses hold at (a curated source is kept current: none)."""
        return sorted({d for _, d in self.sources if d})

    def summary(self) -> str:
        """The map in words: how many states are in each class."""
        counts = "; ".join(f"{n} {words}" for _, words, n in self.legend if n)
        dates = f" as of {', '.join(self.as_of)}" if self.as_of else ""
        return f"{self.label}: status of each state{dates}. {counts}."

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "label": self.label,
            "as_of": self.as_of,
            "sources": [{"graph": g, "as_of": d} for g, d in self.sources],
            "summary": self.summary(),
            "classes": CLASSES,
            "legend": [{"class": c, "label": words, "states": n} for c, words, n in self.legend],
            "states": {
                numeric: {
                    "code": s.code,
                    "name": s.name,
                    "class": s.css,
                    "status": s.status,
                    "year": s.year,
                    "href": s.href,
                }
                for numeric, s in sorted(self.states.items())
            },
        }


def state_numerics(store: Source) -> dict[str, str]:
    """Each state's IRI → its ISO 3166-1 numeric code (three digits)."""
    return {r["s"].value: r["n"].value for r in select(store, NUMERIC_QUERY)}


def map_data(
    world: TreatyWorld, numerics: dict[str, str], instrument: str, label: str, summary: InstrumentSummary | None = None
) -> MapData:
    """The map of ``instrument`` (an IRI; ``label`` its name): every state of ``world`` with a
    numeric code, classed by the status the matrix shows for it ("no record" when no source has
    one), with the sources and their dates from the instrument's ``summary`` (worked out when not
    given)."""
    from r2pgraph.treaties.world import instrument_summary

    summary = summary or instrument_summary(world, instrument)
    data = MapData(instrument, label, sources=summary.sources)
    for info in world.states.values():
        numeric = numerics.get(info.iri)
        if numeric is None:
            continue
        cell = world.cells.get((info.iri, instrument))
        css = cell.css.replace(" disputed", "") if cell else NO_RECORD_CLASS
        words = cell.detail if cell else "no record"
        href = local_path(info.iri) or ""
        data.states[numeric] = MapState(info.code, info.name, css, words, cell.year if cell else None, href)
    counts = Counter(s.css for s in data.states.values())
    order = list(CLASSES)
    kinds = sorted(counts, key=lambda c: order.index(c) if c in order else len(order))
    data.legend = [(c, CLASSES.get(c, c.replace("st-", "").replace("-", " ")), counts[c]) for c in kinds]
    data.legend.append((NOT_IN_DATA, CLASSES[NOT_IN_DATA], None))
    return data
