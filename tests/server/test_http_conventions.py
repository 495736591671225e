"""HTTP as clients expect it, through the real server: HEAD answers wherever GET does, and a
trailing slash redirects to the canonical IRI. The routes are read from the app itself, so that
a route added later is covered too."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount

from r2pgraph.build.assemble import BuildResult
from r2pgraph.server.app import create_app
from r2pgraph.server.canonical import canonical_location

# a value for each path parameter of the app's routes (a new parameter needs one here)
PARAMETERS = {
    "/id/{path:path}": "state/JPN",
    "/graph/{path:path}": "ontology",
    "/downloads/{file}": "r2p.ttl",
    "/ontology/{version}": "0.2.0",
}
MOUNTS = {"/static": "/static/style.css"}
# the parameters a route needs to answer 200 (a new such route needs them here)
REQUIRED_QUERY = {"/map.json": "?instrument=rome-statute"}


def _routes(app: FastAPI) -> list[tuple[str, set[str], BaseRoute]]:
    """(path, methods, route) of every route of the app, those of included routers too."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI, whose app.routes are the routes themselves
        return [(r.path, getattr(r, "methods", None) or set(), r) for r in app.routes]  # type: ignore[attr-defined]
    return [(str(c.path), c.methods or set(), c.original_route) for c in iter_route_contexts(app.routes)]


def _get_urls(build_dir: Path) -> list[str]:
    """A concrete URL for each route of the app that answers GET (and each mount)."""
    app = create_app(build_dir)
    try:
        urls = []
        for path, methods, route in _routes(app):
            if isinstance(route, Mount):
                urls.append(MOUNTS[path])
            elif "GET" in methods:
                if "{" in path and path not in PARAMETERS:
                    pytest.fail(f"no value for the parameters of {path} in PARAMETERS")
                url = path.split("{")[0] + PARAMETERS[path] if "{" in path else path
                urls.append(url + REQUIRED_QUERY.get(path, ""))
        return urls
    finally:
        app.state.serving.close()


@pytest.fixture(scope="module")
def get_urls(built: BuildResult) -> list[str]:
    return _get_urls(built.generation.parent.parent)


def test_every_get_route_has_a_url(get_urls: list[str]) -> None:
    assert len(get_urls) >= 15 and {"/sparql", "/id/state/JPN", "/health", "/static/style.css"} <= set(get_urls)


@pytest.mark.slow
def test_head_answers_wherever_get_does(server: str, get_urls: list[str]) -> None:
    accepts = ("text/html", "text/turtle", "*/*")
    differ = []
    with httpx.Client(base_url=server, timeout=60) as client:
        for url in get_urls:
            for accept in accepts:
                get = client.get(url, headers={"Accept": accept})
                head = client.head(url, headers={"Accept": accept})
                same = (head.status_code, head.headers.get("content-type"), head.headers.get("location"))
                if same != (get.status_code, get.headers.get("content-type"), get.headers.get("location")):
                    differ.append((url, accept, get.status_code, head.status_code))
                elif head.content or get.status_code >= 400:
                    differ.append((url, accept, get.status_code, "body" if head.content else "error"))
    assert differ == []


def test_head_sparql_without_a_query_is_the_service_description_without_its_body(server: str) -> None:
    plain = {"Accept": "text/turtle", "Accept-Encoding": "identity"}  # gzipped, it has no Content-Length
    head = httpx.head(server + "/sparql", headers=plain)
    get = httpx.get(server + "/sparql", headers=plain)
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    # its blank nodes' labels (so its length) differ from one response to the next
    assert int(head.headers["content-length"]) > 0 and b"sparql-service-description#Service" in get.content


def test_a_trailing_slash_redirects_to_the_canonical_iri(server: str, get_urls: list[str]) -> None:
    wrong = []
    with httpx.Client(base_url=server, timeout=60) as client:
        for url in get_urls:
            if url == "/":
                continue
            path, _, query = url.partition("?")
            params = {"a": "1 2", "b": "é", **dict(parse_qsl(query))}
            expected = path + "?" + urlencode(params)
            r = client.get(path + "/", params=params)
            if r.status_code != 308 or r.headers["location"] != expected:
                wrong.append((url, r.status_code, r.headers.get("location")))
            elif client.get(r.headers["location"], follow_redirects=True).status_code != 200:
                wrong.append((url, "target", r.headers["location"]))
    assert wrong == []
    post = httpx.post(server + "/sparql/", data={"query": "ASK {}"}, follow_redirects=True)
    assert post.status_code == 200 and post.request.method == "POST"


@pytest.mark.parametrize(
    ("path", "query", "location"),
    [
        ("/id/state/JPN/", b"", "/id/state/JPN"),
        ("/id/state/JPN///", b"x=1", "/id/state/JPN?x=1"),
        ("//evil.example/", b"", "/evil.example"),
        ("/\\evil.example/", b"", "/%5Cevil.example"),
        ("/id/a b/", b"", "/id/a%20b"),
        ("/", b"", None),
        ("/id/state/JPN", b"", None),
    ],
)
def test_canonical_location_stays_on_this_server(path: str, query: bytes, location: str | None) -> None:
    found = canonical_location(path, query)
    assert found == location
    assert found is None or re.match(r"^/[^/\\]", found)
