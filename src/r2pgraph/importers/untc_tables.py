"""Reading one UN Treaty Collection status table: ``Participant,Signature,<consent column>…``.

The header says what each column holds and which suffix marks which kind of act, e.g.
``"Approval(AA), Acceptance(A), Accession(a), Succession(d), Ratification"``: a date with no
suffix is a ratification, ``10 Feb 2003 a`` an accession. A column of provisional application
(``n``) holds acts that are not consent to be bound. This module only reads: it knows nothing of
states or instruments, and reports what it cannot read instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# Names of acts as the headers spell them (lower-case) → the project's kind of act.
KIND_OF_NAME = {
    "signature": "signature",
    "succession to signature": "succession-to-signature",
    "ratification": "ratification",
    "accession": "accession",
    "acceptance": "acceptance",
    "approval": "approval",
    "succession": "succession",
    "formal confirmation": "formal-confirmation",
    "provisional application": "provisional-application",
}
# What each kind of act is: a signature, consent to be bound, or provisional application.
ROLE_OF_KIND = {
    "signature": "signature",
    "succession-to-signature": "signature",
    "ratification": "consent",
    "accession": "consent",
    "acceptance": "consent",
    "approval": "consent",
    "succession": "consent",
    "formal-confirmation": "consent",
    "provisional-application": "provisional-application",
}
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}
_HEADER_ITEM = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<suffix>[A-Za-z]+)\))?$")
_CELL = re.compile(r"^(?P<day>\d{1,2}) (?P<month>[A-Za-z]{3,}) (?P<year>\d{4})(?: (?P<suffix>\S+))?$")
# Footnote markers the UN prints after a participant's name ("Germany 2, 3", "France*").
_FOOTNOTES = re.compile(r"(?:\s*(?:\d+|\*+)\s*,?)+$")


class HeaderError(ValueError):
    """A header this module cannot read (the whole table is refused)."""


@dataclass(frozen=True)
class Column:
    """One act column: its header, what its acts are, and which suffix marks which kind."""

    index: int
    header: str
    role: str  # signature | consent | provisional-application
    kinds: dict[str, str]  # suffix ("" for none) → kind of act


@dataclass(frozen=True)
class Act:
    kind: str
    date: dt.date
    column: Column


@dataclass
class Row:
    """One participant's row: the name as printed and without footnote markers, its acts, and
    what in it could not be read."""

    line: int
    printed: str
    name: str
    acts: list[Act] = field(default_factory=list)
    faults: list[tuple[str, str]] = field(default_factory=list)  # (fault class, message)


def read_header(header: list[str]) -> list[Column]:
    """The act columns of a table's header. Raises HeaderError naming what is wrong."""
    if not header or header[0].strip() != "Participant":
        raise HeaderError(f"the first column is {header[0] if header else ''!r}, not 'Participant'")
    columns = []
    for index, text in enumerate(header[1:], start=1):
        kinds: dict[str, str] = {}
        for item in (part.strip() for part in text.split(",")):
            match = _HEADER_ITEM.match(item)
            name = (match["name"] if match else item).strip().lower()
            kind = KIND_OF_NAME.get(name)
            if kind is None and name.startswith("provisional application"):
                kind = "provisional-application"
            if kind is None:
                raise HeaderError(f"column {index + 1} ({text!r}): unknown kind of act {item!r}")
            suffix = (match["suffix"] if match else None) or ""
            if suffix in kinds:
                raise HeaderError(
                    f"column {index + 1} ({text!r}): two kinds of act without a suffix or with {suffix!r}"
                )
            kinds[suffix] = kind
        roles = {ROLE_OF_KIND[k] for k in kinds.values()}
        if len(roles) != 1:
            raise HeaderError(f"column {index + 1} ({text!r}) mixes signatures, consents and provisional application")
        columns.append(Column(index, text, roles.pop(), kinds))
    if not columns:
        raise HeaderError("no column of acts after 'Participant'")
    return columns


def strip_footnotes(printed: str) -> str:
    """The participant's name without the footnote markers printed after it."""
    return _FOOTNOTES.sub("", printed).strip()


def read_cell(cell: str, column: Column) -> tuple[Act | None, tuple[str, str] | None]:
    """The act in one cell, or the fault (class, message) that keeps it from being read."""
    match = _CELL.match(cell)
    if not match:
        return None, ("unreadable date", f"{cell!r} in column {column.header!r} is not a date 'D Mon YYYY [suffix]'")
    month = MONTHS.get(match["month"])
    try:
        if month is None:
            raise ValueError(f"unknown month {match['month']!r}")
        date = dt.date(int(match["year"]), month, int(match["day"]))
    except ValueError as e:
        return None, ("unreadable date", f"{cell!r} in column {column.header!r} is not a valid date ({e})")
    suffix = match["suffix"] or ""
    kind = column.kinds.get(suffix)
    if kind is None:
        allowed = ", ".join(f"{s or 'none'} ({k})" for s, k in column.kinds.items())
        what = "no suffix" if not suffix else f"suffix {suffix!r}"
        return None, ("unknown suffix", f"{cell!r}: {what} is not one of column {column.header!r}'s: {allowed}")
    return Act(kind, date, column), None


def read_rows(rows: list[list[str]], columns: list[Column], first_line: int = 2) -> list[Row]:
    """Every non-empty row of a table read with its header's columns (line numbers from ``first_line``)."""
    result = []
    for line, cells in enumerate(rows, start=first_line):
        if not any(c.strip() for c in cells):
            continue
        printed = cells[0].strip()
        row = Row(line, printed, strip_footnotes(printed))
        result.append(row)
        if len(cells) != len(columns) + 1:
            row.faults.append(("malformed row", f"{len(cells)} cells, the header has {len(columns) + 1}"))
            continue
        if not row.name:
            row.faults.append(("unknown participant", f"no participant name in {printed!r}"))
        for column, cell in zip(columns, cells[1:], strict=True):
            if not cell.strip():
                continue
            act, fault = read_cell(" ".join(cell.split()), column)
            if act is not None:
                row.acts.append(act)
            if fault is not None:
                row.faults.append(fault)
        if not row.acts and not row.faults:
            row.faults.append(("no act", "the row gives no date in any column"))
    return result
