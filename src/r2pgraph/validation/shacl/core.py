"""The shapes' constraints (all but the SPARQL ones taken out) run by pySHACL.

pySHACL validates a property shape reached through ``sh:property`` once per focus node of its node
shape (hundreds of microseconds each), but a property shape with targets of its own once for all its
focus nodes. ``hoist_property_shapes`` gives each property shape of a targeted node shape that
shape's targets instead of the ``sh:property`` link: the same focus nodes meet the same constraints
and the results name the same shapes (a property shape's results always name the property shape).
"""

from __future__ import annotations

from pyshacl import validate as pyshacl_validate
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SH

from r2pgraph.validation.shacl import STANDARD_TARGETS
from r2pgraph.validation.shacl.results import ShaclResult, from_report_graph

TARGETS = (*STANDARD_TARGETS, SH.target)


def run_pyshacl(data: Graph, shapes: Graph) -> list[ShaclResult]:
    """pySHACL over ``data``, which it uses in place (not copied; the shapes have no rules to add to it)."""
    _, results, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
        inplace=True,
    )
    return from_report_graph(results)


def _copy(shapes: Graph) -> Graph:
    g = Graph()
    for prefix, namespace in shapes.namespaces():
        g.bind(prefix, namespace)
    for triple in shapes:
        g.add(triple)
    return g


def hoist_property_shapes(shapes: Graph) -> Graph:
    """A copy of ``shapes`` where property shapes carry the targets of the node shape that holds them.

    Only where that is exact: the node shape has standard targets only (no ``sh:target``, no
    implicit class target), is not deactivated and not used by another shape (``sh:node``…); the
    property shape belongs to that node shape alone and has no targets of its own.
    """
    hoisted = _copy(shapes)
    for shape in sorted({s for p in STANDARD_TARGETS for s in shapes.subjects(p, None)}, key=str):
        if (
            (shape, SH.target, None) in shapes
            or (shape, SH.deactivated, None) in shapes
            or (shape, SH.path, None) in shapes
            or (None, None, shape) in shapes
            or any((shape, RDF.type, cls) in shapes for cls in (RDFS.Class, OWL.Class))
        ):
            continue
        targets = [(p, o) for p in STANDARD_TARGETS for o in shapes.objects(shape, p)]
        for prop in list(shapes.objects(shape, SH.property)):
            if (
                len(list(shapes.subject_predicates(prop))) != 1
                or any((prop, p, None) in shapes for p in TARGETS)
                or (prop, SH.path, None) not in shapes
            ):
                continue
            hoisted.remove((shape, SH.property, prop))
            for p, o in targets:
                hoisted.add((prop, p, o))
    return hoisted
