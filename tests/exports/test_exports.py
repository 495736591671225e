"""Every export re-parses to the same graph as the build (compared by meaning, not text)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from pyld import jsonld
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from r2pgraph.exports.dumps import write_exports

ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology"


def _dataset(path: Path, fmt: str) -> Dataset:
    ds = Dataset()
    ds.parse(path, format=fmt)
    return ds


def _union(ds: Dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(
            "graphs differ\nonly in build:\n"
            + only_expected.serialize(format="nt")[:3000]
            + "\nonly in export:\n"
            + only_actual.serialize(format="nt")[:3000]
        )


@pytest.fixture(scope="module")
def build_quads(generation: Path) -> Dataset:
    return _dataset(generation / "r2p.nq", "nquads")


def _graphs(ds: Dataset) -> dict[str, Graph]:
    out: dict[str, Graph] = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        out.setdefault(str(g), Graph()).add((s, p, o))
    return out


def _assert_same_graphs(expected_ds: Dataset, actual_ds: Dataset) -> None:
    """The same graph names, and each graph isomorphic to its namesake."""
    expected, actual = _graphs(expected_ds), _graphs(actual_ds)
    assert sorted(expected) == sorted(actual)
    for name in expected:
        _assert_isomorphic(expected[name], actual[name])


def test_trig_keeps_every_named_graph(generation: Path, build_quads: Dataset) -> None:
    _assert_same_graphs(build_quads, _dataset(generation / "r2p.trig", "trig"))


@pytest.mark.parametrize(("file", "fmt"), [("r2p.ttl", "turtle"), ("r2p.nt", "nt")])
def test_union_exports_equal_the_union_of_graphs(generation: Path, build_quads: Dataset, file: str, fmt: str) -> None:
    _assert_isomorphic(_union(build_quads), Graph().parse(generation / file, format=fmt))


def test_jsonld_with_rdflib_keeps_graphs(generation: Path, build_quads: Dataset) -> None:
    _assert_same_graphs(build_quads, _dataset(generation / "r2p.jsonld", "json-ld"))


def test_jsonld_expanded_by_pyld_is_the_same_dataset(generation: Path, build_quads: Dataset) -> None:
    doc = json.loads((generation / "r2p.jsonld").read_text())
    assert isinstance(doc["@context"], dict) and doc["@context"]["r2p"] == "https://w3id.org/r2p/ontology#"
    nquads = jsonld.to_rdf(jsonld.expand(doc), {"format": "application/n-quads"})
    ds = Dataset()
    ds.parse(data=nquads, format="nquads")
    _assert_same_graphs(build_quads, ds)


def test_jsonld_reads_naturally(generation: Path) -> None:
    text = (generation / "r2p.jsonld").read_text()
    assert '"summary": {' in text and '"label": {' in text
    assert '"rating": "https://w3id.org/r2p/id/rating/' in text
    assert '"@type": "Finding"' in text and '"rdf:type"' not in text


def test_csv_tables(generation: Path) -> None:
    with (generation / "findings.csv").open() as f:
        findings = list(csv.DictReader(f))
    assert len(findings) == 36
    assert [int(r["indicator_order"]) for r in findings] == list(range(1, 37))
    assert {r["rating"] for r in findings} == {"Very Strong", "Strong", "Fair", "Weak", "Very Weak"}
    with (generation / "treaty-actions.csv").open() as f:
        actions = list(csv.DictReader(f))
    rome = [r for r in actions if r["instrument"] == "Rome Statute" and r["state"] == "JPN"]
    assert rome and rome[0]["action"] == "Accession" and rome[0]["date"] == "2007-07-17"
    assert "https://asp.icc-cpi.int/" in rome[0]["source_urls"]
    att = [r for r in actions if r["instrument"] == "ATT" and r["action"] == "Acceptance" and r["state"] == "JPN"]
    att = [r for r in att if "mofa" in r["source_urls"]]  # the curated record, not the UNTC table's
    assert att[0]["confirmed"] == "no"


SHARED = b"""<https://example.org/s> <https://example.org/p> "in both graphs" <https://example.org/g2> .
<https://example.org/s> <https://example.org/p> "in both graphs" <https://example.org/g1> .
<https://example.org/s> <https://example.org/p> "only in g1"@en <https://example.org/g1> .
<https://example.org/d> <https://example.org/p> <https://example.org/o> .
"""


def test_exports_of_a_triple_in_two_graphs_and_one_in_the_default_graph(tmp_path: Path) -> None:
    nquads = b"".join(sorted(SHARED.splitlines(keepends=True)))  # canonical: sorted lines
    write_exports(None, nquads, tmp_path, ONTOLOGY)
    expected = Dataset()
    expected.parse(data=nquads.decode(), format="nquads")
    lines = (tmp_path / "r2p.nt").read_bytes().splitlines()
    assert lines == sorted(set(lines)) and len(lines) == 3  # each triple of the union once
    _assert_isomorphic(_union(expected), Graph().parse(tmp_path / "r2p.ttl", format="turtle"))
    for file, fmt in (("r2p.trig", "trig"), ("r2p.jsonld", "json-ld")):
        _assert_same_graphs(expected, _dataset(tmp_path / file, fmt))
