"""Loader for instruments/*.yaml: kinds of law, instruments (treaties) and named instrument sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from r2pgraph.rdf.entry_into_force import RULES
from r2pgraph.rdf.namespaces import R2P, WD
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_note, add_yaml_citations
from r2pgraph.sources.yamlfile import read_yaml

# Fields of an instrument that can be marked unconfirmed, and the property each becomes.
UNCONFIRMABLE = {
    "adopted": R2P.adoptionDate,
    "in_force": R2P.entryIntoForceDate,
    "untc": R2P.untcNumber,
    "members": R2P.includesInstrument,
}


def _unconfirmed(ctx: FileContext, subject: URIRef, item: dict[str, Any], line: int, what: str) -> None:
    for name in item.get("unconfirmed") or []:
        prop = UNCONFIRMABLE.get(name)
        if prop is None:
            ctx.problem(line, f"{what}: cannot mark {name!r} unconfirmed (one of {', '.join(UNCONFIRMABLE)})")
        else:
            ctx.add(subject, R2P.unconfirmed, prop)
    if item.get("unconfirmed") and not item.get("note"):
        ctx.problem(line, f"{what}: a note must say what awaits confirmation")


def _entry_into_force_rule(ctx: FileContext, inst: URIRef, value: Any, line: int, what: str) -> None:
    """``entry_into_force_rule: {rule: 90th-day, article: "article XIII"}``: the instrument's own rule."""
    if value is None:
        return
    if not isinstance(value, dict) or value.get("rule") not in RULES or not value.get("article"):
        ctx.problem(
            line,
            f"{what}: entry_into_force_rule must be {{rule: <one of {', '.join(RULES)}>, article: <the article>}}",
        )
        return
    ctx.add(inst, R2P.entryIntoForceRule, URIRef(RULES[value["rule"]]))
    ctx.add(inst, R2P.entryIntoForceArticle, Literal(str(value["article"])))


def load_instruments(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one instruments file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    for item, line, key, kind in ctx.entries(data, "law_kinds", "law-kind", "law kind"):
        ctx.add(kind, RDF.type, R2P.LawKind)
        ctx.add(kind, RDF.type, SKOS.Concept)
        ctx.add(kind, SKOS.prefLabel, ctx.text(item.get("label"), line, f"law kind {key} label"))
        ctx.add(kind, SKOS.definition, ctx.text(item.get("definition"), line, f"law kind {key}"))

    for item, line, key, inst in ctx.entries(data, "instruments", "instrument", "instrument"):
        what = f"instrument {key}"
        ctx.add(inst, RDF.type, R2P.Instrument)
        title = ctx.text(ctx.required(item, "title", line, what), line, what)
        ctx.add(inst, DCTERMS.title, title)
        ctx.add(inst, SKOS.prefLabel, title)
        ctx.add(inst, R2P.shortName, ctx.text(item.get("short_name"), line, what))
        ctx.add(inst, R2P.adoptionDate, ctx.date(item.get("adopted"), line, f"{what} adopted"))
        ctx.add(inst, R2P.entryIntoForceDate, ctx.date(item.get("in_force"), line, f"{what} in_force"))
        if item.get("wikidata"):
            qid = str(item["wikidata"])
            if not (qid.startswith("Q") and qid[1:].isdigit()):
                ctx.problem(line, f"{what}: wikidata {qid!r} is not a Wikidata item id (Q followed by digits)")
            else:
                ctx.add(inst, R2P.wikidataEntity, WD[qid])
        _entry_into_force_rule(ctx, inst, item.get("entry_into_force_rule"), line, what)
        if item.get("untc"):
            ctx.add(inst, R2P.untcNumber, Literal(str(item["untc"])))
        for law in item.get("law") or []:
            ctx.add(inst, R2P.lawKind, ctx.ref("law-kind", law, line, what))
        dep = item.get("depositary")
        if isinstance(dep, dict) and dep.get("state"):
            ctx.add(inst, R2P.depositary, ctx.ref("state", dep["state"], line, f"{what} depositary"))
        elif isinstance(dep, dict) and dep.get("organisation"):
            ctx.add(inst, R2P.depositary, ctx.ref("organisation", dep["organisation"], line, f"{what} depositary"))
        elif dep is not None:
            ctx.problem(line, f"{what}: depositary must be {{state: XXX}} or {{organisation: id}}")
        _unconfirmed(ctx, inst, item, line, what)
        add_note(ctx, inst, item, line, what)
        add_yaml_citations(ctx, inst, item, line, what)

    for item, line, key, iset in ctx.entries(data, "instrument_sets", "instrument-set", "instrument set"):
        what = f"instrument set {key}"
        ctx.add(iset, RDF.type, R2P.InstrumentSet)
        ctx.add(iset, SKOS.prefLabel, ctx.text(ctx.required(item, "label", line, what), line, what))
        if item.get("publisher"):
            ctx.add(iset, DCTERMS.publisher, ctx.ref("organisation", item["publisher"], line, what))
        if item.get("expected_size") is not None:
            ctx.add(iset, R2P.expectedSize, ctx.integer(item["expected_size"], line, f"{what} expected_size", 1))
        for member in item.get("members") or []:
            ctx.add(iset, R2P.includesInstrument, ctx.ref("instrument", member, line, f"{what} member"))
        _unconfirmed(ctx, iset, item, line, what)
        add_note(ctx, iset, item, line, what)
        add_yaml_citations(ctx, iset, item, line, what)
    return ctx.finish()
