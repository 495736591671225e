"""States: every ISO 3166-1 entry (from pycountry, never hand-typed) and links to Wikidata (CSV)."""

from __future__ import annotations

from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from r2pgraph.rdf.namespaces import GRAPH, R2P, SCHEMA, WD, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.yamlfile import read_csv

ISO_SOURCE_KEY = "iso-3166-1"
ISO_GRAPH = URIRef(GRAPH + "reference/iso-3166-1")


def iso3166_states() -> SourceGraph:
    """Return a graph of every ISO 3166-1 country, with the source it comes from."""
    g = Graph()
    version = _pycountry_version()
    source = mint("source", ISO_SOURCE_KEY)
    g.add((source, RDF.type, R2P.EvidenceSource))
    title = Literal(f"ISO 3166-1 country codes, as distributed with pycountry {version}", lang="en")
    g.add((source, DCTERMS.title, title))
    g.add((source, SKOS.prefLabel, title))
    g.add((source, R2P.creatorName, Literal("International Organization for Standardization")))
    g.add((source, SCHEMA.url, URIRef("https://www.iso.org/iso-3166-country-codes.html")))
    g.add((source, DCTERMS.language, Literal("en", datatype=XSD.language)))
    for country in pycountry.countries:
        state = mint("state", country.alpha_3)
        g.add((state, RDF.type, R2P.State))
        g.add((state, SKOS.prefLabel, Literal(country.name, lang="en")))
        official = getattr(country, "official_name", None)
        if official and official != country.name:
            g.add((state, SKOS.altLabel, Literal(official, lang="en")))
        common = getattr(country, "common_name", None)
        if common and common != country.name:
            g.add((state, SKOS.altLabel, Literal(common, lang="en")))
        g.add((state, R2P.iso3166Alpha2, Literal(country.alpha_2)))
        g.add((state, R2P.iso3166Alpha3, Literal(country.alpha_3)))
        g.add((state, R2P.iso3166Numeric, Literal(country.numeric)))
        g.add((state, DCTERMS.source, source))
    sg = SourceGraph.from_graph(ISO_GRAPH, f"pycountry {version} (ISO 3166-1)", g)
    sg.derived_from.add(source)
    return sg


def _pycountry_version() -> str:
    from importlib.metadata import version

    return version("pycountry")


def load_wikidata_links(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of a CSV of alpha3,wikidata,confirmed,note links. Raises DataError."""
    ctx = FileContext(path, display, relative)
    known = {c.alpha_3 for c in pycountry.countries}
    for line, row in read_csv(path, display, ["alpha3", "wikidata", "confirmed", "note"]):
        if row["alpha3"] not in known:
            ctx.problem(line, f"{row['alpha3']!r} is not an ISO 3166-1 alpha-3 code")
            continue
        if not row["wikidata"].startswith("Q") or not row["wikidata"][1:].isdigit():
            ctx.problem(line, f"{row['wikidata']!r} is not a Wikidata item id (Q followed by digits)")
            continue
        state = ctx.locate(mint("state", row["alpha3"]), line)
        ctx.add(state, R2P.wikidataEntity, WD[row["wikidata"]])
        if ctx.flag(row["confirmed"], line, "confirmed") is False:
            ctx.add(state, R2P.unconfirmed, R2P.wikidataEntity)
        ctx.add(state, SKOS.note, ctx.text(row["note"] or None, line, "note"))
    return ctx.finish()
