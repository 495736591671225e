"""Loader for treaty-actions/*.csv: one row per signature, ratification, accession… with its source.

An optional ``in_force`` column gives the date from which, as the source states, the instrument is
in force for the state (on a consent to be bound only).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from r2pgraph.rdf.iris import ACTION_KINDS
from r2pgraph.rdf.namespaces import R2P, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_citation
from r2pgraph.sources.yamlfile import read_csv

# The kinds a CSV row may name: every kind of treaty action but the consent of unknown kind.
ACTION_CLASSES: dict[str, URIRef] = {kind.lower(): R2P[kind] for kind in ACTION_KINDS if kind != "ConsentToBeBound"}
COLUMNS = [
    "state",
    "instrument",
    "action",
    "date",
    "date_confirmed",
    "action_confirmed",
    "source",
    "locator",
    "note",
]


def treaty_action_iri(record_set: str, state: str, instrument: str, action: str, date: str) -> URIRef:
    """The IRI of one source's record of a treaty action (each record set mints its own)."""
    return mint("treaty-action", record_set, state, instrument, f"{action}-{date}")


def load_treaty_actions(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one treaty-actions CSV file. Raises DataError."""
    ctx = FileContext(path, display, relative)
    seen: dict[str, int] = {}
    for line, row in read_csv(path, display, COLUMNS):
        what = f"{row['state']} {row['instrument']} {row['action']}"
        state = ctx.ref("state", row["state"], line, "state")
        instrument = ctx.ref("instrument", row["instrument"], line, "instrument")
        cls = ACTION_CLASSES.get(row["action"])
        if cls is None:
            ctx.problem(line, f"action {row['action']!r} is not one of {', '.join(ACTION_CLASSES)}")
        date = ctx.date(row["date"], line, "date")
        if not row["date"]:
            ctx.problem(line, "date is required (YYYY-MM-DD, or YYYY when the source gives only the year)")
        date_ok = ctx.flag(row["date_confirmed"], line, "date_confirmed")
        kind_ok = ctx.flag(row["action_confirmed"], line, "action_confirmed")
        sources = [s.strip() for s in row["source"].split(";") if s.strip()]
        if not sources:
            ctx.problem(line, "source is required: the id of the source that reports this action")
        if None in (state, instrument, cls, date, date_ok, kind_ok):
            continue
        key = f"{row['state']}/{row['instrument']}/{row['action']}-{row['date']}"
        if key is None or not ctx.unique(seen, key, line, "treaty action"):
            continue
        action = ctx.locate(
            treaty_action_iri("curated", row["state"], row["instrument"], row["action"], row["date"]), line
        )
        assert cls is not None
        ctx.add(action, RDF.type, cls)
        ctx.add(action, R2P.state, state)
        ctx.add(action, R2P.instrument, instrument)
        ctx.add(action, R2P.date, date)
        if date_ok is False:
            ctx.add(action, R2P.unconfirmed, R2P.date)
        if kind_ok is False:
            ctx.add(action, R2P.unconfirmed, RDF.type)
        if (date_ok is False or kind_ok is False) and not row["note"]:
            ctx.problem(line, f"{what}: a note must say what awaits confirmation")
        if row.get("in_force"):
            if cls in (R2P.Signature, R2P.Withdrawal):
                ctx.problem(line, f"{what}: in_force is given for a {row['action']}, which binds no state")
            ctx.add(action, R2P.inForceFrom, ctx.date(row["in_force"], line, "in_force"))
        ctx.add(action, SKOS.note, ctx.text(row["note"] or None, line, "note"))
        for n, key_ in enumerate(sources, start=1):
            src = ctx.ref("source", key_, line, "source")
            if src is not None:
                add_citation(ctx, action, URIRef(f"{action}/citation/{n}"), src, row["locator"] or None, line)
                ctx.derived_from.add(src)
    return ctx.finish()
