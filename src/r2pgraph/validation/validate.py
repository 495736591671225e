"""SHACL validation of a dataset, with a report that names the file, line, entity and property.

The data and the ontology (so ``sh:targetClass`` reaches subclasses) are validated as one graph
against the shapes (https://www.w3.org/TR/shacl/), in two parts that together give the results
of one pySHACL run:

- the SPARQL-based constraints of node shapes (``sh:sparql``), read from the shapes graph and
  each run once for all its focus nodes with pyoxigraph (``r2pgraph.validation.shacl.sparql``);
- the shapes made of the SHACL Core components the shapes of shapes/ use, over an index of the
  data triples (``r2pgraph.validation.shacl.native``), property shapes carrying their node shape's targets;
- any other shape with pySHACL, over an rdflib graph of the data built only then
  (``r2pgraph.validation.shacl.core``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from r2pgraph.rdf.iris import INSTANCE_PREFIXES, curie
from r2pgraph.sources.base import SourceGraph
from r2pgraph.validation.shacl.core import hoist_property_shapes, run_pyshacl
from r2pgraph.validation.shacl.native import Triple, compile_shapes, evaluate_native, has_targets
from r2pgraph.validation.shacl.results import ShaclResult
from r2pgraph.validation.shacl.sparql import data_store, evaluate, split_shapes


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


def _short(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return curie(str(node), skip=INSTANCE_PREFIXES)
    return str(node)


def _locate(focuses: set[Node], sources: list[SourceGraph]) -> dict[Node, tuple[str | None, int | None]]:
    """For each focus node: the file (and line) where it is described; else the first file that mentions it.

    One pass over the sources' line tables, then a look-up per file only for the nodes no file describes.
    """
    found: dict[Node, tuple[str | None, int | None]] = {}
    pending = {f for f in focuses if isinstance(f, URIRef)}
    for sg in sources:
        if not pending:
            break
        for node in pending.intersection(sg.locations):
            found[node] = (sg.path, sg.locations[node])
            pending.discard(node)
    unlocated = focuses - found.keys()
    for sg in sources:
        if not unlocated:
            break
        for mentioned in [n for n in unlocated if n in sg.subjects]:
            found[mentioned] = (sg.path, None)
            unlocated.discard(mentioned)
    for nowhere in unlocated:
        found[nowhere] = (None, None)
    return found


def validate_graphs(sources: list[SourceGraph], ontology: Graph, shapes: Graph) -> ValidationReport:
    """Validate the union of ``sources`` (with the ontology) against ``shapes``."""
    return _validate(data_parts(sources, ontology), shapes, sources)


def validate_graph(
    data: Graph, ontology: Graph, shapes: Graph, sources: list[SourceGraph] | None = None
) -> ValidationReport:
    """Validate one graph (with the ontology added) against ``shapes``.

    ``sources``, when given, locate each result's focus node in the data files.
    """
    return _validate([data, ontology], shapes, sources or [])


def _union(parts: Sequence[Iterable[Triple]]) -> Graph:
    combined = Graph()
    for part in parts:
        for triple in part:
            combined.add(triple)
    return combined


def sparql_results(
    parts: Sequence[Iterable[Triple]], shapes: Graph, store: ox.Store | None = None
) -> list[ShaclResult]:
    """The results of the shapes' SPARQL-based constraints over the union of ``parts``.

    ``store``, when given, is a pyoxigraph store whose union of named graphs holds exactly the
    triples of ``parts``; it answers the constraints (else a store is built from ``parts``).
    """
    _, sparql_constraints = split_shapes(shapes)
    if not sparql_constraints:
        return []
    if store is None:
        return evaluate(data_store(parts), sparql_constraints)
    return evaluate(store, sparql_constraints, union=True)


def core_results(parts: Sequence[Iterable[Triple]], shapes: Graph) -> list[ShaclResult]:
    """The results of every other constraint of the shapes over the union of ``parts``."""
    core_shapes, _ = split_shapes(shapes)
    rest, native = compile_shapes(hoist_property_shapes(core_shapes))
    results = evaluate_native(parts, native)
    if has_targets(rest):
        results += run_pyshacl(_union(parts), rest)
    return results


def shacl_results(parts: Sequence[Iterable[Triple]], shapes: Graph) -> list[ShaclResult]:
    """The results of validating the union of the triple collections ``parts`` against ``shapes``:
    those of one pySHACL run. Each part is read more than once (sets, graphs)."""
    return sparql_results(parts, shapes) + core_results(parts, shapes)


def _validate(parts: Sequence[Iterable[Triple]], shapes: Graph, sources: list[SourceGraph]) -> ValidationReport:
    """Validate the union of ``parts`` against ``shapes``."""
    return validation_report(shacl_results(parts, shapes), sources)


def data_parts(sources: list[SourceGraph], ontology: Graph) -> list[Iterable[Triple]]:
    """The data validation reads: the sources' triples and the ontology's."""
    return [*(sg.triples for sg in sources), ontology]


def validation_report(results: list[ShaclResult], sources: list[SourceGraph]) -> ValidationReport:
    """The report of ``results``, each located in the data files of ``sources``."""
    places = _locate({r.focus for r in results}, sources)
    violations = [
        Violation(
            severity=str(r.severity).rsplit("#", 1)[-1] if r.severity else "Violation",
            focus=str(r.focus),
            path=_short(r.path),
            message=r.message,
            value=_short(r.value),
            constraint=_short(r.constraint) or "",
            shape=str(r.shape or ""),
            file=places[r.focus][0],
            line=places[r.focus][1],
        )
        for r in results
    ]
    conforms = all(r.severity in (SH.Warning, SH.Info) for r in results)
    return ValidationReport(conforms=conforms, violations=violations)
