"""Shared fixtures: the graph is built once per session into a temporary build directory, and a
real uvicorn server is started on 127.0.0.1 for the tests that need one."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from r2pgraph.build.assemble import BuildResult, build_generation
from r2pgraph.config import Settings
from r2pgraph.store.embedded import open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


# Debian package of each command the tests run; ``scripts/system-packages`` installs them.
SYSTEM_PACKAGE_OF = {
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
    "virtuoso-t": "virtuoso-opensource",
    "node": "nodejs",  # runs Comunica, installed in tests/js by the same script
}


def missing_system_package(*commands: str) -> None:
    """Skip (or, in CI, fail) because ``commands`` are not installed, naming the packages and the
    command that installs them; return when all are on PATH."""
    missing = [c for c in commands if not shutil.which(c)]
    if not missing:
        return
    packages = " ".join(sorted({SYSTEM_PACKAGE_OF.get(c, c) for c in missing}))
    message = f"{', '.join(missing)} not installed: sudo apt-get install -y {packages} (or make system-packages)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI installs them with scripts/system-packages")
    pytest.skip(message)


def repo_settings(build_dir: Path, data_dir: Path | None = None, imports_dir: Path | None = None) -> Settings:
    """The repository's data, ontology and shapes, building into ``build_dir`` (no imports unless given)."""
    return Settings(
        data_dir=data_dir or ROOT / "data",
        ontology_dir=ROOT / "ontology",
        shapes_dir=ROOT / "shapes",
        build_dir=build_dir,
        imports_dir=imports_dir or build_dir / "no-imports",
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The seed data built once into a session-wide temporary build directory."""
    return build_generation(repo_settings(tmp_path_factory.mktemp("build")))


@pytest.fixture(scope="session")
def generation(built: BuildResult) -> Path:
    return built.generation


@pytest.fixture(scope="session")
def store(generation: Path) -> ox.Store:
    return open_store(generation)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(build_dir: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``r2pgraph serve`` (a real uvicorn) on 127.0.0.1 over ``build_dir``; yield its base URL."""
    with server_process(build_dir, *extra, env=env) as (url, _):
        yield url


@contextmanager
def server_process(
    build_dir: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    as_user: list[str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like ``running_server``, and yield the server process too (to send it signals); its output
    goes to ``log_path`` when given. ``as_user``: a command that runs the server as another user
    (e.g. ``setpriv --reuid=...``), which exec()s it."""
    port = free_port()
    env = {**os.environ, "R2P_HOME": str(ROOT), **(env or {})}
    args = ["serve", "--build-dir", str(build_dir), "--host", "127.0.0.1", "--port", str(port), *extra]
    command = [*(as_user or []), sys.executable, "-m", "r2pgraph.cli", *args]
    # a file, not a pipe: a full pipe would block a busy server
    with open(log_path, "w+b") if log_path else tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/sparql", headers={"Accept": "text/turtle"}, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                log.seek(0)
                out = log.read().decode(errors="replace")
                raise RuntimeError(f"server did not start:\n{out}")
            time.sleep(0.1)
        try:
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def server(built: BuildResult) -> Iterator[str]:
    """A real ``r2pgraph serve`` (uvicorn) on 127.0.0.1 serving the session's build."""
    with running_server(built.generation.parent.parent) as url:
        yield url


class Listener:
    """A socket on 127.0.0.1 that records every connection made to it (to prove none is made)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[object] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.connections.append(self.sock.accept())

    def assert_untouched(self) -> None:
        """Give a late connection time to arrive, then check that none was made."""
        time.sleep(0.5)
        assert self.connections == [], f"{len(self.connections)} connection(s) to {self.url}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A listener on 127.0.0.1; tests point hostile input at ``listener.url``."""
    target = Listener()
    yield target
    target.close()


CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium (Debian's), driven by Selenium; one per test session."""
    missing_system_package("chromium", "chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1300,1800",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to read the console
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
