"""One SHACL validation result as rdflib terms, whichever engine produced it."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node


@dataclass(frozen=True)
class ShaclResult:
    """The fields of an ``sh:ValidationResult`` the report uses."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str
    constraint: Node | None
    shape: Node | None
    severity: Node | None


def from_report_graph(results: Graph) -> list[ShaclResult]:
    """The results of a pySHACL results graph."""
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        if focus is None:
            continue
        found.append(
            ShaclResult(
                focus=focus,
                path=results.value(result, SH.resultPath),
                value=results.value(result, SH.value),
                message=str(results.value(result, SH.resultMessage) or ""),
                constraint=results.value(result, SH.sourceConstraintComponent),
                shape=results.value(result, SH.sourceShape),
                severity=results.value(result, SH.resultSeverity),
            )
        )
    return found
