"""Jinja2 templates shared by the page routers."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from r2pgraph.namespaces import BASE


def local_path(iri: str) -> str | None:
    """The local path at which this server answers for ``iri``, or None for outside IRIs."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else None


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    templates.env.filters["local"] = lambda iri: local_path(iri) or iri
    templates.env.globals["BASE"] = BASE
    return templates
