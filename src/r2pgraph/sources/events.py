"""Loader for events/*.yaml: dialogues, meetings, UN reviews, appointments, statements, laws."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from r2pgraph.rdf.namespaces import R2P, SCHEMA
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_note, add_yaml_citations
from r2pgraph.sources.yamlfile import read_yaml

EVENT_CLASSES: dict[str, URIRef] = {
    "dialogue": R2P.Dialogue,
    "meeting": R2P.Meeting,
    "symposium": R2P.Symposium,
    "interactive-dialogue": R2P.InteractiveDialogue,
    "un-review": R2P.UNReview,
    "security-council-term": R2P.SecurityCouncilTerm,
    "focal-point-appointment": R2P.FocalPointAppointment,
    "group-membership": R2P.GroupMembership,
    "statement": R2P.Statement,
    "apology": R2P.Apology,
    "law-adopted": R2P.LawAdoption,
    "policy-adopted": R2P.PolicyAdoption,
}
ATTENDANCE: dict[str, URIRef] = {
    "online": SCHEMA.OnlineEventAttendanceMode,
    "hybrid": SCHEMA.MixedEventAttendanceMode,
    "in-person": SCHEMA.OfflineEventAttendanceMode,
}
RECOMMENDATIONS = {
    "received": R2P.recommendationsReceived,
    "accepted": R2P.recommendationsAccepted,
    "noted": R2P.recommendationsNoted,
    "rejected": R2P.recommendationsRejected,
}


def load_events(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one events file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    for item, line, key, event in ctx.entries(data, "events", "event", "event"):
        what = f"event {key}"
        cls = EVENT_CLASSES.get(str(item.get("type")))
        if cls is None:
            ctx.problem(line, f"{what}: type {item.get('type')!r} is not one of {', '.join(EVENT_CLASSES)}")
        if cls is not None:
            ctx.add(event, RDF.type, cls)
        ctx.add(event, SKOS.prefLabel, ctx.text(ctx.required(item, "label", line, what), line, what))
        ctx.add(event, SKOS.prefLabel, ctx.text(item.get("label_ja"), line, what, lang="ja"))
        if item.get("start_year") is not None:
            ctx.add(event, R2P.date, ctx.date(str(item["start_year"]), line, f"{what} start_year"))
            ctx.add(event, R2P.endDate, ctx.date(str(item.get("end_year") or ""), line, f"{what} end_year"))
        else:
            ctx.add(event, R2P.date, ctx.when(item, line, what))
        if not any(item.get(k) not in (None, "") for k in ("date", "year", "start_year")):
            ctx.problem(line, f"{what}: give 'date', 'year' or 'start_year'")
        if item.get("not_after") not in (None, ""):
            ctx.add(event, R2P.notAfter, ctx.date(str(item["not_after"]), line, f"{what} not_after"))
        for state in item.get("states") or []:
            ctx.add(event, R2P.involvesState, ctx.ref("state", state, line, what))
        ctx.add(event, R2P.venue, ctx.text(item.get("venue"), line, f"{what} venue", lang=None))
        if item.get("attendance") is not None:
            mode = ATTENDANCE.get(str(item["attendance"]))
            if mode is None:
                ctx.problem(line, f"{what}: attendance must be one of {', '.join(ATTENDANCE)}")
            ctx.add(event, SCHEMA.eventAttendanceMode, mode)
        for org in item.get("organisers") or []:
            ctx.add(event, R2P.organiser, ctx.ref("organisation", org, line, f"{what} organiser"))
        for org in item.get("supporters") or []:
            ctx.add(event, R2P.supporter, ctx.ref("organisation", org, line, f"{what} supporter"))
        for org in ctx.items(item, "funders", line):
            ctx.add(event, SCHEMA.funder, ctx.ref("organisation", org, line, f"{what} funder"))
        for n, objective in enumerate(ctx.items(item, "objectives", line), start=1):
            texts = objective if isinstance(objective, dict) else {"en": objective}
            for lang, text in texts.items():
                ctx.add(event, R2P.objective, ctx.text(text, line, f"{what} objective {n}", lang=str(lang)))
        for n, agenda in enumerate(item.get("agenda") or [], start=1):
            node = URIRef(f"{event}/agenda/{n}")
            ctx.add(event, R2P.agendaItem, node)
            ctx.add(node, RDF.type, R2P.AgendaItem)
            ctx.add(node, R2P.order, Literal(n))
            labels = agenda if isinstance(agenda, dict) else {"en": agenda}
            for lang, text in labels.items():
                ctx.add(node, SKOS.prefLabel, ctx.text(text, line, f"{what} agenda item {n}", lang=str(lang)))
            ctx.locate(node, line)
        recs = item.get("recommendations")
        if recs is not None:
            if cls != R2P.UNReview or not isinstance(recs, dict):
                ctx.problem(line, f"{what}: recommendations belong to un-review events, as a mapping")
            else:
                for name, value in recs.items():
                    prop = RECOMMENDATIONS.get(name)
                    if prop is None:
                        ctx.problem(line, f"{what}: unknown recommendations count {name!r}")
                        continue
                    ctx.add(event, prop, ctx.integer(value, line, f"{what} recommendations {name}"))
        add_note(ctx, event, item, line, what)
        add_yaml_citations(ctx, event, item, line, what)
    return ctx.finish()
