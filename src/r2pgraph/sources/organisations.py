"""Loader for organisations/*.yaml."""

from __future__ import annotations

from pathlib import Path

from rdflib.namespace import RDF, SKOS

from r2pgraph.rdf.namespaces import R2P, SCHEMA
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_note, add_yaml_citations
from r2pgraph.sources.yamlfile import read_yaml


def load_organisations(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one organisations file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    for item, line, key, org in ctx.entries(data, "organisations", "organisation", "organisation"):
        what = f"organisation {key}"
        ctx.add(org, RDF.type, R2P.Organisation)
        ctx.add(org, SKOS.prefLabel, ctx.text(ctx.required(item, "name", line, what), line, what))
        ctx.add(org, SKOS.prefLabel, ctx.text(item.get("name_ja"), line, what, lang="ja"))
        ctx.add(org, R2P.shortName, ctx.text(item.get("short_name"), line, what))
        if item.get("url"):
            ctx.add(org, SCHEMA.url, ctx.url(item["url"], line, f"{what} url"))
        if item.get("parent"):
            ctx.add(org, R2P.parentOrganisation, ctx.ref("organisation", item["parent"], line, what))
        add_note(ctx, org, item, line, what)
        add_yaml_citations(ctx, org, item, line, what)
    return ctx.finish()
