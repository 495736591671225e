"""The shapes' constraints run by pySHACL, optionally with the shapes shared out among processes.

pySHACL validates a property shape reached through ``sh:property`` once per focus node of its node
shape (hundreds of microseconds each), but a property shape with targets of its own once for all its
focus nodes. ``hoist_property_shapes`` gives each property shape of a targeted node shape that
shape's targets instead of the ``sh:property`` link: the same focus nodes meet the same constraints
and the results name the same shapes (a property shape's results always name the property shape).

Each process validates the whole data graph against the shapes graph with the targets of all but
its share of the shapes removed: every focus node is still checked against every shape exactly
once, over the same data, so the results are those of one run. The processes are forked, so they
read the parent's graphs without copying them first.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection

from pyshacl import validate as pyshacl_validate
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from r2pgraph.shacl.results import ShaclResult, from_report_graph

TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)


def run_pyshacl(data: Graph, shapes: Graph) -> list[ShaclResult]:
    """pySHACL over ``data`` (used in place: it is not copied, and not changed without rules)."""
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
    standard = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
    for shape in sorted({s for p in standard for s in shapes.subjects(p, None)}, key=str):
        if (
            (shape, SH.target, None) in shapes
            or (shape, SH.deactivated, None) in shapes
            or (shape, SH.path, None) in shapes
            or (None, None, shape) in shapes
            or any((shape, RDF.type, cls) in shapes for cls in (RDFS.Class, OWL.Class))
        ):
            continue
        targets = [(p, o) for p in standard for o in shapes.objects(shape, p)]
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


def _focus_estimate(data: Graph, shapes: Graph, shape: Node) -> int:
    """Roughly how many focus nodes ``shape`` has in ``data`` (to share out the work)."""
    n = len(list(shapes.objects(shape, SH.targetNode)))
    for c in shapes.objects(shape, SH.targetClass):
        for sub in data.transitive_subjects(RDFS.subClassOf, c):
            n += sum(1 for _ in data.subjects(RDF.type, sub))
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        n += len(set(data.subjects(p, None)))
    for p in shapes.objects(shape, SH.targetObjectsOf):
        n += len(set(data.objects(None, p)))
    return n


def _constraint_count(shapes: Graph, shape: Node) -> int:
    return len(list(shapes.predicate_objects(shape))) + sum(
        len(list(shapes.predicate_objects(p))) for p in shapes.objects(shape, SH.property)
    )


def partition(data: Graph, shapes: Graph, parts: int) -> list[Graph]:
    """``parts`` shapes graphs, each with the targets of its share of the shapes only.

    Shares are balanced by (focus nodes × constraints), largest first. One graph (``shapes``
    itself) when there is nothing to share or a shape has implicit class targets.
    """
    targeted = sorted({s for p in TARGETS for s in shapes.subjects(p, None)}, key=str)
    implicit = any(
        (s, RDF.type, cls) in shapes for s in shapes.subjects(RDF.type, SH.NodeShape) for cls in (RDFS.Class, OWL.Class)
    )
    if parts < 2 or len(targeted) < 2 or implicit:
        return [shapes]
    cost = {s: (_focus_estimate(data, shapes, s) + 1) * _constraint_count(shapes, s) for s in targeted}
    loads = [0] * parts
    owner: dict[Node, int] = {}
    for s in sorted(targeted, key=lambda s: (-cost[s], str(s))):
        k = loads.index(min(loads))
        owner[s] = k
        loads[k] += cost[s]
    graphs = []
    for k in range(parts):
        g = _copy(shapes)
        for s, p, o in list(g.triples((None, None, None))):
            if p in TARGETS and owner.get(s, k) != k:
                g.remove((s, p, o))
        graphs.append(g)
    return graphs


def _child(data: Graph, shapes: Graph, conn: Connection) -> None:
    try:
        conn.send(("ok", run_pyshacl(data, shapes)))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def run_parts(
    data: Graph, parts: list[Graph], meanwhile: Callable[[], list[ShaclResult]] | None = None
) -> list[ShaclResult]:
    """Run pySHACL for each shapes graph of ``parts``: the first here, the others in forked processes.

    ``meanwhile``, when given, runs here (before the first part) while the other processes work;
    its results come first.
    """
    first = meanwhile() if meanwhile is not None and len(parts) == 1 else []
    if len(parts) == 1:
        return first + run_pyshacl(data, parts[0])
    ctx = multiprocessing.get_context("fork")
    children = []
    for part in parts[1:]:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(data, part, send), daemon=True)
        proc.start()
        send.close()
        children.append((proc, receive))
    results = meanwhile() if meanwhile is not None else []
    results += run_pyshacl(data, parts[0])
    errors = []
    for proc, receive in children:
        try:
            status, payload = receive.recv()
        except EOFError:
            status, payload = "error", f"validation process {proc.pid} ended without a result"
        finally:
            receive.close()
            proc.join()
        if status == "ok":
            results.extend(payload)
        else:
            errors.append(str(payload))
    if errors:
        raise RuntimeError("pySHACL failed in a validation process:\n" + "\n".join(errors))
    return results
