"""Real SPARQL stores on 127.0.0.1 for the publish tests: an Oxigraph server, Virtuoso, and a proxy.

A missing server binary fails the test, so CI really runs them; only with R2P_SKIP_REMOTE=1 is a
missing binary a skip (for a developer without Virtuoso: or use ``pytest -m 'not remote'``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult, write_generation
from tests.conftest import free_port, missing_system_package, repo_settings

VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"  # a fresh database's default; the server listens on 127.0.0.1 only


def need_binary(name: str) -> str:
    """The path of ``name`` (on PATH or beside this Python); skip when missing, as ``make test`` said
    (``scripts/system-packages``), or fail in CI (CI=true), which installs it, unless R2P_SKIP_REMOTE=1."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    if os.environ.get("R2P_SKIP_REMOTE") == "1":
        pytest.skip(f"{name} is not installed and R2P_SKIP_REMOTE=1")
    missing_system_package(name)
    raise AssertionError("unreachable")


def _wait_until_up(proc: subprocess.Popen[bytes], probe: Callable[[], bool], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if probe():
                return
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"store did not start:\n{tail}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes], grace: float = 20) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class OxigraphServer:
    """``oxigraph serve`` over a database directory; can be killed and started again on it."""

    def __init__(self, location: Path, *options: str):
        self.binary = need_binary("oxigraph")
        self.location = location
        self.options = options  # e.g. --union-default-graph, --timeout-s 10
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    @property
    def query(self) -> str:
        return self.base + "/query"

    @property
    def update(self) -> str:
        return self.base + "/update"

    @property
    def gsp(self) -> str:
        return self.base + "/store"

    def start(self, same_port: bool = False) -> None:
        """Start the server (on the port it had before, with ``same_port``, as a restart would)."""
        port = int(self.base.rsplit(":", 1)[1]) if same_port and self.base else free_port()
        self.base = f"http://127.0.0.1:{port}"
        log = self.location.parent / f"{self.location.name}.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{port}", *self.options],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        proc = self.proc
        _wait_until_up(proc, lambda: httpx.get(self.query, params={"query": "ASK {}"}, timeout=1).is_success, log, 20)

    def kill(self) -> None:
        """Stop the server at once (SIGKILL), as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc:
            _stop(self.proc)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
MaxSortedTopRows = 1000000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/vsp
ServerThreads = 10
MaxClientConnections = 10
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


class VirtuosoServer:
    """``virtuoso-t`` with a fresh database in ``directory``: HTTP and ISQL on 127.0.0.1 only.

    Updates go to /sparql-auth (digest auth as dba), uploads to /sparql-graph-crud-auth; anonymous
    /sparql may only read, so no GRANT is needed.
    """

    def __init__(self, directory: Path):
        self.binary = need_binary("virtuoso-t")
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    @property
    def query(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def public_query(self) -> str:
        return self.base + "/sparql"

    @property
    def gsp(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    def start(self) -> None:
        http_port, isql_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{http_port}"
        (self.directory / "vsp").mkdir(parents=True, exist_ok=True)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(d=self.directory, isql=isql_port, http=http_port))
        log = self.directory / "stdout.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, "+foreground", "+configfile", str(ini)],
                cwd=self.directory,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        proc = self.proc
        probe = httpx.get
        _wait_until_up(
            proc, lambda: probe(self.public_query, params={"query": "ASK {}"}, timeout=2).is_success, log, 60
        )

    def kill(self) -> None:
        """Stop the server at once (SIGKILL), as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc:
            _stop(self.proc, grace=30)


@dataclass
class Seen:
    method: str
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Proxy:
    """A real HTTP proxy on 127.0.0.1 in front of a store: records every request, drops the
    connection (no answer) on the first request ``fail_when`` accepts, after calling ``on_fail``,
    and forwards the body ``rewrite`` returns (when given) instead of the one received."""

    upstream: str
    fail_when: Callable[[Seen], bool] | None = None
    on_fail: Callable[[], None] | None = None
    rewrite: Callable[[Seen], bytes] | None = None
    seen: list[Seen] = field(default_factory=list)
    failed: bool = False
    url: str = ""

    def writes(self) -> list[Seen]:
        """The requests that could change the store (updates and uploads)."""
        return [s for s in self.seen if s.method in ("PUT", "DELETE") or b"update=" in s.body]

    def serve(self) -> Iterator[Proxy]:
        proxy = self
        client = httpx.Client(timeout=60)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, body, dict(self.headers.items()))
                proxy.seen.append(seen)
                if not proxy.failed and proxy.fail_when and proxy.fail_when(seen):
                    proxy.failed = True
                    if proxy.on_fail:
                        proxy.on_fail()
                    self.close_connection = True
                    return
                if proxy.rewrite:
                    body = proxy.rewrite(seen)
                skip = {"host", "content-length", "connection", "accept-encoding"}
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                try:
                    r = client.request(self.command, proxy.upstream + self.path, content=body, headers=headers)
                except httpx.HTTPError:
                    self.close_connection = True
                    return
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            client.close()


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh Oxigraph server on a free 127.0.0.1 port, stopped afterwards."""
    server = OxigraphServer(tmp_path / "oxigraph-db")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso for the session (it takes seconds to start), stopped afterwards."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def proxy_to(upstream: str, **kwargs: object) -> Iterator[Proxy]:
    """A running ``Proxy`` in front of ``upstream`` (a base URL)."""
    proxy = Proxy(upstream, **kwargs)  # type: ignore[arg-type]
    yield from proxy.serve()


# The world's treaty-status graphs and the graphs derived from them hold most of a build's quads.
# Publishing and remote serving are tested on the rest (about 15k quads, every kind of graph), which
# the stores take in seconds instead of minutes.
WORLD_GRAPHS = (
    "https://w3id.org/r2p/graph/treaty-status/",
    "https://w3id.org/r2p/graph/crossref",
    "https://w3id.org/r2p/graph/disagreements",
)


def publishable(built: BuildResult, build_dir: Path) -> BuildResult:
    """``built`` written again into ``build_dir`` without the graphs of WORLD_GRAPHS."""
    lines = (built.generation / "r2p.nq").read_bytes().decode("utf-8").splitlines(keepends=True)
    world = tuple(f"<{g}" for g in WORLD_GRAPHS)
    kept = [line for line in lines if not line.rstrip(" .\n").rsplit(" ", 1)[-1].startswith(world)]
    assert 0 < len(kept) < len(lines)
    return write_generation("".join(kept).encode("utf-8"), repo_settings(build_dir))
