"""The resource page's rows written in Python (server/page_rows.py) escape every value as the
templates' autoescaping does."""

from __future__ import annotations

import pyoxigraph as ox
from markupsafe import escape

from r2pgraph.rdf.iris import BASE
from r2pgraph.server.describe import Statement, Value
from r2pgraph.server.page_rows import escaped, incoming_rows

HOSTILE = ("<script>alert(1)</script>", "a & b", 'it\'s "quoted"', "", "plain", "nul\x00inside", "\x00")


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
    assert str(incoming_rows([])) == ""
