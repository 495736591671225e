"""The SPARQL 1.1 Protocol query operation (https://www.w3.org/TR/sparql11-protocol/#query-operation)
and the Service Description (https://www.w3.org/TR/sparql11-service-description/) at /sparql.

Read-only: update requests are refused, and so are queries using SERVICE (by the query workers,
on the query's parse tree) or nested too deeply (here, before any parser sees them).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from r2pgraph.config import ServerConfig
from r2pgraph.server.backends.base import Served
from r2pgraph.server.cache import AnswerCache, keep, kept_version, lookup, replayable, sparql_key, volatile
from r2pgraph.server.conneg import GRAPH_FORMATS, HTML, negotiate
from r2pgraph.server.errors import ProtocolError
from r2pgraph.server.evaluation import Job, in_server
from r2pgraph.server.limits import ClientLimits
from r2pgraph.server.query_shape import is_lookup
from r2pgraph.server.serialize import serialize_graph
from r2pgraph.server.served import public_base, served
from r2pgraph.server.sparql_text import might_nest_deeper, nesting_error
from r2pgraph.server.workers import DeadlineExceeded, WorkerFailed

router = APIRouter()
ENDPOINT_PATH = "/sparql"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
MAX_BODY_BYTES = 1_000_000
MAX_QUERY_CHARS = 100_000
MIN_TIMEOUT_S = 0.1  # lower deadlines would only make workers be killed and restarted
ROWS_HEADER = "R2P-Result-Rows"
TRUNCATED_HEADER = "R2P-Result-Truncated"
RESULT_HEADERS = (ROWS_HEADER, TRUNCATED_HEADER)
IN_SERVER_ROWS = 500  # a look-up with more rows is answered by a worker (see query_shape.py)


def service_description(endpoint: str) -> str:
    """The service description, in Turtle."""
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dct: <http://purl.org/dc/terms/> .

<{endpoint}> a sd:Service ;
    dct:title "r2pgraph SPARQL endpoint"@en ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_XML> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_CSV> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_TSV> ,
        <http://www.w3.org/ns/formats/Turtle> ,
        <http://www.w3.org/ns/formats/N-Triples> ,
        <http://www.w3.org/ns/formats/JSON-LD> ,
        <http://www.w3.org/ns/formats/RDF_XML> ,
        <http://www.w3.org/ns/formats/N-Quads> ,
        <http://www.w3.org/ns/formats/TriG> ,
        <http://www.w3.org/ns/formats/N3> ;
    sd:feature sd:UnionDefaultGraph ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; dct:description "The union of all named graphs"@en ]
    ] .
"""


def endpoint_iri(request: Request) -> str:
    """This endpoint's IRI: the server's configured public base URL and the route's path (never
    the request's Host header)."""
    return public_base(request) + ENDPOINT_PATH


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(400, f"The request body is not valid UTF-8 (at byte {e.start}).") from e


def _form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(_utf8(body), keep_blank_values=True)


def _too_large() -> ProtocolError:
    return ProtocolError(413, f"The request body is larger than {MAX_BODY_BYTES:,} bytes.", {"Connection": "close"})


async def _read_body(request: Request) -> bytes:
    """The request body, read chunk by chunk and refused with 413 as soon as it passes the cap
    (a declared Content-Length over it is refused before anything is read). The connection is
    then closed, so the rest of the body is never read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async with contextlib.aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _too_large()
            chunks.append(chunk)
    return b"".join(chunks)


async def _read_request(request: Request) -> tuple[str | None, dict[str, list[str]]]:
    """Return (query text, protocol parameters) of a GET or POST, or raise ProtocolError."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    if request.method != "POST":  # GET or HEAD
        if "update" in params:
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        queries = params.get("query", [])
    else:
        ctype, *ct_params = (p.strip().lower() for p in request.headers.get("content-type", "").split(";"))
        charset = next((p.split("=", 1)[1].strip('"') for p in ct_params if p.startswith("charset=")), "utf-8")
        if ctype in (FORM, QUERY_TYPE) and charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"Unsupported charset {charset}: SPARQL requests must be encoded in UTF-8.")
        body = await _read_body(request)
        if ctype == FORM:
            form = _form(body)
            if "update" in form:
                raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            queries = params.get("query", [])
        elif ctype == QUERY_TYPE:
            if "query" in params:
                raise ProtocolError(400, "Give the query in the body or in the 'query' parameter, not both.")
            queries = [_utf8(body)]
        elif ctype == UPDATE_TYPE:
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        else:
            raise ProtocolError(415, f"Unsupported content type {ctype or '(none)'}: use {FORM} or {QUERY_TYPE}.")
    if len(queries) > 1:
        raise ProtocolError(400, "Exactly one 'query' parameter is allowed.")
    if queries and len(queries[0]) > MAX_QUERY_CHARS:
        raise ProtocolError(413, f"The query is longer than {MAX_QUERY_CHARS:,} characters.")
    return (queries[0] if queries else None), params


def query_deadline(config: ServerConfig, params: dict[str, list[str]]) -> float:
    """The query's deadline: the server's, or a lower ``timeout`` (seconds) the client asks for."""
    limit: float = config.query_timeout
    asked = params.get("timeout")
    if asked:
        try:
            wanted = float(asked[0])
        except ValueError:
            raise ProtocolError(
                400, f"The 'timeout' parameter must be a number of seconds, not {asked[0]!r}."
            ) from None
        if not math.isfinite(wanted) or wanted < MIN_TIMEOUT_S:
            raise ProtocolError(400, f"The 'timeout' parameter must be at least {MIN_TIMEOUT_S} seconds.")
        limit = min(limit, wanted)
    return limit


def _param(name: str, description: str, kind: str = "string", many: bool = False) -> dict[str, object]:
    schema: dict[str, object] = {"type": kind}
    if many:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PROTOCOL_PARAMETERS = {
    "parameters": [
        _param("query", "The SPARQL query (GET, or POST with a form body)"),
        _param("default-graph-uri", "Named graphs whose union is the default graph", many=True),
        _param("named-graph-uri", "Named graphs available to GRAPH", many=True),
        _param("timeout", "A deadline in seconds, lower than the server's", "number"),
        _param(
            "format",
            "json, xml, csv or tsv (SELECT, ASK); turtle, n3, jsonld (or json), ntriples, rdfxml (or xml),"
            " nquads or trig (CONSTRUCT, DESCRIBE); or a media type",
        ),
    ]
}


@router.api_route(ENDPOINT_PATH, methods=["GET", "HEAD", "POST"], openapi_extra=PROTOCOL_PARAMETERS)
async def sparql_endpoint(request: Request) -> Response:
    """Answer a SPARQL query, or describe the service when no query is given."""
    query, params = await _read_request(request)
    accept = request.headers.get("accept")
    fmt = params["format"][0] if params.get("format") else None
    if query is None:
        if not fmt and negotiate(accept, (HTML, *GRAPH_FORMATS[:2])) is HTML and request.method != "POST":
            return RedirectResponse("/query", status_code=303)
        chosen = negotiate(accept, GRAPH_FORMATS, fmt)
        sd = ox.parse(service_description(endpoint_iri(request)), format=ox.RdfFormat.TURTLE)
        return Response(content=serialize_graph(sd, chosen), media_type=chosen.media_type, headers={"Vary": "Accept"})
    endpoint = QueryEndpoint.of(request.app)
    client = request.client.host if request.client else "unknown"
    return await endpoint.answer(served(request), request.scope, client, query, params, accept, fmt)


class QueryCounts:
    """How many queries were evaluated in the server process (look-ups) and by the workers, and
    how many requests the direct layer answered (see sparql_direct.py)."""

    def __init__(self) -> None:
        self.in_server = 0
        self.by_workers = 0
        self.direct = 0

    def stats(self) -> dict[str, int]:
        return {"in_server": self.in_server, "by_workers": self.by_workers, "direct": self.direct}


@dataclass(frozen=True)
class QueryEndpoint:
    """What answering a query needs from the app: its settings, kept answers, clients' query slots
    and counts (set on ``app.state`` by ``create_app``)."""

    config: ServerConfig
    answers: AnswerCache
    limits: ClientLimits
    counts: QueryCounts

    @classmethod
    def of(cls, app: object) -> QueryEndpoint:
        state = app.state  # type: ignore[attr-defined]
        found: QueryEndpoint = state.query_endpoint
        return found

    async def answer(
        self,
        served: Served,
        scope: Scope,
        client: str,
        query: str,
        params: dict[str, list[str]],
        accept: str | None,
        fmt: str | None,
    ) -> Response:
        """The route's response to ``query`` (before the middlewares' headers), from the kept
        answers, or evaluated: a look-up in this process, anything else by a worker. Raises
        ProtocolError."""
        config = self.config
        deadline = query_deadline(config, params)
        # A version is immutable: a query asked before is answered as it was (see cache.py).
        version = kept_version(served)
        key = sparql_key(query, params, accept)
        if (hit := lookup(self.answers, version, key, scope)) is not None:
            return hit.response()
        # Nesting is bounded before any parser sees the query (SERVICE is refused by the workers); the
        # scan runs off the event loop, and only when a count says the query could nest that deep.
        if might_nest_deeper(query):
            too_deep = await run_in_threadpool(nesting_error, query)
            if too_deep:
                raise ProtocolError(400, too_deep)
        base = config.base_url.rstrip("/") + ENDPOINT_PATH
        job = Job(query, params, accept, fmt, base, max_rows=config.max_rows, max_bytes=config.max_result_bytes)
        result = None
        if isinstance(served.store, ox.Store) and is_lookup(query):
            result = in_server(served.store, job, IN_SERVER_ROWS)
        evaluated_here = result is not None
        if result is not None:
            self.counts.in_server += 1
        else:
            async with self.limits.slot(client, deadline):
                try:
                    result = await served.queries.run_async(job, deadline)
                except DeadlineExceeded as e:
                    raise ProtocolError(503, str(e)) from e
                except WorkerFailed as e:
                    raise ProtocolError(500, str(e)) from e
            self.counts.by_workers += 1
        headers = {"Vary": "Accept"} if result.status == 200 else {}
        if result.rows is not None:
            headers[ROWS_HEADER] = str(result.rows)
        if result.truncated == "rows":
            headers[TRUNCATED_HEADER] = f"rows; limit={config.max_rows}"
        elif result.truncated == "bytes":
            headers[TRUNCATED_HEADER] = f"bytes; limit={config.max_result_bytes}"
        response = Response(
            content=result.body, status_code=result.status, media_type=result.media_type, headers=headers
        )
        if result.status == 200 and not volatile(query):
            if evaluated_here:  # cheaper to evaluate again than to keep; still replayed as sent
                replayable(scope, version)
            else:
                keep(self.answers, version, key, response, scope)
        return response
