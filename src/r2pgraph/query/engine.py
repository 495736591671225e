"""Running SPARQL on a built generation and rendering results as a table, CSV, TSV or JSON."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pyoxigraph as ox

from r2pgraph.rdf.iris import PREFIXES, curie

RESULT_FORMATS = ("table", "csv", "tsv", "json")


Row = dict[str, Any]  # variable name → ox.NamedNode | ox.BlankNode | ox.Literal, or None when unbound


Term = ox.NamedNode | ox.Literal
# Where queries run: the embedded store, or a remote SPARQL 1.1 store (``serve --store URL``).
# Code above this module reads both the same way, through ``select`` and ``graph_quads``.
if TYPE_CHECKING:  # the remote client (and httpx) is imported only where a remote store is used
    from r2pgraph.store.remote import RemoteStore

Source: TypeAlias = "ox.Store | RemoteStore"
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(query: str, bind: Mapping[str, Term | Sequence[Term]]) -> str:
    """``query`` with ``VALUES`` blocks binding the given variables to RDF terms, opening its WHERE.

    The terms are serialised by pyoxigraph from validated term objects (an IRI cannot contain
    ``>``, a quote or a space), so a value is only ever data. pyoxigraph's own ``substitutions``
    would be cleaner but is evaluated after a scan (measured 40× slower on the state page).
    """
    blocks = []
    for name, value in bind.items():
        if not name.isidentifier():
            raise ValueError(f"not a variable name: {name!r}")
        terms = [value] if isinstance(value, (ox.NamedNode, ox.Literal)) else list(value)
        if not all(isinstance(t, (ox.NamedNode, ox.Literal)) for t in terms):
            raise TypeError(f"?{name} must be bound to RDF terms")
        blocks.append(f"VALUES ?{name} {{ {' '.join(str(t) for t in terms)} }}")
    match = _WHERE.search(query)
    if match is None:
        raise ValueError("the query has no WHERE clause to bind variables in")
    return query[: match.end()] + " " + " ".join(blocks) + query[match.end() :]


def select(
    store: Source, query: str, union: bool = True, bind: Mapping[str, Term | Sequence[Term]] | None = None
) -> list[Row]:
    """Run a SELECT query and return its rows as dicts (variable name → term or None).

    ``union`` makes the default graph the union of all named graphs. ``bind`` gives variables
    their values as RDF terms (never by formatting text into the query), e.g.
    ``bind={"this": ox.NamedNode(iri)}`` for ``?this``; a sequence binds one row per term.
    Raises TypeError for a query that is not a SELECT, SyntaxError for a malformed one.
    """
    text = with_values(query, bind) if bind else query
    if not isinstance(store, ox.Store):
        return store.select(text)  # the store's default graph is the union of its graphs (see README)
    result = store.query(text, use_default_graph_as_union=union)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    names = [v.value for v in result.variables]
    return [dict(zip(names, row, strict=True)) for row in result]  # a third faster than row[name] per name


def graph_quads(store: Source, graph: str) -> list[ox.Quad]:
    """Every statement of one named graph."""
    g = ox.NamedNode(graph)
    if isinstance(store, ox.Store):
        return list(store.quads_for_pattern(None, None, None, g))
    rows = select(store, "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", union=False, bind={"g": g})
    return [ox.Quad(r["s"], r["p"], r["o"], g) for r in rows]


def run_query(store: ox.Store, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Evaluate ``query`` over the union of all named graphs. Raises SyntaxError on a bad query."""
    return store.query(query, use_default_graph_as_union=True)


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def render(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str) -> str:
    """Render a query result. ``fmt`` is one of RESULT_FORMATS (CONSTRUCT results are Turtle)."""
    if isinstance(result, ox.QueryBoolean):
        return json.dumps({"head": {}, "boolean": bool(result)}) if fmt == "json" else str(bool(result)).lower()
    if isinstance(result, ox.QueryTriples):
        out = io.BytesIO()
        dataset = ox.Store()
        dataset.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in result)
        dataset.dump(out, ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=dict(PREFIXES))
        return out.getvalue().decode("utf-8")
    if fmt in ("csv", "tsv", "json"):
        rf = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}[
            fmt
        ]
        data = result.serialize(format=rf)
        assert data is not None
        return data.decode("utf-8")
    names = [v.value for v in result.variables]
    rows = [[_cell(row[n]) for n in names] for row in result]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    widths = [min(w, 80) for w in widths]

    def line(cells: list[str]) -> str:
        return " | ".join(c[:80].ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    sep = "-+-".join("-" * w for w in widths)
    body = [line(names), sep] + [line(r) for r in rows]
    body.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(body)


def read_query(text: str | None, file: Path | None) -> str:
    """The query text from an argument or a file (``-`` for standard input)."""
    if file is not None:
        if str(file) == "-":
            import sys

            return sys.stdin.read()
        return file.read_text(encoding="utf-8")
    if not text:
        raise ValueError("give a query, or --file FILE")
    return text
