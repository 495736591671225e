"""Importer of treaty actions recorded in Wikidata: "signatory" (P1891) and "ratified by" (P6193)
statements on the instruments that our data links to Wikidata items (``r2p:wikidataEntity``).

Each Wikidata statement becomes one treaty action of its own, citing Wikidata (the statement IRI
is the locator) and, as further citations, the web pages its references give (P854):

* P1891 "signatory" → ``r2p:Signature``;
* P6193 "ratified by" → ``r2p:ConsentToBeBound``: Wikidata uses this property for ratification,
  accession, acceptance, approval and succession alike, so the kind is unknown; a note says so.

Dates come from the "point in time" qualifier (P585) and its precision
(``pqv:P585/wikibase:timePrecision``):

* day precision (11) or finer → ``xsd:date``;
* month (10) or year (9) precision → ``xsd:gYear`` (the ontology has no year-month; for month
  precision a note keeps the month Wikidata gives);
* coarser than a year (decade, century…) → refused: a treaty action needs a date;
* precision not given by the endpoint → ``xsd:date``, except that a value on 1 January (how
  Wikidata writes a year-only date) is kept as the full date but marked ``r2p:unconfirmed
  r2p:date``, with a note saying it may stand for the year alone.

States are matched by our ``r2p:wikidataEntity`` link first and by the ISO 3166-1 alpha-2 code
Wikidata gives (P297) otherwise. A statement is refused — reported with the item or statement IRI
and the reason, never dropped silently — when its value maps to no state (or to several), it has
no usable date or several, it is dated before the instrument's adoption (which the shapes
forbid), its rank is deprecated, or it repeats a record already imported.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from r2pgraph.errors import Problem, R2PError
from r2pgraph.importers.common import ImportReport, import_activity, write_trig
from r2pgraph.query.engine import select
from r2pgraph.rdf.namespaces import GRAPH, ID, R2P, SCHEMA, WD, mint

NAME = "wikidata"
SIGNATORY = "P1891"
RATIFIED_BY = "P6193"
KINDS: dict[str, tuple[URIRef, str]] = {
    SIGNATORY: (R2P.Signature, "signature"),
    RATIFIED_BY: (R2P.ConsentToBeBound, "consent-to-be-bound"),
}
CONSENT_NOTE = (
    "Wikidata records this as 'ratified by' (P6193), a property it uses for ratification, accession,"
    " acceptance, approval and succession alike, so the kind of consent to be bound is unknown."
)
WIKIBASE = "http://wikiba.se/ontology#"
DEPRECATED = WIKIBASE + "DeprecatedRank"
PRECISION_DAY, PRECISION_MONTH, PRECISION_YEAR = 11, 10, 9
MAX_RETRY_AFTER = 300.0  # seconds: a longer Retry-After is waited for this long at most
QID = re.compile(r"^http://www\.wikidata\.org/entity/(Q[0-9]+)$")
WIKIDATA_TIME = re.compile(
    r"^\+?([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
IRI_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pqv: <http://www.wikidata.org/prop/qualifier/value/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX wikibase: <http://wikiba.se/ontology#>
"""


class WikidataError(R2PError):
    """The Wikidata import cannot run: the endpoint failed or gave no usable answer, or nothing maps."""


def build_query(qids: Iterable[str]) -> str:
    """The SELECT query for the signatories and "ratified by" statements of the items ``qids``."""
    values = " ".join(f"wd:{q}" for q in sorted(set(qids)))
    return (
        PREFIXES
        + f"""SELECT ?instrument ?property ?statement ?item ?iso2 ?date ?precision ?rank ?referenceUrl WHERE {{
  VALUES ?instrument {{ {values} }}
  {{ ?instrument p:{SIGNATORY} ?statement . ?statement ps:{SIGNATORY} ?item . BIND ("{SIGNATORY}" AS ?property) }}
  UNION
  {{ ?instrument p:{RATIFIED_BY} ?statement . ?statement ps:{RATIFIED_BY} ?item . BIND ("{RATIFIED_BY}" AS ?property) }}
  OPTIONAL {{ ?statement wikibase:rank ?rank }}
  OPTIONAL {{ ?item wdt:P297 ?iso2 }}
  OPTIONAL {{
    ?statement pq:P585 ?date .
    OPTIONAL {{
      ?statement pqv:P585 ?dateValue .
      ?dateValue wikibase:timeValue ?date ; wikibase:timePrecision ?precision .
    }}
  }}
  OPTIONAL {{ ?statement prov:wasDerivedFrom ?reference . ?reference pr:P854 ?referenceUrl }}
}}
"""
    )


# ------------------------------------------------------------------------------- the endpoint ---


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)


def run_select(
    endpoint: str,
    query: str,
    *,
    user_agent: str,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """POST a SELECT query to ``endpoint`` and return the SPARQL JSON results.

    Transient failures (HTTP 429 and 5xx, timeouts, connection errors) are retried up to
    ``retries`` times, waiting ``backoff * 2**n`` seconds, or what Retry-After asks. Raises
    WikidataError naming the endpoint when the query still fails, fails for good (other HTTP
    errors), or the answer is not SPARQL JSON results.
    """
    if not user_agent.strip():
        raise WikidataError("a descriptive User-Agent is required to query a SPARQL endpoint")
    attempts = max(retries, 0) + 1
    last = ""
    for attempt in range(attempts):
        sparql = SPARQLWrapper(endpoint, agent=user_agent)
        sparql.setMethod(POST)
        sparql.setOnlyConneg(True)
        sparql.setReturnFormat(JSON)
        sparql.setQuery(query)
        # urllib takes float seconds; setTimeout() would truncate to int (0.5 → 0 → no timeout).
        sparql.timeout = timeout  # type: ignore[assignment]
        wait: float | None = None
        try:
            response = sparql.query().response
            try:
                body = response.read()
            finally:
                response.close()
        except urllib.error.HTTPError as e:
            if e.code != 429 and e.code < 500:
                raise WikidataError(
                    f"the SPARQL endpoint {endpoint} refused the query: HTTP {e.code} {e.reason}"
                ) from e
            last = f"HTTP {e.code} {e.reason}"
            wait = _retry_after(e.headers.get("Retry-After") if e.headers else None)
        except EndPointInternalError:
            last = "HTTP 500 (internal server error)"
        except SPARQLWrapperException as e:  # 400, 401, 404, 414: retrying will not help
            raise WikidataError(f"the SPARQL endpoint {endpoint} refused the query: {e}") from e
        except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets, broken reads
            reason = e.reason if isinstance(e, urllib.error.URLError) else e
            last = f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) else str(reason)
        else:
            return _parse_results(endpoint, body)
        if attempt + 1 < attempts:
            sleep(wait if wait is not None else backoff * 2**attempt)
    raise WikidataError(f"the SPARQL query to {endpoint} failed after {attempts} attempt(s); last error: {last}")


def _parse_results(endpoint: str, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise WikidataError(f"the SPARQL endpoint {endpoint} did not answer with SPARQL JSON results: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("results", {}).get("bindings"), list):
        raise WikidataError(f"the SPARQL endpoint {endpoint} answered JSON that is not SPARQL SELECT results")
    return data


# --------------------------------------------------------------------------------- the mapping ---


@dataclass
class Mapping:
    """Our instruments and states, keyed the ways Wikidata items are matched to them."""

    instruments: dict[str, str] = field(default_factory=dict)  # Q-id → instrument id
    states_by_entity: dict[str, set[URIRef]] = field(default_factory=dict)  # item IRI → states
    states_by_alpha2: dict[str, set[URIRef]] = field(default_factory=dict)
    alpha3: dict[URIRef, str] = field(default_factory=dict)
    adopted: dict[str, str] = field(default_factory=dict)  # instrument id → adoption date (YYYY-MM-DD)


def read_mapping(store: ox.Store, report: ImportReport) -> Mapping:
    """Read instruments with a Wikidata link and states from a built generation's store."""
    m = Mapping()
    by_qid: dict[str, set[str]] = {}
    rows = select(
        store,
        f"""SELECT ?i ?e ?adopted WHERE {{ ?i a <{R2P.Instrument}> ; <{R2P.wikidataEntity}> ?e .
            OPTIONAL {{ ?i <{R2P.adoptionDate}> ?adopted }} }} ORDER BY ?i ?e""",
    )
    for row in rows:
        iri, entity = row["i"].value, row["e"].value
        if row["adopted"] is not None and iri.startswith(ID + "instrument/"):
            m.adopted[iri[len(ID + "instrument/") :]] = row["adopted"].value
        match = QID.match(entity)
        if not iri.startswith(ID + "instrument/") or match is None:
            report.refused.append(
                Problem(iri, None, f"instrument not queried: its Wikidata link {entity} is not a wd:Q… item")
            )
            continue
        by_qid.setdefault(match.group(1), set()).add(iri[len(ID + "instrument/") :])
    for qid, ids in sorted(by_qid.items()):
        if len(ids) > 1:
            report.refused.append(
                Problem(str(WD[qid]), None, f"not queried: linked to several instruments ({', '.join(sorted(ids))})")
            )
        else:
            m.instruments[qid] = next(iter(ids))
    rows = select(
        store,
        f"""SELECT ?s ?a2 ?a3 ?e WHERE {{ ?s a <{R2P.State}> .
            OPTIONAL {{ ?s <{R2P.iso3166Alpha2}> ?a2 }} OPTIONAL {{ ?s <{R2P.iso3166Alpha3}> ?a3 }}
            OPTIONAL {{ ?s <{R2P.wikidataEntity}> ?e }} }}""",
    )
    for row in rows:
        state = URIRef(row["s"].value)
        if str(state).startswith(ID + "state/"):
            m.alpha3[state] = str(state)[len(ID + "state/") :]
        elif row["a3"] is not None:
            m.alpha3[state] = row["a3"].value
        else:
            continue  # no key to mint a record IRI with
        if row["e"] is not None:
            m.states_by_entity.setdefault(row["e"].value, set()).add(state)
        if row["a2"] is not None:
            m.states_by_alpha2.setdefault(row["a2"].value.upper(), set()).add(state)
    return m


# ---------------------------------------------------------------------------------- statements ---


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


def _reference_iri(url: str) -> URIRef | None:
    """The reference URL as an IRI (unsafe characters percent-encoded), or None if not http(s)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return URIRef(IRI_UNSAFE.sub(lambda m: urllib.parse.quote(m.group(0)), url.strip()))


def _state_of(s: Statement, mapping: Mapping) -> URIRef | str:
    """The state the statement's value maps to, or the reason it maps to none."""
    item = s.item["value"]
    if s.item.get("type") != "uri" or not QID.match(item):
        return f"the value {item!r} is not a Wikidata item (an unknown value or a literal)"
    by_entity = mapping.states_by_entity.get(item, set())
    if len(by_entity) == 1:
        return next(iter(by_entity))
    if len(by_entity) > 1:
        return f"the item is linked to several states ({', '.join(sorted(mapping.alpha3[x] for x in by_entity))})"
    by_code = {state for code in s.iso2 for state in mapping.states_by_alpha2.get(code, set())}
    if len(by_code) == 1:
        return next(iter(by_code))
    codes = ", ".join(sorted(s.iso2)) or "none"
    if by_code:
        return f"its ISO 3166-1 codes ({codes}) match several states"
    return (
        f"the item maps to no state: no state links to it and its ISO 3166-1 alpha-2 code (P297: {codes}) matches none"
    )


# -------------------------------------------------------------------------------- the importer ---


def import_wikidata(
    endpoint: str,
    out: Path,
    mapping_store: ox.Store,
    *,
    user_agent: str,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 1.0,
) -> ImportReport:
    """Import Wikidata's signatories and "ratified by" statements into ``out`` (a TriG file).

    ``mapping_store`` is a built generation's store: its instruments with ``r2p:wikidataEntity``
    are queried and its states matched. ``user_agent`` must describe the client (Wikimedia's
    User-Agent policy). Raises WikidataError when no instrument has a Wikidata link or the
    endpoint fails (after retries); returns the report otherwise.
    """
    report = ImportReport(NAME)
    report.files.append(endpoint)
    started = dt.datetime.now(dt.UTC)
    mapping = read_mapping(mapping_store, report)
    if not mapping.instruments:
        raise WikidataError("no instrument in the mapping store has a Wikidata link (r2p:wikidataEntity wd:Q…)")
    query = build_query(mapping.instruments)
    results = run_select(endpoint, query, user_agent=user_agent, timeout=timeout, retries=retries, backoff=backoff)

    activity, prov = import_activity(NAME, started)
    source = mint("source", NAME)
    prov.add((source, RDF.type, R2P.EvidenceSource))
    title = Literal("Wikidata", lang="en")
    prov.add((source, DCTERMS.title, title))
    prov.add((source, SKOS.prefLabel, title))
    prov.add((source, SCHEMA.url, URIRef(endpoint)))
    prov.add((source, R2P.date, Literal(started.date().isoformat(), datatype=XSD.date)))
    prov.add(
        (
            source,
            DCTERMS.bibliographicCitation,
            Literal(
                f"Wikidata, signatory (P1891) and ratified by (P6193) statements, queried at {endpoint} on"
                f" {started.date().isoformat()}."
            ),
        )
    )
    prov.add((activity, PROV.used, source))
    graph_iri = URIRef(f"{GRAPH}import/{NAME}/treaty-actions")
    g = Graph()
    g.add((graph_iri, RDF.type, R2P.DataFile))
    g.add((graph_iri, RDF.type, PROV.Entity))
    g.add((graph_iri, R2P.filePath, Literal(endpoint)))
    g.add((graph_iri, PROV.wasDerivedFrom, source))
    g.add((graph_iri, PROV.wasGeneratedBy, activity))

    imported: dict[URIRef, str] = {}
    for s in gather(results["results"]["bindings"]):
        report.rows_read += 1
        cls, kind = KINDS.get(s.prop, (None, ""))
        instrument_id = mapping.instruments.get(s.instrument)
        if cls is None or instrument_id is None:
            report.refused.append(Problem(s.iri, None, f"unexpected statement ({s.prop} on wd:{s.instrument})"))
            continue
        if DEPRECATED in s.ranks:
            report.refused.append(Problem(s.iri, None, "the statement has deprecated rank (Wikidata marks it wrong)"))
            continue
        state = _state_of(s, mapping)
        if not isinstance(state, URIRef):
            report.refused.append(Problem(s.item["value"], None, f"{state} (statement {s.iri})"))
            continue
        if not s.dates:
            why = "an unknown value" if s.odd_dates else "none"
            report.refused.append(Problem(s.iri, None, f"no point in time (P585: {why}): a treaty action needs a date"))
            continue
        converted = [convert_date(value, precisions) for value, precisions in sorted(s.dates.items())]
        errors = [c for c in converted if isinstance(c, str)]
        dates = {c.key: c for c in converted if isinstance(c, WikidataDate)}
        if errors:
            report.refused.append(Problem(s.iri, None, "; ".join(errors)))
            continue
        if len(dates) > 1:
            report.refused.append(Problem(s.iri, None, f"several points in time ({', '.join(sorted(dates))})"))
            continue
        date = next(iter(dates.values()))
        adopted = mapping.adopted.get(instrument_id)
        if adopted and (date.key < adopted if len(date.key) == 10 else date.key < adopted[:4]):
            report.refused.append(
                Problem(s.iri, None, f"dated {date.key}, before the instrument was adopted ({adopted})")
            )
            continue
        record = mint("treaty-action", NAME, mapping.alpha3[state], instrument_id, f"{kind}-{date.key}")
        if record in imported:
            report.refused.append(Problem(s.iri, None, f"repeats the record already imported from {imported[record]}"))
            continue
        imported[record] = s.iri
        g.add((record, RDF.type, cls))
        g.add((record, R2P.state, state))
        g.add((record, R2P.instrument, mint("instrument", instrument_id)))
        g.add((record, R2P.date, date.literal))
        if date.unconfirmed:
            g.add((record, R2P.unconfirmed, R2P.date))
        notes = list(date.notes) + ([CONSENT_NOTE] if s.prop == RATIFIED_BY else [])
        if notes:
            g.add((record, SKOS.note, Literal(" ".join(notes), lang="en")))
        citation = URIRef(f"{record}/citation/1")
        g.add((record, R2P.hasCitation, citation))
        g.add((citation, RDF.type, R2P.Citation))
        g.add((citation, R2P.citesSource, source))
        g.add((citation, R2P.locator, Literal(s.iri)))
        _add_references(g, record, s, report)
        report.rows_imported += 1

    write_trig({URIRef(f"{GRAPH}import/{NAME}/provenance"): prov, graph_iri: g}, out)
    return report


def _add_references(g: Graph, record: URIRef, s: Statement, report: ImportReport) -> None:
    """Cite each web page the statement's references give (P854), as an evidence source of its own.

    A URL that is not http(s) is left out, and one with characters an IRI cannot hold is
    percent-encoded; both are reported as corrections (the statement itself is imported).
    """
    n = 1
    for url in sorted(s.references):
        iri = _reference_iri(url)
        if iri is None:
            report.corrected.append(
                Problem(s.iri, None, f"reference URL {url!r} is not an http(s) URL: left out of the citations")
            )
            continue
        if str(iri) != url.strip():
            report.corrected.append(Problem(s.iri, None, f"reference URL {url!r} percent-encoded as <{iri}>"))
        n += 1
        page = mint("source", "wikidata-reference", hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:16])
        host = urllib.parse.urlsplit(str(iri)).netloc
        g.add((page, RDF.type, R2P.EvidenceSource))
        g.add((page, DCTERMS.title, Literal(f"Web page cited by Wikidata ({host})", lang="en")))
        g.add((page, SCHEMA.url, iri))
        citation = URIRef(f"{record}/citation/{n}")
        g.add((record, R2P.hasCitation, citation))
        g.add((citation, RDF.type, R2P.Citation))
        g.add((citation, R2P.citesSource, page))
