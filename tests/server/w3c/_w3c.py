"""Helpers for driving the W3C SPARQL 1.1 test suites against a real ``r2pgraph serve``.

The suites (W3C test-suite licence) are read from ../shared/reference/w3c-rdf-tests. Manifests and
data files are read with their ``file:`` IRIs as base, so relative IRIs in queries (which are sent
with a ``BASE`` of the query file's IRI), data and expected results all agree.

Results are compared by meaning: solutions as multisets of rows, blank nodes equal up to a
consistent renaming, numeric literals of the same datatype equal when their values are (so
``"1.0E6"^^xsd:double`` equals ``"1.0e6"^^xsd:double``), language tags case-insensitively.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, Namespace, URIRef
from rdflib.collection import Collection

from r2pgraph.build.assemble import write_generation
from r2pgraph.config import Settings
from tests.conftest import ROOT, SHARED, running_server

W3C = SHARED / "reference" / "w3c-rdf-tests"
SPARQL11 = W3C / "sparql" / "sparql11"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
RESULT_OX = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_MEDIA_RDFLIB = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


def require_suites() -> None:
    """Skip the calling module when the W3C test suites are not available."""
    if not SPARQL11.is_dir():
        pytest.skip(f"W3C SPARQL test suites not found at {SPARQL11}", allow_module_level=True)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


# ---------------------------------------------------------------------------------------- manifests


def load_manifest(path: Path) -> tuple[rdflib.Graph, list[URIRef]]:
    """The manifest graph (base: its file IRI) and its mf:entries, in order."""
    g = rdflib.Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    entries = [e for e in Collection(g, g.value(manifest, MF.entries)) if isinstance(e, URIRef)]
    return g, entries


def local_name(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1]


def iri_path(iri: object) -> Path:
    """The local file of a ``file:`` IRI."""
    text = str(iri)
    assert text.startswith("file://"), text
    return Path(unquote(urlparse(text).path))


# ---------------------------------------------------------------------------------------- datasets


def file_quads(path: Path, graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    """The triples of an RDF file (base: its file IRI; blank nodes renamed apart) put in ``graph``."""
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    triples = ox.parse(path=path, format=fmt, base_iri=path.as_uri(), rename_blank_nodes=True)
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples]


def make_build_dir(build_dir: Path, quads: Iterable[ox.Quad]) -> Path:
    """Write ``quads`` as the current generation of ``build_dir`` (no validation) and return it."""
    nquads = ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS) or b""
    settings = Settings(
        data_dir=ROOT / "data", ontology_dir=ROOT / "ontology", shapes_dir=ROOT / "shapes", build_dir=build_dir
    )
    write_generation(nquads, settings)
    return build_dir


def start_servers(stack: ExitStack, build_dirs: dict[str, Path]) -> dict[str, str]:
    """Start one server per build directory, concurrently; they stop when ``stack`` closes."""

    def start(build_dir: Path) -> tuple[AbstractContextManager[str], str]:
        for attempt in range(2):  # a second try, on a new port, if the first one was taken meanwhile
            manager = running_server(build_dir)
            try:
                return manager, manager.__enter__()
            except RuntimeError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    with ThreadPoolExecutor(max_workers=max(1, len(build_dirs))) as pool:
        futures = {key: pool.submit(start, d) for key, d in build_dirs.items()}
        urls, errors = {}, []
        for key, future in futures.items():
            try:
                manager, urls[key] = future.result()
                stack.push(manager.__exit__)
            except Exception as e:  # re-raised below, once the servers that did start will be stopped
                errors.append(e)
    if errors:
        raise errors[0]
    return urls


# ---------------------------------------------------------------------------------------- query text


def with_base(query: str, base: str) -> str:
    """Give the query the base IRI the test suite assumes (the query file's IRI); a BASE in the
    query itself still overrides it."""
    return f"BASE <{base}>\n{query}"


_LEXICAL = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\r\n]|\\.)*"'  # short strings
    r"|'(?:[^'\\\r\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'  # IRIs
    r"|#[^\r\n]*",  # comments
)


def code_only(query: str) -> str:
    """The query with comments, strings and IRIs replaced by spaces."""
    return _LEXICAL.sub(lambda m: " " * len(m.group(0)), query)


def top_level_order_vars(query: str) -> list[str] | None:
    """The variables of the outermost ORDER BY, when it only sorts on plain variables.

    None when the query is not ordered at the top level, or when a sort key is an expression
    (the order is then not checked, only the multiset of rows).
    """
    text = code_only(query)
    depth, start = 0, None
    for i, ch in enumerate(text):
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif depth == 0 and re.match(r"(?i)ORDER\s+BY\b", text[i:]) and (i == 0 or not text[i - 1].isalnum()):
            start = i
    if start is None:
        return None
    clause = re.sub(r"(?i)^ORDER\s+BY", "", text[start:])
    clause = re.split(r"(?i)\b(?:LIMIT|OFFSET|VALUES)\b", clause)[0]
    keys = re.findall(r"(?i)(?:ASC|DESC)\s*\(\s*[?$](\w+)\s*\)|[?$](\w+)|(\S)", clause)
    names = []
    for wrapped, plain, other in keys:
        if other:
            return None
        names.append(wrapped or plain)
    return names


# ---------------------------------------------------------------------------------------- results

# A neutral representation of RDF terms, independent of the parser that read them:
# ("I", iri) | ("B", label) | ("L", lexical form, datatype IRI, language tag in lower case)
Term = tuple[str, ...]
Row = dict[str, Term]

INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "positiveInteger",
    )
}


@dataclass
class Solutions:
    variables: list[str]
    rows: list[Row] = field(default_factory=list)


Result = bool | Solutions


def from_ox(term: object) -> Term:
    if isinstance(term, ox.NamedNode):
        return ("I", term.value)
    if isinstance(term, ox.BlankNode):
        return ("B", term.value)
    if isinstance(term, ox.Literal):
        return ("L", term.value, term.datatype.value, (term.language or "").lower())
    raise TypeError(f"unexpected term {term!r}")


def from_rdflib(term: object) -> Term:
    if isinstance(term, rdflib.URIRef):
        return ("I", str(term))
    if isinstance(term, rdflib.BNode):
        return ("B", str(term))
    if isinstance(term, rdflib.Literal):
        dt = str(term.datatype) if term.datatype else (RDF_LANG_STRING if term.language else XSD + "string")
        return ("L", str(term), dt, (term.language or "").lower())
    raise TypeError(f"unexpected term {term!r}")


def value_key(term: Term) -> tuple[object, ...]:
    """What two terms must share to mean the same: numeric literals compare by value within
    their datatype, booleans by truth value, everything else by its parts."""
    if term[0] != "L":
        return term
    _, lexical, datatype, _language = term
    text = lexical.strip()
    try:
        if datatype in INTEGER_TYPES:
            return ("V", datatype, int(text))
        if datatype == XSD + "decimal":
            return ("V", datatype, Decimal(text))
        if datatype in (XSD + "double", XSD + "float"):
            value = float(text)
            return ("V", datatype, "NaN" if math.isnan(value) else value)
        if datatype == XSD + "boolean" and text in ("true", "false", "1", "0"):
            return ("V", datatype, text in ("true", "1"))
    except (ValueError, InvalidOperation):
        pass
    return term


def ox_results(data: bytes | None = None, fmt: ox.QueryResultsFormat | None = None, path: Path | None = None) -> Result:
    """Parse SPARQL results (JSON, XML or TSV) with pyoxigraph."""
    if path is not None:
        fmt = ox.QueryResultsFormat.from_extension(path.suffix.lstrip("."))
        parsed = ox.parse_query_results(path=path, format=fmt)
    else:
        parsed = ox.parse_query_results(data, fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    variables = [v.value for v in parsed.variables]
    rows = []
    for solution in parsed:
        row = {}
        for name in variables:
            value = solution[name]
            if value is not None:
                row[name] = from_ox(value)
        rows.append(row)
    return Solutions(variables, rows)


def result_set_ttl(path: Path) -> Result | None:
    """Read an rs:ResultSet written in Turtle; None when the file is a plain RDF graph."""
    g = rdflib.Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    rs = next(g.subjects(RDF.type, RS.ResultSet), None)
    if rs is None:
        return None
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return bool(boolean.toPython())
    variables = sorted(str(v) for v in g.objects(rs, RS.resultVariable))
    indexed = []
    for solution in g.objects(rs, RS.solution):
        row = {str(g.value(b, RS.variable)): from_rdflib(g.value(b, RS.value)) for b in g.objects(solution, RS.binding)}
        index = g.value(solution, RS.index)
        indexed.append((int(index) if index is not None else 0, row))
    indexed.sort(key=lambda t: t[0])
    return Solutions(variables, [row for _, row in indexed])


def _shape(row: dict[str, tuple[object, ...]]) -> tuple[tuple[str, tuple[object, ...]], ...]:
    """A row with its blank nodes anonymised, for counting."""
    return tuple(sorted((k, ("B",) if v[0] == "B" else v) for k, v in row.items()))


def _extend(e: dict[str, tuple[object, ...]], a: dict[str, tuple[object, ...]], fwd: dict, bwd: dict):  # type: ignore[no-untyped-def]
    fwd, bwd = dict(fwd), dict(bwd)
    for var, ev in e.items():
        av = a[var]
        if ev[0] == "B" and (fwd.setdefault(ev, av) != av or bwd.setdefault(av, ev) != ev):
            return None
    return fwd, bwd


def same_rows(expected: list[Row], actual: list[Row]) -> bool:
    """Equal as multisets, blank nodes up to a consistent renaming (bijection)."""
    exp = [{k: value_key(v) for k, v in r.items()} for r in expected]
    act = [{k: value_key(v) for k, v in r.items()} for r in actual]
    if Counter(map(_shape, exp)) != Counter(map(_shape, act)):
        return False
    exp_b = [r for r in exp if any(v[0] == "B" for v in r.values())]
    act_b = [r for r in act if any(v[0] == "B" for v in r.values())]
    if not exp_b:
        return True
    used = [False] * len(act_b)

    def search(i: int, fwd: dict, bwd: dict) -> bool:  # type: ignore[type-arg]
        if i == len(exp_b):
            return True
        for j, a in enumerate(act_b):
            if used[j] or _shape(a) != _shape(exp_b[i]):
                continue
            extended = _extend(exp_b[i], a, fwd, bwd)
            if extended is None:
                continue
            used[j] = True
            if search(i + 1, *extended):
                return True
            used[j] = False
        return False

    return search(0, {}, {})


def _render(rows: list[Row], limit: int = 40) -> str:
    def term(t: Term) -> str:
        if t[0] == "I":
            return f"<{t[1]}>"
        if t[0] == "B":
            return f"_:{t[1]}"
        if len(t) == 2:
            return repr(t[1])
        suffix = f"@{t[3]}" if t[3] else ("" if t[2] == XSD + "string" else f"^^<{t[2]}>")
        return f'"{t[1]}"{suffix}'

    lines = [" ".join(f"{k}={term(v)}" for k, v in sorted(r.items())) for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"... ({len(rows)} rows)")
    return "\n    ".join(lines) or "(no rows)"


def assert_same_result(expected: Result, actual: Result, order_vars: list[str] | None = None) -> None:
    """Compare by meaning; with ``order_vars``, the sort keys must also come in the same order."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        assert actual == expected, f"expected {expected!r}, got {actual!r}"
        return
    message = f"\n  expected:\n    {_render(expected.rows)}\n  actual:\n    {_render(actual.rows)}"
    assert same_rows(expected.rows, actual.rows), "solutions differ" + message
    if order_vars:

        def keys(rows: list[Row]) -> list[tuple[object, ...]]:
            out = []
            for r in rows:
                values = [value_key(r[v]) if v in r else ("unbound",) for v in order_vars]
                out.append(tuple(("B",) if v[0] == "B" else v for v in values))
            return out

        assert keys(expected.rows) == keys(actual.rows), f"order on {order_vars} differs" + message


def rdflib_graph(data: bytes | str | Path, fmt: str, base: str | None = None) -> rdflib.Graph:
    g = rdflib.Graph()
    if isinstance(data, Path):
        g.parse(data, format=fmt, publicID=base or data.as_uri())
    else:
        g.parse(data=data, format=fmt, publicID=base)
    return g
