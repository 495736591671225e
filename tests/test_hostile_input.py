"""Hostile RDF files given to ``r2pgraph validate`` are refused before parsing and fetch nothing."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from r2pgraph.errors import DataError
from r2pgraph.safe_rdf import parse_rdf_file
from tests.test_cli import r2p


@pytest.fixture
def listener() -> Iterator[tuple[str, list[object]]]:
    """A socket on 127.0.0.1 that records any connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(0.5)
    connections: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                connections.append(sock.accept())

    t = threading.Thread(target=accept)
    t.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/context.jsonld", connections
    stop.set()
    t.join()
    sock.close()


def _jsonld(tmp_path: Path, context: object) -> Path:
    import json

    path = tmp_path / "x.jsonld"
    doc = {"@context": context, "@id": "https://w3id.org/r2p/id/state/XXX", "name": "x"}
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("kind", ["remote", "file", "import", "nested"])
def test_jsonld_naming_another_document_is_refused(
    tmp_path: Path, listener: tuple[str, list[object]], kind: str
) -> None:
    url, connections = listener
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
    assert connections == []


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
