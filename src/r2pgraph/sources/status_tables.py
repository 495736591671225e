"""Loader for treaty-status/ohchr-<as-of>/<instrument>.csv: OHCHR's status of a treaty by state.

Written by ``r2pgraph import un-treaty-status`` (``r2pgraph.importers.un_treaty_status``) from
OHCHR's table as a compilation carries it. Each row becomes an ``r2p:StatusRecord``: what the table
says of one state and one instrument as of its date (party since a year, signatory, or no action;
the kind of act is not given), citing the source and the row it was read from.
"""

from __future__ import annotations

from pathlib import Path

import pycountry
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from r2pgraph.rdf.namespaces import R2P, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_citation
from r2pgraph.sources.yamlfile import read_csv

# The records keep the IRIs the importer has always given them: treaty-action/<set>/<as-of>/….
RECORD_SET = "un-hr-treaty-status"
COLUMNS = ["state", "instrument", "status", "since_year", "as_of", "source", "locator", "note"]
STATUS: dict[str, URIRef] = {"party": R2P.Party, "signatory": R2P.Signatory, "no-action": R2P.NoAction}


def status_record_iri(as_of: str, state: str, instrument: str) -> URIRef:
    """The IRI of the table's record of one state and one instrument."""
    return mint("treaty-action", RECORD_SET, as_of, state, instrument, "status")


def load_status_table(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one instrument's status table. Raises DataError listing every faulty row."""
    ctx = FileContext(path, display, relative)
    known = {c.alpha_3 for c in pycountry.countries}
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in read_csv(path, display, COLUMNS):
        state, instrument, status = row["state"], row["instrument"], row["status"]
        what = f"{state} {instrument}"
        if state not in known:
            ctx.problem(line, f"state {state!r} is not an ISO 3166-1 alpha-3 code")
            continue
        instrument_iri = ctx.ref("instrument", instrument, line, "instrument")
        kind = STATUS.get(status)
        if kind is None:
            ctx.problem(line, f"{what}: status {status!r} is not one of {', '.join(STATUS)}")
        year = row["since_year"]
        if year and not (len(year) == 4 and year.isdigit()):
            ctx.problem(line, f"{what}: since_year {year!r} is not a four-digit year")
        elif status == "party" and not year:
            ctx.problem(line, f"{what}: a party needs since_year, the year it became a party")
        elif year and status != "party":
            ctx.problem(line, f"{what}: since_year ({year}) is given although the status is {status!r}")
        as_of = ctx.date(row["as_of"], line, "as_of")
        if as_of is None and not row["as_of"]:
            ctx.problem(line, f"{what}: as_of is required (the date or year the table describes)")
        source = ctx.ref("source", row["source"], line, "source")
        if instrument_iri is None or kind is None or as_of is None or source is None:
            continue
        key = (state, instrument, str(as_of))
        if key in seen:
            ctx.problem(line, f"{what}: already has a row as of {as_of} at line {seen[key]}")
            continue
        seen[key] = line
        record = ctx.locate(status_record_iri(str(as_of), state, instrument), line)
        ctx.add(record, RDF.type, R2P.StatusRecord)
        ctx.add(record, R2P.state, mint("state", state))
        ctx.add(record, R2P.instrument, instrument_iri)
        ctx.add(record, R2P.treatyStatus, kind)
        ctx.add(record, R2P.asOf, as_of)
        ctx.add(record, R2P.sinceYear, Literal(year, datatype=XSD.gYear) if year else None)
        add_citation(ctx, record, URIRef(f"{record}/citation/1"), source, row["locator"] or None, line)
        ctx.add(record, SKOS.note, ctx.text(row["note"] or None, line, "note"))
    return ctx.finish()
