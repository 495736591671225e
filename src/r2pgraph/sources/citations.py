"""Citations from YAML items: ``citations: [{source: id, locator: "p. 3"}]``."""

from __future__ import annotations

from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from r2pgraph.rdf.namespaces import R2P, mint
from r2pgraph.sources.base import FileContext


def add_citation(
    ctx: FileContext,
    subject: URIRef | None,
    citation: URIRef,
    source: URIRef,
    locator: str | None,
    line: int,
) -> None:
    """State that ``subject`` rests on ``source`` at ``locator``, through the node ``citation``.

    With ``subject`` None only the citation itself is described.
    """
    ctx.locate(citation, line)
    if subject is not None:
        ctx.add(subject, R2P.hasCitation, citation)
    ctx.add(citation, RDF.type, R2P.Citation)
    ctx.add(citation, R2P.citesSource, source)
    if locator:
        ctx.add(citation, R2P.locator, Literal(locator))


def add_yaml_citations(ctx: FileContext, subject: URIRef, item: dict[str, Any], line: int, what: str) -> None:
    """Read an item's ``citations`` list and add each, minted under the subject's IRI."""
    for n, entry in enumerate(ctx.items(item, "citations", line), start=1):
        eline = getattr(entry, "line", line)
        if not isinstance(entry, dict):
            ctx.problem(eline, f"{what}: each citation must be a mapping with 'source'")
            continue
        source = ctx.ref("source", entry.get("source"), eline, f"{what} citation {n}")
        if source is None:
            continue
        locator = entry.get("locator")
        citation = URIRef(f"{subject}/citation/{n}")
        add_citation(ctx, subject, citation, source, str(locator) if locator else None, eline)


def add_note(ctx: FileContext, subject: URIRef, item: dict[str, Any], line: int, what: str) -> None:
    """Add ``note`` (skos:note) and ``description`` (dct:description) when present."""
    from rdflib.namespace import DCTERMS, SKOS

    ctx.add(subject, SKOS.note, ctx.text(item.get("note"), line, f"{what} note"))
    ctx.add(subject, DCTERMS.description, ctx.text(item.get("description"), line, f"{what} description"))


def source_iri(key: str) -> URIRef:
    """The IRI of an evidence source."""
    return mint("source", key)
