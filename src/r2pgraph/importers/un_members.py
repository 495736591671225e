"""Importer of UN membership and M49 regions from country_converter into data/states/un-membership.csv.

One row per UN member state (193), observer State and non-member participant: its ISO 3166-1
numeric code (zero-padded to three digits, as the world map's shapes are keyed), its status, the year
of admission as the library gives it (a year: no day is invented), and its M49 region, sub-region
and intermediate region with their codes. What the library lacks or gets wrong comes from the
reviewed table in ``un_members_reviewed``, and each such row names the source and says why in its
note. The file is sorted by alpha-3 code and written the same way every time, so that rerunning
the importer with the same library version rewrites it byte for byte.

``r2pgraph import un-members`` runs it; ``serve`` and ``build`` read the CSV and never import
country_converter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from r2pgraph.errors import Problem, R2PError
from r2pgraph.importers.common import ImportReport
from r2pgraph.importers.un_members_reviewed import (
    CORRECTIONS,
    M49_AREAS,
    M49_SOURCE,
    NON_MEMBER_PARTICIPANTS,
    OBSERVER_SOURCE,
    OBSERVER_STATES,
    Area,
)
from r2pgraph.sources.un_membership import COLUMNS

NAME = "un-members"
LIBRARY = "country_converter"


def library_version() -> str:
    """The installed country_converter's version. Raises R2PError when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(LIBRARY)
    except PackageNotFoundError as e:
        raise R2PError(
            f"{LIBRARY} is not installed: install the importers' extra with pip install -e '.[import]'"
        ) from e


def library_records() -> list[dict[str, Any]]:
    """country_converter's table as plain rows (ISO3, ISOnumeric, name_short, UNmember, UNregion)."""
    import country_converter

    table = country_converter.CountryConverter().data
    rows: list[dict[str, Any]] = []
    for record in table[["ISO3", "ISOnumeric", "name_short", "UNmember", "UNregion"]].to_dict("records"):
        rows.append({k: (None if _missing(v) else v) for k, v in record.items()})
    return rows


def _missing(value: object) -> bool:
    return value is None or value != value or str(value) in ("<NA>", "nan", "")  # NaN != NaN


def _year(value: object) -> str | None:
    """A four-digit year from the library's number (an int, or a float such as 1956.0)."""
    try:
        number = float(str(value))
    except ValueError:
        return None
    return f"{int(number)}" if number.is_integer() and 1000 <= number <= 9999 else None


def _numeric(value: object) -> str | None:
    """A three-digit ISO 3166-1 numeric code from the library's number (392, 4.0 → "004")."""
    try:
        number = float(str(value))
    except ValueError:
        return None
    return f"{int(number):03d}" if number.is_integer() and 0 < number < 1000 else None


def _chain(name: str) -> list[tuple[str, Area]] | None:
    """The M49 areas from ``name`` up to its region, finest first; None when a name has no code."""
    by_code = {a.code: n for n, a in M49_AREAS.items()}
    chain: list[tuple[str, Area]] = []
    current: str | None = name
    while current is not None:
        area = M49_AREAS.get(current)
        if area is None:
            return None
        chain.append((current, area))
        current = by_code.get(area.broader) if area.broader else None
    return chain


def membership_rows(records: Iterable[Mapping[str, Any]], version: str, report: ImportReport) -> list[dict[str, str]]:
    """The CSV rows for the library's ``records``, with the reviewed additions and corrections."""
    library = f"{LIBRARY} {version}"
    wanted = set(OBSERVER_STATES) | set(NON_MEMBER_PARTICIPANTS)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for record in records:
        report.rows_read += 1
        alpha3 = str(record.get("ISO3") or "")
        admitted = record.get("UNmember")
        if admitted is None and alpha3 not in wanted:
            continue
        where = f"{library} ({alpha3 or '?'})"
        if alpha3 in seen:
            report.refused.append(Problem(where, None, f"{alpha3} appears twice in the library's table"))
            continue
        seen.add(alpha3)
        sources = [library]
        notes: list[str] = []
        if admitted is not None:
            status, year = "member", _year(admitted)
            if year is None:
                report.refused.append(Problem(where, None, f"year of admission {admitted!r} is not a year"))
                continue
        elif alpha3 in OBSERVER_STATES:
            status, year = "observer", ""
            sources.append(OBSERVER_SOURCE)
            notes.append(OBSERVER_STATES[alpha3])
        else:
            status, year = "non-member", ""
            notes.append(NON_MEMBER_PARTICIPANTS[alpha3])
        numeric = _numeric(record.get("ISOnumeric"))
        if numeric is None:
            report.refused.append(Problem(where, None, f"ISO numeric code {record.get('ISOnumeric')!r} is not a code"))
            continue
        region_name = str(record.get("UNregion") or "")
        correction = CORRECTIONS.get(alpha3)
        if correction is not None and correction.field == "subregion" and region_name == correction.library:
            region_name = correction.value
            sources.append(correction.source)
            notes.append(f"Corrected: {correction.reason}")
            report.corrected.append(Problem(where, None, correction.reason))
        chain = _chain(region_name)
        if chain is None:
            report.refused.append(Problem(where, None, f"the M49 area {region_name!r} has no reviewed code"))
            continue
        sources.append(M49_SOURCE)  # the codes of the areas
        levels = {area.level: (name, area.code) for name, area in chain}
        row = {
            "alpha3": alpha3,
            "iso_numeric": numeric,
            "name": str(record.get("name_short") or ""),
            "un_status": status,
            "admitted": year,
            "region_code": levels.get("region", ("", ""))[1],
            "region": levels.get("region", ("", ""))[0],
            "subregion_code": levels.get("sub-region", ("", ""))[1],
            "subregion": levels.get("sub-region", ("", ""))[0],
            "intermediate_code": levels.get("intermediate", ("", ""))[1],
            "intermediate": levels.get("intermediate", ("", ""))[0],
            "source": "; ".join(dict.fromkeys(sources)),
            "note": " ".join(notes),
        }
        if not row["region_code"] or not row["subregion_code"]:
            report.refused.append(Problem(where, None, f"the M49 area {region_name!r} is not a sub-region"))
            continue
        rows.append(row)
        report.rows_imported += 1
    for alpha3 in sorted(wanted - seen):
        report.refused.append(Problem(library, None, f"{alpha3} (reviewed list) is not in the library's table"))
    return sorted(rows, key=lambda r: r["alpha3"])


def render(rows: list[dict[str, str]]) -> str:
    """The CSV text: a header and one row per state, LF line ends."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def import_un_members(out: Path) -> ImportReport:
    """Write ``out`` (data/states/un-membership.csv) from the installed country_converter."""
    report = ImportReport(NAME)
    version = library_version()
    report.files.append(f"{LIBRARY} {version}")
    rows = membership_rows(library_records(), version, report)
    members = sum(r["un_status"] == "member" for r in rows)
    if members != 193:
        report.refused.append(Problem(f"{LIBRARY} {version}", None, f"{members} UN members, not 193"))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(render(rows), encoding="utf-8")
    tmp.replace(out)
    return report
