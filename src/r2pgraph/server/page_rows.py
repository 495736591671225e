"""The long lists of the resource page as plain tuples of strings, made in Python once per page.

The template reads each row by unpacking a tuple, where it would otherwise look up every field of
every row by ``environment.getattr``, call filters and methods through the context, and keep a
loop context for its ``loop.last``: half of what rendering a state's page took. The template
writes and escapes these values; the longest list, the links to the resource, is written here
whole, its values escaped all at once (``escaped``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from r2pgraph.server.describe import Statement
from r2pgraph.server.templating import safe_href
from r2pgraph.server.views import TimelineEntry, TreatyStatusRow

if TYPE_CHECKING:
    from markupsafe import Markup

# (link, text, separator after it: "" for the last)
Link = tuple[str, str, str]


def _links(pairs: Iterable[tuple[str, str]], separator: str) -> list[Link]:
    found = [(safe_href(iri), text, separator) for iri, text in pairs]
    if found:
        found[-1] = (*found[-1][:2], "")
    return found


def escaped(values: list[str]) -> list[str]:
    """Each of ``values`` HTML-escaped, as the templates' autoescaping does (``markupsafe.escape``),
    by one call over all of them joined by NUL (a value holding a NUL is escaped on its own)."""
    from markupsafe import escape

    found = str(escape("\x00".join(values))).split("\x00")
    return found if len(found) == len(values) else [str(escape(v)) for v in values]


INCOMING_ROW = '\n<tr><td><a href="{}">{}</a></td><td>{}</td><td class="graph"><a href="{}">{}</a></td></tr>\n'


def incoming_rows(incoming: Iterable[Statement]) -> Markup:
    """Each link to the resource as a row of the page's "Linked from" table: its subject (label or
    IRI), property (label) and graph, each value escaped. Written here rather than by the template:
    the template escapes value by value, a third of the time of a page with many links."""
    from markupsafe import Markup

    graphs: dict[str, tuple[str, str]] = {}
    values: list[str] = []
    for s in incoming:
        graph = graphs.get(s.graph)
        if graph is None:
            graph = graphs[s.graph] = (safe_href(s.graph), s.graph.split("/graph/")[-1])
        text = s.value.text
        values += (safe_href(text), s.value.label or text, s.predicate_label, *graph)
    cells = iter(escaped(values))
    return Markup("".join([INCOMING_ROW.format(*row) for row in zip(cells, cells, cells, cells, cells, strict=True)]))


# (link to the action, kind, date, its doubts joined by ", ", its sources as links)
ActionCell = tuple[str, str, str, str, list[Link]]
# (link to the instrument, its label, status as a class name, status, by source as (link, name, says),
#  verdict, actions)
StatusCells = tuple[str, str, str, str, list[tuple[str, str, str]], str, list[ActionCell]]


def treaty_status_rows(rows: Iterable[TreatyStatusRow]) -> list[StatusCells]:
    """Each instrument's row of a state's treaty status table."""
    return [
        (
            safe_href(row.iri),
            row.label,
            row.status.replace(" ", "-"),
            row.status,
            [(safe_href(src), name, says) for src, name, says in row.by_source],
            row.verdict,
            [
                (safe_href(a.iri), a.kind, a.date, ", ".join(a.unconfirmed), _links(a.sources, "; "))
                for a in row.actions
            ],
        )
        for row in rows
    ]


# (date, kind, link, label, the records of a treaty action when more than one as links)
TimelineCells = tuple[str, str, str, str, list[Link]]


def timeline_rows(entries: Iterable[TimelineEntry]) -> list[TimelineCells]:
    """Each entry of a state's timeline."""
    return [
        (e.date, e.kind, safe_href(e.iri), e.label, _links(e.records, " · ") if len(e.records) > 1 else [])
        for e in entries
    ]
