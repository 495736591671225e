"""SHACL-SPARQL constraints evaluated once over the whole data graph with pyoxigraph.

pySHACL runs a ``sh:sparql`` constraint once per focus node, parsing the query again each time with
rdflib; queries that look at other nodes (uniqueness of findings, ratification after signature,
summary-table agreement) then make validation quadratic. Here each such constraint is read from the
shapes graph and rewritten into one query: ``$this`` becomes the variable ``?this``, bound at the
start of the query's outer group by the shape's targets (a sub-select of the focus nodes), which
is the pre-binding of https://www.w3.org/TR/shacl/#pre-binding for all focus nodes at once. The
results are mapped to validation results as pySHACL maps them (focus node, ``?path``, ``?value``
or the focus node, message with ``{?var}`` substituted, one result per distinct solution).

Only constraints whose form allows this are taken out of the shapes graph (see ``_extractable``);
any other stays in the shapes graph and is evaluated by pySHACL as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from r2pgraph.rdf.oxterms import OxTerms
from r2pgraph.validation.shacl.results import ShaclResult

_THIS = re.compile(r"\$this\b")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_UNSUPPORTED = re.compile(r"\$(PATH|currentShape|shapesGraph|value)\b|\?failure\b")
_DEFAULT_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint of a node shape, as one query over all its focus nodes."""

    shape: Node
    constraint: Node
    severity: Node
    query: str
    messages: tuple[str, ...]


def _sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise ValueError(f"cannot write {node!r} as a SPARQL term")


def _target_pattern(shapes: Graph, shape: Node) -> str | None:
    """A group pattern binding ``?this`` to each focus node of ``shape``; None when unsupported."""
    if (shape, SH.target, None) in shapes or (shape, RDF.type, RDFS.Class) in shapes:
        return None
    if (shape, RDF.type, OWL.Class) in shapes:
        return None
    alternatives = []
    try:
        for c in sorted(shapes.objects(shape, SH.targetClass), key=str):
            alternatives.append(f"?this <{RDF.type}>/<{RDFS.subClassOf}>* {_sparql_term(c)} .")
        for p in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str):
            alternatives.append(f"?this {_sparql_term(p)} [] .")
        for p in sorted(shapes.objects(shape, SH.targetObjectsOf), key=str):
            alternatives.append(f"[] {_sparql_term(p)} ?this .")
        nodes = sorted(shapes.objects(shape, SH.targetNode), key=str)
        if nodes:
            alternatives.append("VALUES ?this { " + " ".join(_sparql_term(n) for n in nodes) + " }")
    except ValueError:
        return None
    if not alternatives:
        return None
    union = " UNION ".join("{ " + a + " }" for a in alternatives)
    return "{ SELECT DISTINCT ?this WHERE { " + union + " } }"


def _prefixes(shapes: Graph, constraint: Node) -> dict[str, str] | None:
    """The prefixes pySHACL would declare for ``constraint`` (its ``sh:prefixes``)."""
    prefixes = dict(_DEFAULT_PREFIXES)
    ontologies = set(shapes.subjects(RDF.type, OWL.Ontology))
    for holder in shapes.objects(constraint, SH.prefixes):
        holders = {holder} | (ontologies if holder in ontologies else set())
        for h in holders:
            for declare in shapes.objects(h, SH.declare):
                prefix, namespace = shapes.value(declare, SH.prefix), shapes.value(declare, SH.namespace)
                if prefix is None or namespace is None:
                    return None
                prefixes[str(prefix)] = str(namespace)
    return prefixes


def _rewrite(select: str, target: str) -> str | None:
    """``select`` with ``$this`` as ``?this`` bound by ``target``; None when it cannot be rewritten."""
    where = _WHERE.search(select)
    if where is None or _UNSUPPORTED.search(select) or not _THIS.search(select):
        return None
    projection = select[: where.start()]
    if not _THIS.search(projection) and "*" not in projection:
        return None  # the focus node would not be in the solutions
    text = select[: where.end()] + "\n  " + target + "\n" + select[where.end() :]
    return _THIS.sub("?this", text)


def _extractable(shapes: Graph, shape: Node, constraint: Node) -> SparqlConstraint | None:
    """The constraint as one query, when its shape and form allow it."""
    if (shape, SH.path, None) in shapes or (None, None, shape) in shapes:
        return None  # property shapes ($PATH) and shapes reached from other shapes (sh:node…)
    if (constraint, SH.ask, None) in shapes or (constraint, SH.deactivated, None) in shapes:
        return None
    select = shapes.value(constraint, SH.select)
    target = _target_pattern(shapes, shape)
    prefixes = _prefixes(shapes, constraint)
    if select is None or target is None or prefixes is None:
        return None
    query = _rewrite(str(select), target)
    messages = tuple(str(m) for m in shapes.objects(constraint, SH.message)) or tuple(
        str(m) for m in shapes.objects(shape, SH.message)
    )
    if query is None or not messages:
        return None
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    severity = shapes.value(shape, SH.severity) or SH.Violation
    return SparqlConstraint(shape, constraint, severity, header + query, tuple(sorted(messages)))


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """The shapes graph without the SPARQL constraints evaluated here, and those constraints.

    Deactivated shapes keep their constraints (pySHACL skips them), and nothing is taken out when
    the shapes have SHACL rules (whose inferred triples the constraints would have to see). The
    returned graph keeps the shapes graph's blank nodes, so results still name the same shapes.
    """
    extracted: list[SparqlConstraint] = []
    has_rules = (None, SH.rule, None) in shapes
    for shape, constraint in [] if has_rules else sorted(shapes.subject_objects(SH.sparql), key=str):
        if (shape, SH.deactivated, Literal(True)) in shapes:
            continue
        found = _extractable(shapes, shape, constraint)
        if found is not None:
            extracted.append(found)
    core = Graph()
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace)
    removed = {(c.shape, SH.sparql, c.constraint) for c in extracted}
    for triple in shapes:
        if triple not in removed:
            core.add(triple)
    return core, extracted


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"unexpected term in a SPARQL result: {term!r}")


def _message(template: str, bindings: dict[str, Node]) -> str:
    for name, value in bindings.items():
        template = template.replace("{?" + name + "}", str(value)).replace("{$" + name + "}", str(value))
    return template


def data_store(parts: Iterable[Iterable[tuple[Node, Node, Node]]]) -> ox.Store:
    """An in-memory pyoxigraph store holding the union of ``parts`` in its default graph."""
    store = ox.Store()
    convert = OxTerms()
    for part in parts:
        store.extend(convert.quads(part, None))
    return store


def evaluate(store: ox.Store, constraints: list[SparqlConstraint], union: bool = False) -> list[ShaclResult]:
    """Run each constraint once over the store's default graph (``union``: the union of its named
    graphs); one result per distinct solution."""
    results: list[ShaclResult] = []
    for c in constraints:
        solutions = store.query(c.query, use_default_graph_as_union=union)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        seen: set[tuple[tuple[str, Node], ...]] = set()
        for row in solutions:
            bindings = {n: t for n in names if (t := _to_rdflib(row[n])) is not None}
            focus = bindings.get("this")
            if focus is None:
                continue
            key = tuple(sorted(bindings.items()))
            if key in seen:
                continue
            seen.add(key)
            results.append(
                ShaclResult(
                    focus=focus,
                    path=bindings.get("path"),
                    value=bindings.get("value", focus),
                    message=_message(c.messages[0], bindings),
                    constraint=SH.SPARQLConstraintComponent,
                    shape=c.shape,
                    severity=c.severity,
                )
            )
    return results
