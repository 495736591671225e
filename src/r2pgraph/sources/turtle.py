"""Loader for Turtle files anywhere in data/: loaded as they are, into their own named graph."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from r2pgraph.errors import DataError, Problem
from r2pgraph.sources.base import FileContext, SourceGraph


def load_turtle(path: Path, display: str, relative: str) -> SourceGraph:
    """Parse a Turtle file. Raises DataError with the parser's message (which names the line)."""
    ctx = FileContext(path, display, relative)
    try:
        ctx.add_all(Graph().parse(path, format="turtle"))
    except Exception as e:  # rdflib raises several types; all mean "bad Turtle"
        raise DataError([Problem(display, None, f"Turtle syntax error: {e}")]) from e
    return ctx.finish()
