"""What the server serves: one dataset version at a time, switched whole without a restart.

A ``Served`` is one version opened for serving: the source pages read (``store``), the runner that
answers SPARQL protocol requests (``queries``), its report, and the directory of its downloads.
There are two kinds, chosen by configuration, and nothing above this module knows which:

- ``EmbeddedServed``: a built generation, its read-only pyoxigraph store for pages and worker
  processes for SPARQL (killed at the deadline); a lease stops ``r2pgraph build`` pruning it;
- ``RemoteServed`` (``serve --store URL``): a remote SPARQL 1.1 store into which a generation was
  published, read through the SPARQL protocol (see ``remote_served.py``).

``Serving`` holds the current one. Each request takes the current ``Served`` once, when it starts,
and keeps it until its response is sent; a switch (``reload``) opens the new version completely
before it becomes current, and the old one is closed when its last request has finished.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from r2pgraph.build.generations import REPORT_FILE, current_generation, lease
from r2pgraph.exports.dumps import EXPORTS
from r2pgraph.query.engine import Source
from r2pgraph.server.evaluation import Answer, Job
from r2pgraph.server.workers import MemoryCopy, QueryPool
from r2pgraph.store.embedded import STORE_DIR, open_store

if TYPE_CHECKING:
    from starlette.requests import Request

SCOPE_KEY = "r2pgraph.served"
# What one quad costs in a worker's in-memory store: about 393 bytes at the peak of loading and 354
# once loaded (RSS over quads, Python included, on a synthetic generation of 200 states), rounded up.
MEMORY_BYTES_PER_QUAD = 400
T = TypeVar("T")


@dataclass(frozen=True)
class ServerConfig:
    """The server's limits and what it serves. Every limit has a default a public endpoint can run with."""

    query_timeout: float = 30.0
    workers: int = 3
    client_queries: int = 2
    max_rows: int = 100_000
    max_result_bytes: int = 64_000_000
    memory_budget_mb: int = 1024  # in-memory copies of the store in the workers, if they fit; 0: never
    admin_token: str | None = None
    store_url: str | None = None  # serve a remote SPARQL store instead of build/current
    ontology_dir: Path = Path("ontology")
    # Where clients reach this server: every absolute URL it writes starts with it (never with the
    # request's Host header, which any client sets).
    base_url: str = "http://127.0.0.1:8000"
    header_timeout: float = 10.0  # seconds for a request's head (request line and headers)
    body_timeout: float = 30.0  # seconds without data while a request body is being sent
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For/-Proto is believed; none by default
    trusted_hosts: tuple[str, ...] = ()  # Host header values accepted (any when empty)


class QueryRunner(Protocol):
    def run(self, job: Job, deadline: float) -> Answer: ...

    async def run_async(self, job: Job, deadline: float) -> Answer: ...

    def engines(self) -> dict[str, int]: ...

    def network_sandbox(self) -> str | None: ...

    def close(self) -> None: ...


class Served:
    """One version opened for serving; subclasses set ``store``, ``queries``, ``report`` and ``version``."""

    store: Source
    queries: QueryRunner
    report: dict[str, Any]
    version: str  # what identifies this version: a generation's path, or a published content hash

    def __init__(self) -> None:
        self.since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()
        self._derived: dict[str, object] = {}
        self._derive_lock = threading.Lock()

    @property
    def name(self) -> str:
        raise NotImplementedError

    def files(self) -> Path:
        """The directory holding this version's downloads and ``context.jsonld``."""
        raise NotImplementedError

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """What ``compute`` derives from this version, computed once: a version is immutable, so
        e.g. the ratification matrix is worked out on its first request only."""
        with self._derive_lock:
            if key not in self._derived:
                self._derived[key] = compute()
            return self._derived[key]  # type: ignore[return-value]

    def derived_if_ready(self, key: str) -> object | None:
        """What ``derived`` has computed for ``key`` already, or None (never computes it)."""
        with self._derive_lock:
            return self._derived.get(key)

    def enter(self) -> None:
        with self._lock:
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            done = self._retired and self._users == 0
        if done:
            threading.Thread(target=self.close, name=f"close {self.name}", daemon=True).start()

    def retire(self) -> None:
        """No new requests will use this version; close it once the last one has finished."""
        with self._lock:
            self._retired = True
            done = self._users == 0
        if done:
            self.close()

    def started(self) -> None:
        """The server has started: anything deferred to not slow its start can start now."""

    def close(self) -> None:
        self.queries.close()


class EmbeddedServed(Served):
    """A built generation: its read-only store for pages, worker processes for SPARQL."""

    def __init__(self, generation: Path, workers: int, all_now: bool = True, memory_budget_mb: int = 0):
        super().__init__()
        self.generation = generation
        self.version = str(generation.resolve())
        self.report = json.loads((generation / REPORT_FILE).read_text(encoding="utf-8"))
        self._lease = lease(generation)
        self._lease.__enter__()
        try:
            # The workers first: they start in the background while this process opens its store.
            copy = memory_copy(generation, self.report, workers, memory_budget_mb)
            self._pool = QueryPool(generation / STORE_DIR, workers, all_now=all_now, memory_copy=copy)
            self.queries = self._pool
            try:
                self.store = open_store(generation)
            except BaseException:
                self._pool.close()
                raise
        except BaseException:
            self._lease.__exit__(None, None, None)
            raise

    @property
    def name(self) -> str:
        return self.generation.name

    def files(self) -> Path:
        return self.generation

    def started(self) -> None:
        self._pool.fill()

    def close(self) -> None:
        super().close()
        del self.store
        self._lease.__exit__(None, None, None)


def memory_copy(generation: Path, report: dict[str, Any], workers: int, budget_mb: int) -> MemoryCopy | None:
    """The in-memory copy each of ``workers`` workers loads, if all of them fit in ``budget_mb``
    (estimated from the report's quad count) and the generation has its N-Quads dump."""
    quads = report.get("quads")
    nquads = generation / EXPORTS["nquads"][0]
    if not isinstance(quads, int) or not nquads.is_file():
        return None
    if quads * MEMORY_BYTES_PER_QUAD * max(1, workers) > budget_mb * 1_000_000:
        return None
    return MemoryCopy(nquads, quads)


def peek_version(build_dir: Path, config: ServerConfig) -> str:
    """What ``open_served`` would serve now, without opening it."""
    if config.store_url:
        from r2pgraph.server.remote_served import published_version

        return published_version(config)
    return str(current_generation(build_dir).resolve())


def open_served(
    build_dir: Path, config: ServerConfig, generation: Path | None = None, starting: bool = False
) -> Served:
    """The version to serve now: ``generation``, ``build/current``, or the remote store's.

    ``starting``: the server is starting, so only one query worker starts now, the others when
    ``Served.started`` is called (or the first query is run)."""
    if config.store_url:
        from r2pgraph.server.remote_served import RemoteServed

        return RemoteServed(config)
    return EmbeddedServed(
        generation or current_generation(build_dir),
        config.workers,
        all_now=not starting,
        memory_budget_mb=config.memory_budget_mb,
    )


class Serving:
    """The current ``Served`` version, switched by ``reload``."""

    def __init__(self, build_dir: Path, config: ServerConfig, generation: Path | None = None):
        self.build_dir = build_dir
        self.config = config
        self._current = open_served(build_dir, config, generation, starting=True)
        self._switch_lock = threading.Lock()
        self._swap_lock = threading.Lock()

    @property
    def current(self) -> Served:
        return self._current

    def started(self) -> None:
        """The server has started (see ``open_served``)."""
        self._current.started()

    @contextmanager
    def use(self) -> Iterator[Served]:
        """The current version, held for the duration of one request."""
        with self._swap_lock:
            served = self._current
            served.enter()
        try:
            yield served
        finally:
            served.leave()

    def reload(self) -> tuple[bool, Served]:
        """Serve what ``build/current`` (or the remote store) holds now. Returns (switched, now served).

        The new version is opened before it becomes current; if opening fails, the served version
        stays and the error propagates.
        """
        with self._switch_lock:
            if peek_version(self.build_dir, self.config) == self._current.version:
                return False, self._current
            fresh = open_served(self.build_dir, self.config)
            with self._swap_lock:
                old, self._current = self._current, fresh
            old.retire()
            return True, fresh

    def close(self) -> None:
        with self._swap_lock:
            self._current.retire()


def public_base(request: Request) -> str:
    """This server's public base URL (the configured one, without a trailing slash)."""
    config: ServerConfig = request.app.state.config
    return config.base_url.rstrip("/")


def served(request: Request) -> Served:
    """The version this request is answered from (held by the app's middleware)."""
    found: Served = request.scope[SCOPE_KEY]
    return found
