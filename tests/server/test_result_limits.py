"""Results are bounded in rows and bytes, and a truncated result says so in a header."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
import rdflib

from r2pgraph.build.assemble import BuildResult
from tests.conftest import running_server

EVERYTHING = "SELECT ?s WHERE { ?s a ?class }"  # many rows, each small


@pytest.fixture(scope="module")
def small_limits(built: BuildResult) -> Iterator[str]:
    build_dir = built.generation.parent.parent
    with running_server(build_dir, "--max-rows", "10", "--max-result-bytes", "2500") as url:
        yield url + "/sparql"


def test_rows_past_the_limit_are_cut_and_the_header_says_so(small_limits: str) -> None:
    answer = httpx.get(small_limits, params={"query": EVERYTHING, "format": "json"})
    assert answer.status_code == 200
    assert answer.headers["r2p-result-truncated"] == "rows; limit=10"
    assert answer.headers["r2p-result-rows"] == "10"
    assert len(answer.json()["results"]["bindings"]) == 10
    as_csv = httpx.get(small_limits, params={"query": EVERYTHING}, headers={"Accept": "text/csv"})
    assert len(list(csv.reader(io.StringIO(as_csv.text)))) == 1 + 10
    assert as_csv.headers["r2p-result-truncated"] == "rows; limit=10"


def test_a_result_within_the_limits_is_complete_and_unmarked(small_limits: str) -> None:
    answer = httpx.get(small_limits, params={"query": EVERYTHING + " LIMIT 3", "format": "json"})
    assert "r2p-result-truncated" not in answer.headers
    assert answer.headers["r2p-result-rows"] == "3" and len(answer.json()["results"]["bindings"]) == 3


def test_bytes_past_the_limit_are_cut_to_whole_rows(small_limits: str) -> None:
    long = "CONCAT(" + ", ".join(["STR(?s)"] * 16) + ")"
    query = f"SELECT ?s ?d WHERE {{ ?s a ?c BIND ({long} AS ?d) }}"  # rows of 600+ bytes
    answer = httpx.get(small_limits, params={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert answer.headers["r2p-result-truncated"] == "bytes; limit=2500"
    assert len(answer.content) <= 2500
    rows = answer.text.splitlines()
    assert rows[0] == "?s\t?d" and len(rows) - 1 == int(answer.headers["r2p-result-rows"]) > 0


def test_construct_results_are_bounded_in_triples(small_limits: str) -> None:
    query = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c }"
    answer = httpx.get(small_limits, params={"query": query}, headers={"Accept": "application/n-triples"})
    assert answer.headers["r2p-result-truncated"] == "rows; limit=10"
    assert len(rdflib.Graph().parse(data=answer.text, format="nt")) == 10
