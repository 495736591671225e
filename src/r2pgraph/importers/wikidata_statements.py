"""Wikidata's answers as statements (one per statement IRI, with its values gathered) and their dates
converted at the precision Wikidata gives (see ``wikidata`` for the rules)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.namespace import XSD

WIKIBASE = "http://wikiba.se/ontology#"
DEPRECATED = WIKIBASE + "DeprecatedRank"
PRECISION_DAY, PRECISION_MONTH, PRECISION_YEAR = 11, 10, 9
QID = re.compile(r"^http://www\.wikidata\.org/entity/(Q[0-9]+)$")
WIKIDATA_TIME = re.compile(
    r"^\+?([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)


@dataclass
class Statement:
    """One Wikidata statement, gathered from the result rows that mention it."""

    iri: str
    instrument: str  # Q-id
    prop: str
    item: dict[str, str]  # the JSON binding of the value
    iso2: set[str] = field(default_factory=set)
    dates: dict[str, set[int]] = field(default_factory=dict)  # lexical value → precisions given
    odd_dates: set[str] = field(default_factory=set)  # values that are not literals ("unknown value")
    ranks: set[str] = field(default_factory=set)
    references: set[str] = field(default_factory=set)


def gather(bindings: list[dict[str, dict[str, str]]]) -> list[Statement]:
    """Group result rows by statement (rows multiply by dates, codes and references)."""
    statements: dict[str, Statement] = {}
    for b in bindings:
        if "statement" not in b or "instrument" not in b or "item" not in b or "property" not in b:
            continue
        qid = QID.match(b["instrument"]["value"])
        if qid is None:
            continue
        s = statements.setdefault(
            b["statement"]["value"], Statement(b["statement"]["value"], qid.group(1), b["property"]["value"], b["item"])
        )
        if "iso2" in b:
            s.iso2.add(b["iso2"]["value"].strip().upper())
        if "date" in b:
            if b["date"].get("type") in ("literal", "typed-literal"):
                precisions = s.dates.setdefault(b["date"]["value"], set())
                if "precision" in b and b["precision"]["value"].strip().isdigit():
                    precisions.add(int(b["precision"]["value"]))
            else:
                s.odd_dates.add(b["date"]["value"])
        if "rank" in b:
            s.ranks.add(b["rank"]["value"])
        if "referenceUrl" in b:
            s.references.add(b["referenceUrl"]["value"])
    return sorted(statements.values(), key=lambda s: (s.instrument, s.prop, s.iri))


@dataclass(frozen=True)
class WikidataDate:
    literal: Literal
    key: str  # the lexical form used in the record IRI
    notes: tuple[str, ...] = ()
    unconfirmed: bool = False


def convert_date(value: str, precisions: set[int]) -> WikidataDate | str:
    """Our r2p:date for a Wikidata time value and its precision(s), or the reason it cannot be one.

    ``precisions`` is empty when the endpoint gave none; several means the coarsest is used.
    """
    match = WIKIDATA_TIME.match(value.strip())
    if match is None:
        return f"the date {value!r} is not a date with a four-digit year (YYYY-MM-DD…)"
    year, month, day = (int(g) for g in match.groups()[:3])
    precision = min(precisions) if precisions else None
    # Wikidata's own JSON writes unknown months and days as 00.
    if month == 0:
        precision = PRECISION_YEAR if precision is None else min(precision, PRECISION_YEAR)
    elif day == 0:
        precision = PRECISION_MONTH if precision is None else min(precision, PRECISION_MONTH)
    if precision is not None and precision < PRECISION_YEAR:
        return f"the date {value!r} is given to a precision coarser than a year (Wikidata precision {precision})"
    if precision in (PRECISION_YEAR, PRECISION_MONTH):
        notes: tuple[str, ...] = ()
        if precision == PRECISION_MONTH:
            notes = (f"Wikidata gives the month ({year:04d}-{month:02d}); the date is recorded as the year.",)
        return WikidataDate(Literal(f"{year:04d}", datatype=XSD.gYear), f"{year:04d}", notes)
    try:
        day_value = dt.date(year, month, day)
    except ValueError:
        return f"the date {value!r} is not a valid calendar date"
    iso = day_value.isoformat()
    if precision is None and month == 1 and day == 1:
        note = (
            f"Wikidata gives {iso} without its precision: 1 January is how Wikidata writes a date known"
            " only to the year, so the day and month await confirmation."
        )
        return WikidataDate(Literal(iso, datatype=XSD.date), iso, (note,), unconfirmed=True)
    return WikidataDate(Literal(iso, datatype=XSD.date), iso)
