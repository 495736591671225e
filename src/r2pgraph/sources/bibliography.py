"""Loader for sources/*.yaml: the evidence sources that findings, treaty actions and events cite."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from r2pgraph.rdf.namespaces import R2P, SCHEMA
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_note
from r2pgraph.sources.yamlfile import read_yaml


def load_bibliography(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one sources file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    for item, line, key, src in ctx.entries(data, "sources", "source", "source"):
        what = f"source {key}"
        ctx.add(src, RDF.type, R2P.EvidenceSource)
        title_lang = str(item.get("title_lang") or "en")
        title = ctx.text(ctx.required(item, "title", line, what), line, what, lang=title_lang)
        ctx.add(src, DCTERMS.title, title)
        ctx.add(src, SKOS.prefLabel, title)
        for name in item.get("creators") or []:
            ctx.add(src, R2P.creatorName, ctx.text(name, line, f"{what} creator", lang=None))
        ctx.add(src, R2P.publisherName, ctx.text(item.get("publisher"), line, f"{what} publisher", lang=None))
        if item.get("creator_org"):
            ctx.add(src, DCTERMS.creator, ctx.ref("organisation", item["creator_org"], line, what))
        ctx.add(src, R2P.date, ctx.when(item, line, what))
        urls = item.get("urls") or []
        if isinstance(urls, str):
            urls = [urls]
        for u in urls:
            ctx.add(src, SCHEMA.url, ctx.url(u, line, f"{what} url"))
        ctx.add(src, DCTERMS.bibliographicCitation, ctx.text(item.get("bibliographic"), line, what, lang=None))
        ctx.add(src, DCTERMS.language, Literal(str(item.get("language") or "en"), datatype=XSD.language))
        add_note(ctx, src, item, line, what)
    return ctx.finish()
