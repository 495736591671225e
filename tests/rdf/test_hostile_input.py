"""Hostile input changes nothing: RDF files that would fetch or expand are refused before parsing,
and values in URLs reach SPARQL only as bound terms."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from r2pgraph.errors import DataError
from r2pgraph.rdf.safe_rdf import parse_rdf_file
from tests.cli.test_cli import r2p
from tests.conftest import Listener


def _jsonld(tmp_path: Path, context: object) -> Path:
    import json

    path = tmp_path / "x.jsonld"
    doc = {"@context": context, "@id": "https://w3id.org/r2p/id/state/XXX", "name": "x"}
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("kind", ["remote", "file", "import", "nested"])
def test_jsonld_naming_another_document_is_refused(tmp_path: Path, listener: Listener, kind: str) -> None:
    url = f"{listener.url}/context.jsonld"
    context: object = {
        "remote": url,
        "file": "file:///etc/passwd",
        "import": {"@import": url, "name": "https://schema.org/name"},
        "nested": [{"name": "https://schema.org/name"}, url],
    }[kind]
    path = _jsonld(tmp_path, context)
    with pytest.raises(DataError, match="refers to another document"):
        parse_rdf_file(path)
    out = r2p("validate", "--alone", str(path))
    assert out.returncode == 1 and "refers to another document" in out.stderr
    listener.assert_untouched()


def test_embedded_jsonld_context_is_fine(tmp_path: Path) -> None:
    g = parse_rdf_file(_jsonld(tmp_path, {"name": "https://schema.org/name"}))
    assert len(g) == 1


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    ],
    ids=["external-entity", "billion-laughs"],
)
def test_rdfxml_with_doctype_is_refused(tmp_path: Path, doctype: str) -> None:
    path = tmp_path / "x.rdf"
    path.write_text(
        f'<?xml version="1.0"?>\n{doctype}\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="a:b"/></rdf:RDF>\n'
    )
    with pytest.raises(DataError, match="DOCTYPE or entity declarations is refused"):
        parse_rdf_file(path)


# Each is percent-encoded into a resource path or a parameter; each must be just data.
INJECTIONS = ['a"b', "a\\b", "a\\u0022b", "x> } ; DROP ALL #", "a\nb", "a%00b", "JPN> ?p ?o } #", "a b"]


def _health(server: str) -> dict[str, object]:
    """What /health says of the served generation (not which store the query workers and the pages
    read, which changes when an in-memory copy is ready, nor the answer cache's counters)."""
    health: dict[str, object] = httpx.get(server + "/health").json()
    for moving in ("query_workers", "pages_from", "answer_cache"):
        health.pop(moving, None)
    return health


@pytest.mark.parametrize("value", INJECTIONS)
def test_values_in_paths_and_parameters_are_only_data(server: str, value: str) -> None:
    before = _health(server)
    with httpx.Client(timeout=30) as client:
        for path in (f"/id/state/{value}", f"/graph/{value}", f"/id/{value}"):
            for accept in ("text/html", "text/turtle"):
                answer = client.get(server + "/" + quote(path.lstrip("/"), safe="/"), headers={"Accept": accept})
                assert answer.status_code == 404, (path, accept, answer.status_code)
        for page in ("/crossref", "/claims"):
            answer = client.get(server + page, params={"state": value})
            assert answer.status_code in (200, 400), (page, answer.status_code)
            if answer.status_code == 200:  # a well-formed code that names no state: nothing found
                assert "JPN" not in answer.text
        answer = client.get(server + "/crossref", params={"instrument": value})
        assert answer.status_code in (200, 400)
        for page in ("/matrix", "/matrix.csv"):
            answer = client.get(server + page, params={"set": value, "group": value})
            assert answer.status_code == 400 and "Unknown" in answer.text
    assert _health(server) == before
    ask = httpx.get(server + "/sparql", params={"query": "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> }"})
    assert ask.status_code == 200 and "true" in ask.text
