"""Importer for UN human-rights treaty status tables: one CSV per treaty with the columns
``iso2, member, state party, year ratification or accession, signatory, no action, status, note``.

Each row becomes an ``r2p:StatusRecord`` saying what the row really says: a party since a year
(the kind of action is not given), a signatory, or no action, as of the table's date. A row is
refused — reported with file, line and reason, never silently dropped or "fixed" — when its code
is not ISO 3166-1, its flags contradict its status, or its year is not a year.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

from r2pgraph.errors import Problem
from r2pgraph.importers.common import ImportReport, import_activity, write_trig
from r2pgraph.namespaces import GRAPH, R2P, SCHEMA, mint
from r2pgraph.sources.yamlfile import CsvRecords

NAME = "un-hr-treaty-status"
COLUMNS = ["iso2", "member", "state party", "year ratification or accession", "signatory", "no action", "status"]
# File stem (after "hr_status_") → instrument id in data/instruments.
INSTRUMENT_OF_FILE = {
    "cat": "cat",
    "cedaw": "cedaw",
    "cped": "ced",
    "crc": "crc",
    "crpd": "crpd",
    "iccpr": "iccpr",
    "iccpr_op1": "iccpr-op1",
    "iccpr_op2": "iccpr-op2",
    "icerd": "icerd",
    "icescr": "icescr",
    "icescr_op": "icescr-op",
    "icmw": "icmw",
    "op_cedaw": "op-cedaw",
    "op_crc_ac": "op-crc-ac",
    "op_crc_ic": "op-crc-ic",
    "op_crc_sc": "op-crc-sc",
    "op_crpd": "op-crpd",
    "opcat": "opcat",
}
STATUS = {"state party": R2P.Party, "signatory state": R2P.Signatory, "no action": R2P.NoAction}


def _instrument_key(path: Path) -> str | None:
    stem = path.stem.lower()
    stem = stem[len("hr_status_") :] if stem.startswith("hr_status_") else stem
    return INSTRUMENT_OF_FILE.get(stem)


def successor_code(code: str, known: dict[str, str]) -> str | None:
    """The current alpha-2 code that replaced a withdrawn one (ISO 3166-3), e.g. TP → TL."""
    old = pycountry.historic_countries.get(alpha_2=code)
    alpha_4 = getattr(old, "alpha_4", "") if old else ""
    new = alpha_4[2:] if len(alpha_4) == 4 else ""
    return new if new in known else None


def check_row(row: dict[str, str]) -> str | None:
    """The reason a row cannot be imported as it stands, or None when it is sound."""
    flags = {k: row.get(k, "").strip() for k in ("state party", "signatory", "no action")}
    for name, value in flags.items():
        if value not in ("0", "1"):
            return f"flag '{name}' is {value!r}, not 0 or 1"
    status = row.get("status", "").strip().lower()
    if status not in STATUS:
        return f"status {row.get('status')!r} is not one of {', '.join(STATUS)}"
    year = row.get("year ratification or accession", "").strip()
    if year and not (len(year) == 4 and year.isdigit()):
        return f"year {year!r} is not a four-digit year"
    expected = {
        "state party": {"state party": "1", "signatory": "0", "no action": "0"},
        "signatory state": {"state party": "0", "signatory": "1", "no action": "0"},
        "no action": {"state party": "0", "signatory": "0", "no action": "1"},
    }[status]
    wrong = [f"{k}={v}" for k, v in flags.items() if expected[k] != v]
    if wrong:
        return f"flags contradict status '{status}': {', '.join(wrong)}"
    if status == "state party" and not year:
        return "status 'state party' without a year"
    if status != "state party" and year:
        return f"a year ({year}) is given although the status is '{status}'"
    return None


def import_tables(paths: list[Path], out: Path, as_of: str, source_url: str | None = None) -> ImportReport:
    """Import treaty-status CSV files into ``out`` (a TriG file). Returns the report.

    ``as_of`` is the date or year the tables describe (e.g. ``2022``).
    """
    report = ImportReport(NAME)
    started = dt.datetime.now(dt.UTC)
    activity, prov = import_activity(NAME, started)
    source = mint("source", f"{NAME}-{as_of}")
    prov.add((source, RDF.type, R2P.EvidenceSource))
    title = Literal(f"UN human-rights treaty status by state, as of {as_of}", lang="en")
    prov.add((source, DCTERMS.title, title))
    prov.add((source, SKOS.prefLabel, title))
    prov.add((source, DCTERMS.language, Literal("en", datatype=XSD.language)))
    prov.add(
        (
            source,
            DCTERMS.bibliographicCitation,
            Literal(f"Treaty-status tables, one CSV file per treaty ({', '.join(sorted(p.name for p in paths))})."),
        )
    )
    if source_url:
        prov.add((source, SCHEMA.url, URIRef(source_url)))
    as_of_literal = Literal(as_of, datatype=XSD.gYear if len(as_of) == 4 else XSD.date)
    known = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    graphs: dict[URIRef, Graph] = {URIRef(f"{GRAPH}import/{NAME}/provenance"): prov}
    for path in sorted(paths):
        display = str(path)
        report.files.append(display)
        instrument_key = _instrument_key(path)
        if instrument_key is None:
            report.refused.append(Problem(display, None, "no instrument is known for this file name"))
            continue
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            report.refused.append(Problem(display, None, f"not UTF-8 text: {e}"))
            continue
        try:
            reader = CsvRecords(text)
        except csv.Error as e:
            report.refused.append(Problem(display, 1, f"CSV error, file not imported: {e}"))
            continue
        missing = [c for c in COLUMNS if c not in reader.fieldnames]
        if missing:
            report.refused.append(Problem(display, 1, f"missing column(s): {', '.join(missing)}"))
            continue
        graph_iri = URIRef(f"{GRAPH}import/{NAME}/{path.stem}")
        g = Graph()
        g.add((graph_iri, RDF.type, R2P.DataFile))
        g.add((graph_iri, RDF.type, PROV.Entity))
        g.add((graph_iri, R2P.filePath, Literal(path.name)))
        g.add((graph_iri, R2P.contentHash, Literal("sha256:" + hashlib.sha256(raw).hexdigest())))
        g.add((graph_iri, PROV.wasDerivedFrom, source))
        g.add((graph_iri, PROV.wasGeneratedBy, activity))
        seen: dict[str, int] = {}
        imported_here = 0
        try:
            for line, fields, _ in reader:
                row = {k.strip(): v.strip() for k, v in fields.items() if k}
                if not any(row.values()):
                    continue
                report.rows_read += 1
                iso2 = row["iso2"]
                note = row.get("note", "")
                successor = successor_code(iso2, known) if iso2 not in known else None
                if successor:
                    why = (
                        f"{iso2!r} ({row['member']}) is a withdrawn ISO 3166 code; "
                        f"imported as its successor {successor}"
                    )
                    report.corrected.append(Problem(display, line, why))
                    note = (
                        note + " " if note else ""
                    ) + f"The table gives the withdrawn code {iso2}; imported as {successor}."
                    iso2 = successor
                if iso2 not in known:
                    report.refused.append(
                        Problem(display, line, f"{iso2!r} ({row['member']}) is not an ISO 3166-1 alpha-2 code")
                    )
                    continue
                if iso2 in seen:
                    report.refused.append(Problem(display, line, f"{iso2} already has a row at line {seen[iso2]}"))
                    continue
                reason = check_row(row)
                if reason:
                    report.refused.append(Problem(display, line, f"{iso2} ({row['member']}): {reason}"))
                    continue
                seen[iso2] = line
                alpha3 = known[iso2]
                record = mint("treaty-action", NAME, as_of, alpha3, instrument_key, "status")
                g.add((record, RDF.type, R2P.StatusRecord))
                g.add((record, R2P.state, mint("state", alpha3)))
                g.add((record, R2P.instrument, mint("instrument", instrument_key)))
                g.add((record, R2P.treatyStatus, STATUS[row["status"].lower()]))
                g.add((record, R2P.asOf, as_of_literal))
                year = row["year ratification or accession"]
                if year:
                    g.add((record, R2P.sinceYear, Literal(year, datatype=XSD.gYear)))
                citation = URIRef(f"{record}/citation/1")
                g.add((record, R2P.hasCitation, citation))
                g.add((citation, RDF.type, R2P.Citation))
                g.add((citation, R2P.citesSource, source))
                g.add((citation, R2P.locator, Literal(f"{path.name}, line {line}")))
                if note:
                    g.add((record, SKOS.note, Literal(note, lang="en")))
                imported_here += 1
        except csv.Error as e:  # e.g. a NUL byte or a field past the CSV size limit: refuse the whole file
            report.refused.append(Problem(display, reader.line_num, f"CSV error, file not imported: {e}"))
            continue
        report.rows_imported += imported_here
        graphs[graph_iri] = g
    write_trig(graphs, out)
    return report
