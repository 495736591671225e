"""HTTP caching: validators from the served generation, conditional GET, ``Vary``, and gzip.

- Every GET or HEAD answered 200 from the served generation (pages, linked-data documents, the
  service description, VoID, ``GET /sparql`` results, downloads) has ``Last-Modified``, the
  generation's build time, an ``ETag`` and ``Cache-Control: no-cache`` (a cache asks again each
  time, and gets 304 while the generation is unchanged). The ETag is weak (``W/"…"``: a page is
  generated again for each request, equivalent but not promised byte for byte) and derived from the
  generation (content hash and build time), the server (release, base URL, result limits), the
  path and query, and the response's media type and content encoding: two representations never
  share one. A response that brings its own strong ETag (a download, whose bytes the generation
  fixes; see ``file_validators``; a static file) keeps it, with ``-gzip`` added when compressed.
- ``If-None-Match`` (``*``, lists, weak comparison) or, without it, ``If-Modified-Since`` that the
  response meets gets 304 with its ETag, Last-Modified, Vary and Cache-Control and no body; the
  response being generated is abandoned (a download is not read further).
- ``Vary: Accept`` on every response of a path whose representation is chosen by ``Accept``
  (linked data, ``/ontology``, ``/sparql``, VoID; redirects, 404s and 406s included), and on every
  406 anywhere.
- gzip (level ``GZIP_LEVEL``, downloads ``DOWNLOAD_GZIP_LEVEL``): Starlette's ``GZipMiddleware``
  for responses of ``GZIP_MIN_BYTES`` or more, when the
  client's ``Accept-Encoding`` accepts gzip (``gzip;q=0`` does not); it adds
  ``Vary: Accept-Encoding``. A HEAD gets the headers its GET would have (decided on the declared
  length, so a compressed one has no Content-Length).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from r2pgraph.server.backends.base import Served
from r2pgraph.server.served import SCOPE_KEY

GZIP_MIN_BYTES = 1000
# Generated answers are compressed fast (Japan's 118 kB page in 0.37 ms, 14.5 kB; level 6: 1.26 ms,
# 12.4 kB); downloads, whose size matters more, at zlib's default (the N-Triples dump to 3.5 %).
GZIP_LEVEL = 3
DOWNLOAD_GZIP_LEVEL = 6
DOWNLOADS = "/downloads/"
# Paths whose representation is chosen by Accept.
NEGOTIATED = ("/id/", "/graph/", "/ontology", "/sparql", "/.well-known/void")
# Paths whose answers are not cacheable: operations and the API's description.
UNCACHED = ("/health", "/admin/", "/openapi.json", "/api/")
STATIC = "/static/"  # files of the server itself, with their own validators
# What a 304 repeats of the 200 it stands for (RFC 9110 §15.4.5).
KEPT_BY_304 = ("etag", "last-modified", "vary", "cache-control", "content-location", "expires", "date")
ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')


class _Abandoned(Exception):
    """Raised into the app when its response is replaced by a 304: it stops generating it."""


def accepts(header: str | None, coding: str) -> bool:
    """Whether an Accept-Encoding header accepts ``coding`` (by name or ``*``, with q above 0)."""
    best: tuple[int, float] = (-1, 0.0)
    for part in (header or "").split(","):
        name, *params = (p.strip().lower() for p in part.split(";"))
        if name not in (coding, "*"):
            continue
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        best = max(best, (int(name == coding), q), key=lambda t: t[0])
    return best[1] > 0


class Compression(GZipMiddleware):
    """Starlette's gzip, applied only when the client accepts gzip with a quality above 0."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepted = accepts(Headers(scope=scope).get("accept-encoding"), "gzip")
        if scope["method"] == "HEAD":
            await self.app(scope, receive, self._head(send, accepted))
            return
        responder: IdentityResponder
        if accepted:
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=DOWNLOAD_GZIP_LEVEL if scope["path"].startswith(DOWNLOADS) else self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)
        await responder(scope, receive, send)

    def _head(self, send: Send, accepted: bool) -> Send:
        """The headers a GET would have, decided on the declared Content-Length (a download sends
        no body to a HEAD, and a compressed length is not known without compressing)."""

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
                if (
                    message["status"] == 200
                    and "content-encoding" not in headers
                    and {media_type, media_type.partition("/")[0] + "/*"}.isdisjoint(self.exclude_content_types)
                    and int(headers.get("content-length") or self.minimum_size) >= self.minimum_size
                ):
                    add_vary(headers, "Accept-Encoding")
                    if accepted:
                        headers["Content-Encoding"] = "gzip"
                        del headers["Content-Length"]
            await send(message)

        return send_head


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:20]


def generation_tag(served: Served) -> tuple[str, str | None] | None:
    """A tag naming the served generation (from its content hash and build time) and its build time
    as an HTTP date (None if unknown); None while a remote store has not said what it holds."""
    report = served.known_report()
    if report is None:
        return None
    return _tag(str(report.get("content_hash")), str(report.get("built_at") or ""))


@functools.lru_cache(maxsize=8)
def _tag(content_hash: str, built_at: str) -> tuple[str, str | None]:
    """``generation_tag`` of a generation, worked out once (it is asked on every response)."""
    try:
        when = dt.datetime.fromisoformat(built_at)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        last_modified: str | None = email.utils.format_datetime(when.astimezone(dt.UTC), usegmt=True)
    except ValueError:
        last_modified = None
    return _digest(content_hash, built_at), last_modified


def file_validators(served: Served, name: str) -> dict[str, str]:
    """A strong ETag and Last-Modified for the file ``name`` of the served generation (a download:
    its bytes are fixed by the generation)."""
    found = generation_tag(served)
    if found is None:
        return {}
    tag, last_modified = found
    headers = {"ETag": f'"{tag}-{_digest(name)[:8]}"'}
    if last_modified:
        headers["Last-Modified"] = last_modified
    return headers


def add_vary(headers: MutableHeaders | dict[str, str], field: str) -> None:
    """Add ``field`` to the Vary header unless it is named there already (``headers`` by
    lower-case names, as in ``set_validators``)."""
    present = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if field.lower() not in (v.lower() for v in present) and "*" not in present:
        headers["vary"] = ", ".join([*present, field])


def _opaque(tags: Iterable[str]) -> set[str]:
    return {t.removeprefix("W/") for t in tags}


def _entity_tags(header: str) -> list[str] | None:
    """The entity tags of an If-None-Match header (``W/`` kept), ``["*"]``, or None if malformed."""
    if header.strip() == "*":
        return ["*"]
    tags, pos = [], 0
    while pos < len(header):
        match = ENTITY_TAG.match(header, pos)
        if not match:
            return None
        tags.append((match.group(1) or "") + match.group(2))
        pos = match.end()
    return tags


def not_modified(request: Headers, etag: str | None, last_modified: str | None) -> bool:
    """Whether a GET or HEAD with these request headers gets 304 for a 200 with these validators
    (RFC 9110 §13.2.2: If-None-Match by weak comparison, else If-Modified-Since)."""
    if_none_match = request.get("if-none-match")
    if if_none_match is not None:
        tags = _entity_tags(if_none_match)
        if tags == ["*"]:
            return True
        return bool(tags and etag and etag.removeprefix("W/") in _opaque(tags))
    since = request.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        asked, modified = email.utils.parsedate_to_datetime(since), email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False
    asked = asked if asked.tzinfo else asked.replace(tzinfo=dt.UTC)
    return modified <= asked


def _with_coding(etag: str, coding: str) -> str:
    """``"x"`` as the ETag of its ``coding``-encoded variant: ``"x-gzip"`` (weakness kept)."""
    weak = etag.startswith("W/")
    opaque = etag.removeprefix("W/")
    if not (opaque.startswith('"') and opaque.endswith('"')) or len(opaque) < 2:
        return etag
    return ("W/" if weak else "") + opaque[:-1] + f'-{coding}"'


class Caching:
    """ASGI middleware, outside the compression, adding the headers above and answering 304."""

    def __init__(self, app: ASGIApp, server_tag: str):
        self.app = app
        self.server_tag = server_tag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        negotiated = path.startswith(NEGOTIATED)
        conditional = scope["method"] in ("GET", "HEAD") and not path.startswith(UNCACHED)
        replaced = False

        async def send_with_caching(message: Message) -> None:
            nonlocal replaced
            if replaced:
                raise _Abandoned()
            if message["type"] != "http.response.start":
                await send(message)
                return
            headers = MutableHeaders(scope=message)
            if negotiated or message["status"] == 406:
                add_vary(headers, "Accept")
            if not conditional or message["status"] != 200:
                await send(message)
                return
            self._validators(scope, headers)
            if not not_modified(Headers(scope=scope), headers.get("etag"), headers.get("last-modified")):
                await send(message)
                return
            kept = [(k, v) for k, v in message["headers"] if k.decode("latin-1").lower() in KEPT_BY_304]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            replaced = True
            raise _Abandoned()

        try:
            await self.app(scope, receive, send_with_caching)
        except BaseException as e:
            if not (replaced and _only_abandoned(e)):
                raise

    def _validators(self, scope: Scope, headers: MutableHeaders) -> None:
        set_validators(headers, scope.get(SCOPE_KEY), self.server_tag, scope["path"], scope.get("query_string", b""))


def set_validators(
    headers: MutableHeaders | dict[str, str], served: Served | None, server_tag: str, path: str, query_string: bytes
) -> None:
    """Set the ETag, Last-Modified and Cache-Control of a 200 to a GET or HEAD of ``path``?``query_string``
    answered from ``served``. ``headers``: a response's headers, by lower-case names (Starlette's
    ``MutableHeaders``, or a dict)."""
    coding = headers.get("content-encoding")
    if "etag" in headers and coding:
        headers["etag"] = _with_coding(headers["etag"], coding)
    if served is None or path.startswith(STATIC):
        return
    headers.setdefault("cache-control", "no-cache")
    found = generation_tag(served)
    if "etag" in headers or found is None:
        return
    tag, last_modified = found
    query = query_string.decode("latin-1")
    representation = _digest(server_tag, path, query, headers.get("content-type"), coding)
    headers["etag"] = f'W/"{tag[:12]}-{representation}"'
    if last_modified and "last-modified" not in headers:
        headers["last-modified"] = last_modified


def _only_abandoned(e: BaseException) -> bool:
    if isinstance(e, _Abandoned):
        return True
    if isinstance(e, BaseExceptionGroup):
        return all(_only_abandoned(inner) for inner in e.exceptions)
    return False


def server_tag(*settings: object) -> str:
    """What, besides the generation, decides this server's responses (its release and settings)."""
    return _digest(*settings)
