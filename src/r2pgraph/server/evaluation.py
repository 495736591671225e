"""Evaluating one SPARQL query on a store into a finished HTTP answer (status, media type, body).

Pure and picklable in and out, so that it can run in a worker process that can be killed at the
query's deadline (see ``workers.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _json_str
from typing import TypeVar

import pyoxigraph as ox

from r2pgraph.server.conneg import GRAPH_FORMATS, RESULT_FORMATS, RESULTS_OX, Format, NotAcceptable, negotiate
from r2pgraph.server.query_check import UPDATE_REFUSED, QueryChecker, Verdict
from r2pgraph.server.serialize import serialize_graph

T = TypeVar("T")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Job:
    query: str
    params: dict[str, list[str]] = field(default_factory=dict)
    accept: str | None = None
    fmt: str | None = None
    base_iri: str | None = None
    max_rows: int = 100_000
    max_bytes: int = 64_000_000


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: bytes
    rows: int | None = None
    truncated: str | None = None  # "rows" or "bytes" when the result was cut to fit the limits


def _dataset(job: Job, names_dataset: bool) -> dict[str, object]:
    default = [ox.NamedNode(u) for u in job.params.get("default-graph-uri", [])]
    named = [ox.NamedNode(u) for u in job.params.get("named-graph-uri", [])]
    if default or named:
        # Protocol §2.1.4 / Query §13.2: the parameters give the whole dataset; an absent part is empty.
        return {"default_graph": default, "named_graphs": named}
    if not names_dataset:
        return {"use_default_graph_as_union": True}
    return {}


def _text(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def _json_term(term: object) -> str:
    """One RDF term in SPARQL Query Results JSON, written as ``json.dumps`` would write its object."""
    if isinstance(term, ox.NamedNode):
        return '{"type": "uri", "value": ' + _json_str(term.value) + "}"
    if isinstance(term, ox.Literal):
        out = '{"type": "literal", "value": ' + _json_str(term.value)
        if term.language:
            out += ', "xml:lang": ' + _json_str(term.language)
        elif term.datatype.value != XSD_STRING:
            out += ', "datatype": ' + _json_str(term.datatype.value)
        return out + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type": "bnode", "value": ' + _json_str(term.value) + "}"
    if isinstance(term, ox.Triple):
        return (
            '{"type": "triple", "value": {"subject": '
            + _json_term(term.subject)
            + ', "predicate": '
            + _json_term(term.predicate)
            + ', "object": '
            + _json_term(term.object)
            + "}}"
        )
    raise TypeError(f"not an RDF term: {term!r}")


def _json_rows(variables: Sequence[ox.Variable], rows: Iterable[ox.QuerySolution]) -> list[str]:
    """Each row's bindings object, in SPARQL Query Results JSON."""
    keys = [_json_str(v.value) + ": " for v in variables]
    # A row iterates over its values in the order of the variables (None when unbound), which is
    # much faster than looking each one up by name.
    return [
        "{" + ", ".join([k + _json_term(t) for k, t in zip(keys, row, strict=True) if t is not None]) + "}"
        for row in rows
    ]


def _solutions_json(variables: Sequence[ox.Variable], rows: Sequence[str]) -> bytes:
    """SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/) of rows written
    by ``_json_rows``: the same text as ``json.dumps`` of the results object, written directly."""
    head = ", ".join(_json_str(v.value) for v in variables)
    return ('{"head": {"vars": [' + head + ']}, "results": {"bindings": [' + ", ".join(rows) + "]}}").encode()


def _solutions_body(variables: Sequence[ox.Variable], rows: Sequence[str], chosen: Format) -> bytes:
    data = _solutions_json(variables, rows)
    if chosen.name == "json":
        return data
    body = ox.parse_query_results(data, ox.QueryResultsFormat.JSON).serialize(format=RESULTS_OX[chosen.name])
    return body or b""


def _bounded(
    items: list[T], max_rows: int, max_bytes: int, render: Callable[[list[T]], bytes]
) -> tuple[bytes, int, str | None]:
    """Serialise at most ``max_rows`` items in at most ``max_bytes``; say which limit cut the result."""
    truncated = "rows" if len(items) > max_rows else None
    items = items[:max_rows]
    body = render(items)
    while len(body) > max_bytes and items:
        keep = min(len(items) - 1, int(len(items) * max_bytes / len(body) * 0.95))
        items, truncated = items[:keep], "bytes"
        body = render(items)
    return body, len(items), truncated


# What a check-only worker (no store) answers for a query that may be evaluated: its result kind.
CHECKED = "application/x-r2pgraph-checked-query"
KINDS = {ox.QuerySolutions: "solutions", ox.QueryBoolean: "boolean", ox.QueryTriples: "graph"}


def answer(store: ox.Store | None, job: Job, checker: QueryChecker, sandboxed: bool = False) -> Answer:
    """Evaluate ``job`` on ``store`` and serialise the result as negotiated; or, with no store,
    only check it (refusal, syntax) and answer its result kind (``CHECKED``). SERVICE and updates
    are refused on the parse tree before pyoxigraph sees the text; ``sandboxed``: this process
    cannot open network sockets (see ``sandbox.py``), so pyoxigraph may be asked about a text
    the checker could not parse, to tell a malformed query from an unverifiable one."""
    verdict = checker.verdict(job.query)
    if verdict.unparsed and sandboxed:
        return _malformed_or(verdict, job)
    if verdict.status:
        return _text(verdict.status, verdict.message)
    try:
        result = (store or ox.Store()).query(
            job.query,
            base_iri=job.base_iri,
            **_dataset(job, verdict.names_dataset),  # type: ignore[arg-type]
        )
        if store is None:
            return Answer(200, CHECKED, KINDS[type(result)].encode())
        return respond(result, job)
    except SyntaxError as e:
        if not verdict.status and checker.is_update(job.query):
            return _text(403, UPDATE_REFUSED)
        return _text(400, f"Malformed query: {e}")
    except (ValueError, OSError) as e:
        return _text(400, f"The query cannot be evaluated: {e}")
    except Exception as e:  # any failure while the results are read: a clean 500, never a dead worker
        return _text(500, f"The query failed while its results were read: {type(e).__name__}: {e}")


def _malformed_or(refusal: Verdict, job: Job) -> Answer:
    """pyoxigraph's syntax error for a query the checker could not parse, or else its refusal
    (asked on an empty store, in a worker that cannot reach the network)."""
    try:
        ox.Store().query(job.query, base_iri=job.base_iri)
    except SyntaxError as e:
        return _text(400, f"Malformed query: {e}")
    except Exception:  # evaluating it on no data failed: it parsed, so it stays unverified
        pass
    return _text(refusal.status, refusal.message)


Result = ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]


def respond(result: Result, job: Job) -> Answer:
    """Serialise a query result (evaluated here or parsed from a remote store's answer) as
    negotiated, within the job's row and byte limits."""
    if isinstance(result, ox.QuerySolutions):
        return _respond(job, result.variables, itertools.islice(result, job.max_rows + 1))
    return _respond(job, None, result)


def _respond(job: Job, variables: Sequence[ox.Variable] | None, result: Iterable[object] | ox.QueryBoolean) -> Answer:
    """``respond`` to a boolean, to solutions of ``variables`` (at most ``max_rows`` + 1 rows are
    read), or else to triples."""
    rows: int | None = None
    truncated: str | None = None
    try:
        if isinstance(result, ox.QueryBoolean):
            chosen: Format = negotiate(job.accept, RESULT_FORMATS, job.fmt)
            body = result.serialize(format=RESULTS_OX[chosen.name]) or b""
        elif variables is not None:
            chosen = negotiate(job.accept, RESULT_FORMATS, job.fmt)
            solutions = _json_rows(variables, result)  # type: ignore[arg-type]
            body, rows, truncated = _bounded(
                solutions, job.max_rows, job.max_bytes, lambda some: _solutions_body(variables, some, chosen)
            )
        else:
            chosen = negotiate(job.accept, GRAPH_FORMATS, job.fmt)
            triples = list(itertools.islice(result, job.max_rows + 1))
            body, rows, truncated = _bounded(
                triples,
                job.max_rows,
                job.max_bytes,
                lambda some: serialize_graph(some, chosen),  # type: ignore[arg-type]
            )
    except NotAcceptable as e:
        offered = ", ".join(f.media_type for f in e.offered)
        return _text(406, f"Not acceptable. This result is available as: {offered}")
    media = chosen.media_type + ("; charset=utf-8" if chosen.media_type.startswith("text/") else "")
    return Answer(200, media, body, rows, truncated)


def in_server(store: ox.Store, job: Job, most: int) -> Answer | None:
    """The answer to a single-pattern look-up (``query_shape.is_lookup``), evaluated in this
    process; or None when it has more than ``most`` rows, and a worker must answer it. Reading
    ``most`` + 1 rows of one pattern is one index scan of that many steps (see ``query_shape``)."""
    try:
        result = store.query(job.query, base_iri=job.base_iri, **_dataset(job, False))  # type: ignore[arg-type]
        if isinstance(result, ox.QueryBoolean):
            return _respond(job, None, result)
        rows = list(itertools.islice(result, most + 1))
        if len(rows) > most:
            return None
        variables = result.variables if isinstance(result, ox.QuerySolutions) else None
        return _respond(job, variables, rows)
    except SyntaxError as e:
        return _text(400, f"Malformed query: {e}")
    except (ValueError, OSError) as e:
        return _text(400, f"The query cannot be evaluated: {e}")
    except Exception as e:  # any failure while the results are read: a clean 500, as from a worker
        return _text(500, f"The query failed while its results were read: {type(e).__name__}: {e}")
