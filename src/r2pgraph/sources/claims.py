"""Loader for claims/*.yaml: an assessment's statements about a state's treaty record, as data."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from r2pgraph.rdf.namespaces import R2P, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_citation
from r2pgraph.sources.treaty_actions import ACTION_CLASSES
from r2pgraph.sources.yamlfile import read_yaml

CLAIM_KINDS = ("party", "not-party", "signed", "not-signed", "action", "party-count")


def load_claims(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one claims file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    edition_key = ctx.slug(data.get("edition"), data.line, "edition")
    state = ctx.ref("state", data.get("state"), data.line, "state")
    if edition_key is None or state is None:
        return ctx.finish()
    state_key = str(data["state"])
    document = ctx.ref("source", ctx.required(data, "document", data.line, "claims file"), data.line, "document")
    assessment = mint("assessment", edition_key, state_key)
    seen: dict[str, int] = {}
    for item in ctx.items(data, "claims", data.line):
        line = int(getattr(item, "line", data.line))
        key = ctx.slug(item.get("id"), line, "claim")
        if key is None or not ctx.unique(seen, key, line, "claim"):
            continue
        what = f"claim {key}"
        claim = ctx.locate(mint("claim", edition_key, state_key, key), line)
        ctx.add(claim, RDF.type, R2P.TreatyClaim)
        ctx.add(claim, R2P.edition, mint("edition", edition_key))
        ctx.add(claim, R2P.state, state)
        ctx.add(claim, R2P.assessment, assessment)
        kind = item.get("kind")
        if kind not in CLAIM_KINDS:
            ctx.problem(line, f"{what}: kind {kind!r} is not one of {', '.join(CLAIM_KINDS)}")
            continue
        ctx.add(claim, R2P.claimKind, Literal(kind))
        if item.get("finding"):
            finding_key = ctx.slug(item["finding"], line, f"{what} finding")
            if finding_key:
                ctx.add(claim, R2P.finding, mint("assessment", edition_key, state_key, finding_key))
        if kind == "party-count":
            ctx.add(claim, R2P.instrumentSet, ctx.ref("instrument-set", item.get("instrument_set"), line, what))
            ctx.add(claim, R2P.claimedCount, ctx.integer(item.get("count"), line, f"{what} count"))
        else:
            ctx.add(claim, R2P.instrument, ctx.ref("instrument", item.get("instrument"), line, what))
        if kind == "action":
            cls = ACTION_CLASSES.get(str(item.get("action")))
            if cls is None:
                ctx.problem(line, f"{what}: action {item.get('action')!r} is not one of {', '.join(ACTION_CLASSES)}")
            ctx.add(claim, R2P.claimedAction, cls)
        if item.get("year") is not None:
            ctx.add(claim, R2P.date, ctx.date(str(item["year"]), line, f"{what} year"))
        ctx.add(claim, DCTERMS.description, ctx.text(ctx.required(item, "statement", line, what), line, what))
        if document is not None:
            add_citation(ctx, claim, URIRef(f"{claim}/citation/1"), document, item.get("locator"), line)
    return ctx.finish()
