"""Hostile SPARQL queries never make the endpoint reach the network, and never kill a query worker
or the server: SERVICE is refused on the parse tree of the text that is evaluated, the workers
cannot open network sockets at all (seccomp), and nesting is bounded before any parser sees the
query. On both serving modes: the embedded store, and ``serve --store`` over a real Oxigraph server."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import socket
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r2pgraph.build.assemble import BuildResult
from r2pgraph.cli import main
from r2pgraph.server.query_check import SERVICE_REFUSED, QueryChecker
from r2pgraph.server.sandbox import SECCOMP, deny_network
from r2pgraph.server.sparql_text import MAX_NESTING, nesting_error
from tests.conftest import Listener, server_process
from tests.remote_stores import OxigraphServer

SERVICE_QUERIES = [
    "SELECT * WHERE {{ #\r SERVICE SILENT <{url}/x> {{?s ?p ?o}} }}",
    "SELECT * WHERE {{ BIND(<http://a/\u00a0#> AS ?z) SERVICE <{url}/x> {{?s ?p ?o}} }}",
    "SELECT * WHERE {{ BIND(<http://a/\u3000#> AS ?z) SERVICE <{url}/x> {{?s ?p ?o}} }}",
    "ASK {{ #\r SERVICE SILENT <{url}/x> {{?s ?p ?o}} }}",
    "ASK {{ BIND(<http://a/\u00a0#> AS ?z) SERVICE <{url}/x> {{?s ?p ?o}} }}",
    "SELECT * WHERE {{ SERVICE <{url}/x> {{?s ?p ?o}} }}",
]
DEEP = {
    "braces": "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "bangs": "SELECT * WHERE { FILTER(" + "!" * 50_000 + "true) }",
}
ASK_FINDING = "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> }"
# A cross product the store would take minutes over; ASK is evaluated at once, even on no data.
VALUES = " ".join(f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(300))} }}" for i in range(4))
CROSS_PRODUCT = f"ASK {{ {VALUES} FILTER(?v0 + ?v1 + ?v2 + ?v3 < 0) }}"


# --- the scan that bounds nesting, alone --------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE " + "{" * 201 + "}" * 201,
        "SELECT * WHERE { FILTER(?x<" + "(" * 201 + "1" + ")" * 201 + ">) }",  # `<` read as an operator
        "SELECT * WHERE { FILTER(?x<'>'&&" + "(" * 201 + "1" + ")" * 201 + ") } #'",
        "PREFIX e: <http://e/> SELECT * WHERE { ?s ?p e:a\\'" + "{" * 201 + "'" + "}" * 201 + " }",
        "SELECT * WHERE { FILTER(" + "! " * 201 + "true) }",
        "SELECT * WHERE { #\r" + "{" * 201 + "}" * 201 + " }",
        "SELECT * WHERE { BIND(<http://a/\u00a0#> AS ?z) " + "{" * 201 + "}" * 201 + " }",
    ],
    ids=["braces", "less-than", "less-than-string", "escaped-quote", "bangs", "cr-comment", "nbsp-iri"],
)
def test_nesting_past_the_limit_is_found_whatever_hides_it(query: str) -> None:
    assert nesting_error(query) is not None and f"deeper than {MAX_NESTING} levels" in str(nesting_error(query))


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s <http://x/(((((> ?o . FILTER(?o != '((((((') } # ((((((",
        'SELECT * WHERE { ?s ?p """{{{{ \\""" {{{{""" }',
        "SELECT * WHERE " + "{" * 200 + "}" * 200,
    ],
)
def test_brackets_in_strings_iris_and_comments_do_not_count(query: str) -> None:
    assert nesting_error(query) is None


# --- the sandbox, alone --------------------------------------------------------------------------


def _connect_from_sandbox(port: int, out: Connection) -> None:
    sandbox = deny_network()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        outcome = "connected"
    except PermissionError:
        outcome = "PermissionError"
    except OSError as e:
        outcome = f"other error: {e!r}"
    a, b = socket.socketpair()  # AF_UNIX, which the worker's pipes use, still works
    a.sendall(b"x")
    out.send((sandbox, outcome, b.recv(1)))


def test_the_sandbox_blocks_network_sockets(listener: Listener) -> None:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    port = int(listener.url.rsplit(":", 1)[1])
    process = ctx.Process(target=_connect_from_sandbox, args=(port, child))
    process.start()
    child.close()
    assert parent.poll(60)
    sandbox, outcome, unix = parent.recv()
    process.join(10)
    assert (sandbox, outcome, unix) == (SECCOMP, "PermissionError", b"x")
    listener.assert_untouched()


# --- both serving modes --------------------------------------------------------------------------


def _workers(pid: int) -> set[int]:
    """The server's worker processes (children started by multiprocessing's spawn)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(FileNotFoundError):  # a child that has just ended
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.add(int(child))
    return found


def _all_workers(pid: int, count: int = 3) -> set[int]:
    deadline = time.monotonic() + 60
    while len(found := _workers(pid)) < count:
        assert time.monotonic() < deadline, f"only {len(found)} workers started"
        time.sleep(0.1)
    return found


@pytest.fixture(scope="module")
def embedded(built: BuildResult) -> Iterator[tuple[str, int]]:
    with server_process(built.generation.parent.parent) as (url, proc):
        yield url, proc.pid


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory, built: BuildResult) -> Iterator[tuple[str, int]]:
    store = OxigraphServer(tmp_path_factory.mktemp("guard-oxigraph") / "db", "--union-default-graph")
    store.start()
    try:
        args = ["--to", store.query, "--update", store.update, "--gsp", store.gsp]
        assert main(["publish", "--generation", str(built.generation), *args]) == 0
        with server_process(built.generation.parent.parent, "--store", store.query) as (url, proc):
            yield url, proc.pid
    finally:
        store.stop()


@pytest.fixture(params=["embedded", pytest.param("remote", marks=pytest.mark.remote)])
def mode(request: pytest.FixtureRequest) -> tuple[str, int]:
    served: tuple[str, int] = request.getfixturevalue(request.param)
    return served


def _sparql(url: str, query: str, **params: str) -> httpx.Response:
    return httpx.post(url + "/sparql", data={"query": query, **params}, timeout=60)


def test_service_in_any_disguise_is_refused_and_nothing_is_reached(mode: tuple[str, int], listener: Listener) -> None:
    url, pid = mode
    before = _all_workers(pid)
    for template in SERVICE_QUERIES:
        answer = _sparql(url, template.format(url=listener.url))
        # refused on the parse tree: as SERVICE, or (rdflib does not parse BIND before SERVICE) as unverifiable
        assert answer.status_code == 400 and "SERVICE" in answer.text, (template, answer.text)
        if "BIND" not in template:
            assert SERVICE_REFUSED in answer.text
    assert _sparql(url, ASK_FINDING).json()["boolean"] is True
    assert _workers(pid) == before
    health = httpx.get(url + "/health").json()
    assert health["status"] == "ok" and health["network_sandbox"] == SECCOMP
    listener.assert_untouched()


@pytest.mark.parametrize("kind", list(DEEP))
def test_deep_nesting_is_refused_before_any_parser(mode: tuple[str, int], kind: str) -> None:
    url, pid = mode
    before = _all_workers(pid)
    answer = _sparql(url, DEEP[kind])
    assert answer.status_code == 400 and f"deeper than {MAX_NESTING} levels" in answer.text
    assert _workers(pid) == before
    assert _sparql(url, ASK_FINDING).status_code == 200


def test_an_unverifiable_query_is_refused_and_a_malformed_one_named(mode: tuple[str, int]) -> None:
    url, _ = mode
    star = _sparql(url, "SELECT * WHERE { << ?s ?p ?o >> ?q ?r . SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }")
    assert star.status_code == 400 and "could not be verified" in star.text
    bad = _sparql(url, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p } }")
    assert bad.status_code == 400 and "Malformed query" in bad.text and "1:" in bad.text
    load = _sparql(url, "LOAD <http://127.0.0.1:9/data.ttl>")
    assert load.status_code == 403 and "read-only" in load.text
    plain_star = _sparql(url, "SELECT * WHERE { << ?s ?p ?o >> ?q ?r }")  # no SERVICE possible: evaluated
    assert plain_star.status_code == 200


@pytest.mark.remote
def test_a_cross_product_is_stopped_at_the_deadline_in_store_mode(remote: tuple[str, int]) -> None:
    url, pid = remote
    _all_workers(pid)
    answer = _sparql(url, CROSS_PRODUCT, timeout="1")
    assert answer.status_code == 503 and "deadline of 1 s" in answer.text
    assert httpx.get(url + "/health").status_code == 200
    assert _sparql(url, ASK_FINDING).json()["boolean"] is True


# --- property: no generated query reaches the listener -------------------------------------------

# Separators SPARQL accepts (comments ended by CR or LF), and, now and then, characters it does not
# take for whitespace (U+2028, U+0085, U+00A0, U+3000).
_SEPARATORS = st.sampled_from(
    [" ", "\t", "\n", "\r", "\r\n", "#c\r", "#\r", "#c\n", "# }\n", "#\u2028\r", "#\u0085 {\n", "#\u00a0\r"]
)
_ODD = ["\u2028", "\u0085", "\u00a0", "\u3000"]
_NOISE = st.sampled_from(
    [
        "",
        "BIND(<http://a/\u00a0#> AS ?z)",
        "BIND(<http://a/\u3000#x> AS ?z)",
        "BIND('#' AS ?y)",
        'BIND("\\u0022" AS ?y)',
        "BIND('''}'''  AS ?y)",
        "?s <http://a/#\u2028> ?o .",
        "# SERVICE\n",
    ]
)


@st.composite
def _hostile_queries(draw: st.DrawFn, url: str) -> str:
    # Now and then one of the gaps is a character SPARQL does not take for whitespace (hypothesis
    # favours the bounds of a range, so the bounds mean "none").
    odd_at, odd = draw(st.integers(0, 13)), draw(st.sampled_from(_ODD))
    gaps = [odd if i + 7 == odd_at else draw(_SEPARATORS) for i in range(6)]
    keyword = draw(st.sampled_from(["SERVICE", "service", "SeRvIcE", "SERVICE", "\\u0053ERVICE"]))
    silent = draw(st.sampled_from(["", "SILENT", "silent"]))
    target = draw(st.sampled_from([f"<{url}/x>", f"<{url}/a\u00a0#b>", f"<{url}/\\u0073parql>", "p:x"]))
    pattern = f"{keyword}{gaps[0]}{silent}{gaps[1]}{target}{gaps[2]}{{ ?s ?p ?o }}"
    for _ in range(draw(st.integers(0, 3))):
        wrap = draw(
            st.sampled_from(
                [
                    "{{ {} }}",
                    "OPTIONAL {{ {} }}",
                    "{{ ?s ?p ?o }} UNION {{ {} }}",
                    "MINUS {{ {} }}",
                    "{{ SELECT * WHERE {{ {} }} }}",
                    "FILTER EXISTS {{ {} }}",
                ]
            )
        )
        pattern = wrap.format(pattern)
    after = draw(_NOISE).replace("?z", "?z2").replace("?y", "?y2")  # a variable is bound once
    body = f"{draw(_NOISE)}{gaps[3]}{pattern}{gaps[4]}{after}"
    form = draw(
        st.sampled_from(
            [
                "SELECT * WHERE {{ {} }}",
                "ASK {{ {} }}",
                "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {} }}",
                "DESCRIBE ?s WHERE {{ {} }}",
            ]
        )
    )
    return f"PREFIX p: <{url}/>{gaps[5]}" + form.format(body)


@pytest.mark.slow
def test_no_generated_query_reaches_the_network(mode: tuple[str, int], listener: Listener) -> None:
    url, pid = mode
    before = _all_workers(pid)
    seen: dict[int, int] = {}

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(_hostile_queries(listener.url))
    def check(query: str) -> None:
        answer = _sparql(url, query)
        seen[answer.status_code] = seen.get(answer.status_code, 0) + 1
        assert answer.status_code in (200, 400), (query, answer.status_code, answer.text[:300])
        assert listener.connections == [], query

    check()
    assert _workers(pid) == before
    assert seen.get(400, 0) > 0, seen
    listener.assert_untouched()


@pytest.mark.parametrize(
    ("query", "names_dataset"),
    [
        ("SELECT * WHERE { ?s ?p 'from' }", False),
        ("SELECT * WHERE { ?s <http://x/from> ?o }", False),
        ("SELECT * #\r FROM <http://g/>\nWHERE { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://g/> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ("ASK FROM <http://g/> { }", True),
        ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", False),
    ],
)
def test_dataset_clauses_are_read_from_the_parse_tree(query: str, names_dataset: bool) -> None:
    assert QueryChecker().verdict(query).names_dataset is names_dataset
