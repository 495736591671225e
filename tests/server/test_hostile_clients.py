"""Hostile HTTP clients get nothing for their trouble: bodies are bounded before they are read,
stalled connections are closed, the Host and X-Forwarded-For headers are not believed, and
browsers get headers that keep pages from running anything but this server's own scripts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.namespace import RDF

from r2pgraph.build.assemble import BuildResult
from tests.cli.test_cli import r2p
from tests.conftest import running_server, server_process
from tests.server.test_deadlines import CARTESIAN, SIMPLE

BASE = "https://r2p.example.org"
EVIL = "evil.example"
HEADER_TIMEOUT, BODY_TIMEOUT = 1.0, 1.5
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
POLICY = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
# The query page (YASGUI) may also apply the two style sheets YASGUI's table inserts, by their hashes.
QUERY_PAGE_POLICY = re.compile(
    r"default-src 'self'; script-src 'self'; style-src 'self'( 'sha256-[A-Za-z0-9+/]{43}='){2}; "
    r"object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class Server:
    def __init__(self, url: str, pid: int, log: Path):
        self.url, self.pid, self.log = url, pid, log
        self.port = int(url.rsplit(":", 1)[1])

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert found, status
        return int(found.group(1))

    def wait_for_log(self, text: str, within: float = 15) -> str:
        """The server's log once it holds ``text`` (fails after ``within`` seconds)."""
        deadline = time.monotonic() + within
        while True:
            log = self.log.read_text(errors="replace")
            if text in log:
                return log
            assert time.monotonic() < deadline, f"{text!r} not logged:\n{log}"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def guarded(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with a public base URL ($R2P_BASE_URL) and short header and body timeouts, logging
    to a file."""
    log = tmp_path_factory.mktemp("log") / "server.log"
    options = ("--header-timeout", str(HEADER_TIMEOUT), "--body-timeout", str(BODY_TIMEOUT))
    build_dir = built.generation.parent.parent
    with server_process(build_dir, *options, env={"R2P_BASE_URL": BASE}, log_path=log) as (url, proc):
        yield Server(url, proc.pid, log)


def _chunks(megabytes: int) -> Iterator[bytes]:
    for _ in range(megabytes):
        yield b"x" * 1_000_000


def test_a_chunked_body_past_the_cap_is_refused_before_it_is_read(guarded: Server) -> None:
    url, headers = guarded.url + "/sparql", {"Content-Type": "application/sparql-query"}
    # Settled first: the in-memory copies the server loads after it starts are not this request's.
    deadline = time.monotonic() + 120
    while "loading" in httpx.get(guarded.url + "/health", timeout=30).text:
        assert time.monotonic() < deadline, "the server's in-memory copies did not finish loading"
        time.sleep(0.2)
    assert httpx.post(url, content=_chunks(3), headers=headers, timeout=60).status_code == 413  # warm-up
    before = guarded.rss_kb()
    r = httpx.post(url, content=_chunks(200), headers=headers, timeout=60)  # chunked: no Content-Length
    grown = guarded.rss_kb() - before
    assert r.status_code == 413 and "larger than 1,000,000 bytes" in r.text
    assert grown < 4_000, f"the server grew by {grown} kB for a refused body"  # the cap is 1 MB
    small = httpx.post(url, content=iter([b"ASK {}"]), headers=headers, timeout=30)  # chunked, under the cap
    assert small.status_code == 200 and small.json()["boolean"] is True


def _closed_by_server(sock: socket.socket, limit: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset) within ``limit`` seconds."""
    sock.settimeout(limit)
    try:
        while sock.recv(4096):  # a 400 or 408 before the close would be fine too
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


STALLS = {
    "nothing": b"",
    "half a request line": b"GET /sparql?query=AS",
    "headers without their end": b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/turtle\r\n",
    "part of a body": b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 100\r\n\r\nASK {",
    "part of a chunked body": b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n5\r\nASK {\r\n",
}


def test_stalled_connections_are_closed_while_other_clients_are_answered(guarded: Server) -> None:
    kinds = [kind for kind in STALLS for _ in range(4)]  # 20 sockets
    sockets = []
    for kind in kinds:
        sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=5)
        sock.sendall(STALLS[kind])
        sockets.append(sock)
    opened = time.monotonic()
    try:
        answer = httpx.get(guarded.url + "/sparql", params={"query": SIMPLE, "format": "json"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        limit = max(HEADER_TIMEOUT, BODY_TIMEOUT) + 10  # generous for a loaded machine
        still_open = [kind for kind, sock in zip(kinds, sockets, strict=True) if not _closed_by_server(sock, limit)]
        assert still_open == []
        assert time.monotonic() - opened >= HEADER_TIMEOUT - 0.1  # closed by the timers, not at once
    finally:
        for sock in sockets:
            sock.close()
    log = guarded.wait_for_log("no request body data for 1.5 s")
    assert "no complete request head within 1 s" in log


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off_at_its_deadline(guarded: Server) -> None:
    head = b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=5) as sock:
        started = time.monotonic()
        sent = 0
        with pytest.raises(OSError):  # the server closed it: a reset or a broken pipe
            for byte in head:  # bounded: 150 bytes, each 0.1 s apart, i.e. 15 s without a limit
                sock.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.1)  # the drip of a slowloris client (each byte well within any idle limit)
            if not sock.recv(1):  # EOF
                raise ConnectionResetError
        assert sent < len(head) and time.monotonic() - started < HEADER_TIMEOUT + 10


def test_a_client_leaving_mid_body_is_one_line_in_the_log(guarded: Server) -> None:
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=5) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\nSELECT * WHERE"
        )
    log = guarded.wait_for_log("disconnected before its request body to /sparql was complete")
    assert "Traceback" not in log and "Exception in ASGI application" not in log


def _hostile_host_responses(url: str) -> list[httpx.Response]:
    """Every kind of response that could carry an absolute URL, asked for with ``Host: evil.example``."""
    turtle, jsonld, html = "text/turtle", "application/ld+json", "text/html"
    asks = [
        ("/sparql", turtle, {}),
        ("/sparql", jsonld, {}),
        ("/sparql", html, {}),  # 303 to the query page
        ("/sparql", "application/sparql-results+json", {"query": "SELECT ?x WHERE { BIND (<relative> AS ?x) }"}),
        ("/.well-known/void", turtle, {}),
        ("/.well-known/void", jsonld, {}),
        ("/.well-known/void", html, {}),
        ("/id/state/JPN", html, {}),
        ("/id/state/JPN", turtle, {}),
        ("/id/state/NOWHERE", turtle, {}),
        ("/graph/treaty-actions/JPN", turtle, {}),
        ("/downloads/", html, {}),  # a redirect to /downloads
        ("/downloads", html, {}),
        ("/", html, {}),
        ("/query", html, {}),
        ("/ontology", html, {}),
    ]
    with httpx.Client(headers={"Host": EVIL}, timeout=30) as client:
        return [client.get(url + path, headers={"Accept": accept}, params=params) for path, accept, params in asks]


def _assert_no_evil(responses: list[httpx.Response]) -> None:
    for r in responses:
        assert r.status_code < 500, (r.url, r.status_code)
        for name, value in r.headers.items():
            assert EVIL not in value, (r.url, name, value)
        assert EVIL not in r.text, r.url


def _service_and_void(url: str) -> tuple[rdflib.Graph, rdflib.Graph]:
    with httpx.Client(headers={"Host": EVIL, "Accept": "text/turtle"}, timeout=30) as client:
        sd = rdflib.Graph().parse(data=client.get(url + "/sparql").text, format="turtle")
        void = rdflib.Graph().parse(data=client.get(url + "/.well-known/void").text, format="turtle")
    return sd, void


def test_the_host_header_is_never_echoed_and_the_base_url_is_used(guarded: Server) -> None:
    responses = _hostile_host_responses(guarded.url)
    _assert_no_evil(responses)
    redirects = {str(r.url.path): r.headers["location"] for r in responses if r.is_redirect}
    assert redirects == {"/sparql": "/query", "/downloads/": "/downloads"}
    sd, void = _service_and_void(guarded.url)
    assert (rdflib.URIRef(BASE + "/sparql"), RDF.type, SD.Service) in sd
    assert set(void.objects(None, VOID.sparqlEndpoint)) == {rdflib.URIRef(BASE + "/sparql")}
    query_page = next(r for r in responses if r.url.path == "/query")
    config = re.search(r'<script type="application/json" id="query-config">(.*?)</script>', query_page.text, re.S)
    assert config and json.loads(config.group(1))["endpoint"] == "/sparql"  # the origin the page came from
    page = next(r for r in responses if r.url.path == "/id/state/JPN" and "html" in r.headers.get("content-type", ""))
    links = page.headers["link"]
    assert f'<{BASE}/id/state/JPN.ttl>; rel="alternate"' in links
    (answer,) = (
        r for r in responses if r.headers.get("content-type", "").startswith("application/sparql-results+json")
    )
    relative = answer.json()["results"]["bindings"][0]["x"]["value"]
    assert relative == BASE + "/relative"  # relative IRIs in queries resolve against the endpoint


def test_without_a_base_url_the_address_served_is_the_base(server: str) -> None:
    _assert_no_evil(_hostile_host_responses(server))
    sd, void = _service_and_void(server)
    assert (rdflib.URIRef(server + "/sparql"), RDF.type, SD.Service) in sd
    assert set(void.objects(None, VOID.sparqlEndpoint)) == {rdflib.URIRef(server + "/sparql")}


def test_bad_serve_options_are_refused_naming_the_option(tmp_path: Path) -> None:
    for option, value, message in [
        ("--base-url", "ftp://r2p.example.org", "expected an http(s) URL"),
        ("--base-url", "https://r2p.example.org/?a=b", "no query or fragment"),
        ("--header-timeout", "0", "expected more than 0 seconds"),
        ("--body-timeout", "soon", "expected a number of seconds"),
        ("--trusted-proxy", "127.0.0.1,proxy.local", "expected IP addresses or networks, got 'proxy.local'"),
    ]:
        out = r2p("serve", "--build-dir", str(tmp_path), option, value)
        assert out.returncode == 2 and f"argument {option}: " in out.stderr and message in out.stderr, out.stderr


def _third_query_status(url: str, forwarded_for: str) -> int:
    """With two slow queries from 127.0.0.1 in flight (its limit), the status of a third one that
    claims (in X-Forwarded-For) to come from ``forwarded_for``."""
    statuses: list[int] = []
    refused = threading.Event()

    def run_slow() -> None:
        status = httpx.get(url + "/sparql", params={"query": CARTESIAN, "timeout": "3"}, timeout=60).status_code
        statuses.append(status)
        if status == 429:
            refused.set()

    # Three at once: one is refused at once, so the other two hold both slots until their deadline.
    threads = [threading.Thread(target=run_slow) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        assert refused.wait(20), "no slow query was refused"
        third = httpx.get(
            url + "/sparql", params={"query": SIMPLE}, headers={"X-Forwarded-For": forwarded_for}, timeout=30
        )
    finally:
        for t in threads:
            t.join()
    assert sorted(statuses) == [429, 503, 503]
    return third.status_code


@pytest.mark.slow
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(built: BuildResult) -> None:
    # By default a local process cannot pose as another client: it is still 127.0.0.1, over its limit
    # (without a queue, a query past the limit is refused at once).
    build_dir = built.generation.parent.parent
    with running_server(build_dir, "--client-queue", "0") as url:
        assert _third_query_status(url, "203.0.113.7") == 429
    options = ("--trusted-proxy", "127.0.0.1", "--trusted-host", "r2p.example.org,127.0.0.1", "--base-url", BASE)
    options += ("--client-queue", "0")
    with running_server(build_dir, *options) as url:
        assert _third_query_status(url, "203.0.113.7") == 200  # the proxy's word names another client
        named = {"Host": "r2p.example.org", "Accept": "text/turtle"}
        sd = rdflib.Graph().parse(data=httpx.get(url + "/sparql", headers=named).text, format="turtle")
        assert (rdflib.URIRef(BASE + "/sparql"), RDF.type, SD.Service) in sd  # the --base-url
        refused = httpx.get(url + "/", headers={"Host": EVIL})  # and only the named hosts are served
        assert refused.status_code == 400 and EVIL not in refused.text
        assert refused.headers["x-content-type-options"] == "nosniff"
        assert httpx.get(url + "/", headers={"Host": "r2p.example.org"}).status_code == 200


def _assert_protected(r: httpx.Response, policy: re.Pattern[str] | None = None) -> None:
    assert r.headers["x-content-type-options"] == "nosniff", r.url
    if policy is None:
        assert r.headers["content-security-policy"] == POLICY, r.url
    else:
        assert policy.fullmatch(r.headers["content-security-policy"]), (r.url, r.headers["content-security-policy"])
    assert r.headers["x-frame-options"] == "DENY", r.url


def test_pages_and_errors_carry_a_content_security_policy(server: str) -> None:
    _assert_protected(httpx.get(server + "/query", params={"example": "japan-ratings-count"}), QUERY_PAGE_POLICY)
    for path in ("/", "/id/state/JPN", "/ontology", "/downloads", "/matrix", "/.well-known/void"):
        page = httpx.get(server + path, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        _assert_protected(page)
    not_found = httpx.get(server + "/id/state/NOWHERE", headers={"Accept": "text/html"})
    assert not_found.status_code == 404
    _assert_protected(not_found)
    for bad in (
        httpx.get(server + "/sparql", params={"query": "SELECT nonsense"}),
        httpx.get(server + "/sparql", params={"query": SIMPLE, "timeout": "soon"}),
        httpx.get(server + "/no-such-page"),
        httpx.get(server + "/sparql", params={"query": SIMPLE}, headers={"Accept": "image/png"}),
    ):
        assert bad.status_code in (400, 404, 406), bad.url
        _assert_protected(bad)


def test_every_response_forbids_sniffing(server: str) -> None:
    for path, params in [
        ("/sparql", {"query": SIMPLE, "format": "json"}),
        ("/id/state/JPN.ttl", {}),
        ("/downloads/r2p.nq", {}),
        ("/static/query.js", {}),
        ("/health", {}),
        ("/openapi.json", {}),
    ]:
        r = httpx.get(server + path, params=params, timeout=30)
        assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff", path


def test_the_api_docs_page_may_run_only_its_own_scripts(server: str) -> None:
    docs = httpx.get(server + "/api/docs")
    policy = docs.headers["content-security-policy"]
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert len(inline) == 1 and "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in policy
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in policy  # Swagger UI is served from here
    assert "http" not in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and docs.headers["x-frame-options"] == "DENY"
