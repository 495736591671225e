"""Jinja2 templates shared by the page routers."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from r2pgraph.namespaces import BASE


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


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    templates.env.filters["local"] = safe_href
    templates.env.globals["BASE"] = BASE
    return templates
