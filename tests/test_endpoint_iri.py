"""The SPARQL endpoint's IRI (the base of relative IRIs in queries, and the service description's
subject) is what Starlette's ``url_for`` gives, under any host, port, scheme and root path."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request

from r2pgraph.server import sparql


def test_the_endpoint_iri_is_the_routes_url() -> None:
    app = FastAPI()
    app.include_router(sparql.router)
    cases = [
        ("http", b"127.0.0.1:8000", ""),
        ("https", b"example.org", ""),
        ("https", b"example.org:8443", "/r2p"),
        ("http", b"[::1]:80", "/a/b/"),
        ("http", None, "/mounted"),
    ]
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
        request = Request(scope)
        assert sparql.endpoint_iri(request) == str(request.url_for("sparql_endpoint")), (scheme, host, root_path)
