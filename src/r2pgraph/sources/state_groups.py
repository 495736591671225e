"""Loader for states/groups.yaml: named groups of states (regions, the states an edition assessed)."""

from __future__ import annotations

from pathlib import Path

from rdflib.namespace import RDF, SKOS

from r2pgraph.rdf.namespaces import R2P
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.citations import add_note, add_yaml_citations
from r2pgraph.sources.yamlfile import read_yaml


def load_state_groups(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of one state-groups file. Raises DataError."""
    data = read_yaml(path, display)
    ctx = FileContext(path, display, relative)
    for item, line, key, group in ctx.entries(data, "groups", "state-group", "state group"):
        what = f"state group {key}"
        ctx.add(group, RDF.type, R2P.StateGroup)
        ctx.add(group, SKOS.prefLabel, ctx.text(ctx.required(item, "label", line, what), line, what))
        for member in item.get("members") or []:
            ctx.add(group, R2P.memberState, ctx.ref("state", member, line, f"{what} member"))
        for name in item.get("unconfirmed") or []:
            if name != "members":
                ctx.problem(line, f"{what}: only 'members' can be marked unconfirmed")
            else:
                ctx.add(group, R2P.unconfirmed, R2P.memberState)
        add_note(ctx, group, item, line, what)
        add_yaml_citations(ctx, group, item, line, what)
    return ctx.finish()
