"""SHACL Core constraints evaluated over an index of the data triples, with pySHACL's results.

pySHACL finds focus and value nodes through rdflib graph look-ups and builds a full result (with
its description) for every failed alternative of an ``sh:or``; over a large graph most of the
validation time goes there, and into building the rdflib graph itself. The shapes of shapes/ use a
small part of SHACL Core: targets by class or by subject of a property, predicate paths, and the
components in ``COMPONENTS``. Shapes made only of those are evaluated here, over the data triples
grouped by predicate and subject (``TripleIndex``); each component follows pySHACL's own
definition (https://www.w3.org/TR/shacl/#core-components-value-type and after), so a shape gives
the results pySHACL gives, field for field. ``tests/validation/test_engine.py`` checks that on every
example and on a graph made to fail each component.

Any other shape (other components or paths, ``sh:target``, deactivated, without exactly one
``sh:message`` while it has constraints, used by another shape than through ``sh:or``/``sh:xone``)
is left in the shapes graph for pySHACL (``compile_shapes``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from r2pgraph.validation.shacl import STANDARD_TARGETS
from r2pgraph.validation.shacl.results import ShaclResult

Triple = tuple[Node, Node, Node]
TARGETS = STANDARD_TARGETS
COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
}
# Predicates of a shape that change nothing in its results.
_INERT = {RDF.type, RDFS.comment, RDFS.label, SH.name, SH.description, SH.order, SH.group, SH.flags}
_KNOWN = set(COMPONENTS) | set(TARGETS) | _INERT | {SH.path, SH.message, SH.severity}
_PYTHON_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}
_NODE_KINDS: dict[Node, type | tuple[type, ...]] = {
    SH.IRI: URIRef,
    SH.BlankNode: BNode,
    SH.Literal: Literal,
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


class TripleIndex:
    """The data triples of some predicates, by predicate then subject (objects once each)."""

    def __init__(self, parts: Iterable[Iterable[Triple]], predicates: set[Node]):
        wanted = set(predicates) | {RDF.type, RDFS.subClassOf}
        self._by: dict[Node, dict[Node, list[Node]]] = {p: {} for p in wanted}
        by = self._by
        for part in parts:
            for s, p, o in part:
                subjects = by.get(p)
                if subjects is not None:
                    objects = subjects.get(s)
                    if objects is None:
                        subjects[s] = [o]
                    else:
                        objects.append(o)
        for subjects in by.values():
            for s, objects in subjects.items():
                if len(objects) > 1:
                    subjects[s] = list(dict.fromkeys(objects))
        self._supers: dict[Node, frozenset[Node]] = {}
        self._instances: dict[Node, list[Node]] | None = None

    def objects(self, s: Node, p: Node) -> list[Node]:
        return self._by[p].get(s, [])

    def subjects_of(self, p: Node) -> Iterable[Node]:
        return self._by[p].keys()

    def objects_of(self, p: Node) -> set[Node]:
        return {o for objects in self._by[p].values() for o in objects}

    def superclasses(self, cls: Node) -> frozenset[Node]:
        """``cls`` and every class it is a subclass of, transitively."""
        found = self._supers.get(cls)
        if found is None:
            seen = {cls}
            todo = [cls]
            sub = self._by[RDFS.subClassOf]
            while todo:
                for parent in sub.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            found = self._supers[cls] = frozenset(seen)
        return found

    def is_instance(self, node: Node, cls: Node) -> bool:
        """pySHACL's test for sh:class: a type of ``node`` is ``cls`` or a subclass of it."""
        return any(cls in self.superclasses(t) for t in self._by[RDF.type].get(node, ()))

    def instances(self, cls: Node) -> set[Node]:
        """The subjects typed ``cls`` or a subclass of it."""
        if self._instances is None:
            self._instances = {}
            for s, types in self._by[RDF.type].items():
                for t in types:
                    self._instances.setdefault(t, []).append(s)
        return {s for t, members in self._instances.items() if cls in self.superclasses(t) for s in members}


def _datatype_ok(v: Node, datatype: Node) -> bool:
    """pySHACL's sh:datatype test (DatatypeConstraintComponent.evaluate)."""
    if not isinstance(v, Literal):
        return False
    if v.datatype == datatype:
        return getattr(v, "ill_typed", None) is not True and _actual(v, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and datatype == XSD.string:
        return _actual(v, datatype)
    if datatype == RDF.langString and v.language:
        return _actual(v, datatype)
    return False


def _actual(v: Literal, datatype: Node) -> bool:
    """pySHACL's check of the literal's Python value (``_assert_actual_datatype``)."""
    expected = _PYTHON_TYPES.get(datatype)
    return expected is None or isinstance(v.value, expected)


def _string(v: Node) -> str:
    """pySHACL's string of a value node for sh:pattern."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _min_inclusive_ok(v: Node, minimum: Literal) -> bool:
    if not isinstance(v, Literal):
        return False
    if isinstance(minimum.value, str) != isinstance(v.value, str):
        return False
    try:
        return bool(compare_literal(v, minimum) >= 0)  # type: ignore[no-untyped-call]
    except (TypeError, NotImplementedError):
        return False


def _language_ok(v: Node, languages: set[str]) -> bool:
    if not isinstance(v, Literal) or not v.language:
        return False
    lang = str(v.language).lower()
    return "*" in languages or lang in languages or lang.split("-")[0] in languages


# A value test: True when the value node meets the constraint.
ValueTest = Callable[["TripleIndex", Node], bool]


@dataclass(frozen=True)
class NativeShape:
    """One shape of the subset: targets, an optional predicate path and its constraints."""

    node: Node
    path: Node | None
    severity: Node
    message: str | None
    targets: tuple[tuple[Node, Node], ...]
    min_count: int | None
    max_count: int | None
    unique_lang: bool
    value_tests: tuple[tuple[Node, ValueTest], ...]  # (component, test), each one result per failing value

    def value_nodes(self, index: TripleIndex, focus: Node) -> list[Node]:
        return index.objects(focus, self.path) if self.path is not None else [focus]

    def conforms(self, index: TripleIndex, focus: Node) -> bool:
        """Whether ``focus`` meets every constraint (as a member of an sh:or/sh:xone list)."""
        return not self._failures(index, focus, stop_at_first=True)

    def _failures(self, index: TripleIndex, focus: Node, stop_at_first: bool = False) -> list[tuple[Node, Node | None]]:
        values = self.value_nodes(index, focus)
        failed: list[tuple[Node, Node | None]] = []
        if self.min_count is not None and self.min_count > 0 and len(values) < self.min_count:
            failed.append((SH.MinCountConstraintComponent, None))
        if self.max_count is not None and len(values) > self.max_count:
            failed.append((SH.MaxCountConstraintComponent, None))
        if failed and stop_at_first:
            return failed
        if self.unique_lang:
            langs: set[str] = set()
            duplicates: set[str] = set()
            for v in values:
                if isinstance(v, Literal) and v.language:
                    low = str(v.language).lower()
                    (duplicates if low in langs else langs).add(low)
            failed += [(SH.UniqueLangConstraintComponent, None)] * len(duplicates)
        for component, test in self.value_tests:
            for v in values:
                if not test(index, v):
                    failed.append((component, v))
                    if stop_at_first:
                        return failed
        return failed

    def focus_nodes(self, index: TripleIndex) -> set[Node]:
        found: set[Node] = set()
        for kind, target in self.targets:
            if kind == SH.targetClass:
                found |= index.instances(target)
            elif kind == SH.targetSubjectsOf:
                found.update(index.subjects_of(target))
            elif kind == SH.targetObjectsOf:
                found |= index.objects_of(target)
            else:
                found.add(target)
        return found

    def results(self, index: TripleIndex) -> list[ShaclResult]:
        return [
            ShaclResult(focus, self.path, value, self.message or "", component, self.node, self.severity)
            for focus in self.focus_nodes(index)
            for component, value in self._failures(index, focus)
        ]


class _Outside(Exception):
    """The shape uses something outside the subset evaluated here."""


def _class_test(cls: Node) -> ValueTest:
    def test(index: TripleIndex, v: Node) -> bool:
        return index.is_instance(v, cls)

    return test


def _datatype_test(datatype: Node) -> ValueTest:
    return lambda _, v: _datatype_ok(v, datatype)


def _kind_test(kinds: type | tuple[type, ...]) -> ValueTest:
    return lambda _, v: isinstance(v, kinds)


def _pattern_test(regex: re.Pattern[str]) -> ValueTest:
    return lambda _, v: not isinstance(v, BNode) and regex.search(_string(v)) is not None


def _min_inclusive_test(minimum: Literal) -> ValueTest:
    return lambda _, v: _min_inclusive_ok(v, minimum)


def _in_test(allowed: frozenset[Node]) -> ValueTest:
    return lambda _, v: v in allowed


def _language_test(languages: set[str]) -> ValueTest:
    return lambda _, v: _language_ok(v, languages)


class _Compiler:
    """Reads shapes of the subset from a shapes graph; None for any shape outside it."""

    def __init__(self, shapes: Graph):
        self.shapes = shapes
        self.cache: dict[Node, NativeShape | None] = {}

    def one(self, shape: Node, p: Node) -> Node | None:
        """The value of ``p`` (None when absent). Raises _Outside when there are several."""
        values = list(self.shapes.objects(shape, p))
        if len(values) > 1:
            raise _Outside
        return values[0] if values else None

    def literal(self, shape: Node, p: Node, kind: type) -> Literal | None:
        """The value of ``p``, a literal whose Python value is a ``kind``."""
        value = self.one(shape, p)
        if value is not None and not (isinstance(value, Literal) and isinstance(value.value, kind)):
            raise _Outside
        return value

    def members(self, shape: Node, p: Node) -> list[Node] | None:
        """The members of the list that is the value of ``p`` (None when absent)."""
        head = self.one(shape, p)
        if head is None:
            return None
        try:
            members = list(Collection(self.shapes, head))
        except Exception as e:  # a broken list: pySHACL reports it
            raise _Outside from e
        if not members:
            raise _Outside
        return members

    def shape(self, node: Node, nested: bool = False) -> NativeShape | None:
        if node not in self.cache:
            try:
                self.cache[node] = self._compile(node, nested)
            except _Outside:
                self.cache[node] = None
        return self.cache[node]

    def _compile(self, node: Node, nested: bool) -> NativeShape:
        g = self.shapes
        predicates = set(g.predicates(node, None))
        if not predicates <= _KNOWN or any((node, RDF.type, c) in g for c in (RDFS.Class, OWL.Class)):
            raise _Outside
        path = self.one(node, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise _Outside
        messages = list(g.objects(node, SH.message))
        if predicates & set(COMPONENTS) and not nested and len(messages) != 1:
            raise _Outside
        min_count = self.literal(node, SH.minCount, int)
        max_count = self.literal(node, SH.maxCount, int)
        unique = self.literal(node, SH.uniqueLang, bool)
        return NativeShape(
            node=node,
            path=path,
            severity=self.one(node, SH.severity) or SH.Violation,
            message=str(messages[0]) if messages else None,
            targets=tuple(sorted(((p, o) for p in TARGETS for o in g.objects(node, p)), key=str)),
            min_count=None if min_count is None else min_count.value,
            max_count=None if max_count is None else max_count.value,
            unique_lang=bool(unique is not None and unique.value),
            value_tests=tuple(self._value_tests(node)),
        )

    def _value_tests(self, node: Node) -> list[tuple[Node, ValueTest]]:
        g = self.shapes
        tests: list[tuple[Node, ValueTest]] = [
            (SH.ClassConstraintComponent, _class_test(c)) for c in sorted(g.objects(node, SH["class"]), key=str)
        ]
        datatype = self.one(node, SH.datatype)
        if datatype is not None:
            tests.append((SH.DatatypeConstraintComponent, _datatype_test(datatype)))
        kind = self.one(node, SH.nodeKind)
        if kind is not None:
            if kind not in _NODE_KINDS:
                raise _Outside
            tests.append((SH.NodeKindConstraintComponent, _kind_test(_NODE_KINDS[kind])))
        pattern = self.literal(node, SH.pattern, str)
        if pattern is not None:
            flags = str(self.one(node, SH.flags) or "").lower()
            text = str(pattern.value) if len(pattern.value) > 1 else str(pattern)
            regex = re.compile(text, (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0))
            tests.append((SH.PatternConstraintComponent, _pattern_test(regex)))
        minimum = self.one(node, SH.minInclusive)
        if minimum is not None:
            if not isinstance(minimum, Literal):
                raise _Outside
            tests.append((SH.MinInclusiveConstraintComponent, _min_inclusive_test(minimum)))
        allowed = self.members(node, SH["in"])
        if allowed is not None:
            tests.append((SH.InConstraintComponent, _in_test(frozenset(allowed))))
        tags = self.members(node, SH.languageIn)
        if tags is not None:
            if not all(isinstance(t, Literal) and isinstance(t.value, str) for t in tags):
                raise _Outside
            tests.append((SH.LanguageInConstraintComponent, _language_test({str(t).lower() for t in tags})))
        for p, exactly_one in ((SH["or"], False), (SH.xone, True)):
            listed = self.members(node, p)
            if listed is None:
                continue
            parts = [self.shape(m, nested=True) for m in listed]
            if any(part is None for part in parts):
                raise _Outside
            tests.append((COMPONENTS[p], _Logical([x for x in parts if x is not None], exactly_one)))
        return tests


class _Logical:
    """sh:or (at least one member conforms) or sh:xone (exactly one does), for a value node."""

    def __init__(self, parts: list[NativeShape], exactly_one: bool):
        # pySHACL takes an sh:or list's members as a set of shapes, an sh:xone list's as a list.
        self.parts = parts if exactly_one else list({p.node: p for p in parts}.values())
        self.exactly_one = exactly_one

    def __call__(self, index: TripleIndex, v: Node) -> bool:
        passed = sum(1 for part in self.parts if part.conforms(index, v))
        return passed == 1 if self.exactly_one else passed > 0


def compile_shapes(shapes: Graph) -> tuple[Graph, list[NativeShape]]:
    """The shapes evaluated here, and the shapes graph pySHACL is left with.

    A targeted shape of the subset loses its targets in the returned graph (pySHACL then never
    validates it); every other triple is kept, so the shapes left to pySHACL are unchanged.
    """
    compiler = _Compiler(shapes)
    referenced = {o for s, p, o in shapes if p not in (SH["or"], SH.xone, RDF.first, RDF.rest) and p != RDF.type}
    native: list[NativeShape] = []
    for node in sorted({s for p in TARGETS for s in shapes.subjects(p, None)}, key=str):
        if node in referenced or (node, SH.deactivated, None) in shapes:
            continue
        compiled = compiler.shape(node)
        if compiled is not None:
            native.append(compiled)
    rest = Graph()
    for prefix, namespace in shapes.namespaces():
        rest.bind(prefix, namespace)
    dropped = {s.node for s in native}
    for s, p, o in shapes:
        if not (s in dropped and p in TARGETS):
            rest.add((s, p, o))
    return rest, native


def predicates_used(shapes: list[NativeShape]) -> set[Node]:
    """The data predicates the shapes read (paths, targets by property), members of lists included."""
    found: set[Node] = set()
    todo = list(shapes)
    seen: set[Node] = set()
    while todo:
        shape = todo.pop()
        if shape.node in seen:
            continue
        seen.add(shape.node)
        if shape.path is not None:
            found.add(shape.path)
        found |= {o for p, o in shape.targets if p in (SH.targetSubjectsOf, SH.targetObjectsOf)}
        for _, test in shape.value_tests:
            if isinstance(test, _Logical):
                todo += test.parts
    return found


def has_targets(shapes: Graph) -> bool:
    """Whether any shape in ``shapes`` has a target (else pySHACL would validate nothing)."""
    return any((None, p, None) in shapes for p in (*TARGETS, SH.target)) or any(
        (s, RDF.type, c) in shapes for s in shapes.subjects(RDF.type, SH.NodeShape) for c in (RDFS.Class, OWL.Class)
    )


def evaluate_native(parts: Iterable[Iterable[Triple]], shapes: list[NativeShape]) -> list[ShaclResult]:
    """The results of ``shapes`` over the union of the triple collections ``parts``."""
    index = TripleIndex(parts, predicates_used(shapes))
    return [r for shape in shapes for r in shape.results(index)]
