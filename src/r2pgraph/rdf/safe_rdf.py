"""Parsing RDF files from users without letting them make us fetch anything.

JSON-LD whose ``@context`` or ``@import`` names a document (remote or ``file:``) would make a
parser fetch it; RDF/XML with a DOCTYPE can declare entities (external, or "billion laughs").
Both are refused before parsing, with a clear error naming the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rdflib import Graph

from r2pgraph.errors import DataError, Problem

FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _referenced_documents(node: Any) -> list[str]:
    """Every ``@context``/``@import`` value that names a document instead of embedding it."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import"):
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str):
                        found.append(item)
            found += _referenced_documents(value)
    elif isinstance(node, list):
        for item in node:
            found += _referenced_documents(item)
    return found


def parse_rdf_file(path: Path) -> Graph:
    """Parse an RDF file by its suffix. Raises DataError for unsafe or malformed content."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise DataError([Problem(str(path), None, f"unknown RDF file suffix {path.suffix!r}")])
    raw = path.read_bytes()
    if fmt == "json-ld":
        try:
            doc = json.loads(raw)
        except ValueError as e:
            raise DataError([Problem(str(path), None, f"not JSON: {e}")]) from e
        remote = _referenced_documents(doc)
        if remote:
            message = f"JSON-LD that refers to another document ({remote[0]}) is refused: embed the context instead"
            raise DataError([Problem(str(path), None, message)])
    if fmt == "xml" and _DOCTYPE.search(raw):
        raise DataError([Problem(str(path), None, "RDF/XML with a DOCTYPE or entity declarations is refused")])
    g = Graph()
    try:
        g.parse(data=raw, format=fmt, publicID=path.resolve().as_uri())
    except Exception as e:  # parsers raise many types; all mean the file is not valid RDF
        raise DataError([Problem(str(path), None, f"cannot parse as {fmt}: {e}")]) from e
    return g
