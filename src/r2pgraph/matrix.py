"""The ratification matrix: states × instruments, each cell a status with its year, and a marker
where sources disagree. Each cell is the newest source's status (a curated record first, then the
table with the latest as-of date) from ``r2pgraph.treaty_status``; the marker is the
cross-reference's verdict (``r2pgraph.crossref``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyoxigraph as ox

from r2pgraph.crossref import reconcile
from r2pgraph.namespaces import R2P, mint
from r2pgraph.query import Source, select
from r2pgraph.treaty_status import NO_RECORD, PARTY, newest


@dataclass(frozen=True)
class Cell:
    status: str  # party, signatory, no action, or "" when no source speaks
    year: str | None
    disputed: bool
    sources: int


@dataclass
class Matrix:
    states: list[tuple[str, str, str]]  # (IRI, alpha-3, name)
    instruments: list[tuple[str, str]]  # (IRI, short name)
    cells: dict[tuple[str, str], Cell]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["state", "name", *[short for _, short in self.instruments]])
        for iri, code, name in self.states:
            row = [code, name]
            for inst, _ in self.instruments:
                cell = self.cells.get((iri, inst))
                text = "" if cell is None else cell.status + (f" {cell.year}" if cell.year else "")
                row.append(text + (" (sources disagree)" if cell and cell.disputed else ""))
            writer.writerow(row)
        return out.getvalue()


def labelled(store: Source, class_name: str) -> list[tuple[str, str]]:
    """Every resource of ``r2p:<class_name>`` as (id, label), by label."""
    rows = select(
        store,
        f"PREFIX r2p: <{R2P}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"SELECT ?g ?l WHERE {{ ?g a r2p:{class_name} ; skos:prefLabel ?l }} ORDER BY ?l",
    )
    return [(r["g"].value.rsplit("/", 1)[-1], r["l"].value) for r in rows]


def instruments_of(store: Source, instrument_set: str | None) -> list[tuple[str, str]]:
    """Instruments (IRI, short name) of a set, or all of them."""
    where = "?set r2p:includesInstrument ?i ." if instrument_set else ""
    bind = {"set": ox.NamedNode(str(mint("instrument-set", instrument_set)))} if instrument_set else {}
    rows = select(
        store,
        f"""PREFIX r2p: <{R2P}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?i ?n WHERE {{ {where} ?i a r2p:Instrument . OPTIONAL {{ ?i r2p:shortName ?short }}
        ?i skos:prefLabel ?label . BIND (COALESCE(?short, ?label) AS ?n) }} ORDER BY ?n""",
        bind=bind,
    )
    return [(r["i"].value, r["n"].value) for r in rows]


def build_matrix(
    store: Source, instrument_set: str | None = None, assessed_only: bool = False, group: str | None = None
) -> Matrix:
    """The matrix over the instruments of ``instrument_set`` (all when None), for every state
    that any source speaks of — or only states with an assessment, or the members of ``group``."""
    instruments = instruments_of(store, instrument_set)
    cells = {}
    for r in reconcile(store, instruments=[i for i, _ in instruments] or None):
        views = [v for v in r.views if v.value != NO_RECORD]
        if views:
            view = newest(views)
            cells[(r.state, r.instrument)] = Cell(
                view.value, view.year if view.value == PARTY else None, r.disagrees, len(views)
            )
    state_filter = "?a a r2p:StateAssessment ; r2p:state ?s ." if assessed_only else ""
    bind = {}
    if group:
        state_filter += " ?group r2p:memberState ?s ."
        bind["group"] = ox.NamedNode(str(mint("state-group", group)))
    rows = select(
        store,
        f"""PREFIX r2p: <{R2P}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?s ?code ?name WHERE {{ {state_filter}
          ?s a r2p:State ; r2p:iso3166Alpha3 ?code ; skos:prefLabel ?name . }} ORDER BY ?name""",
        bind=bind,
    )
    spoken = {s for s, _ in cells}
    every = assessed_only or group is not None
    states = [(r["s"].value, r["code"].value, r["name"].value) for r in rows if every or r["s"].value in spoken]
    return Matrix(states, instruments, cells)
