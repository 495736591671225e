"""Jinja2 templates shared by the page routers."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyoxigraph as ox

from r2pgraph.rdf.iris import BASE
from r2pgraph.server.conneg import GRAPH_FORMATS, Format
from r2pgraph.server.serialize import serialize_graph

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates
    from markupsafe import Markup
    from starlette.requests import Request
    from starlette.responses import Response


def local_path(iri: str) -> str | None:
    """The local path at which this server answers for ``iri``, or None for outside IRIs."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else None


LINKABLE_SCHEMES = ("http:", "https:", "mailto:")


def safe_href(iri: str) -> str:
    """Where a link to ``iri`` may point: our own path for our IRIs, the IRI itself for http(s) and
    mailto, and nowhere ("") for anything else (``javascript:``, ``data:``, ``file:``…)."""
    local = local_path(iri)
    if local is not None:
        return local
    return iri if iri.lower().startswith(LINKABLE_SCHEMES) else ""


# "<", ">" and "&" only ever stand inside JSON strings, where these escapes mean the same.
SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
JSONLD = next(f for f in GRAPH_FORMATS if f.name == "jsonld")
EMBED_LIMIT = 5_000  # statements a page embeds as JSON-LD at most


def script_json(text: str | bytes) -> Markup:
    """JSON text to put in a ``<script>`` data block as it is: with no ``<`` left in it, no
    string it holds (``</script>``, ``<!--``) can end the block or change how it is read."""
    from markupsafe import Markup

    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return Markup(text.translate(SCRIPT_ESCAPES))


def data_head(statements: Iterable[ox.Triple | ox.Quad], href: Callable[[Format], str]) -> dict[str, object]:
    """What a page puts in its head about the data it shows: a link to each of its RDF alternates
    and its statements in JSON-LD (for search engines and browsers' extensions), unless there are
    more than EMBED_LIMIT of them (a whole named graph can be): those are left to the alternates.
    The statements are sorted, so the page is the same whichever store (or copy) they came from."""
    statements = sorted(statements, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    embedded = len(statements) <= EMBED_LIMIT
    return {
        "jsonld": serialize_graph(statements, JSONLD).decode("utf-8") if embedded else None,
        "alternates": [(f.media_type, href(f)) for f in GRAPH_FORMATS],
    }


def format_param_href(path: str) -> Callable[[Format], str]:
    """Links to ``path`` in a format named by its ``format`` parameter: the media type, which no
    alias shadows (the name ``n3`` means Turtle)."""
    return lambda f: f"{path}?format={quote(f.media_type, safe='/')}"


@functools.cache
def jinja() -> Jinja2Templates:
    """The pages' Jinja2 environment, made (and Jinja2 imported) when the first page is rendered.
    The templates are part of the installed code: they are not read again when their files change
    (Jinja2 would otherwise look at each file's time on every page)."""
    import jinja2
    from fastapi.templating import Jinja2Templates

    loader = jinja2.FileSystemLoader(Path(__file__).parent / "templates")
    env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(), auto_reload=False)
    templates = Jinja2Templates(env=env)
    templates.env.filters["local"] = safe_href
    templates.env.filters["script_json"] = script_json
    templates.env.globals["BASE"] = BASE
    return templates


class Templates:
    """The page templates; Jinja2 is loaded on first use, so that the server starts without it."""

    def TemplateResponse(  # the name Starlette's templates give it
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> Response:
        return jinja().TemplateResponse(request, name, context, status_code, headers, media_type)


def make_templates() -> Templates:
    return Templates()
