"""Evaluating one SPARQL query on a store into a finished HTTP answer (status, media type, body).

Pure and picklable in and out, so that it can run in a worker process that can be killed at the
query's deadline (see ``workers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from r2pgraph.server.conneg import GRAPH_FORMATS, GRAPH_OX, RESULT_FORMATS, RESULTS_OX, Format, NotAcceptable, negotiate
from r2pgraph.server.sparql_text import has_dataset_clause


@dataclass(frozen=True)
class Job:
    query: str
    params: dict[str, list[str]] = field(default_factory=dict)
    accept: str | None = None
    fmt: str | None = None
    base_iri: str | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: bytes


def _dataset(job: Job) -> dict[str, object]:
    default = [ox.NamedNode(u) for u in job.params.get("default-graph-uri", [])]
    named = [ox.NamedNode(u) for u in job.params.get("named-graph-uri", [])]
    if default or named:
        # Protocol §2.1.4 / Query §13.2: the parameters give the whole dataset; an absent part is empty.
        return {"default_graph": default, "named_graphs": named}
    if not has_dataset_clause(job.query):
        return {"use_default_graph_as_union": True}
    return {}


def _text(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def answer(store: ox.Store, job: Job) -> Answer:
    """Evaluate ``job`` on ``store`` and serialise the result as negotiated."""
    try:
        result = store.query(job.query, base_iri=job.base_iri, **_dataset(job))  # type: ignore[arg-type]
    except SyntaxError as e:
        return _text(400, f"Malformed query: {e}")
    except (ValueError, OSError) as e:
        return _text(400, f"The query cannot be evaluated: {e}")
    try:
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            chosen: Format = negotiate(job.accept, RESULT_FORMATS, job.fmt)
            body = result.serialize(format=RESULTS_OX[chosen.name])
        else:
            chosen = negotiate(job.accept, GRAPH_FORMATS, job.fmt)
            graph = ox.Store()
            graph.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in result)
            keep_graphs = chosen.name in ("nquads", "trig")
            body = graph.dump(format=GRAPH_OX[chosen.name], from_graph=None if keep_graphs else ox.DefaultGraph())
    except NotAcceptable as e:
        offered = ", ".join(f.media_type for f in e.offered)
        return _text(406, f"Not acceptable. This result is available as: {offered}")
    media = chosen.media_type + ("; charset=utf-8" if chosen.media_type.startswith("text/") else "")
    return Answer(200, media, body or b"")
