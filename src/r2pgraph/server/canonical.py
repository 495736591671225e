"""Canonical IRIs: a path with a trailing slash (``/id/state/JPN/``) is redirected to the same
path without it (``/id/state/JPN``), its query string kept, with 308 so that a POST stays a POST.
Only ``/`` ends with a slash here; the redirect always stays on this server."""

from __future__ import annotations

from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

PATH_SAFE = "/:@!$&'()*+,;=-._~"


def canonical_location(path: str, query: bytes, root_path: str = "") -> str | None:
    """Where a request for ``path`` (decoded) is redirected, or None when the path is canonical.

    The location is a path with exactly one leading slash, percent-encoded, never ``//host``."""
    if len(path) <= 1 or not path.endswith("/"):
        return None
    location = root_path + "/" + quote(path.strip("/"), safe=PATH_SAFE)
    if query:
        location += "?" + query.decode("latin-1")
    return location


class TrailingSlash:
    """ASGI middleware sending requests for paths with a trailing slash to the path without it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        location = None
        if scope["type"] == "http":
            location = canonical_location(scope["path"], scope.get("query_string", b""), scope.get("root_path", ""))
        if location is None:
            await self.app(scope, receive, send)
            return
        body = f"Moved to {location}\n".encode("utf-8", "replace")
        headers = [
            (b"location", location.encode("latin-1", "replace")),
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 308, "headers": headers})
        await send({"type": "http.response.body", "body": body})
