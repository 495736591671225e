"""Linked data: every IRI under the base dereferences here, by content negotiation.

``/id/…``, ``/graph/…`` and ``/ontology`` answer with HTML for browsers and Turtle, JSON-LD,
N-Triples, RDF/XML, N-Quads, TriG or N3 for machines, the document's statements in the default
graph in every format; a suffix (``.ttl``, ``.jsonld``, ``.nt``, ``.html``…) picks a format
directly. Unknown IRIs get a real 404.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from r2pgraph.query.engine import Source, graph_quads
from r2pgraph.rdf.iris import BASE
from r2pgraph.server.cache import AnswerCache, keep, kept_version, lookup, page_key
from r2pgraph.server.conneg import GRAPH_FORMATS, HTML, Format, negotiate
from r2pgraph.server.describe import construct, describe
from r2pgraph.server.page_basis import BASIS_KEY
from r2pgraph.server.page_rows import incoming_rows, timeline_rows, treaty_status_rows
from r2pgraph.server.serialize import serialize_graph
from r2pgraph.server.served import public_base, served
from r2pgraph.server.templating import data_head, make_templates
from r2pgraph.server.treaties import treaty_world, treaty_world_if_ready
from r2pgraph.server.views import PageBasis, read_basis, view_for

router = APIRouter()
templates = make_templates()
OFFERED: tuple[Format, ...] = (HTML, *GRAPH_FORMATS)
BY_SUFFIX = {f.suffix: f for f in OFFERED}
# What writes the resource page's long lists (page_rows.py), for its template.
LISTS = {"incoming_rows": incoming_rows, "treaty_status_rows": treaty_status_rows, "timeline_rows": timeline_rows}


def _split_suffix(path: str) -> tuple[str, Format | None]:
    if "." in path.rsplit("/", 1)[-1]:
        stem, suffix = path.rsplit(".", 1)
        if suffix in BY_SUFFIX:
            return stem, BY_SUFFIX[suffix]
    return path, None


def _href(path: str) -> str:
    """The document's local path, percent-encoded (headers are ASCII)."""
    return "/" + quote(path, safe="/:@!$&'()*+,;=-._~")


def _links(request: Request, path: str) -> str:
    """The Link header naming the other formats."""
    base = public_base(request) + _href(path)
    return ", ".join(f'<{base}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in OFFERED)


def _head(statements: list[ox.Quad], path: str) -> dict[str, object]:
    """The page's JSON-LD and its alternates, for its head."""
    return data_head(statements, lambda f: f"{_href(path)}.{f.suffix}")


def page_basis(request: Request) -> PageBasis:
    """What the served version's pages share, read on the first page of the version and kept with it."""
    version = served(request)
    return version.derived(BASIS_KEY, lambda: read_basis(version.store))


def _rdf_response(quads: list[ox.Quad], fmt: Format, status: int, links: str) -> Response:
    return Response(
        serialize_graph(quads, fmt),
        status_code=status,
        media_type=fmt.media_type,
        headers={"Vary": "Accept", "Link": links},
    )


def _resource(request: Request, path: str) -> Response:
    stem, by_suffix = _split_suffix(path)
    fmt = by_suffix or negotiate(request.headers.get("accept"), OFFERED, request.query_params.get("format"))
    iri = BASE + stem
    store: Source = served(request).store
    links = _links(request, stem)
    try:
        ox.NamedNode(iri)
    except ValueError:  # e.g. a quote, space or newline in the path: no resource can have this IRI
        return _not_found(request, stem, fmt, links)
    graph = graph_quads(store, iri) if stem.startswith("graph/") else []
    if graph:  # a named graph; other IRIs under graph/ (the build's provenance) are resources
        return _graph(request, store, iri, graph, fmt, links)
    resource = describe(store, iri, labels=page_basis(request).labels)
    status = 200 if resource.exists else 404
    if fmt is HTML:
        template = "resource.html" if resource.exists else "not_found.html"
        types = [t.text for t in resource.types]
        world = (lambda: treaty_world(request), treaty_world_if_ready(request))
        view = view_for(store, iri, types, *world, basis=lambda: page_basis(request)) if resource.exists else {}
        head = _head(construct(store, iri), stem) if resource.exists else {}
        return templates.TemplateResponse(
            request,
            template,
            {"r": resource, "path": stem, **LISTS, **view, **head},
            status_code=status,
            headers={"Vary": "Accept", "Link": links},
        )
    return _rdf_response(construct(store, iri) if resource.exists else [], fmt, status, links)


def _not_found(request: Request, stem: str, fmt: Format, links: str) -> Response:
    if fmt is HTML:
        return templates.TemplateResponse(
            request,
            "not_found.html",
            {"r": {"iri": BASE + stem}, "path": stem},
            status_code=404,
            headers={"Vary": "Accept"},
        )
    return _rdf_response([], fmt, 404, links)


def _graph(request: Request, store: Source, iri: str, quads: list[ox.Quad], fmt: Format, links: str) -> Response:
    if fmt is HTML:
        path = iri[len(BASE) :]
        return templates.TemplateResponse(
            request,
            "resource.html",
            {
                "r": describe(store, iri, labels=page_basis(request).labels),
                "path": path,
                **LISTS,
                "graph_size": len(quads),
                **_head(quads, path),
            },
            headers={"Vary": "Accept", "Link": links},
        )
    return _rdf_response(quads, fmt, 200, links)


async def _answer(request: Request, path: str) -> Response:
    """The resource's answer, kept for the served version once it has been found (see cache.py)."""
    version = kept_version(served(request))
    cache: AnswerCache = request.app.state.answers
    key = page_key(request.scope)
    if (hit := lookup(cache, version, key, request.scope)) is not None:
        return hit.response()
    response = await run_in_threadpool(_resource, request, path)
    if response.status_code == 200:
        keep(cache, version, key, response, request.scope)
    return response


@router.api_route("/id/{path:path}", methods=["GET", "HEAD"])
async def resource_page(path: str, request: Request) -> Response:
    return await _answer(request, "id/" + path)


@router.api_route("/graph/{path:path}", methods=["GET", "HEAD"])
async def graph_page(path: str, request: Request) -> Response:
    return await _answer(request, "graph/" + path)
