"""An SVG diagram of the ontology's classes, drawn on the server: a box per class, an arrow from
each class to its superclass (hollow head) and from a property's domain to its range (filled head,
labelled with the property). Classes are laid out in layers so that every arrow points upwards;
within a layer they are ordered by the positions of the classes they point to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from r2pgraph.server.ontology_doc import OntologyDoc

BOX_H = 26
CHAR_W = 7.2
PAD_X = 12
GAP_X = 18
GAP_Y = 64
MARGIN = 16
LABEL_SPOTS = (0.6, 0.4, 0.75, 0.25, 0.85)  # fractions of an edge, from its source, to try for its label


@dataclass(frozen=True)
class Edge:
    source: str  # a class IRI
    target: str
    label: str  # the property's prefixed name, or "" for rdfs:subClassOf


def edges(doc: OntologyDoc) -> list[Edge]:
    """Subclass and domain→range links between the ontology's own classes."""
    classes = {c.iri for c in doc.classes}
    found = [Edge(c.iri, s.iri, "") for c in doc.classes for s in c.supers if s.iri in classes]
    for p in doc.properties:
        for d in p.domain:
            for r in p.range:
                if d.iri in classes and r.iri in classes:
                    found.append(Edge(d.iri, r.iri, p.local))
    return found


def unlinked(doc: OntologyDoc) -> list[str]:
    """The local names of the classes that the diagram leaves out, having no link to draw."""
    linked = {iri for e in edges(doc) for iri in (e.source, e.target)}
    return [c.local for c in doc.classes if c.iri not in linked]


def _layers(nodes: list[str], links: list[Edge]) -> dict[str, int]:
    """Longest-path layering: a class sits one layer below the highest class it points to (layer 0
    at the top). Self-links are ignored; a cycle is broken where it is found."""
    out: dict[str, list[str]] = {n: [] for n in nodes}
    for e in links:
        if e.source != e.target:
            out[e.source].append(e.target)
    layer: dict[str, int] = {}
    visiting: set[str] = set()

    def depth(n: str) -> int:
        if n in layer:
            return layer[n]
        visiting.add(n)
        targets = [t for t in out[n] if t not in visiting]
        layer[n] = 1 + max(depth(t) for t in targets) if targets else 0
        visiting.discard(n)
        return layer[n]

    for n in nodes:
        depth(n)
    return layer


def _sweep(
    row: list[str], desired: Mapping[str, float], width: Mapping[str, float], room: Mapping[str, float]
) -> dict[str, float]:
    """Centres for the boxes of ``row`` in that order, each as near its desired centre as the others
    allow: the mean of a sweep from the left (pushing boxes right) and one from the right (pushing
    them left), which keeps a group of siblings centred under their parent."""
    from_left: dict[str, float] = {}
    cursor = float(MARGIN)
    for n in row:
        left = max(desired.get(n, cursor + width[n] / 2) - width[n] / 2, cursor)
        from_left[n] = left + width[n] / 2
        cursor = left + width[n] + room[n]
    from_right: dict[str, float] = {}
    next_left = float("inf")
    for n in reversed(row):
        right = min(desired.get(n, from_left[n]) + width[n] / 2, next_left - room[n])
        from_right[n] = right - width[n] / 2
        next_left = right - width[n]
    return {n: (from_left[n] + from_right[n]) / 2 for n in row}


def _place(
    rows: dict[int, list[str]], links: list[Edge], width: dict[str, float], room: dict[str, float]
) -> dict[str, float]:
    """The centre of each box: rows ordered and placed under the classes they point to, then the top
    row placed over the classes that point to it and the rows below placed again."""

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    x: dict[str, float] = {}
    for top_pass in (False, True):
        for depth in sorted(rows):
            row = rows[depth]
            if depth == 0 and not top_pass:
                x.update(_sweep(row, {}, width, room))
                continue
            if depth == 0:  # over the mean position of the classes pointing to each one
                near = [e for e in links if e.target in row and e.source != e.target]
                wanted = {n: mean([x[e.source] for e in near if e.target == n]) for n in row}
            else:  # under the mean position of the classes each one points to
                near = [e for e in links if e.source in row and e.source != e.target]
                wanted = {n: mean([x[e.target] for e in near if e.source == n and e.target in x]) for n in row}
            desired = {n: v for n, v in wanted.items() if v is not None}
            row.sort(key=lambda n: (desired.get(n, float("inf")), n))
            x.update(_sweep(row, desired, width, room))
    return x


def render_svg(doc: OntologyDoc) -> str:
    """The diagram as an SVG element (classes with no link are left out: they are listed below it)."""
    labels = {c.iri: c.local for c in doc.classes}
    links = edges(doc)
    linked = sorted({e.source for e in links} | {e.target for e in links}, key=lambda i: labels[i].lower())
    if not linked:
        return ""
    layer = _layers(linked, links)
    rows: dict[int, list[str]] = {}
    for n in linked:
        rows.setdefault(layer[n], []).append(n)
    width = {n: len(labels[n]) * CHAR_W + 2 * PAD_X for n in linked}
    # room on the right of a class for its loop and the loop's label
    room: dict[str, float] = {n: float(GAP_X) for n in linked}
    for e in links:
        if e.source == e.target:
            room[e.source] = max(room[e.source], 40 + len(e.label) * 6.0)
    x = _place(rows, links, width, room)
    shift = MARGIN - min(x[n] - width[n] / 2 for n in linked)
    x = {n: v + shift for n, v in x.items()}
    total_w = max(x[n] + width[n] / 2 + room[n] for n in linked) + MARGIN
    total_h = (max(rows) + 1) * (BOX_H + GAP_Y) + 2 * MARGIN
    y: dict[str, float] = {n: float(MARGIN + layer[n] * (BOX_H + GAP_Y)) for n in linked}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ontology-diagram" role="img" '
        f'aria-label="Classes of the ontology and the properties that link them" '
        f'width="{total_w:.0f}" height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}">',
        "<defs>"
        '<marker id="sub" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#fff" stroke="#555"/></marker>'
        '<marker id="prop" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#1f5f99"/></marker>'
        "</defs>",
    ]
    placed: list[tuple[float, float, float, float]] = []  # the labels' boxes drawn so far
    for e in links:
        parts.append(_edge(e, x, y, width, placed))
    for n in linked:
        left = x[n] - width[n] / 2
        parts.append(
            f'<a href="#{escape(labels[n])}"><g class="class">'
            f'<rect x="{left:.1f}" y="{y[n]}" width="{width[n]:.1f}" height="{BOX_H}" rx="4" '
            'fill="#eef4fa" stroke="#1f5f99"/>'
            f'<text x="{x[n]:.1f}" y="{y[n] + BOX_H / 2 + 4:.1f}" text-anchor="middle" '
            f'font-family="sans-serif" font-size="12">{escape(labels[n])}</text></g></a>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _label_at(
    x1: float, y1: float, x2: float, y2: float, text: str, placed: list[tuple[float, float, float, float]]
) -> tuple[float, float]:
    """Where on the edge to put its label: the first of a few points along it (nearer the target
    first) where it does not overlap a label already placed; the box it takes is added to ``placed``."""
    half_w, half_h = len(text) * 2.9 + 2, 7.0
    spots = [x1 + (x2 - x1) * t for t in LABEL_SPOTS], [y1 + (y2 - y1) * t for t in LABEL_SPOTS]
    for mx, my in zip(*spots, strict=True):
        box = (mx - half_w, my - half_h, mx + half_w, my + half_h)
        if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            placed.append(box)
            return mx, my
    return spots[0][0], spots[1][0]


def _edge(
    e: Edge,
    x: dict[str, float],
    y: dict[str, float],
    width: dict[str, float],
    placed: list[tuple[float, float, float, float]],
) -> str:
    title = f"<title>{escape(e.label or 'subclass of')}</title>"
    if e.source == e.target:  # a loop on the box's right side
        right = x[e.source] + width[e.source] / 2
        top, bottom = y[e.source] + 6, y[e.source] + BOX_H - 6
        return (
            f'<g><path d="M{right:.1f},{top} C{right + 30:.1f},{top - 14} {right + 30:.1f},{bottom + 14} '
            f'{right:.1f},{bottom}" fill="none" stroke="#1f5f99" marker-end="url(#prop)"/>{title}'
            f'<text x="{right + 32:.1f}" y="{(top + bottom) / 2 + 4:.1f}" font-family="sans-serif" '
            f'font-size="10" fill="#1f5f99">{escape(e.label)}</text></g>'
        )
    x1, y1 = x[e.source], y[e.source]
    x2, y2 = x[e.target], y[e.target] + BOX_H
    if y[e.target] >= y1:  # same row or lower (a broken cycle): run from the bottom instead
        y1 = y[e.source] + BOX_H
        y2 = y[e.target] + (BOX_H if y[e.target] == y[e.source] else 0)
    if not e.label:
        return (
            f'<g><line x1="{x1:.1f}" y1="{y1}" x2="{x2:.1f}" y2="{y2}" stroke="#555" '
            f'marker-end="url(#sub)"/>{title}</g>'
        )
    mx, my = _label_at(x1, y1, x2, y2, e.label, placed)
    return (
        f'<g><line x1="{x1:.1f}" y1="{y1}" x2="{x2:.1f}" y2="{y2}" stroke="#1f5f99" stroke-dasharray="4 2" '
        f'marker-end="url(#prop)"/>{title}'
        f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="middle" font-family="sans-serif" font-size="10" '
        f'fill="#1f5f99" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(e.label)}</text></g>'
    )
