"""Loader for framework/*.yaml: the rating scale, thematic areas and indicators (as SKOS)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from r2pgraph.rdf.namespaces import R2P, mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.yamlfile import read_yaml


def load_framework(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the framework graph of one YAML file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    doc = ctx.ref("source", data.get("source"), data.line, "framework 'source'")
    if doc is not None:
        ctx.derived_from.add(doc)

    scale_def = ctx.required(data, "rating_scale", data.line, "framework file") or {}
    scale_line = getattr(scale_def, "line", data.line)
    scale_id = ctx.slug(scale_def.get("id"), scale_line, "rating_scale")
    if scale_id:
        scale = ctx.locate(mint("rating-scale", scale_id), scale_line)
        ctx.add(scale, RDF.type, R2P.RatingScale)
        ctx.add(scale, RDF.type, SKOS.ConceptScheme)
        ctx.add(scale, SKOS.prefLabel, ctx.text(scale_def.get("label"), scale_line, "rating_scale label"))
        ctx.add(scale, PROV.wasDerivedFrom, doc)
        for r, line, rid, rating in ctx.entries(scale_def, "ratings", "rating", "rating"):
            ctx.add(rating, RDF.type, R2P.Rating)
            ctx.add(rating, RDF.type, SKOS.Concept)
            ctx.add(rating, SKOS.inScheme, scale)
            ctx.add(rating, SKOS.topConceptOf, scale)
            ctx.add(scale, SKOS.hasTopConcept, rating)
            ctx.add(rating, SKOS.prefLabel, ctx.text(r.get("label"), line, f"rating {rid} label"))
            ctx.add(rating, SKOS.notation, Literal(rid))
            ctx.add(rating, R2P.score, ctx.integer(r.get("score"), line, f"rating {rid} score"))

    fw_def = ctx.required(data, "framework", data.line, "framework file") or {}
    fw_line = getattr(fw_def, "line", data.line)
    fw_id = ctx.slug(fw_def.get("id"), fw_line, "framework")
    if not fw_id:
        return ctx.finish()
    scheme = ctx.locate(mint("framework", fw_id), fw_line)
    ctx.add(scheme, RDF.type, R2P.AssessmentFramework)
    ctx.add(scheme, RDF.type, SKOS.ConceptScheme)
    ctx.add(scheme, SKOS.prefLabel, ctx.text(fw_def.get("label"), fw_line, "framework label"))
    ctx.add(scheme, DCTERMS.source, doc)
    ctx.add(scheme, PROV.wasDerivedFrom, doc)

    seen_ids: dict[str, int] = {}
    indicator_no = 0
    areas = ctx.entries(data, "thematic_areas", "thematic-area", "thematic area", seen_ids)
    for area_no, (area_def, line, aid, area) in enumerate(areas, start=1):
        ctx.add(area, RDF.type, R2P.ThematicArea)
        ctx.add(area, RDF.type, SKOS.Concept)
        ctx.add(area, SKOS.prefLabel, ctx.text(area_def.get("label"), line, f"thematic area {aid} label"))
        ctx.add(area, SKOS.inScheme, scheme)
        ctx.add(area, SKOS.topConceptOf, scheme)
        ctx.add(scheme, SKOS.hasTopConcept, area)
        ctx.add(area, R2P.order, Literal(area_no))
        ctx.add(area, SKOS.notation, Literal(str(area_no)))
        indicators = ctx.entries(area_def, "indicators", "indicator", "indicator", seen_ids)
        for pos, (ind_def, iline, iid, ind) in enumerate(indicators, start=1):
            indicator_no += 1
            ctx.add(ind, RDF.type, R2P.Indicator)
            ctx.add(ind, RDF.type, SKOS.Concept)
            ctx.add(ind, SKOS.prefLabel, ctx.text(ind_def.get("label"), iline, f"indicator {iid} label"))
            ctx.add(ind, R2P.summaryTableLabel, ctx.text(ind_def.get("summary_label"), iline, "summary_label"))
            ctx.add(ind, SKOS.inScheme, scheme)
            ctx.add(ind, SKOS.broader, area)
            ctx.add(area, SKOS.narrower, ind)
            ctx.add(ind, R2P.order, Literal(indicator_no))
            ctx.add(ind, SKOS.notation, Literal(f"{area_no}.{pos}"))
            for inst in ind_def.get("concerns_instruments") or []:
                ctx.add(ind, R2P.concernsInstrument, ctx.ref("instrument", inst, iline, f"indicator {iid}"))
            if ind_def.get("concerns_instrument_set"):
                iset = ctx.ref("instrument-set", ind_def["concerns_instrument_set"], iline, f"indicator {iid}")
                ctx.add(ind, R2P.concernsInstrumentSet, iset)
    return ctx.finish()
