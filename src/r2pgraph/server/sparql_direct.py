"""``GET /sparql?query=…`` answered in one layer, the endpoint's most frequent request.

Through the app, a query's response passes the router and seven middlewares, each reading and
rewriting its headers; for a query answered in microseconds that is most of the server's work. This
layer, just inside ``Replay``, answers the plain GET of a query itself: it holds the served
version, asks ``QueryEndpoint.answer`` (what the route asks too), and adds in one pass the headers
the middlewares add (CORS, gzip, ``Vary``, the validators, the security headers), with their own
functions where they have them. What it sends is therefore what the app sends, byte for byte
(``tests/server/test_sparql_direct.py`` compares the two on many requests).

Everything else goes through the app: other methods and paths, conditional and range requests (a
304 is decided by ``Caching``), SPARQL Update, no query or several, a query too long, a Host header
the app does not trust (``--trusted-host``: checked here by Starlette's own middleware, and the app
refuses it), and every request when the app reads a remote store.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl

import anyio.to_thread
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from r2pgraph.server.caching import GZIP_LEVEL, GZIP_MIN_BYTES, accepts, add_vary, set_validators
from r2pgraph.server.errors import ProtocolError, refusal
from r2pgraph.server.headers import protect
from r2pgraph.server.served import SCOPE_KEY, Serving
from r2pgraph.server.sparql import ENDPOINT_PATH, MAX_QUERY_CHARS, QueryEndpoint

# Request headers that make the app answer: a 304 or a range is decided by its middlewares.
CONDITIONAL = frozenset((b"if-none-match", b"if-modified-since", b"if-match", b"if-range", b"range"))
THREAD_GZIP_BYTES = 128 * 1024  # compressed in a thread from this size, as Starlette's gzip does
HOST_TRUSTED = "r2pgraph.host_trusted"  # set in the scope by the trusted-host check's inner app


async def _mark_trusted(scope: Scope, receive: Receive, send: Send) -> None:
    scope[HOST_TRUSTED] = True


async def _discard(message: Message) -> None:
    """Where the trusted-host check's refusal goes: the app sends its own."""


def _simple(query_string: bytes) -> dict[str, list[str]] | None:
    """The query string's parameters when the request is a plain query (one ``query``, no update),
    else None."""
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    queries = params.get("query", ())
    if "update" in params or len(queries) != 1 or len(queries[0]) > MAX_QUERY_CHARS:
        return None
    return params


def _gzip(body: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


class DirectSparql:
    """ASGI middleware answering the plain ``GET /sparql`` (see above); ``cors`` are the headers
    the CORS middleware adds to a response to a request with an ``Origin``, ``server_tag`` the
    caching middleware's; ``endpoint`` answers the queries (the app's, as its route uses)."""

    def __init__(
        self,
        app: ASGIApp,
        serving: Serving,
        endpoint: QueryEndpoint,
        cors: Mapping[str, str],
        server_tag: str,
        trusted_hosts: Sequence[str] = (),
    ):
        self.app = app
        self.serving = serving
        self.endpoint = endpoint
        self.host_check = TrustedHostMiddleware(_mark_trusted, list(trusted_hosts)) if trusted_hosts else None
        self.cors = {name.lower(): value for name, value in cors.items()}
        self.server_tag = server_tag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != ENDPOINT_PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        # The first of each, as the middlewares read them (Starlette's ``Headers.get``).
        accept = encodings = origin = host = None
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1") if accept is None else accept
            elif name == b"accept-encoding":
                encodings = value.decode("latin-1") if encodings is None else encodings
            elif name == b"origin":
                origin = value.decode("latin-1") if origin is None else origin
            elif name == b"host":
                host = value.decode("latin-1") if host is None else host
            elif name in CONDITIONAL:
                await self.app(scope, receive, send)
                return
        params = _simple(scope["query_string"])
        if params is None or not await self._host_trusted(scope, receive):
            await self.app(scope, receive, send)
            return
        endpoint = self.endpoint
        endpoint.counts.direct += 1
        fmt = params["format"][0] if params.get("format") else None
        client = scope["client"][0] if scope.get("client") else "unknown"
        served = self.serving.hold()
        try:
            scope[SCOPE_KEY] = served
            try:
                response = await endpoint.answer(served, scope, client, params["query"][0], params, accept, fmt)
            except ProtocolError as e:
                response = refusal(e)
            await self._send(scope, send, response, encodings, origin, host)
        finally:
            served.leave()

    async def _host_trusted(self, scope: Scope, receive: Receive) -> bool:
        """Whether the app's trusted-host check (if any) lets the request's Host header through."""
        if self.host_check is None:
            return True
        await self.host_check(scope, receive, _discard)
        return bool(scope.pop(HOST_TRUSTED, False))

    async def _send(
        self, scope: Scope, send: Send, response: Response, encodings: str | None, origin: str | None, host: str | None
    ) -> None:
        """Send ``response`` with the headers the middlewares would add, in their order."""
        status = response.status_code
        body = bytes(response.body)
        # The route's headers (one of each) by lower-case name, in order, as the middlewares see them.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in response.raw_headers}
        # CORSMiddleware (allow_origins=["*"], no credentials): the CORS headers to an Origin, and Vary.
        if origin is not None:
            headers.update(self.cors)
        _append_vary(headers, "Origin")
        # Compression: from GZIP_MIN_BYTES, Vary; and gzip when the client accepts it.
        if len(body) >= GZIP_MIN_BYTES:
            _append_vary(headers, "Accept-Encoding")
            if accepts(encodings, "gzip"):
                body = await anyio.to_thread.run_sync(_gzip, body) if len(body) >= THREAD_GZIP_BYTES else _gzip(body)
                headers["content-encoding"] = "gzip"
                headers["content-length"] = str(len(body))
        # Caching: Vary on the negotiated path, validators on a 200.
        add_vary(headers, "Accept")
        if status == 200:
            set_validators(headers, scope[SCOPE_KEY], self.server_tag, ENDPOINT_PATH, scope["query_string"])
        protect(headers, status, host=host)
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def _append_vary(headers: dict[str, str], field: str) -> None:
    """Starlette's way (CORS, gzip): ``field`` appended to Vary, even when named there already."""
    vary = headers.get("vary")
    headers["vary"] = f"{vary}, {field}" if vary else field
