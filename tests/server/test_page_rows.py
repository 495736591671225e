"""The resource page's lists written in Python (server/page_rows.py) are the bytes the template
wrote for them, hostile values escaped as its autoescaping escapes them."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pyoxigraph as ox
from markupsafe import escape

from r2pgraph.rdf.iris import BASE
from r2pgraph.server.describe import Statement, Value
from r2pgraph.server.page_rows import escaped, incoming_rows, timeline_rows, treaty_status_rows
from r2pgraph.server.templating import safe_href
from r2pgraph.server.views import ActionRecord, TimelineEntry, TreatyStatusRow

HOSTILE = ("<script>alert(1)</script>", "a & b", 'it\'s "quoted"', "", "plain", "nul\x00inside", "\x00")
EVIL = '<b>"it\'s" & {braces} {}</b>'
# What the template wrote before (resource.html), list by list: page_rows_before/*.html.
TEMPLATES = Path(__file__).parent / "page_rows_before"


def _template(name: str, rows: object) -> str:
    env = jinja2.Environment(autoescape=True)
    env.filters["local"] = safe_href
    text = (TEMPLATES / f"{name}.html").read_text(encoding="utf-8").removesuffix("\n")
    return env.from_string(text).render(rows=rows)


def test_values_are_escaped_as_the_templates_escape_them() -> None:
    assert escaped(list(HOSTILE)) == [str(escape(v)) for v in HOSTILE]  # a NUL in a value: one by one
    without_nul = [v for v in HOSTILE if "\x00" not in v]
    assert escaped(without_nul) == [str(escape(v)) for v in without_nul]
    assert escaped([]) == [] and escaped([""]) == [""]


def test_linked_from_rows_escape_labels_and_iris() -> None:
    subject = ox.NamedNode(BASE + "id/event/x?a=1&b=2")
    rows = [
        Statement("p", '<b>"label"</b>', Value(subject, "Tom & Jerry's <i>"), BASE + "graph/g&h"),
        Statement("p", "plain", Value(ox.NamedNode("javascript:alert(1)")), BASE + "graph/g&h"),
    ]
    html = str(incoming_rows(rows))
    assert html == (
        '\n<tr><td><a href="/id/event/x?a=1&amp;b=2">Tom &amp; Jerry&#39;s &lt;i&gt;</a></td>'
        '<td>&lt;b&gt;&#34;label&#34;&lt;/b&gt;</td><td class="graph"><a href="/graph/g&amp;h">g&amp;h</a></td></tr>\n'
        '\n<tr><td><a href="">javascript:alert(1)</a></td>'
        '<td>plain</td><td class="graph"><a href="/graph/g&amp;h">g&amp;h</a></td></tr>\n'
    )
    assert html == _template("incoming", rows)
    assert str(incoming_rows([])) == ""


def test_treaty_status_and_timeline_are_what_the_template_wrote() -> None:
    act = ActionRecord(BASE + "id/x&y", EVIL, "2001-02-03", "s", "S", "i", "I", [EVIL, "date"], [])
    sourced = ActionRecord(
        BASE + "id/z",
        "Ratification",
        "2002",
        "s",
        "S",
        "i",
        "I",
        [],
        [(BASE + "source/a", EVIL), ("javascript:x", "b")],
    )
    rows = [
        TreatyStatusRow(BASE + "id/i?a&b", EVIL, "no action", [(BASE + "graph/g", EVIL, EVIL)], [act, sourced], EVIL),
        TreatyStatusRow(BASE + "id/j", "J", "party", [], [], ""),
    ]
    html = str(treaty_status_rows(rows))
    assert "&lt;b&gt;&#34;it&#39;s&#34; &amp; {braces} {}&lt;/b&gt;" in html and "<b>" not in html
    assert html == _template("status", rows)
    timeline = [
        TimelineEntry("2001", EVIL, EVIL, BASE + "id/e&f"),
        TimelineEntry("2002", "one record", "Treaty action", "x", [(BASE + "id/a", EVIL)]),
        TimelineEntry("2003", "two", "Treaty action", "y", [(BASE + "id/a", EVIL), ("data:x", "untc")]),
    ]
    html = str(timeline_rows(timeline))
    assert "(records: " in html and html.count("(records: ") == 1
    assert html == _template("timeline", timeline)
    assert str(treaty_status_rows([])) == str(timeline_rows([])) == ""
