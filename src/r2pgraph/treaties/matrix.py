"""The ratification matrix: states × instruments, each cell a status with its year, coloured by
status and kind of act, and a marker where sources disagree. Each cell is the newest source's status
(a curated record first, then the table with the latest as-of date) from ``r2pgraph.treaties.status``;
the marker is the cross-reference's verdict (``r2pgraph.treaties.crossref``). By default the rows are the
UN member states; they can be narrowed to an M49 region or sub-region, a state group or the assessed
states, and sorted by name, region or count of parties."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyoxigraph as ox

from r2pgraph.query.engine import Source, select
from r2pgraph.rdf.namespaces import R2P, mint
from r2pgraph.treaties.status import PARTY
from r2pgraph.treaties.world import ACT_MARKS, Area, Cell, StateInfo, TreatyWorld, load_world

__all__ = ["ACT_MARKS", "Cell", "Matrix", "build_matrix"]

SORTS = ("name", "region", "parties")
STATE_CHOICES = ("members", "all", "assessed")


@dataclass
class Matrix:
    states: list[StateInfo]
    instruments: list[tuple[str, str]]  # (IRI, short name)
    cells: dict[tuple[str, str], Cell]

    def parties(self, state: str) -> int:
        return sum(1 for i, _ in self.instruments if (c := self.cells.get((state, i))) and c.status == PARTY)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["state", "name", "region", "subregion", *[short for _, short in self.instruments]])
        for info in self.states:
            row = [info.code, info.name, _label(info.region), _label(info.subregion)]
            for inst, _ in self.instruments:
                cell = self.cells.get((info.iri, inst))
                text = "" if cell is None else cell.text
                row.append(text + (" (sources disagree)" if cell and cell.disputed else ""))
            writer.writerow(row)
        return out.getvalue()


def _label(area: Area | None) -> str:
    return area.label if area else ""


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


def _states_of(store: Source, assessed_only: bool, group: str | None) -> set[str]:
    """The states with an assessment, or the members of ``group`` (both when both are asked)."""
    state_filter = "?a a r2p:StateAssessment ; r2p:state ?s ." if assessed_only else ""
    bind = {}
    if group:
        state_filter += " ?group r2p:memberState ?s ."
        bind["group"] = ox.NamedNode(str(mint("state-group", group)))
    rows = select(store, f"PREFIX r2p: <{R2P}> SELECT DISTINCT ?s WHERE {{ {state_filter} ?s a r2p:State }}", bind=bind)
    return {r["s"].value for r in rows}


def build_matrix(
    store: Source,
    instrument_set: str | None = None,
    assessed_only: bool = False,
    group: str | None = None,
    region: str | None = None,
    subregion: str | None = None,
    sort: str = "name",
    states: str = "members",
    world: TreatyWorld | None = None,
) -> Matrix:
    """The matrix over the instruments of ``instrument_set`` (all when None), for the UN member
    states (``states="all"``: every state a source speaks of) — or only the states with an
    assessment, or the members of ``group`` — in the M49 ``region`` / ``subregion`` (codes, e.g.
    ``142`` and ``030``), sorted by ``sort`` (name, region, parties). ``world``: the generation's
    statuses when already read (the server keeps them); read here otherwise. Raises ValueError
    naming the parameter at fault."""
    if sort not in SORTS:
        raise ValueError(f"Unknown sort {sort!r} (parameter 'sort'; one of {', '.join(SORTS)}).")
    if states not in STATE_CHOICES:
        raise ValueError(f"Unknown states {states!r} (parameter 'states'; one of {', '.join(STATE_CHOICES)}).")
    world = world or load_world(store)
    regions = world.regions()
    for name, code, known in (
        ("region", region, {r.code for r, _ in regions}),
        ("subregion", subregion, {s.code for _, subs in regions for s in subs}),
    ):
        if code and code not in known:
            raise ValueError(f"Unknown M49 {name} {code!r} (parameter {name!r}; see the M49 codes on /matrix).")
    instruments = instruments_of(store, instrument_set)
    assessed_only = assessed_only or states == "assessed"
    chosen = _states_of(store, assessed_only, group) if assessed_only or group else None
    cells = {}
    rows = []
    for info in world.states.values():
        if chosen is not None and info.iri not in chosen:
            continue
        if (region and region not in info.areas) or (subregion and subregion not in info.areas):
            continue
        mine = {(info.iri, i): c for i, _ in instruments if (c := world.cells.get((info.iri, i)))}
        if chosen is None and not (info.un_status == "member" if states == "members" else mine):
            continue
        rows.append(info)
        cells.update(mine)
    matrix = Matrix(rows, instruments, cells)
    keys = {
        "name": lambda s: (s.name,),
        "region": lambda s: (_label(s.region) or "~", _label(s.subregion) or "~", s.name),
        "parties": lambda s: (-matrix.parties(s.iri), s.name),
    }
    matrix.states.sort(key=keys[sort])
    return matrix
