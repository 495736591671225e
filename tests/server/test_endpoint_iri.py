"""The SPARQL endpoint's IRI (the base of relative IRIs in queries, and the service description's
subject) is the configured public base URL's, under any Host header, scheme and root path."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request

from r2pgraph.config import ServerConfig
from r2pgraph.server import sparql


def test_the_endpoint_iri_is_the_configured_base_urls() -> None:
    cases = [
        ("http", b"127.0.0.1:8000", ""),
        ("https", b"evil.example", ""),
        ("https", b"evil.example:8443", "/r2p"),
        ("http", b"[::1]:80", "/a/b/"),
        ("http", None, "/mounted"),
    ]
    for base, expected in [
        ("https://r2p.example.org", "https://r2p.example.org/sparql"),
        ("https://example.org/r2p/", "https://example.org/r2p/sparql"),
    ]:
        app = FastAPI()
        app.state.config = ServerConfig(base_url=base)
        app.include_router(sparql.router)
        for scheme, host, root_path in cases:
            headers = [(b"host", host)] if host else []
            scope = {
                "type": "http",
                "method": "GET",
                "scheme": scheme,
                "path": root_path.rstrip("/") + "/sparql",
                "root_path": root_path,
                "query_string": b"query=ASK%7B%7D",
                "headers": headers,
                "server": ("10.0.0.1", 8080),
                "app": app,
                "router": app.router,
            }
            assert sparql.endpoint_iri(Request(scope)) == expected, (base, scheme, host, root_path)
