"""Valid and invalid examples for the SHACL shapes in shapes/r2p-shapes.ttl.

Every file in ``valid/`` must conform. Every file in ``invalid/`` is a valid example with one thing
broken; its header says which shape it targets and which results it must produce::

    # targets: rs:FindingShape
    # expect: sh:MinCountConstraintComponent r2p:rating

The second token of an ``expect`` line is the result path, prefixed, or ``-`` when the result has
none (SPARQL-based and node-level constraints). The set of (constraint, path) pairs among the
Violation results must equal the set of ``expect`` lines: a file that fails for an extra reason,
or not for the one it targets, fails its test.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

HERE = Path(__file__).parent
ROOT = Path(__file__).resolve().parents[2]

try:
    import r2pgraph  # noqa: F401
except ImportError:  # not installed in the venv: use the source tree
    sys.path.insert(0, str(ROOT / "src"))

from r2pgraph.build.assemble import load_ontology  # noqa: E402
from r2pgraph.validation.validate import ValidationReport, load_shapes, validate_graph  # noqa: E402

RS = "https://w3id.org/r2p/shapes#"
SPARQL_COMPONENT = "sh:SPARQLConstraintComponent"

VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))

HEADER = re.compile(r"^#\s*(targets|expect):\s*(.*?)\s*$")


def read_header(path: Path) -> tuple[str | None, set[tuple[str, str | None]]]:
    """The ``targets`` shape (prefixed) and the set of expected (constraint, path) pairs."""
    target = None
    expected: set[tuple[str, str | None]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = HEADER.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "targets":
            target = value
        else:
            constraint, result_path = value.split()
            expected.add((constraint, None if result_path == "-" else result_path))
    return target, expected


def expand_rs(prefixed: str) -> URIRef:
    assert prefixed.startswith("rs:"), f"shape {prefixed!r} must be written rs:Name"
    return URIRef(RS + prefixed[3:])


# --------------------------------------------------------------------------------- fixtures ---


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ROOT / "ontology")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


@pytest.fixture(scope="module")
def validate_file(ontology: Graph, shapes: Graph):
    """Validate one example file (cached, so each file is validated once per module)."""

    @cache
    def run(path: Path) -> ValidationReport:
        data = Graph().parse(path, format="turtle")
        return validate_graph(data, ontology, shapes)

    return run


def sparql_templates(shapes: Graph) -> dict[BNode, tuple[URIRef, re.Pattern[str]]]:
    """Each sh:sparql constraint, with its node shape and its message as a regular expression."""
    templates = {}
    for shape, constraint in shapes.subject_objects(SH.sparql):
        message = str(shapes.value(constraint, SH.message))
        parts = re.split(r"\{[?$]\w+\}", message)
        templates[constraint] = (shape, re.compile("^" + ".+".join(map(re.escape, parts)) + "$"))
    return templates


# ------------------------------------------------------------------------------------ tests ---


def test_examples_exist() -> None:
    assert VALID, "no valid examples found"
    assert INVALID, "no invalid examples found"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_conforms(path: Path, validate_file) -> None:
    report = validate_file(path)
    assert report.conforms, f"{path.name} should conform:\n{report.text()}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_fails_for_its_target_only(path: Path, validate_file, shapes: Graph) -> None:
    target, expected = read_header(path)
    assert target, f"{path.name} has no '# targets:' line"
    assert expected, f"{path.name} has no '# expect:' line"
    target_iri = expand_rs(target)
    assert (target_iri, RDF.type, SH.NodeShape) in shapes, f"{target} is not a node shape"

    report = validate_file(path)
    assert not report.conforms, f"{path.name} should not conform"
    errors = [v for v in report.violations if v.severity == "Violation"]
    found = {(v.constraint, v.path) for v in errors}
    assert found == expected, (
        f"{path.name}: expected {sorted(expected, key=str)}, got {sorted(found, key=str)}\n{report.text()}"
    )

    # The targeted shape reports it: itself (SPARQL and node-level constraints) or through one of its
    # property shapes (blank nodes, which the report names by their id in the shapes graph).
    def from_target(shape_id: str) -> bool:
        shape = URIRef(shape_id) if "://" in shape_id else BNode(shape_id)
        return shape == target_iri or (target_iri, SH.property, shape) in shapes

    assert any(from_target(v.shape) for v in errors), (
        f"{path.name}: no result from {target} or its property shapes:\n{report.text()}"
    )

    # A SPARQL result's message must be the message of one of the targeted shape's sh:sparql blocks.
    templates = sparql_templates(shapes)
    for v in errors:
        if v.constraint == SPARQL_COMPONENT:
            owners = {shape for shape, pattern in templates.values() if pattern.match(v.message)}
            assert target_iri in owners, f"{path.name}: no sh:sparql of {target} says {v.message!r}"


def test_every_node_shape_has_an_invalid_example(shapes: Graph) -> None:
    targeted = {expand_rs(read_header(p)[0]) for p in INVALID if read_header(p)[0]}
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    missing = sorted(str(s).replace(RS, "rs:") for s in node_shapes - targeted)
    assert not missing, f"node shapes without an invalid example: {missing}"


def test_every_sparql_constraint_has_an_invalid_example(shapes: Graph) -> None:
    blocks = Counter(shape for shape, _ in shapes.subject_objects(SH.sparql))
    files: Counter[URIRef] = Counter()
    for p in INVALID:
        target, expected = read_header(p)
        if target and any(constraint == SPARQL_COMPONENT for constraint, _ in expected):
            files[expand_rs(target)] += 1
    short = {str(s).replace(RS, "rs:"): (n, files[s]) for s, n in blocks.items() if files[s] < n}
    assert not short, f"(sh:sparql blocks, invalid examples) per shape: {short}"


def test_every_sparql_constraint_is_triggered(shapes: Graph, validate_file) -> None:
    """Stronger than counting headers: each sh:sparql block's own message appears in some result."""
    templates = sparql_templates(shapes)
    hit: set[BNode] = set()
    for p in INVALID:
        for v in validate_file(p).violations:
            if v.constraint == SPARQL_COMPONENT:
                hit |= {c for c, (_, pattern) in templates.items() if pattern.match(v.message)}
    missing = sorted(
        f"{str(shape).replace(RS, 'rs:')}: {shapes.value(c, SH.message)}"
        for c, (shape, _) in templates.items()
        if c not in hit
    )
    assert not missing, f"sh:sparql constraints no invalid example triggers: {missing}"
