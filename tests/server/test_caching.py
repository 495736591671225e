"""HTTP caching on a real server: gzip, ETag and Last-Modified from the served generation, 304 for
conditional requests, and ``Vary`` on every response kind."""

from __future__ import annotations

import email.utils
import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from starlette.datastructures import Headers

from r2pgraph.build.assemble import BuildResult, write_generation
from r2pgraph.build.generations import rollback
from r2pgraph.server.caching import GZIP_MIN_BYTES, not_modified
from tests.conftest import free_port, repo_settings, running_server

IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
ASK = "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> }"
R2P = "https://w3id.org/r2p/ontology#"
SELECT = f"SELECT ?f ?r WHERE {{ ?f a <{R2P}Finding> ; <{R2P}rating> ?r }} ORDER BY ?f"
TOKEN = "test-admin-token"


@dataclass(frozen=True)
class Kind:
    """One kind of response: a GET and whether its representation is chosen by Accept."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    negotiated: bool = True


KINDS = (
    Kind("home page", "/", negotiated=False),
    Kind("query page", "/query", negotiated=False),
    Kind("resource page", "/id/state/JPN", {"Accept": "text/html"}),
    Kind("resource in Turtle", "/id/state/JPN", {"Accept": "text/turtle"}),
    Kind("resource in JSON-LD", "/id/state/JPN", {"Accept": "application/ld+json"}),
    Kind("resource by suffix", "/id/instrument/rome-statute.nt"),
    Kind("named graph", "/graph/treaty-actions/JPN", {"Accept": "application/n-quads"}),
    Kind("ontology page", "/ontology", {"Accept": "text/html"}),
    Kind("ontology in Turtle", "/ontology", {"Accept": "text/turtle"}),
    Kind("service description", "/sparql", {"Accept": "text/turtle"}),
    Kind("VoID", "/.well-known/void", {"Accept": "text/turtle"}),
    Kind("query results", "/sparql", {"Accept": "application/sparql-results+json"}, {"query": SELECT}),
    Kind("small query result", "/sparql", {"Accept": "application/sparql-results+json"}, {"query": ASK}),
    Kind("download", "/downloads/r2p.nt", negotiated=False),
    Kind("JSON-LD context", "/context.jsonld", negotiated=False),
)


def _get(url: str, kind: Kind, **headers: str) -> httpx.Response:
    return httpx.get(url + kind.path, params=kind.params, headers={**kind.headers, **headers}, timeout=60)


def _vary(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


def _same(media_type: str, a: bytes, b: bytes) -> bool:
    """Whether two bodies are the same: by bytes, or by meaning for RDF (blank node labels differ)."""
    if a == b:
        return True
    fmt = media_type.split(";")[0]
    if ox.RdfFormat.from_media_type(fmt) is None:
        return False
    graphs = [rdflib.Graph().parse(data=data, format=fmt) for data in (a, b)]
    return isomorphic(graphs[0], graphs[1])


def _raw(url: str, kind: Kind, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (still compressed)."""
    with httpx.stream("GET", url + kind.path, params=kind.params, headers={**kind.headers, **headers}) as r:
        return r, b"".join(r.iter_raw())


SLOW_PAGES = ("home page", "resource page", "ontology page")  # each over 5 s on a busy machine


@pytest.mark.parametrize(
    "kind", [pytest.param(k, id=k.name, marks=[pytest.mark.slow] if k.name in SLOW_PAGES else []) for k in KINDS]
)
def test_every_response_kind_has_validators_gzip_vary_and_304(server: str, kind: Kind) -> None:
    plain, plain_body = _raw(server, kind, IDENTITY)
    packed, packed_body = _raw(server, kind, GZIP)
    assert plain.status_code == packed.status_code == 200
    for r in (plain, packed):
        assert r.headers["etag"] and r.headers["last-modified"], kind
        assert email.utils.parsedate_to_datetime(r.headers["last-modified"]).tzinfo is not None
        assert r.headers["cache-control"] == "no-cache"
        assert ("accept" in _vary(r)) == kind.negotiated, r.headers.get("vary")
    assert "content-encoding" not in plain.headers
    if len(plain_body) >= GZIP_MIN_BYTES:
        assert packed.headers["content-encoding"] == "gzip" and "accept-encoding" in _vary(packed)
        # compressed once, and only once
        assert _same(plain.headers["content-type"], gzip.decompress(packed_body), plain_body)
        assert packed.headers["etag"] != plain.headers["etag"]
    else:
        assert "content-encoding" not in packed.headers and _same(
            plain.headers["content-type"], packed_body, plain_body
        )
    for r, headers in ((plain, IDENTITY), (packed, GZIP)):
        etag, modified = r.headers["etag"], r.headers["last-modified"]
        weak = etag.removeprefix("W/") if etag.startswith("W/") else "W/" + etag
        conditionals = [{"If-None-Match": etag}, {"If-Modified-Since": modified}]
        if headers is IDENTITY:  # the forms of If-None-Match, once
            conditionals += [{"If-None-Match": f'"other", {etag}'}, {"If-None-Match": weak}, {"If-None-Match": "*"}]
        for conditional in conditionals:
            again = _get(server, kind, **headers, **conditional)
            assert again.status_code == 304, (kind, conditional)
            assert again.content == b""
            assert again.headers["etag"] == etag and again.headers["last-modified"] == modified
            assert _vary(again) == _vary(r)
        if kind.path != "/sparql":  # the endpoint answers GET and POST only
            head = httpx.head(
                server + kind.path, params=kind.params, headers={**kind.headers, **headers, "If-None-Match": etag}
            )
            assert head.status_code == 304 and head.headers["etag"] == etag
    # A stale validator gets the whole response; If-None-Match wins over If-Modified-Since.
    stale = _get(server, kind, **IDENTITY, **{"If-None-Match": '"stale"', "If-Modified-Since": modified})
    assert stale.status_code == 200 and _same(plain.headers["content-type"], stale.content, plain_body)
    earlier = email.utils.format_datetime(
        email.utils.parsedate_to_datetime(plain.headers["last-modified"]).replace(year=2000), usegmt=True
    )
    assert _get(server, kind, **IDENTITY, **{"If-Modified-Since": earlier}).status_code == 200


def test_conditional_headers_are_read_as_rfc_9110_says() -> None:
    etag, modified = 'W/"abc"', "Mon, 07 Dec 2026 12:00:00 GMT"

    def answer(**request: str) -> bool:
        return not_modified(Headers({k.replace("_", "-"): v for k, v in request.items()}), etag, modified)

    assert answer(if_none_match='"abc"') and answer(if_none_match='W/"x", W/"abc"') and answer(if_none_match="*")
    assert answer(if_none_match=' "x" ,"abc" ')
    assert not answer(if_none_match='"ab"') and not answer(if_none_match="abc")  # unquoted: malformed
    assert not answer(if_none_match='"x"', if_modified_since=modified)  # If-None-Match decides alone
    assert answer(if_modified_since=modified) and answer(if_modified_since="Mon, 07 Dec 2026 12:00:00 -0000")
    assert answer(if_modified_since="Tue, 08 Dec 2026 00:00:00 GMT")
    assert not answer(if_modified_since="Mon, 07 Dec 2026 11:59:59 GMT")
    assert not answer(if_modified_since="yesterday") and not answer()
    assert not not_modified(Headers({"if-modified-since": modified}), etag, None)


def test_representations_chosen_by_accept_do_not_share_an_etag(server: str) -> None:
    accepts = ("text/html", "text/turtle", "application/ld+json", "application/n-quads")
    etags = {a: httpx.get(server + "/id/state/JPN", headers={"Accept": a}).headers["etag"] for a in accepts}
    assert len(set(etags.values())) == len(accepts)
    for asked in accepts:
        for other in accepts:
            r = httpx.get(server + "/id/state/JPN", headers={"Accept": asked, "If-None-Match": etags[other]})
            assert r.status_code == (304 if asked == other else 200), (asked, other)


def test_redirects_refusals_and_unknown_iris_vary_with_accept(server: str) -> None:
    to_page = httpx.get(server + "/sparql", headers={"Accept": "text/html"})
    assert to_page.status_code == 303 and "accept" in _vary(to_page)
    for path in ("/id/state/JPN", "/ontology", "/.well-known/void", "/graph/treaty-actions/JPN"):
        refused = httpx.get(server + path, headers={"Accept": "image/png"})
        assert refused.status_code == 406 and "accept" in _vary(refused), path
        assert "etag" not in refused.headers
    for accept in ("text/html", "text/turtle"):
        unknown = httpx.get(server + "/id/state/nowhere", headers={"Accept": accept})
        assert unknown.status_code == 404 and "accept" in _vary(unknown) and "etag" not in unknown.headers
    no_query_format = httpx.get(server + "/sparql", params={"query": ASK}, headers={"Accept": "image/png"})
    assert no_query_format.status_code == 406 and "accept" in _vary(no_query_format)


def test_gzip_only_for_clients_that_accept_it(server: str) -> None:
    kind = Kind("download", "/downloads/r2p.nt")
    for refused in ("gzip;q=0", "br", "identity", "gzip;q=0, *;q=1"):
        r, body = _raw(server, kind, {"Accept-Encoding": refused})
        assert "content-encoding" not in r.headers, refused
        assert len(body) == int(r.headers["content-length"])
    for accepted in ("gzip", "deflate, gzip;q=0.5", "*"):
        r, _ = _raw(server, kind, {"Accept-Encoding": accepted})
        assert r.headers["content-encoding"] == "gzip", accepted


@pytest.mark.slow  # 20 MB parsed twice
def test_the_ntriples_download_is_gzipped_and_decodes_to_the_same_graph(server: str, generation: Path) -> None:
    kind = Kind("download", "/downloads/r2p.nt")
    packed, wire = _raw(server, kind, GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    dump = (generation / "r2p.nt").read_bytes()
    assert len(wire) < len(dump) / 10, (len(wire), len(dump))
    decoded = httpx.get(server + kind.path, headers=GZIP, timeout=60)  # httpx decodes it
    assert decoded.headers["content-encoding"] == "gzip"

    def graph(data: bytes) -> set[ox.Triple]:
        quads = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        # No blank nodes: the graphs are isomorphic exactly when their sets of triples are equal.
        assert not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object))
        return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}

    dumped = graph(dump)
    assert graph(decoded.content) == dumped and len(dumped) > 1000


@pytest.fixture
def two_generations(tmp_path: Path, built: BuildResult) -> Iterator[tuple[Path, list[str]]]:
    """A build directory with two generations: the seed, and the seed with one more statement."""
    settings = repo_settings(tmp_path / "build")
    seed = (built.generation / "r2p.nq").read_bytes()
    x = "https://w3id.org/r2p/id/test/x"
    extra = f'<{x}> <{R2P}note> "2" <https://w3id.org/r2p/graph/test/x> .\n'.encode()
    names = [write_generation(nquads, settings).generation.name for nquads in (seed, seed + extra)]
    yield settings.build_dir, names


@pytest.mark.slow  # two generations written, a server started
def test_after_a_reload_the_old_validators_get_the_new_generation(two_generations: tuple[Path, list[str]]) -> None:
    build_dir, (first, second) = two_generations
    rollback(build_dir, first)
    kinds = [k for k in KINDS if k.name in ("resource in Turtle", "download", "service description", "home page")]
    with running_server(build_dir, env={"R2P_ADMIN_TOKEN": TOKEN}) as url:
        before = {k.name: _get(url, k, **GZIP).headers["etag"] for k in kinds}
        for k in kinds:
            assert _get(url, k, **GZIP, **{"If-None-Match": before[k.name]}).status_code == 304
        rollback(build_dir, second)
        switched = httpx.post(url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        assert switched.status_code == 200 and switched.json()["generation"] == second
        for k in kinds:
            now = _get(url, k, **GZIP, **{"If-None-Match": before[k.name]})
            assert now.status_code == 200 and now.headers["etag"] != before[k.name], k.name
            assert _get(url, k, **GZIP, **{"If-None-Match": now.headers["etag"]}).status_code == 304


@pytest.mark.slow  # a server started
def test_pages_served_while_a_remote_store_is_unreachable_have_no_validators(
    built: BuildResult,
) -> None:
    with running_server(built.generation.parent.parent, "--store", f"http://127.0.0.1:{free_port()}/query") as url:
        page = httpx.get(url + "/query", headers=GZIP)
        assert page.status_code == 200 and "etag" not in page.headers and "last-modified" not in page.headers
        assert page.headers["content-encoding"] == "gzip"
        down = httpx.get(url + "/id/state/JPN", headers={"Accept": "text/turtle"})
        assert down.status_code == 503 and "etag" not in down.headers and "accept" in _vary(down)
