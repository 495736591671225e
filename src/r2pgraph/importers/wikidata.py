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
import hashlib
import re
import urllib.error
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

from r2pgraph.errors import Problem
from r2pgraph.importers.common import ImportReport, import_activity, write_trig
from r2pgraph.importers.wikidata_endpoint import RATIFIED_BY, SIGNATORY, WikidataError, build_query, run_select
from r2pgraph.importers.wikidata_statements import DEPRECATED, QID, Statement, WikidataDate, convert_date, gather
from r2pgraph.query.engine import select
from r2pgraph.rdf.namespaces import GRAPH, ID, R2P, SCHEMA, WD, mint

NAME = "wikidata"
KINDS: dict[str, tuple[URIRef, str]] = {
    SIGNATORY: (R2P.Signature, "signature"),
    RATIFIED_BY: (R2P.ConsentToBeBound, "consent-to-be-bound"),
}
CONSENT_NOTE = (
    "Wikidata records this as 'ratified by' (P6193), a property it uses for ratification, accession,"
    " acceptance, approval and succession alike, so the kind of consent to be bound is unknown."
)
IRI_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")


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
