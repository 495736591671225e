"""Importer for UN human-rights treaty status tables: one CSV per treaty with the columns
``iso2, member, state party, year ratification or accession, signatory, no action, status, note``.

Each row becomes a row of ``data/treaty-status/ohchr-<as-of>/<instrument>.csv`` in the project's
own columns (loaded by ``r2pgraph.sources.status_tables`` as an ``r2p:StatusRecord``) saying what
the row really says: a party since a year (the kind of action is not given), a signatory, or no
action, as of the table's date, with the table's file and line as locator. A row is
refused — reported with file, line and reason, never silently dropped or "fixed" — when its code
is not ISO 3166-1, its flags contradict its status, or its year is not a year.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pycountry

from r2pgraph.errors import Problem
from r2pgraph.importers.common import ImportReport
from r2pgraph.sources import status_tables

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
STATUS = ("state party", "signatory state", "no action")
# The table's status → ours, in the columns of data/treaty-status/ohchr-<as-of>/<instrument>.csv.
STATUS_OF = {"state party": "party", "signatory state": "signatory", "no action": "no-action"}
TABLE_COLUMNS = status_tables.COLUMNS


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


def import_tables(paths: list[Path], out_dir: Path, as_of: str, source: str | None = None) -> ImportReport:
    """Import treaty-status CSV files into ``out_dir`` (one ``<instrument>.csv`` each). Returns the report.

    ``as_of`` is the date or year the tables describe (e.g. ``2022``); ``source`` the id of the
    source (in data/sources/) that the records cite, by default ``un-hr-treaty-status-<as_of>``.
    Files of ``out_dir`` that no table wrote are removed, so the folder holds what the tables give.
    """
    report = ImportReport(NAME)
    source = source or f"{NAME}-{as_of}"
    known = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    tables: dict[str, list[dict[str, str]]] = {}
    for path in sorted(paths):
        display = str(path)
        report.files.append(display)
        instrument_key = _instrument_key(path)
        if instrument_key is None:
            report.refused.append(Problem(display, None, "no instrument is known for this file name"))
            continue
        if instrument_key in tables:
            report.refused.append(Problem(display, None, f"a second table for {instrument_key}; not imported"))
            continue
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            report.refused.append(Problem(display, None, f"not UTF-8 text: {e}"))
            continue
        reader = csv.DictReader(text.splitlines())
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            report.refused.append(Problem(display, 1, f"missing column(s): {', '.join(missing)}"))
            continue
        seen: dict[str, int] = {}
        rows: list[dict[str, str]] = []
        read_here = 0
        try:
            for row in reader:
                line = reader.line_num
                row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                if not any(row.values()):
                    continue
                read_here += 1
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
                rows.append(
                    {
                        "state": known[iso2],
                        "instrument": instrument_key,
                        "status": STATUS_OF[row["status"].lower()],
                        "since_year": row["year ratification or accession"],
                        "as_of": as_of,
                        "source": source,
                        "locator": f"{path.name}, line {line}",
                        "note": note,
                    }
                )
        except csv.Error as e:  # e.g. a NUL byte or a field past the CSV size limit: refuse the whole file
            report.rows_read += read_here
            report.refused.append(Problem(display, reader.line_num + 1, f"CSV error, file not imported: {e}"))
            continue
        report.rows_read += read_here
        report.rows_imported += len(rows)
        tables[instrument_key] = sorted(rows, key=lambda r: r["state"])
    write_tables(tables, out_dir)
    return report


def write_tables(tables: dict[str, list[dict[str, str]]], out_dir: Path) -> None:
    """Write one CSV per instrument (LF line ends, rows in state order) and remove any other CSV."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for instrument, rows in sorted(tables.items()):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=TABLE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        target = out_dir / f"{instrument}.csv"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(out.getvalue(), encoding="utf-8")
        tmp.replace(target)
    for stale in out_dir.glob("*.csv"):
        if stale.stem not in tables:
            stale.unlink()
