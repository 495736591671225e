"""SHACL validation of a dataset, with a report that names the file, line, entity and property.

Runs pySHACL (https://www.w3.org/TR/shacl/) on one in-memory rdflib Graph holding the data and the
ontology (so ``sh:targetClass`` reaches subclasses), with SPARQL-based constraints enabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from r2pgraph.namespaces import PREFIXES
from r2pgraph.sources.base import SourceGraph


@dataclass(frozen=True)
class Violation:
    """One SHACL result, located in the data files."""

    severity: str
    focus: str
    path: str | None
    message: str
    value: str | None
    constraint: str
    shape: str
    file: str | None
    line: int | None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "(no file)")
        prop = f" {self.path}" if self.path else ""
        value = f" [value: {self.value}]" if self.value else ""
        return f"{where}: {self.severity} on <{self.focus}>{prop}: {self.message}{value} ({self.constraint})"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: list[Violation]

    def text(self) -> str:
        """A readable report: one line per result, grouped by file."""
        if self.conforms:
            return "The data conforms to the shapes."
        errors = [v for v in self.violations if v.severity == "Violation"]
        lines = [f"Validation failed: {len(errors)} violation(s), {len(self.violations) - len(errors)} other result(s)"]
        lines += [f"  {v}" for v in sorted(self.violations, key=lambda v: (v.file or "", v.line or 0, v.focus))]
        return "\n".join(lines)


def load_shapes(shapes_dir: Path) -> Graph:
    """Parse every Turtle file in ``shapes_dir`` into one shapes graph."""
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return shapes


def _short(node: Node | None, graph: Graph) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        for prefix, ns in PREFIXES.items():
            if str(node).startswith(ns) and prefix not in ("state", "instrument", "indicator", "source", "event"):
                return f"{prefix}:{str(node)[len(ns) :]}"
        return str(node)
    return str(node)


def _locate(focus: Node, sources: Iterable[SourceGraph]) -> tuple[str | None, int | None]:
    """The file (and line) where ``focus`` is described; the first file that mentions it otherwise."""
    mentioned: str | None = None
    for sg in sources:
        if isinstance(focus, URIRef) and focus in sg.locations:
            return sg.path, sg.locations[focus]
        if mentioned is None and (focus, None, None) in sg.graph:
            mentioned = sg.path
    return mentioned, None


def validate_graphs(sources: list[SourceGraph], ontology: Graph, shapes: Graph) -> ValidationReport:
    """Validate the union of ``sources`` (with the ontology) against ``shapes``."""
    data = Graph()
    for sg in sources:
        data += sg.graph
    return validate_graph(data, ontology, shapes, sources)


def validate_graph(
    data: Graph, ontology: Graph, shapes: Graph, sources: list[SourceGraph] | None = None
) -> ValidationReport:
    """Validate one graph (with the ontology added) against ``shapes``.

    ``sources``, when given, locate each result's focus node in the data files.
    """
    combined = Graph()
    combined += data
    combined += ontology
    conforms, results, _ = pyshacl_validate(
        combined,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        severity = results.value(result, SH.resultSeverity)
        file, line = _locate(focus, sources or []) if focus is not None else (None, None)
        violations.append(
            Violation(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=str(focus),
                path=_short(results.value(result, SH.resultPath), results),
                message=str(results.value(result, SH.resultMessage) or ""),
                value=_short(results.value(result, SH.value), results),
                constraint=_short(results.value(result, SH.sourceConstraintComponent), results) or "",
                shape=str(results.value(result, SH.sourceShape) or ""),
                file=file,
                line=line,
            )
        )
    return ValidationReport(conforms=bool(conforms), violations=violations)
