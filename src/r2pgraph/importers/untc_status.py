"""Importer of UN Treaty Collection status tables into data/ (``r2pgraph import untc-status DIR``).

It reads the reviewed ``manifest.yaml`` of a snapshot folder (e.g. ``data/treaty-status/untc-2015``:
per table its UNTC number, as-of date, scrape commit, title and page), the instruments of data/
(which carry their UNTC numbers and adoption dates) and the reviewed alias table of UN names, and
writes into the snapshot folder, in the project's own format (see data/README.md):

- ``<UNTC number>.csv``: one signature, consent or provisional-application record per act;
- ``tables.csv``: one row per table: its sources and its coverage (does it list every participant
  as of its date, and which states' rows could not be read);
- ``import-report.md``: every faulty row with file, line and reason, and the counts.

The same inputs give the same bytes. Sound rows are imported; a faulty row is reported, never
dropped silently or "fixed"; a table whose latest act is later than its as-of date is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from r2pgraph.errors import DataError, Problem
from r2pgraph.importers.un_names import NameResolver
from r2pgraph.importers.untc_tables import HeaderError, read_header, read_rows
from r2pgraph.sources.un_names import read_aliases
from r2pgraph.sources.yamlfile import read_yaml

NAME = "untc-status"
RECORD_COLUMNS = ["state", "instrument", "kind", "date", "as_of", "source", "locator", "via", "via_locator"]
TABLE_COLUMNS = [
    "source",
    "untc",
    "instrument",
    "title",
    "page",
    "as_of",
    "via",
    "repository",
    "path",
    "commit",
    "scraped",
    "lists_every_participant",
    "rows",
    "records",
    "faulty_rows",
    "unread_states",
]
KIND_ORDER = ["signature", "succession-to-signature", "provisional-application"]
_TABLE_FILE = re.compile(r"^(\d+)-(\d+)(-[a-z])?\.csv$")
_UNTC = re.compile(r"^[IVXL]+-\d+(-[a-z])?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


@dataclass(frozen=True)
class TableEntry:
    """One table of the manifest (or one given with --as-of)."""

    file: str
    untc: str
    as_of: dt.date
    line: int | None  # its line in the manifest; None when dated by --as-of
    commit: str = ""
    scraped: str = ""
    title: str = ""
    page: str = ""


@dataclass(frozen=True)
class Fault:
    file: str
    line: int | None
    participant: str
    kind: str  # the fault class
    message: str


@dataclass
class TableResult:
    entry: TableEntry
    instrument: str
    rows: int = 0
    records: list[dict[str, str]] = field(default_factory=list)
    faulty_rows: int = 0
    unread_states: set[str] = field(default_factory=set)
    unresolved_rows: int = 0  # faulty rows that name no state we could tell


@dataclass
class UntcReport:
    """What the import did; ``refused`` lists faulty rows and refused tables (as Problems)."""

    out_dir: str
    tables: list[TableResult] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    table_errors: list[Fault] = field(default_factory=list)

    @property
    def refused(self) -> list[Problem]:
        return [Problem(f.file, f.line, f.message) for f in self.table_errors + self.faults]

    def counts(self) -> dict[str, int]:
        return {
            "tables": len(self.tables),
            "tables_refused": len(self.table_errors),
            "rows": sum(t.rows for t in self.tables),
            "records": sum(len(t.records) for t in self.tables),
            "faulty_rows": sum(t.faulty_rows for t in self.tables),
        }

    def by_reason(self) -> Counter[str]:
        rows: dict[tuple[str, int | None], str] = {}
        for f in self.faults:
            rows.setdefault((f.file, f.line), f.kind)
        return Counter(rows.values())

    def text(self) -> str:
        c = self.counts()
        lines = [
            f"{NAME}: {c['tables']} table(s) imported into {self.out_dir}, {c['tables_refused']} refused;"
            f" {c['rows']} rows, {c['records']} records, {c['faulty_rows']} faulty row(s)"
        ]
        lines += [f"  faulty rows, {reason}: {n}" for reason, n in sorted(self.by_reason().items())]
        lines += [f"  table refused: {Problem(f.file, f.line, f.message)}" for f in self.table_errors]
        lines += [f"  refused: {Problem(f.file, f.line, f.message)}" for f in self.faults]
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps(
            {
                "importer": NAME,
                **self.counts(),
                "faulty_rows_by_reason": dict(sorted(self.by_reason().items())),
                "refused": [
                    {
                        "file": f.file,
                        "line": f.line,
                        "participant": f.participant,
                        "reason": f.kind,
                        "message": f.message,
                    }
                    for f in self.table_errors + self.faults
                ],
            },
            indent=2,
        )


def chapter_number(untc: str) -> int:
    """The chapter of a UNTC number as an integer: XVIII-10 → 18."""
    roman, total = untc.split("-", 1)[0], 0
    for i, ch in enumerate(roman):
        value = _ROMAN[ch]
        total += -value if i + 1 < len(roman) and _ROMAN[roman[i + 1]] > value else value
    return total


def untc_of_file(name: str) -> str | None:
    """The UNTC number of a scraped table's file name: ``18-10.csv`` → ``XVIII-10``."""
    match = _TABLE_FILE.match(name)
    if not match:
        return None
    chapter = int(match[1])
    numerals = [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    roman = ""
    for value, numeral in numerals:
        while chapter >= value:
            roman, chapter = roman + numeral, chapter - value
    return f"{roman}-{match[2]}{match[3] or ''}"


def _date(value: object, display: str, line: int, what: str, problems: list[Problem]) -> dt.date | None:
    text = str(value or "").strip()
    try:
        if not _DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(display, line, f"{what}: {text!r} is not a date YYYY-MM-DD"))
        return None


def read_manifest(path: Path) -> tuple[dict[str, object], list[TableEntry]]:
    """The manifest's intermediary and its tables. Raises DataError naming file and line."""
    display = str(path)
    data = read_yaml(path, display)
    problems: list[Problem] = []
    intermediary = data.get("intermediary")
    if not isinstance(intermediary, dict) or not all(intermediary.get(k) for k in ("repository", "url", "folder")):
        problems.append(Problem(display, data.line, "intermediary needs repository, url and folder"))
        intermediary = {}
    scrapes_raw = data.get("scrapes") or {}
    scrapes: dict[str, dt.date] = {}
    for commit, when in scrapes_raw.items() if isinstance(scrapes_raw, dict) else []:
        if not re.fullmatch(r"[0-9a-f]{40}", str(commit)):
            problems.append(Problem(display, None, f"scrapes: {commit!r} is not a full commit id"))
        day = _date(when, display, getattr(scrapes_raw, "line", 0), f"scrape {commit}", problems)
        if day:
            scrapes[str(commit)] = day
    entries: list[TableEntry] = []
    seen: dict[str, int] = {}
    for item in data.get("tables") or []:
        line = int(getattr(item, "line", 0))
        if not isinstance(item, dict):
            problems.append(Problem(display, line, "each table must be a mapping"))
            continue
        file, untc, commit = (str(item.get(k) or "") for k in ("file", "untc", "commit"))
        what = f"table {file or '?'}"
        if not _TABLE_FILE.match(file):
            problems.append(Problem(display, line, f"{what}: file must be named like 18-10.csv"))
        if not _UNTC.match(untc):
            problems.append(Problem(display, line, f"{what}: untc {untc!r} is not a UNTC number like XVIII-10"))
        if file in seen:
            problems.append(Problem(display, line, f"{what}: already listed at line {seen[file]}"))
        seen[file] = line
        as_of = _date(item.get("as_of"), display, line, f"{what} as_of", problems)
        if commit not in scrapes:
            problems.append(Problem(display, line, f"{what}: commit {commit!r} is not one of the scrapes listed"))
        elif as_of and as_of > scrapes[commit]:
            problems.append(Problem(display, line, f"{what}: as_of {as_of} is after its scrape ({scrapes[commit]})"))
        for key in ("title", "page"):
            if not str(item.get(key) or "").strip():
                problems.append(Problem(display, line, f"{what}: {key} is required"))
        if as_of and commit in scrapes:
            scraped = scrapes[commit].isoformat()
            title, page = str(item.get("title")), str(item.get("page"))
            entries.append(TableEntry(file, untc, as_of, line, commit, scraped, title, page))
    if problems:
        raise DataError(problems)
    return intermediary, entries


def read_instruments(data_dir: Path) -> dict[str, tuple[str, dt.date | None, str]]:
    """UNTC number → (instrument id, adoption date, title), from data/instruments/*.yaml."""
    found: dict[str, tuple[str, dt.date | None, str]] = {}
    for path in sorted((data_dir / "instruments").glob("*.yaml")):
        for item in read_yaml(path, str(path)).get("instruments") or []:
            if isinstance(item, dict) and item.get("untc") and item.get("id"):
                try:  # a bad date is the build's to report; here it only means no adoption check
                    day: dt.date | None = dt.date.fromisoformat(str(item.get("adopted") or ""))
                except ValueError:
                    day = None
                found[str(item["untc"])] = (str(item["id"]), day, str(item.get("title") or ""))
    return found


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def import_table(
    path: Path,
    entry: TableEntry,
    instrument: tuple[str, dt.date | None, str],
    resolver: NameResolver,
    snapshot: str,
    report: UntcReport,
) -> TableResult | None:
    """Read one table into records; report its faulty rows. None when the whole table is refused."""
    name = path.name
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    table = list(csv.reader(io.StringIO(text, newline="")))
    try:
        columns = read_header(table[0] if table else [])
    except HeaderError as e:
        report.table_errors.append(Fault(name, 1, "", "unreadable header", f"table refused: {e}"))
        return None
    result = TableResult(entry, instrument[0])
    adopted = instrument[1]
    source = f"{snapshot}-{_slug(entry.untc)}"
    via = f"{source}-scrape" if entry.commit else ""
    rows = read_rows(table[1:], columns)
    states = [resolver.resolve(row.name) if row.name else None for row in rows]
    lines_of: dict[str, list[int]] = {}
    for row, resolution in zip(rows, states, strict=True):
        if resolution and resolution.alpha3:
            lines_of.setdefault(resolution.alpha3, []).append(row.line)
    latest: tuple[dt.date, int, str] | None = None
    for row, resolution in zip(rows, states, strict=True):
        result.rows += 1
        faults = list(row.faults)
        alpha3 = resolution.alpha3 if resolution else None
        if resolution and resolution.fault:
            faults.insert(0, resolution.fault)
        if alpha3 and len(lines_of[alpha3]) > 1:
            others = ", ".join(str(n) for n in lines_of[alpha3] if n != row.line)
            faults.append(("listed twice", f"{alpha3} also has a row at line(s) {others}"))
        for act in row.acts:
            if act.kind == "formal-confirmation" and alpha3:
                faults.append(
                    ("not a state's act", f"formal confirmation ({act.date}) is an international organisation's act")
                )
            if adopted and act.date < adopted:
                faults.append(("before adoption", f"{act.kind} dated {act.date}, before the adoption ({adopted})"))
            if latest is None or act.date > latest[0]:
                latest = (act.date, row.line, row.printed)
        if faults:
            result.faulty_rows += 1
            if alpha3:
                result.unread_states.add(alpha3)
            elif not (resolution and resolution.fault and resolution.fault[0] in ("not-a-state", "former-state")):
                result.unresolved_rows += 1  # a row that may be a state's: absence from the table proves nothing
            for kind, message in faults:
                report.faults.append(Fault(name, row.line, row.printed, kind, f"{row.printed!r}: {message}"))
            continue
        assert alpha3 is not None
        for act in row.acts:
            result.records.append(
                {
                    "state": alpha3,
                    "instrument": instrument[0],
                    "kind": act.kind,
                    "date": act.date.isoformat(),
                    "as_of": entry.as_of.isoformat(),
                    "source": source,
                    "locator": row.printed,
                    "via": via,
                    "via_locator": f"line {row.line}" if via else "",
                }
            )
    if latest and latest[0] > entry.as_of:
        when = f"manifest line {entry.line}" if entry.line else "--as-of"
        message = (
            f"table refused: {latest[2]}'s act of {latest[0]} is later than the table's as-of date "
            f"{entry.as_of} ({when})"
        )
        report.table_errors.append(Fault(name, latest[1], latest[2], "act after as-of", message))
        report.faults = [f for f in report.faults if f.file != name]
        return None
    result.records.sort(key=_record_order)
    return result


def _csv_text(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def table_row(result: TableResult, snapshot: str, intermediary: dict[str, object]) -> dict[str, str]:
    """The table's row of ``tables.csv``: its sources and what it covers."""
    e = result.entry
    folder = str(intermediary.get("folder") or "")
    return {
        "source": f"{snapshot}-{_slug(e.untc)}",
        "untc": e.untc,
        "instrument": result.instrument,
        "title": e.title,
        "page": e.page,
        "as_of": e.as_of.isoformat(),
        "via": f"{snapshot}-{_slug(e.untc)}-scrape" if e.commit else "",
        "repository": str(intermediary.get("url") or "") if e.commit else "",
        "path": f"{folder}/{e.file}" if e.commit else "",
        "commit": e.commit,
        "scraped": e.scraped,
        "lists_every_participant": "no" if result.unresolved_rows else "yes",
        "rows": str(result.rows),
        "records": str(len(result.records)),
        "faulty_rows": str(result.faulty_rows),
        "unread_states": ";".join(sorted(result.unread_states)),
    }


def report_markdown(report: UntcReport, snapshot: str) -> str:
    """The import report written beside the data (no timestamps: the same import, the same bytes)."""
    c = report.counts()
    lines = [
        f"# Import report: {snapshot}",
        "",
        f"Written by `r2pgraph import {NAME}`; do not edit. {c['tables']} table(s) imported, "
        f"{c['tables_refused']} refused; {c['rows']} rows read, {c['records']} records written, "
        f"{c['faulty_rows']} faulty row(s) reported and not imported.",
        "",
        "| table | instrument | as of | rows | records | faulty rows |",
        "|---|---|---|---|---|---|",
    ]
    for t in report.tables:
        rec = len(t.records)
        lines.append(f"| {t.entry.file} | {t.instrument} | {t.entry.as_of} | {t.rows} | {rec} | {t.faulty_rows} |")
    lines += ["", "## Faulty rows by reason", ""]
    lines += [f"- {reason}: {n}" for reason, n in sorted(report.by_reason().items())] or ["- none"]
    lines += ["", "## Refused tables", ""]
    lines += [f"- {f.file}:{f.line}: {f.message}" for f in report.table_errors] or ["- none"]
    lines += ["", "## Faulty rows", "", "| file | line | reason | detail |", "|---|---|---|---|"]
    for f in report.faults:
        detail = f.message.replace("|", "\\|")
        lines.append(f"| {f.file} | {f.line} | {f.kind} | {detail} |")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (written beside and renamed)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def import_untc_status(
    src_dir: Path, out_dir: Path, data_dir: Path, as_of: dt.date | None = None, aliases: Path | None = None
) -> UntcReport:
    """Import the status tables in ``src_dir`` into the snapshot folder ``out_dir`` (which holds
    the manifest). ``as_of`` dates a table the manifest lacks. Raises DataError for a manifest,
    instrument or alias file that cannot be read."""
    snapshot = out_dir.name
    intermediary, entries = read_manifest(out_dir / "manifest.yaml")
    instruments = read_instruments(data_dir)
    resolver = NameResolver(read_aliases(aliases or data_dir / "states" / "un-name-aliases.csv"))
    report = UntcReport(str(out_dir))
    by_file = {e.file: e for e in entries}
    given = sorted(p.name for p in src_dir.glob("*.csv") if untc_of_file(p.name))
    for file in given:
        if file not in by_file:
            untc = untc_of_file(file) or ""
            if as_of is None:
                why = "table refused: not in the manifest; add it there (or give --as-of)"
                report.table_errors.append(Fault(file, None, "", "not in the manifest", why))
                continue
            known = instruments.get(untc)
            by_file[file] = TableEntry(file, untc, as_of, None, title=known[2] if known else "", page=_page(untc))
    missing = [Problem(str(out_dir / "manifest.yaml"), e.line, f"{e.file} is not in {src_dir}") for e in entries]
    missing = [p for p in missing if p.message.split(" ", 1)[0] not in given]
    if missing:  # an import from part of the tables would drop the others' records: write nothing
        raise DataError(missing)
    for file in sorted(
        by_file, key=lambda f: [int(p) if p.isdigit() else p for p in f.removesuffix(".csv").split("-")]
    ):
        entry = by_file[file]
        instrument = instruments.get(entry.untc)
        if instrument is None:
            why = f"table refused: no instrument in {data_dir / 'instruments'} has untc: {entry.untc}"
            report.table_errors.append(Fault(file, entry.line, "", "no instrument", why))
            continue
        result = import_table(src_dir / file, entry, instrument, resolver, snapshot, report)
        if result is not None:
            report.tables.append(result)
    written = {"manifest.yaml", "import-report.md", "tables.csv"}
    for t in report.tables:
        name = f"{t.entry.untc}.csv"
        written.add(name)
        _write(out_dir / name, _csv_text(RECORD_COLUMNS, t.records))
    rows = [table_row(t, snapshot, intermediary) for t in report.tables]
    _write(out_dir / "tables.csv", _csv_text(TABLE_COLUMNS, rows))
    _write(out_dir / "import-report.md", report_markdown(report, snapshot))
    for stale in out_dir.glob("*.csv"):  # a table no longer imported: its old records must not stay
        if stale.name not in written:
            stale.unlink()
    return report


def _record_order(record: dict[str, str]) -> tuple[str, str, int, str]:
    """By state and date; on one day a signature before a provisional application before consent."""
    kind = record["kind"]
    return record["state"], record["date"], KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind


def _table_order(file: str) -> list[int | str]:
    """Tables in the UN's order: 4-3 before 4-3-a before 4-11."""
    return [int(p) if p.isdigit() else p for p in file.removesuffix(".csv").split("-")]


def _page(untc: str) -> str:
    """The UNTC status page of a treaty, as the collection's index links it."""
    chapter = chapter_number(untc)
    return f"https://treaties.un.org/pages/ViewDetails.aspx?src=TREATY&mtdsg_no={untc}&chapter={chapter}&lang=en"
