"""What every loader produces (a ``SourceGraph``) and the checks they share (``FileContext``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from r2pgraph.errors import DataError, Problem
from r2pgraph.rdf.namespaces import ALPHA3, SLUG, graph_iri, mint

_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")

Triple = tuple[Node, Node, Node]


@dataclass
class SourceGraph:
    """The statements of one data file, destined for its own named graph.

    The statements are kept as a set of rdflib term triples; ``graph`` builds an rdflib Graph
    from them only when asked (the build itself never needs one per file).
    """

    iri: URIRef
    path: str
    triples: frozenset[Triple]
    content_hash: str
    locations: dict[URIRef, int] = field(default_factory=dict)
    derived_from: set[URIRef] = field(default_factory=set)

    @classmethod
    def from_graph(cls, iri: URIRef, path: str, graph: Graph, content_hash: str = "") -> SourceGraph:
        """A SourceGraph holding the triples of an rdflib ``graph``."""
        sg = cls(iri=iri, path=path, triples=frozenset(graph), content_hash=content_hash)
        sg.__dict__["graph"] = graph
        return sg

    @cached_property
    def graph(self) -> Graph:
        """The statements as an rdflib Graph (built on first use)."""
        g = Graph()
        for triple in self.triples:
            g.add(triple)
        return g

    @cached_property
    def subjects(self) -> frozenset[Node]:
        return frozenset(t[0] for t in self.triples)


class FileContext:
    """Collects one file's triples, the line each subject came from, and its problems.

    Loaders call the ``check``/``slug``/``date`` helpers, which record a problem and return None
    on bad input so that every problem in a file is reported at once by ``finish``.
    """

    def __init__(self, path: Path, display: str, relative: str):
        self.path = path
        self.display = display
        self.triples: set[Triple] = set()
        self.problems: list[Problem] = []
        self.locations: dict[URIRef, int] = {}
        self.derived_from: set[URIRef] = set()
        self.iri = graph_iri(relative)

    # -- recording ---------------------------------------------------------------------------
    def add(self, s: URIRef, p: URIRef, o: Node | None) -> None:
        """Add a triple, skipping it when the object is None (an optional value left out)."""
        if o is not None:
            self.triples.add((s, p, o))

    def add_all(self, triples: Iterable[Triple]) -> None:
        """Add triples as they are (e.g. those of a parsed RDF file)."""
        self.triples.update(triples)

    def locate(self, subject: URIRef, line: int) -> URIRef:
        """Remember that ``subject`` is described at ``line``; return the subject."""
        self.locations.setdefault(subject, line)
        return subject

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.display, line, message))

    def finish(self) -> SourceGraph:
        """Return the file's graph, or raise DataError with every problem found."""
        if self.problems:
            raise DataError(self.problems)
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest() if self.path.is_file() else ""
        return SourceGraph(
            iri=self.iri,
            path=self.display,
            triples=frozenset(self.triples),
            content_hash=f"sha256:{digest}",
            locations=self.locations,
            derived_from=self.derived_from,
        )

    # -- checked readers ---------------------------------------------------------------------
    def required(self, item: dict[str, Any], key: str, line: int, what: str) -> Any:
        """Return ``item[key]``, recording a problem when it is missing or empty."""
        value = item.get(key)
        if value is None or value == "" or value == []:
            self.problem(line, f"{what}: missing required field '{key}'")
            return None
        return value

    def slug(self, value: Any, line: int, what: str) -> str | None:
        """Check an identifier slug; return it, or None after recording a problem."""
        if not isinstance(value, str) or not SLUG.match(value):
            self.problem(line, f"{what}: {value!r} is not a valid id (lower-case words joined by '-')")
            return None
        return value

    def ref(self, kind: str, value: Any, line: int, what: str) -> URIRef | None:
        """Return the IRI of a referenced resource of ``kind`` (a slug, or alpha-3 for states)."""
        if kind == "state":
            if not isinstance(value, str) or not ALPHA3.match(value):
                self.problem(line, f"{what}: {value!r} is not an ISO 3166-1 alpha-3 code")
                return None
            return mint("state", value)
        key = self.slug(value, line, what)
        return mint(kind, key) if key else None

    def text(self, value: Any, line: int, what: str, lang: str | None = "en") -> Literal | None:
        """Return a (language-tagged) literal for a non-empty string."""
        if value is None:
            return None
        if not isinstance(value, (str, int, float)) or str(value).strip() == "":
            self.problem(line, f"{what}: expected text, got {value!r}")
            return None
        return Literal(" ".join(str(value).split()), lang=lang)

    def url(self, value: Any, line: int, what: str) -> URIRef | None:
        """Return an http(s) URL as an IRI, recording a problem when it is not one."""
        if not isinstance(value, str) or not _URL.match(value.strip()):
            self.problem(line, f"{what}: {value!r} is not an http(s) URL")
            return None
        return URIRef(value.strip())

    def integer(self, value: Any, line: int, what: str, minimum: int = 0) -> Literal | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            if isinstance(value, str) and value.strip().isdigit() and int(value) >= minimum:
                return Literal(int(value))
            self.problem(line, f"{what}: expected a whole number ≥ {minimum}, got {value!r}")
            return None
        return Literal(value)

    def flag(self, value: str, line: int, what: str) -> bool | None:
        """Read yes/no (also true/false, empty = yes)."""
        v = str(value).strip().lower()
        if v in ("", "yes", "true", "y"):
            return True
        if v in ("no", "false", "n"):
            return False
        self.problem(line, f"{what}: expected yes or no, got {value!r}")
        return None

    def date(self, value: Any, line: int, what: str) -> Literal | None:
        """Parse ``YYYY-MM-DD`` (xsd:date) or ``YYYY`` (xsd:gYear); None after a problem."""
        if value is None or value == "":
            return None
        text = str(value).strip()
        if re.fullmatch(r"\d{4}", text):
            return Literal(text, datatype=XSD.gYear)
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            self.problem(line, f"{what}: {text!r} is not a valid date (YYYY-MM-DD) or year (YYYY)")
            return None
        return Literal(day.isoformat(), datatype=XSD.date)

    def when(self, item: dict[str, Any], line: int, what: str) -> Literal | None:
        """Read ``date:`` or ``year:`` from an item (not both)."""
        if item.get("date") not in (None, "") and item.get("year") not in (None, ""):
            self.problem(line, f"{what}: give either 'date' or 'year', not both")
            return None
        if item.get("year") not in (None, ""):
            year = str(item["year"]).strip()
            if not re.fullmatch(r"\d{4}", year):
                self.problem(line, f"{what}: year {item['year']!r} is not a four-digit year")
                return None
            return self.date(year, line, what)
        return self.date(item.get("date"), line, what)

    def items(self, data: dict[str, Any], key: str, line: int) -> list[Any]:
        """Return the list under ``key``, recording a problem if it is not a list."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(line, f"'{key}' must be a list")
            return []
        return value

    def entries(
        self, data: dict[str, Any], list_key: str, kind: str, what: str, seen: dict[str, int] | None = None
    ) -> Iterator[tuple[dict[str, Any], int, str, URIRef]]:
        """Yield (item, line, id, IRI) for each well-formed item with a new id in ``data[list_key]``.

        Items without a valid or unique ``id`` are reported and skipped. Pass ``seen`` to share
        uniqueness across several lists.
        """
        seen = {} if seen is None else seen
        parent_line = int(getattr(data, "line", 0)) or None
        for item in self.items(data, list_key, parent_line or 0):
            line = int(getattr(item, "line", parent_line or 0))
            if not isinstance(item, dict):
                self.problem(line, f"each {what} must be a mapping with an 'id'")
                continue
            key = self.slug(item.get("id"), line, what)
            if key is None or not self.unique(seen, key, line, what):
                continue
            yield item, line, key, self.locate(mint(kind, key), line)

    def unique(self, seen: dict[str, int], key: str, line: int, what: str) -> bool:
        """Record a problem when ``key`` was already used in this file."""
        if key in seen:
            self.problem(line, f"{what}: id {key!r} already used at line {seen[key]}")
            return False
        seen[key] = line
        return True
