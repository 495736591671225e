"""Jinja2 templates shared by the page routers."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r2pgraph.rdf.iris import BASE

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates
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


@functools.cache
def jinja() -> Jinja2Templates:
    """The pages' Jinja2 environment, made (and Jinja2 imported) when the first page is rendered."""
    from fastapi.templating import Jinja2Templates

    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    templates.env.filters["local"] = safe_href
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
