"""Response headers that protect browsers, on every response the app writes.

- ``X-Content-Type-Options: nosniff`` on every response: a browser never runs a dump or a query
  result as a script or a page.
- On HTML and error responses, a Content-Security-Policy that lets a page run only this server's
  own scripts (no inline script, no plug-in, no ``<base>``) and be framed by no one, and
  ``X-Frame-Options: DENY`` for browsers without CSP. The API docs page (the vendored Swagger UI,
  with one inline script and data: icons in its style sheet) gets a policy naming exactly those;
  the query page (the vendored YASGUI) may also apply the two style sheets YASGUI's table inserts
  (its column resizer's), named by their SHA-256: no other inline style.
- A redirect's ``Location`` that points at the request's own ``Host`` (Starlette writes absolute
  ones, e.g. from ``/downloads/`` to ``/downloads``) is made relative: no client-chosen host is
  ever echoed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# The <style> elements the column resizer of YASGUI 4.6.2's table inserts: its grips' rules, and
# the cursor while a column is dragged (tests/server/test_query_page.py sees no refusal).
YASGUI_STYLES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=' 'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='"
)
QUERY_PAGE_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {YASGUI_STYLES}; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _script_hashes(html: bytes) -> str:
    """CSP sources for the page's inline scripts, by their SHA-256."""
    digests = (hashlib.sha256(m.group(1)).digest() for m in INLINE_SCRIPT.finditer(html))
    return " ".join(f"'sha256-{base64.b64encode(d).decode()}'" for d in digests)


def _relative(location: str, host: str | None) -> str:
    """``location`` without its scheme and host when that host is the one the client named."""
    parts = urlsplit(location)
    if parts.netloc and host is not None and parts.netloc.lower() == host.lower():
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return location


def protect(
    headers: MutableHeaders | dict[str, str], status: int, policy: str = POLICY, host: str | None = None
) -> None:
    """Add the headers above to a response's ``headers`` (by lower-case names: Starlette's
    ``MutableHeaders``, or a dict); ``host``: the request's Host header."""
    headers["x-content-type-options"] = "nosniff"
    html = headers.get("content-type", "").startswith("text/html")
    if html or status >= 400:
        headers["content-security-policy"] = policy
        headers["x-frame-options"] = "DENY"
    if "location" in headers:
        headers["location"] = _relative(headers["location"], host)


class SecurityHeaders:
    """ASGI middleware adding the headers above; ``docs_path`` is the API docs page's path,
    ``query_path`` the query page's."""

    def __init__(self, app: ASGIApp, docs_path: str | None = None, query_path: str | None = None):
        self.app = app
        self.docs_path = docs_path
        self.query_path = query_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if scope["path"] == self.docs_path:
            await self._docs(scope, receive, send)
            return
        policy = QUERY_PAGE_POLICY if scope["path"] == self.query_path else POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                protect(MutableHeaders(scope=message), message["status"], policy, host)
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The docs page, held back whole (a few kB) to name its inline script's hash."""
        start: Message = {}
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = MutableHeaders(scope=start)
            headers["X-Content-Type-Options"] = "nosniff"
            policy = DOCS_POLICY.format(hashes=_script_hashes(bytes(body)))
            headers["Content-Security-Policy"] = policy
            headers["X-Frame-Options"] = "DENY"
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        # Not compressed: its inline script is hashed from the body.
        plain = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        await self.app({**scope, "headers": plain}, receive, hold)
