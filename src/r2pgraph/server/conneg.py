"""Content negotiation: pick a media type from an Accept header (with q-values) or a ``format`` name.

Implements the matching rules of RFC 9110 §12.5.1: the most specific media range that matches
gives the quality; q=0 excludes; ties go to the server's order of preference.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str


RESULT_FORMATS = (
    Format("json", "application/sparql-results+json", "srj"),
    Format("xml", "application/sparql-results+xml", "srx"),
    Format("csv", "text/csv", "csv"),
    Format("tsv", "text/tab-separated-values", "tsv"),
)
GRAPH_FORMATS = (
    Format("turtle", "text/turtle", "ttl"),
    Format("jsonld", "application/ld+json", "jsonld"),
    Format("ntriples", "application/n-triples", "nt"),
    Format("rdfxml", "application/rdf+xml", "rdf"),
    Format("nquads", "application/n-quads", "nq"),
    Format("trig", "application/trig", "trig"),
    Format("n3", "text/n3", "n3"),  # written as Turtle, which is N3
)
HTML = Format("html", "text/html", "html")
# Other names clients give the formats above, as media types (in Accept or ``format``) or as
# ``format`` values (SPARQLWrapper's beside its Accept header). Each stands for the first of its
# targets that is offered: ``application/json`` and ``json`` are SPARQL results JSON for a SELECT
# or ASK and JSON-LD for a graph; ``application/xml`` and ``xml`` are results XML or RDF/XML; the
# name ``n3`` is Turtle (``text/n3`` asks for the same text labelled N3).
ALIASES: dict[str, tuple[str, ...]] = {
    "application/json": ("application/sparql-results+json", "application/ld+json"),
    "application/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "text/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "application/x-turtle": ("text/turtle",),
    "application/turtle": ("text/turtle",),
    "text/plain": ("application/n-triples",),
    "application/json+ld": ("application/ld+json",),
    "application/x-json+ld": ("application/ld+json",),
    "text/rdf+n3": ("text/n3",),
    "application/n3": ("text/n3",),
    "xml": ("xml", "rdfxml"),
    "json": ("json", "jsonld"),
    "json-ld": ("jsonld",),
    "rdf+xml": ("rdfxml",),
    "rdf": ("rdfxml",),
    "n3": ("turtle",),
}
RESULTS_OX = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_OX = {
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "n3": ox.RdfFormat.TURTLE,
}


class NotAcceptable(Exception):
    """No offered format is acceptable to the client."""

    def __init__(self, offered: tuple[Format, ...]):
        self.offered = offered
        super().__init__("none of " + ", ".join(f.media_type for f in offered) + " is acceptable")


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Parse an Accept header into (media range, q) pairs; a missing header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _resolve(name: str, offered: tuple[Format, ...]) -> str:
    """The format name or media type that ``name`` stands for among ``offered`` (see ALIASES)."""
    for target in ALIASES.get(name, ()):
        if any(target in (f.name, f.media_type) for f in offered):
            return target
    return name


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    best, best_specificity = 0.0, -1
    main = media_type.split("/")[0]
    for rng, q in ranges:
        if rng == media_type:
            specificity = 2
        elif rng == f"{main}/*":
            specificity = 1
        elif rng == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity or (specificity == best_specificity and q > best):
            best, best_specificity = q, specificity
    return best


def negotiate(accept: str | None, offered: tuple[Format, ...], format_param: str | None = None) -> Format:
    """Choose a format: an explicit ``format`` name or media type wins; else the Accept header.

    Raises NotAcceptable when nothing offered is acceptable.
    """
    if format_param:
        wanted = _resolve(format_param.lower(), offered)
        for f in offered:
            if wanted in (f.name, f.media_type, f.suffix):
                return f
        raise NotAcceptable(offered)
    chosen = _by_accept(accept, offered)
    if chosen is None:
        raise NotAcceptable(offered)
    return chosen


@functools.lru_cache(maxsize=512)
def _by_accept(accept: str | None, offered: tuple[Format, ...]) -> Format | None:
    """``negotiate`` by the Accept header alone (None: nothing acceptable), worked out once per
    header and offer: clients send the same few headers again and again."""
    ranges = [(_resolve(media, offered), q) for media, q in parse_accept(accept)]
    scored = [(_quality(f.media_type, ranges), -i, f) for i, f in enumerate(offered)]
    q, _, chosen = max(scored, key=lambda t: (t[0], t[1]))
    return chosen if q > 0 else None
