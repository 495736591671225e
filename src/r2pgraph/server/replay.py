"""Responses replayed as they were sent: the outermost layer of the app keeps the final bytes of a
kept answer (see cache.py) and sends them again, byte for byte, to the next request that would get
the very same response, without going through the middlewares that made it.

A response of a served version depends on the request's method, path and query string and on the
request headers the middlewares and routes read: ``Accept`` (content negotiation), ``Accept-Encoding``
(gzip), ``Origin`` (CORS) and ``Host`` (trusted hosts). Those, exactly as sent, are the key. A request
whose answer depends on anything else is never replayed: conditional requests (``If-None-Match``,
``If-Modified-Since``: a 304 is decided by the caching middleware), requests with credentials
(``Cookie``, ``Authorization``) or ranges. Only responses that a route or ``FromCache`` marked as a
kept answer (``REPLAYABLE``: a complete 200 of an immutable version, not a volatile query) are
recorded, and only once they have been sent whole; and only from the second time the same request
comes (the requests seen once are remembered by their hashes, a bounded number of them): a request
made once, as most new queries are, costs no copy.

What is replayed is therefore the response the whole stack would send: the same status, headers
(ETag, Last-Modified, Vary, the security headers, CORS) and body. uvicorn adds ``Date`` and writes
the access log line below the app, so those are the request's own. Entries belong to one version
and are dropped when the served version changes, like the kept answers; they are bounded in bytes
apart from them (``Replay.cache``).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from r2pgraph.server.cache import REPLAYABLE, AnswerCache, sent_whole

# Request headers a response may depend on, besides the method, path and query string.
KEYED = frozenset((b"accept", b"accept-encoding", b"origin", b"host"))
SEEN_ONCE_MAX = 65_536  # hashes of requests seen once; forgotten all together past this many
# Request headers whose presence means the response is not the same for everyone.
NEVER = frozenset(
    (b"if-none-match", b"if-modified-since", b"if-match", b"if-range", b"range", b"cookie", b"authorization")
)


def replay_key(scope: Scope) -> tuple[object, ...] | None:
    """What the response to this request depends on, or None when it must not be replayed."""
    if scope["method"] not in ("GET", "HEAD"):
        return None
    varying: list[tuple[bytes, bytes]] = []
    for name, value in scope["headers"]:
        if name in KEYED:
            varying.append((name, value))
        elif name in NEVER:
            return None
    return ("replay", scope["method"], scope["path"], scope["query_string"], tuple(varying))


class Replay:
    """ASGI middleware, outermost: replays the responses ``cache`` holds for the version
    ``version_of()`` serves now (None: nothing is replayed), and records the marked ones."""

    def __init__(self, app: ASGIApp, cache: AnswerCache, version_of: Callable[[], str | None]):
        self.app = app
        self.cache = cache
        self.version_of = version_of
        self._seen: set[int] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = replay_key(scope) if scope["type"] == "http" and self.cache.max_bytes else None
        if key is None:
            await self.app(scope, receive, send)
            return
        version = self.version_of()
        hit = self.cache.get(version, key)
        if hit is not None:
            await send({"type": "http.response.start", "status": hit.status, "headers": list(hit.headers)})
            await send({"type": "http.response.body", "body": hit.body})
            return
        seen = hash(key)
        if seen not in self._seen:  # recorded the next time, if there is one
            if len(self._seen) >= SEEN_ONCE_MAX:
                self._seen.clear()
            self._seen.add(seen)
            await self.app(scope, receive, send)
            return
        answer = await sent_whole(self.app, scope, receive, send)
        if answer is not None and answer.status == 200 and scope.get(REPLAYABLE) == version:
            self.cache.put(version, key, answer)
