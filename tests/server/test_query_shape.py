"""Single-pattern look-ups (server/query_shape.py), answered in the server process: which texts are
look-ups, and that a look-up evaluated in the server gets exactly the answer a worker gives (on the
session's real store, for generated look-ups of every shape)."""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r2pgraph.server.evaluation import Job, answer, in_server
from r2pgraph.server.query_check import QueryChecker
from r2pgraph.server.query_shape import _FAST, _read, is_lookup

R2P = "https://w3id.org/r2p/ontology#"
JPN = "<https://w3id.org/r2p/id/state/JPN>"


@pytest.mark.parametrize(
    "query",
    [
        "ASK {}",
        "ask where { }",
        "ASK { ?s ?p ?o . }",
        "ASK{}#a comment",
        "ASK {}\n# a comment with { braces } and SERVICE <http://x> {}",
        f"SELECT * WHERE {{ {JPN} ?p ?o }}",
        f"SELECT ?p ?o {{ {JPN} ?p ?o }} LIMIT 10",
        f"select $o {{ {JPN} a $o }}",
        "SELECT ?s ?p ?o { ?s ?p ?o }",
        "PREFIX r2p: <https://w3id.org/r2p/ontology#> SELECT ?s { ?s a r2p:State }",
        "PREFIX : <https://w3id.org/r2p/id/state/> BASE <https://w3id.org/> CONSTRUCT WHERE { :JPN ?p ?o }",
        f"CONSTRUCT WHERE {{ {JPN} ?p ?o }} LIMIT 3",
        "SELECT ?o { <relative> ?p ?o }",
    ],
)
def test_look_ups(query: str) -> None:
    assert is_lookup(query)


@pytest.mark.parametrize(
    "query",
    [
        "ASK { ?x ?p ?x }",  # a repeated variable makes the scan filter
        "ASK { ?x ?p $x }",  # the same variable
        f"SELECT ?o {{ {JPN} ?p ?o . ?o ?q ?r }}",  # a join
        f'SELECT ?p {{ {JPN} ?p "Japan" }}',  # a literal
        "SELECT ?s { ?s ?p _:b }",  # a blank node
        "ASK {{}}",
        "ASK { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        f"SELECT ?o FROM <urn:g> {{ {JPN} ?p ?o }}",
        f"SELECT ?o {{ {JPN} ?p ?o }} ORDER BY ?o",
        f"SELECT ?o {{ {JPN} ?p ?o }} OFFSET 100000",  # skipping scans
        "SELECT DISTINCT ?x { ?s ?p ?o }",  # scans everything for one row
        "SELECT REDUCED ?p { ?s ?p ?o }",
        "SELECT ?a ?b ?c ?d { ?s ?p ?o }",  # more variables than a pattern has
        "\u017fELECT * { ?s ?p ?o } LIMIT 1",  # not a keyword, whatever case folding says
        "AS\u212a { ?s ?p ?o }",
        "SELECT * { ?s ?p ?o } L\u0131MIT 1",
        f"SELECT ?o {{ {JPN} ?p ?o }} LIMIT 1 LIMIT 2",
        f"SELECT ?o {{ {JPN} ?p ?o FILTER(?o) }}",
        f"SELECT ?o {{ {JPN} <urn:p>* ?o }}",  # a path
        f"SELECT (COUNT(*) AS ?n) {{ {JPN} ?p ?o }}",
        f"CONSTRUCT {{ ?o ?p {JPN} }} WHERE {{ {JPN} ?p ?o }}",  # a template
        f"DESCRIBE {JPN}",
        "ASK { A ?p ?o }",  # not the keyword a
        "ASK {} LIMIT 1",
        "ASK { ?s ?p ?o } x",
        "ASK { ?s ?p ?o }\u00a0",  # a character outside the tokens
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "ASK {" + " " * 5000 + "}",  # longer than a look-up is
    ],
)
def test_not_look_ups(query: str) -> None:
    assert not is_lookup(query)


TERMS = st.sampled_from(
    [
        JPN,
        "<https://w3id.org/r2p/id/state/FRA>",
        f"<{R2P}State>",
        "r2p:State",
        "<http://www.w3.org/2004/02/skos/core#prefLabel>",
        "<urn:absent>",
    ]
)
VARIABLES = st.sampled_from(["?s", "?p", "?o", "$x"])


PREDICATES = st.sampled_from(["a", "?p", "<http://www.w3.org/2004/02/skos/core#prefLabel>", "<urn:absent>"])


@st.composite
def look_ups(draw: st.DrawFn) -> str:
    """A look-up of any shape, over terms of the data and absent ones."""
    terms = [draw(st.one_of(TERMS, VARIABLES)), draw(PREDICATES), draw(st.one_of(TERMS, VARIABLES))]
    # Each variable once (a repeated one is not a look-up).
    terms = [f"?v{i}" if t[0] in "?$" and t[1:] in [u[1:] for u in terms[:i]] else t for i, t in enumerate(terms)]
    pattern = " ".join(terms) if draw(st.booleans()) else ""
    prologue = f"PREFIX r2p: <{R2P}>\n"
    limit = f" LIMIT {draw(st.integers(0, 700))}" if draw(st.booleans()) else ""
    form = draw(st.sampled_from(["ASK", "SELECT", "CONSTRUCT"]))
    if form == "ASK":
        return f"{prologue}ASK {{ {pattern} }}"
    if form == "CONSTRUCT":
        return f"{prologue}CONSTRUCT WHERE {{ {pattern} }}{limit}"
    projection = draw(st.sampled_from(["*", "?s", "?p ?o", "?s ?p ?o", "$x ?v2"]))
    return f"{prologue}SELECT {projection} {{ {pattern} }}{limit}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=look_ups(),
    accept=st.sampled_from(
        [None, "application/sparql-results+json", "text/csv", "application/sparql-results+xml", "text/turtle"]
    ),
)
def test_a_look_up_answered_in_the_server_is_the_answer_a_worker_gives(
    store: ox.Store, query: str, accept: str | None
) -> None:
    assert is_lookup(query), query
    job = Job(query, {}, accept, None, "https://r2p.example.org/sparql")
    here = in_server(store, job, 500)
    there = answer(store, job, QueryChecker())
    if here is None:  # more rows than a look-up answered in the server may have (or a worker)
        rows = store.query(query, use_default_graph_as_union=True)
        assert not isinstance(rows, ox.QueryBoolean)
        assert len(list(itertools.islice(rows, 501))) == 501
        return
    assert here == there


FRAGMENTS = st.sampled_from(
    [
        *("ASK", "ask", "SELECT", "CONSTRUCT", "WHERE", "where", "DISTINCT", "REDUCED", "LIMIT", "BASE", "PREFIX"),
        *("a", "A", "ab", "?s", "$s", "?p", "?o", "?s1", "<http://x/#y>", "<a b>", "<>", "ex:x", "ex:", ":x"),
        *("{", "}", ".", "*", "10", "0", " ", "\n", "\r", "\t", "#c\n", "#}", "-", ":", "_", "\u00a0", '"x"', "("),
        *("DISTINCT", "\u017f", "\u212a", "\u0131", "SELECT", "s", "k", "i"),
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(FRAGMENTS, max_size=14))
def test_the_fast_reading_accepts_only_look_ups(parts: list[str]) -> None:
    # The fragments joined as they come: adjacent ones make new tokens (``ASK1``, ``?s?p``, ``LIMIT10``).
    text = "".join(parts)
    if _FAST.fullmatch(text):
        assert _read(text), text
    assert is_lookup(text) == _read(text), text


@pytest.mark.parametrize(
    "query",
    ["ASK {}", "ASK {}\n#1-2", f"SELECT ?p ?o WHERE {{ {JPN} ?p ?o }} LIMIT 100", f"CONSTRUCT WHERE {{ {JPN} ?p ?o }}"],
)
def test_the_commonest_look_ups_are_read_fast(query: str) -> None:
    assert _FAST.fullmatch(query) is not None
