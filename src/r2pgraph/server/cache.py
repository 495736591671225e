"""Answers kept for the version they were computed from: a served version is immutable, so the
answer to the same request (a SPARQL query with the same text, Accept header, format and dataset
parameters; a page with the same path, query string and Accept header) is the same until the
version changes.

``AnswerCache`` holds the answers of one version at a time, least recently used first out, within
a bound in bytes (0: nothing is kept). The first lookup or store for another version drops
everything held: a request that started before a switch may still look up its own version's
answers, but never gets another version's. Only complete successful answers of a built
generation are stored (a remote store may change, or stop answering); queries whose
answer may differ from one evaluation to the next (``NOW()``, ``RAND()``, ``UUID()``,
``STRUUID()``, ``BNODE()``) are never stored.

``FromCache`` is the ASGI middleware that answers a GET whose answer is held before the request
reaches the router (the routes of queries and resource pages look up and store answers with the
same keys, ``sparql_key`` and ``page_key``; the answers to the other pages, such as the matrix or
the cross-reference, it keeps itself); the middlewares outside it see its answers as any other. A held answer takes none
of the client's query slots (``--client-queries`` counts the queries that go to a worker). The
cache emits no HTTP validators (ETag, Last-Modified): it only saves the work of answering.
"""

from __future__ import annotations

import marshal
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol

from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What an entry costs besides its body and key text: the key tuple, the entry, the LRU's node.
ENTRY_OVERHEAD_BYTES = 400
# An answer over this share of the bound is not kept: it would push out everything else.
LARGEST_SHARE = 4
VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Cached:
    """A finished answer: status, the headers it was sent with (Content-Type, Content-Length…), body."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @classmethod
    def of(cls, response: Response) -> Cached:
        return cls(response.status_code, tuple(response.raw_headers), bytes(response.body))

    def response(self) -> Response:
        """The answer again, as it was first sent."""
        response = Response(status_code=self.status)
        response.body = self.body
        response.raw_headers = list(self.headers)
        return response


class Version(Protocol):
    version: str
    immutable: bool


def kept_version(served: Version) -> str | None:
    """The served version whose answers may be kept, or None when they may not (a remote store)."""
    return served.version if served.immutable else None


def volatile(query: str) -> bool:
    """Whether ``query`` may call a function whose value changes from one evaluation to the next
    (found by name in the text: a false positive only costs the cache a miss)."""
    return VOLATILE.search(query) is not None


def _key_bytes(key: Hashable) -> int:
    """About the bytes a key holds: its serialised length (``marshal``, at C speed: this runs on
    every answer kept), or 8 per part that is not a string, bytes, number or tuple of them."""
    try:
        return len(marshal.dumps(key))  # type: ignore[arg-type]
    except ValueError:
        if isinstance(key, tuple):
            return sum(_key_bytes(part) for part in key)
        return 8


class AnswerCache:
    """Answers of one served version, bounded by ``max_bytes`` (bodies, keys and overhead)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self._version: str | None = None
        self._entries: OrderedDict[Hashable, tuple[Cached, int]] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def _adopt(self, version: str) -> None:
        """Hold ``version``'s answers from now on (caller holds the lock)."""
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version

    def get(self, version: str | None, key: Hashable) -> Cached | None:
        """The answer stored for ``key`` in ``version``, or None (always for version None)."""
        if not self.max_bytes or version is None:
            return None
        with self._lock:
            self._adopt(version)
            found = self._entries.get(key)
            if found is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return found[0]

    def put(self, version: str | None, key: Hashable, answer: Cached) -> None:
        """Keep ``answer`` for ``key`` in ``version``, dropping the least recently used answers
        to stay within the bound (an answer too large for it is not kept, nor any for version None)."""
        size = len(answer.body) + _key_bytes(key) + ENTRY_OVERHEAD_BYTES
        if not self.max_bytes or version is None or size > self.max_bytes // LARGEST_SHARE:
            return
        with self._lock:
            self._adopt(version)
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (answer, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def stats(self) -> dict[str, int]:
        """Entries and bytes held, the bound, and lookups that found an answer or not."""
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "max_bytes": self.max_bytes,
                "hits": self._hits,
                "misses": self._misses,
            }


SPARQL_PATH = "/sparql"
LOOKED_UP = "r2pgraph.answer_looked_up"
# Set in a request's scope to the version whose kept answer it is sent (see replay.py).
REPLAYABLE = "r2pgraph.replayable"
PAGE_PREFIXES = ("/id/", "/graph/")
# The other pages, whose answer also depends only on the version, path, query string and Accept:
# kept by ``FromCache`` itself (resource pages and query answers are kept by their routes).
OTHER_PAGES = frozenset(
    {"/", "/downloads", "/ontology", "/query", "/dataset", "/.well-known/void"}
    | {"/matrix", "/matrix.csv", "/crossref", "/claims", "/map.json"}
)
OTHER_PAGE_PREFIXES = ("/ontology/",)
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")


def sparql_key(query: str, params: dict[str, list[str]], accept: str | None) -> tuple[object, ...]:
    """What a query's answer depends on besides the served version: its text, the Accept header,
    the ``format`` and dataset parameters (not its deadline: a complete answer is the same)."""
    fmt = params["format"][0] if params.get("format") else ""
    dataset = tuple(tuple(params.get(name, ())) for name in DATASET_PARAMETERS)
    return ("sparql", query, accept or "", fmt, dataset)


def page_key(scope: Scope) -> tuple[object, ...]:
    """What a resource page depends on besides the served version: path, query string, Accept."""
    accept = Headers(scope=scope).get("accept") or ""
    return ("page", scope["path"], scope["query_string"], accept)


def lookup(cache: AnswerCache, version: str | None, key: tuple[object, ...], scope: Scope) -> Cached | None:
    """The answer held for ``key``, unless ``FromCache`` has looked it up for this request already."""
    if scope.get(LOOKED_UP) == key:
        return None
    found = cache.get(version, key)
    if found is not None:
        scope[REPLAYABLE] = version
    return found


def keep(cache: AnswerCache, version: str | None, key: tuple[object, ...], response: Response, scope: Scope) -> None:
    """Keep ``response`` as the answer for ``key`` in ``version``, and mark the request's response
    as one that may be replayed as sent (see replay.py)."""
    cache.put(version, key, Cached.of(response))
    replayable(scope, version)


def replayable(scope: Scope, version: str | None) -> None:
    """Mark the request's response, a complete answer of ``version``, as one that may be replayed
    as sent (see replay.py); None: a version whose answers are not kept."""
    if version is not None:
        scope[REPLAYABLE] = version


def _get_params(scope: Scope) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in QueryParams(scope["query_string"]).multi_items():
        params.setdefault(key, []).append(value)
    return params


class FromCache:
    """ASGI middleware: a GET of ``/sparql``, or a GET or HEAD of a page, whose answer the cache holds for
    the request's served version is answered here; the answer to a GET of one of ``OTHER_PAGES``
    is kept here once it has been sent whole with status 200. ``version_of`` reads that version
    from the scope (set by an outer middleware); ``cache`` is the app's ``AnswerCache``."""

    def __init__(self, app: ASGIApp, cache: AnswerCache, version_of: Callable[[Scope], str | None]):
        self.app = app
        self.cache = cache
        self.version_of = version_of

    def _key(self, scope: Scope) -> tuple[object, ...] | None:
        path = scope["path"]
        if path.startswith(PAGE_PREFIXES) or path in OTHER_PAGES or path.startswith(OTHER_PAGE_PREFIXES):
            return page_key(scope)
        if path != SPARQL_PATH or scope["method"] != "GET":  # a HEAD of the endpoint is looked up by its route
            return None
        params = _get_params(scope)
        # Anything the route checks (an update, no or several queries, a deadline) is left to it.
        if "update" in params or "timeout" in params or len(params.get("query", ())) != 1:
            return None
        return sparql_key(params["query"][0], params, Headers(scope=scope).get("accept"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and self.cache.max_bytes:
            key = self._key(scope)
            if key is not None:
                version = self.version_of(scope)
                hit = self.cache.get(version, key)
                if hit is not None:
                    scope[REPLAYABLE] = version
                    await hit.response()(scope, receive, send)
                    return
                scope[LOOKED_UP] = key  # the route need not look again
                path = scope["path"]
                if scope["method"] == "GET" and (path in OTHER_PAGES or path.startswith(OTHER_PAGE_PREFIXES)):
                    await self._answer_and_keep(scope, receive, send, version, key)
                    return
        await self.app(scope, receive, send)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, version: str | None, key: tuple[object, ...]
    ) -> None:
        """Answer with the app, and keep its answer if it was a complete 200."""
        answer = await sent_whole(self.app, scope, receive, send)
        if answer is not None and answer.status == 200 and version is not None:
            self.cache.put(version, key, answer)
            scope[REPLAYABLE] = version


async def sent_whole(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> Cached | None:
    """Let ``app`` answer, and return what it sent (status, headers, body) if it sent it whole.
    The headers are copied as they pass: the layers outside change the message in place."""
    status: int | None = None
    headers: tuple[tuple[bytes, bytes], ...] = ()
    chunks: list[bytes] = []
    complete = False

    async def recording(message: Message) -> None:
        nonlocal status, headers, complete
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = tuple((bytes(k), bytes(v)) for k, v in message.get("headers", ()))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            complete = not message.get("more_body", False)
        await send(message)

    await app(scope, receive, recording)
    if not complete or status is None:
        return None
    return Cached(status, headers, b"".join(chunks))
