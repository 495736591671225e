"""The long lists of the resource page written in Python, once per page: the links to the resource,
a state's treaty status table and its timeline.

The template wrote them value by value: each value looked up by ``environment.getattr``, passed
through a filter called by the context, and escaped on its own (``markupsafe.escape`` makes a
``Markup`` each time), with a loop context for each ``loop.last``; for Japan's page that was three
quarters of the template's time. Here the static markup is one format string per page with a
``{}`` for each value, and the values are escaped all at once (``escaped``), as the template's
autoescaping escapes them: the bytes are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from r2pgraph.server.describe import Statement
from r2pgraph.server.templating import safe_href
from r2pgraph.server.views import TimelineEntry, TreatyStatusRow

if TYPE_CHECKING:
    from markupsafe import Markup


def escaped(values: list[str]) -> list[str]:
    """Each of ``values`` HTML-escaped, as the templates' autoescaping does (``markupsafe.escape``),
    by one call over all of them joined by NUL (a value holding a NUL is escaped on its own)."""
    from markupsafe import escape

    found = str(escape("\x00".join(values))).split("\x00")
    return found if len(found) == len(values) else [str(escape(v)) for v in values]


def _written(parts: list[str], values: list[str]) -> Markup:
    """The markup of ``parts`` (with a ``{}`` for each value, and no other brace) filled with
    ``values``, escaped."""
    from markupsafe import Markup

    return Markup("".join(parts).format(*escaped(values)))


INCOMING_ROW = '\n<tr><td><a href="{}">{}</a></td><td>{}</td><td class="graph"><a href="{}">{}</a></td></tr>\n'


def incoming_rows(incoming: Iterable[Statement]) -> Markup:
    """The rows of the "Linked from" table: each link's subject (label or IRI), property (label)
    and graph."""
    graphs: dict[str, tuple[str, str]] = {}
    parts: list[str] = []
    values: list[str] = []
    for s in incoming:
        graph = graphs.get(s.graph)
        if graph is None:
            graph = graphs[s.graph] = (safe_href(s.graph), s.graph.split("/graph/")[-1])
        text = s.value.text
        parts.append(INCOMING_ROW)
        values += (safe_href(text), s.value.label or text, s.predicate_label, *graph)
    return _written(parts, values)


LINK = '<a href="{}">{}</a>'


def treaty_status_rows(rows: Iterable[TreatyStatusRow]) -> Markup:
    """The rows of a state's treaty status table: each instrument's status, what each source says,
    the verdict, and the state's actions with their doubts and sources."""
    parts: list[str] = []
    values: list[str] = []
    for row in rows:
        parts.append('\n<tr><td><a href="{}">{}</a></td><td class="status-{}">{}</td>\n<td>')
        values += (safe_href(row.iri), row.label, row.status.replace(" ", "-"), row.status)
        for src, name, says in row.by_source:
            parts.append('<div><a href="{}">{}</a>: {}</div>')
            values += (safe_href(src), name, says)
        parts.append("</td>\n<td>{}</td>\n<td>")
        values.append(row.verdict)
        for a in row.actions:
            parts.append('<div><a href="{}">{} {}</a>')
            values += (safe_href(a.iri), a.kind, a.date)
            if a.unconfirmed:
                parts.append(' <span class="doubt">(unconfirmed: {})</span>')
                values.append(", ".join(a.unconfirmed))
            parts.append(" — " + "; ".join(LINK for _ in a.sources) + "</div>")
            for src, title in a.sources:
                values += (safe_href(src), title)
        parts.append("</td></tr>\n")
    return _written(parts, values)


def timeline_rows(entries: Iterable[TimelineEntry]) -> Markup:
    """The items of a state's timeline: date, kind and link, and the records of a treaty action
    that several sources record."""
    parts: list[str] = []
    values: list[str] = []
    for e in entries:
        parts.append('<li><time>{}</time> <span class="kind">{}</span> <a href="{}">{}</a>')
        values += (e.date, e.kind, safe_href(e.iri), e.label)
        if len(e.records) > 1:
            parts.append(' <span class="small">(records: ' + " · ".join(LINK for _ in e.records) + ")</span>")
            for iri, name in e.records:
                values += (safe_href(iri), name)
        parts.append("</li>")
    return _written(parts, values)
