"""Loaders for treaty-status/<snapshot>/: records generated from a publisher's status tables
(``<UNTC number>.csv``) and the tables themselves (``tables.csv``: their sources and coverage).

Each record is a treaty action of its kind (signature, succession to signature, ratification,
accession, acceptance, approval, succession, provisional application) with a day-precise date, the
table's as-of date, and two citations: the table (the authority) and the copy it was read from
(the intermediary), each with its locator. Each table is an ``r2p:StatusTable`` source that says
which instrument it covers, as of when, and whether it lists every participant (see
``r2p:listsEveryParticipant``).
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

from r2pgraph.rdf.namespaces import R2P, SCHEMA, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_citation
from r2pgraph.sources.treaty_actions import treaty_action_iri
from r2pgraph.sources.yamlfile import read_csv

KIND_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "signature": (R2P.Signature,),
    "succession-to-signature": (R2P.Signature, R2P.SuccessionToSignature),
    "ratification": (R2P.Ratification,),
    "accession": (R2P.Accession,),
    "acceptance": (R2P.Acceptance,),
    "approval": (R2P.Approval,),
    "succession": (R2P.Succession,),
    "provisional-application": (R2P.ProvisionalApplication,),
}
RECORD_COLUMNS = ["state", "instrument", "kind", "date", "as_of", "source", "locator", "via", "via_locator"]
TABLE_COLUMNS = ["source", "untc", "instrument", "title", "page", "as_of", "via", "repository", "path", "commit"]
TABLE_COLUMNS += ["scraped", "lists_every_participant", "unread_states"]
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(ctx: FileContext, value: str, line: int, what: str) -> Literal | None:
    """A day-precise date (a status table always gives the day)."""
    if not _DAY.match(value):
        ctx.problem(line, f"{what}: {value!r} is not a date YYYY-MM-DD")
        return None
    return ctx.date(value, line, what)


def load_status_records(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one generated records file. Raises DataError."""
    ctx = FileContext(path, display, relative)
    record_set = relative.split("/")[-2]
    seen: dict[str, int] = {}
    for line, row in read_csv(path, display, RECORD_COLUMNS):
        state = ctx.ref("state", row["state"], line, "state")
        instrument = ctx.ref("instrument", row["instrument"], line, "instrument")
        classes = KIND_CLASSES.get(row["kind"])
        if classes is None:
            ctx.problem(line, f"kind {row['kind']!r} is not one of {', '.join(KIND_CLASSES)}")
        date = _day(ctx, row["date"], line, "date")
        as_of = _day(ctx, row["as_of"], line, "as_of")
        if date is not None and as_of is not None and row["as_of"] < row["date"]:
            ctx.problem(line, f"as_of {row['as_of']} is before the act's date {row['date']}")
        source = ctx.ref("source", row["source"], line, "source")
        via = ctx.ref("source", row["via"], line, "via") if row["via"] else None
        if None in (state, instrument, classes, date, as_of, source) or (row["via"] and via is None):
            continue
        key = f"{row['state']}/{row['instrument']}/{row['kind']}-{row['date']}"
        if not ctx.unique(seen, key, line, "record"):
            continue
        action = ctx.locate(
            treaty_action_iri(record_set, row["state"], row["instrument"], row["kind"], row["date"]), line
        )
        assert classes is not None and source is not None
        for cls in classes:
            ctx.add(action, RDF.type, cls)
        ctx.add(action, R2P.state, state)
        ctx.add(action, R2P.instrument, instrument)
        ctx.add(action, R2P.date, date)
        ctx.add(action, R2P.asOf, as_of)
        add_citation(ctx, action, URIRef(f"{action}/citation/1"), source, row["locator"] or None, line)
        ctx.derived_from.add(source)
        if via is not None:
            add_citation(ctx, action, URIRef(f"{action}/citation/2"), via, row["via_locator"] or None, line)
            ctx.derived_from.add(via)
    return ctx.finish()


def load_status_tables(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of a snapshot's ``tables.csv``: each table as a source, and the copy of
    it that was read as another, derived from it. Raises DataError."""
    ctx = FileContext(path, display, relative)
    seen: dict[str, int] = {}
    for line, row in read_csv(path, display, TABLE_COLUMNS):
        key = ctx.slug(row["source"], line, "source")
        if key is None or not ctx.unique(seen, key, line, "table"):
            continue
        table = ctx.locate(mint("source", key), line)
        title = f"{row['title']}: status (UN Treaty Collection, MTDSG {row['untc']}), as of {row['as_of']}"
        ctx.add(table, RDF.type, R2P.EvidenceSource)
        ctx.add(table, RDF.type, R2P.StatusTable)
        ctx.add(table, DCTERMS.title, ctx.text(title, line, "title"))
        ctx.add(table, SKOS.prefLabel, ctx.text(title, line, "title"))
        ctx.add(table, R2P.creatorName, Literal("United Nations Treaty Collection (UNTC)"))
        ctx.add(table, SCHEMA.url, ctx.url(row["page"], line, "page"))
        ctx.add(table, DCTERMS.language, Literal("en", datatype=XSD.language))
        as_of = _day(ctx, row["as_of"], line, "as_of")
        ctx.add(table, R2P.date, as_of)
        ctx.add(table, R2P.asOf, as_of)
        ctx.add(table, R2P.coversInstrument, ctx.ref("instrument", row["instrument"], line, "instrument"))
        complete = ctx.flag(row["lists_every_participant"] or "?", line, "lists_every_participant")
        if complete is not None:
            ctx.add(table, R2P.listsEveryParticipant, Literal(complete))
        for code in (c for c in row["unread_states"].split(";") if c):
            ctx.add(table, R2P.unreadState, ctx.ref("state", code, line, "unread_states"))
        if not row["via"]:
            continue
        via_key = ctx.slug(row["via"], line, "via")
        if via_key is None or not ctx.unique(seen, via_key, line, "table"):
            continue
        via = ctx.locate(mint("source", via_key), line)
        if not re.fullmatch(r"[0-9a-f]{40}", row["commit"]):
            ctx.problem(line, f"commit {row['commit']!r} is not a full commit id")
            continue
        repository = row["repository"].rstrip("/")
        name = repository.removeprefix("https://github.com/")
        label = f"{name}: {row['path']} at commit {row['commit'][:7]}"
        ctx.add(via, RDF.type, R2P.EvidenceSource)
        ctx.add(via, DCTERMS.title, ctx.text(label, line, "via"))
        ctx.add(via, SKOS.prefLabel, ctx.text(label, line, "via"))
        ctx.add(via, SCHEMA.url, ctx.url(f"{repository}/blob/{row['commit']}/{row['path']}", line, "repository"))
        ctx.add(via, R2P.date, _day(ctx, row["scraped"], line, "scraped"))
        ctx.add(via, DCTERMS.language, Literal("en", datatype=XSD.language))
        ctx.add(via, PROV.wasDerivedFrom, table)
        note = f"A copy of the UN Treaty Collection's status table of {row['untc']}, scraped on {row['scraped']}."
        ctx.add(via, SKOS.note, Literal(note, lang="en"))
    return ctx.finish()
