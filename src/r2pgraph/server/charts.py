"""Charts drawn on the server as inline SVG (no script): the cumulative parties to an instrument by
year, and a state's ratings by thematic area as stacked bars.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` saying in words what it
shows; the page beside it holds the table it summarises. Colours come from the stylesheet's classes
(``rating-*``), the same as the ratings grid's. Axis ticks are ``<g class="tick">`` holding a line
at the value's position and the value as text, so a reader (or a test) can map a position back to
a number.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
ROW = 30  # the ratings chart's height per thematic area
BAR = 18
LABEL_CHARS = 34  # an area's label wraps at about this many characters


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    """A coordinate with at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_step(top: int, ticks: int = 5) -> int:
    """A tick step of 1, 2 or 5 × 10^k giving at most ``ticks`` intervals up to ``top``."""
    if top <= 0:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return int(next((m * power for m in (1, 2, 5, 10) if m * power >= raw), 10 * power))


def _svg(kind: str, ident: str, height: float, title: str, desc: str, body: list[str]) -> str:
    """The chart's ``<svg>``; ``ident`` prefixes its title's and description's ids (unique in a page)."""
    return (
        f'<svg class="chart {kind}" viewBox="0 0 {WIDTH} {_num(height)}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


# ---------------------------------------------------------------------- parties by year ---


def cumulative(years: Iterable[int], last: int | None = None) -> list[tuple[int, int]]:
    """(year, how many by the end of it) for every year from the first to ``last`` (default: the
    latest of ``years``)."""
    counts = Counter(years)
    if not counts:
        return []
    end = max(max(counts), last or 0)
    total, out = 0, []
    for year in range(min(counts), end + 1):
        total += counts.get(year, 0)
        out.append((year, total))
    return out


def parties_timeline(label: str, years: Sequence[str | None], as_of: str | None = None) -> str:
    """The cumulative number of parties to the instrument ``label`` by year, from the years of the
    parties' consents (``YYYY…``; None where a source gives none, counted in the description only),
    drawn up to the year of ``as_of`` when given."""
    known = [int(y[:4]) for y in years if y and y[:4].isdigit()]
    unknown = len(years) - len(known)
    points = cumulative(known, int(as_of[:4]) if as_of and as_of[:4].isdigit() else None)
    points = [(points[0][0] - 1, 0), *points] if points else []  # none before the first
    title = f"Parties to {label} by year (cumulative)"
    if not points:
        return _svg(
            "timeline",
            "chart-timeline",
            40,
            title,
            "No party's year is recorded.",
            ['<text x="8" y="24">no parties</text>'],
        )
    left, right, top, bottom = 44, 16, 14, 30
    height = 220
    first, last = points[0][0], points[-1][0]
    ymax = max(n for _, n in points)
    step = nice_step(ymax)
    ytop = step * math.ceil(ymax / step) or 1

    def x(year: float) -> float:
        return left + (year - first) / max(last - first, 1) * (WIDTH - left - right)

    def y(count: float) -> float:
        return height - bottom - count / ytop * (height - top - bottom)

    body = ['<g class="axis y">']
    for value in range(0, ytop + 1, step):
        body.append(
            f'<g class="tick"><line x1="{left}" x2="{WIDTH - right}" y1="{_num(y(value))}" y2="{_num(y(value))}"/>'
            f'<text x="{left - 6}" y="{_num(y(value))}" dy="0.32em" text-anchor="end">{value}</text></g>'
        )
    body.append('</g><g class="axis x">')
    span = last - first
    xstep = 1 if span <= 10 else 2 if span <= 20 else 5 if span <= 50 else 10
    for year in range(first, last + 1):
        off = (year - first) % xstep
        if off == 0 or (year == last and off > xstep / 2):
            body.append(
                f'<g class="tick"><line x1="{_num(x(year))}" x2="{_num(x(year))}" y1="{height - bottom}" '
                f'y2="{height - bottom + 4}"/><text x="{_num(x(year))}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{year}</text></g>'
            )
    body.append("</g>")
    line = " ".join(f"{_num(x(year))},{_num(y(n))}" for year, n in points)
    body.append(f'<polyline class="cumulative" points="{line}"/>')
    before = 0
    for year, n in points:
        if n != before or year == last:
            body.append(
                f'<circle class="point" cx="{_num(x(year))}" cy="{_num(y(n))}" r="3">'
                f"<title>{year}: {n} parties (+{n - before})</title></circle>"
            )
        before = n
    desc = f"{points[1][1]} parties by the end of {first + 1}, {points[-1][1]} by {last}"
    desc += f" (as of {as_of})" if as_of else ""
    desc += f"; {unknown} more parties whose year no source gives are not drawn." if unknown else "."
    return _svg("timeline", "chart-timeline", height, title, desc, body)


# ------------------------------------------------------------------ ratings by thematic area ---


@dataclass(frozen=True)
class Rating:
    key: str  # the rating's local name, e.g. very-strong (its CSS class is rating-<key>)
    label: str


@dataclass(frozen=True)
class AreaRatings:
    label: str
    ratings: Sequence[str | None]  # the rating key of each indicator of the area (None: not rated)


def _wrap(text: str, width: int = LABEL_CHARS) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def ratings_chart(
    edition: str, areas: Sequence[AreaRatings], scale: Sequence[Rating], ident: str = "chart-ratings"
) -> str:
    """A stacked bar per thematic area of ``edition``: how many of its indicators have each rating
    of ``scale`` (best first), then those not rated; a legend with the totals. ``ident``: an id
    prefix unique in the page."""
    none = Rating("none", "not rated")
    order = [*scale, none]
    counts = [Counter(r or "none" for r in area.ratings) for area in areas]
    totals = Counter[str]()
    for c in counts:
        totals.update(c)
    if not totals["none"]:
        order.remove(none)
    left, right, top = 250, 16, 8
    axis_y = top + ROW * len(areas) + 4
    height = axis_y + 24 + 22 * math.ceil(len(order) / 3)
    xmax = max((len(a.ratings) for a in areas), default=0) or 1
    step = nice_step(xmax, 6)
    xtop = step * math.ceil(xmax / step)

    def x(count: float) -> float:
        return left + count / xtop * (WIDTH - left - right)

    body = ['<g class="axis x">']
    for value in range(0, xtop + 1, step):
        body.append(
            f'<g class="tick"><line x1="{_num(x(value))}" x2="{_num(x(value))}" y1="{top}" y2="{axis_y}"/>'
            f'<text x="{_num(x(value))}" y="{axis_y + 14}" text-anchor="middle">{value}</text></g>'
        )
    body.append('</g><g class="bars">')
    for row, (area, count) in enumerate(zip(areas, counts, strict=True)):
        y = top + row * ROW + (ROW - BAR) / 2
        lines = _wrap(area.label)
        first_dy = 0.32 - 0.55 * (len(lines) - 1)
        spans = "".join(
            f'<tspan x="{left - 8}" dy="{_num(first_dy) if i == 0 else "1.1"}em">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        body.append(f'<g class="area"><text class="label" y="{_num(y + BAR / 2)}" text-anchor="end">{spans}</text>')
        done = 0
        for rating in order:
            n = count.get(rating.key, 0)
            if n:
                body.append(
                    f'<rect class="rating-{_attr(rating.key)}" x="{_num(x(done))}" y="{_num(y)}" '
                    f'width="{_num(x(done + n) - x(done))}" height="{BAR}">'
                    f"<title>{escape(area.label)}: {n} {escape(rating.label)}</title></rect>"
                )
            done += n
        body.append("</g>")
    body.append('</g><g class="legend">')
    for i, rating in enumerate(order):
        lx, ly = 8 + (i % 3) * 210, axis_y + 26 + (i // 3) * 22
        body.append(
            f'<rect class="rating-{_attr(rating.key)}" x="{lx}" y="{ly}" width="12" height="12"/>'
            f'<text x="{lx + 18}" y="{ly + 10}">{escape(rating.label)} ({totals[rating.key]})</text>'
        )
    body.append("</g>")
    words = ", ".join(f"{totals[r.key]} {r.label}" for r in order)
    per_area = "; ".join(
        f"{a.label}: " + ", ".join(f"{c[r.key]} {r.label}" for r in order if c[r.key])
        for a, c in zip(areas, counts, strict=True)
    )
    title = f"Ratings by thematic area: {edition}"
    return _svg("ratings", ident, height, title, f"{sum(totals.values())} indicators: {words}. {per_area}.", body)
