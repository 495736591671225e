"""Loader for states/un-membership.csv: each state's UN status, admission and M49 areas.

The file is written by ``r2pgraph import un-members`` from country_converter (see
``r2pgraph.importers.un_members``); this loader only reads it, so building never needs that
library. A member gets an ``org:Membership`` of the United Nations carrying the date (or year) of
admission; every state gets its status (member, observer, non-member), its ISO 3166-1 numeric code
(``r2p:iso3166Numeric``, the key of the world map's country shapes; it must be the one pycountry
gives the state) and the finest M49 area it lies in, and the areas become SKOS concepts with their
codes, each ``skos:broader`` its parent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from r2pgraph.rdf.namespaces import ORG, R2P, SCHEMA, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.yamlfile import read_csv

COLUMNS = [
    "alpha3",
    "iso_numeric",
    "name",
    "un_status",
    "admitted",
    "region_code",
    "region",
    "subregion_code",
    "subregion",
    "intermediate_code",
    "intermediate",
    "source",
    "note",
]
STATUS: dict[str, URIRef] = {
    "member": R2P.UNMemberState,
    "observer": R2P.UNObserverState,
    "non-member": R2P.UNNonMemberState,
}
UNITED_NATIONS = "united-nations"
LIBRARY_SOURCE = re.compile(r"^country_converter (\d+(?:\.\d+)*)$")
LIBRARY_URL = URIRef("https://github.com/IndEcol/country_converter")
M49_CODE = re.compile(r"^[0-9]{3}$")
ISO_NUMERIC = M49_CODE  # ISO 3166-1 numeric codes are three digits too
LEVELS = (("region", None), ("subregion", "region"), ("intermediate", "subregion"))


def area_iri(code: str) -> URIRef:
    """The IRI of an M49 area (region, sub-region or intermediate region) by its code."""
    return mint("m49-area", code)


def load_un_membership(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of the UN membership table. Raises DataError listing every faulty row."""
    ctx = FileContext(path, display, relative)
    known = {c.alpha_3: c.numeric for c in pycountry.countries}
    seen: dict[str, int] = {}
    areas: dict[str, tuple[str, str | None, int]] = {}  # code → (name, broader code, line)
    un = mint("organisation", UNITED_NATIONS)
    for line, row in read_csv(path, display, COLUMNS):
        alpha3 = row["alpha3"]
        if alpha3 not in known:
            ctx.problem(line, f"alpha3 {alpha3!r} is not an ISO 3166-1 alpha-3 code")
            continue
        if alpha3 in seen:
            ctx.problem(line, f"{alpha3} already has a row at line {seen[alpha3]}")
            continue
        seen[alpha3] = line
        state = ctx.locate(mint("state", alpha3), line)
        numeric = row["iso_numeric"]
        if not ISO_NUMERIC.match(numeric):
            ctx.problem(line, f"iso_numeric {numeric!r} is not a three-digit ISO 3166-1 numeric code")
        elif numeric != known[alpha3]:
            ctx.problem(line, f"iso_numeric {numeric} is not {alpha3}'s ISO 3166-1 numeric code ({known[alpha3]})")
        else:
            ctx.add(state, R2P.iso3166Numeric, Literal(numeric))
        status = STATUS.get(row["un_status"])
        if status is None:
            ctx.problem(line, f"un_status {row['un_status']!r} is not one of {', '.join(STATUS)}")
        ctx.add(state, R2P.unStatus, status)
        sources = _sources(ctx, row["source"], line)
        if row["un_status"] == "member":
            admitted = ctx.date(row["admitted"], line, "admitted")
            if admitted is None and not row["admitted"]:
                ctx.problem(line, "admitted is required for a member (YYYY-MM-DD, or YYYY as the source gives it)")
            membership = ctx.locate(mint("state", alpha3, "un-membership"), line)
            ctx.add(state, ORG.hasMembership, membership)
            ctx.add(membership, RDF.type, ORG.Membership)
            ctx.add(membership, ORG.member, state)
            ctx.add(membership, ORG.organization, un)
            ctx.add(membership, R2P.date, admitted)
            for source in sources:
                ctx.add(membership, DCTERMS.source, source)
        elif row["admitted"]:
            ctx.problem(line, f"admitted ({row['admitted']}) is given although un_status is {row['un_status']!r}")
        finest = _areas(ctx, row, line, areas)
        ctx.add(state, R2P.m49Area, area_iri(finest) if finest else None)
        ctx.add(state, SKOS.note, ctx.text(row["note"] or None, line, "note"))
        for source in sources:
            ctx.add(state, DCTERMS.source, source)
    for code, (name, broader, line) in areas.items():
        area = ctx.locate(area_iri(code), line)
        ctx.add(area, RDF.type, R2P.M49Area)
        ctx.add(area, SKOS.notation, Literal(code))
        ctx.add(area, SKOS.prefLabel, Literal(name, lang="en"))
        ctx.add(area, SKOS.broader, area_iri(broader) if broader else None)
    return ctx.finish()


def _areas(ctx: FileContext, row: dict[str, str], line: int, areas: dict[str, tuple[str, str | None, int]]) -> str:
    """Record the row's M49 areas (checking each code names one area with one parent); return the
    code of the finest, or "" when there is none."""
    finest = ""
    codes: dict[str, str] = {}
    for level, parent in LEVELS:
        code, name = row[f"{level}_code"], row[level]
        if not code and not name and level == "intermediate":
            continue
        if not M49_CODE.match(code) or not name:
            ctx.problem(line, f"{level}: an M49 area needs a three-digit code and a name (got {code!r}, {name!r})")
            return ""
        broader = codes.get(parent) if parent else None
        known = areas.setdefault(code, (name, broader, line))
        if known[:2] != (name, broader):
            ctx.problem(
                line,
                f"{level} {code} is {name!r} under {broader or 'nothing'} here but {known[0]!r} under"
                f" {known[1] or 'nothing'} at line {known[2]}",
            )
        codes[level] = finest = code
    return finest


def _sources(ctx: FileContext, text: str, line: int) -> list[URIRef]:
    """The sources of a row: ``country_converter X.Y.Z`` (the library) and/or source ids, '; '-separated."""
    sources: list[URIRef] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        match = LIBRARY_SOURCE.match(part)
        if match:
            sources.append(_library_source(ctx, match.group(1), line))
        elif (ref := ctx.ref("source", part, line, "source")) is not None:
            sources.append(ref)
    if not sources:
        ctx.problem(line, "source is required: 'country_converter <version>' and/or source ids")
    return sources


def _library_source(ctx: FileContext, version: str, line: int) -> URIRef:
    """The evidence source for a country_converter version (described once per file)."""
    source = mint("source", "country-converter-" + version.replace(".", "-"))
    if (source, RDF.type, R2P.EvidenceSource) not in ctx.triples:
        ctx.locate(source, line)
        title = Literal(f"UN membership and UN M49 regions, as distributed with country_converter {version}", lang="en")
        ctx.add(source, RDF.type, R2P.EvidenceSource)
        ctx.add(source, DCTERMS.title, title)
        ctx.add(source, SKOS.prefLabel, title)
        ctx.add(source, R2P.creatorName, Literal("IndEcol (country_converter)"))
        ctx.add(source, SCHEMA.url, LIBRARY_URL)
        ctx.add(source, DCTERMS.hasVersion, Literal(version))
        ctx.add(source, DCTERMS.language, Literal("en", datatype=XSD.language))
    return source
