"""What the server serves: one generation at a time, switched whole without a restart.

A ``Served`` is one generation opened for serving: its read-only store (for pages), its pool of
query workers (for SPARQL), its build report, and a lease that stops ``r2pgraph build`` from
pruning it. ``Serving`` holds the current one. Each request takes the current ``Served`` once, when
it starts, and keeps it until its response is sent, so every answer comes from exactly one
generation; a switch (``reload``) opens the new generation completely before it becomes current,
and the old one is closed when its last request has finished.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from starlette.requests import Request

from r2pgraph.generations import REPORT_FILE, current_generation, lease
from r2pgraph.server.workers import QueryPool
from r2pgraph.store import STORE_DIR, open_store

SCOPE_KEY = "r2pgraph.served"


@dataclass(frozen=True)
class ServerConfig:
    """The server's limits. Every one has a default a public endpoint can run with."""

    query_timeout: float = 30.0
    workers: int = 3
    client_queries: int = 2
    max_rows: int = 100_000
    max_result_bytes: int = 64_000_000
    admin_token: str | None = None


class Served:
    """One generation opened for serving. Created complete or not at all."""

    def __init__(self, generation: Path, workers: int):
        self.generation = generation
        self.report: dict[str, Any] = json.loads((generation / REPORT_FILE).read_text(encoding="utf-8"))
        self.since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._lease = lease(generation)
        self._lease.__enter__()
        try:
            self.store: ox.Store = open_store(generation)
            self.pool = QueryPool(generation / STORE_DIR, workers)
        except BaseException:
            self._lease.__exit__(None, None, None)
            raise
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.generation.name

    def enter(self) -> None:
        with self._lock:
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            done = self._retired and self._users == 0
        if done:
            threading.Thread(target=self._close, name=f"close {self.name}", daemon=True).start()

    def retire(self) -> None:
        """No new requests will use this generation; close it once the last one has finished."""
        with self._lock:
            self._retired = True
            done = self._users == 0
        if done:
            self._close()

    def _close(self) -> None:
        self.pool.close()
        del self.store
        self._lease.__exit__(None, None, None)


class Serving:
    """The current ``Served`` generation of a build directory, switched by ``reload``."""

    def __init__(self, build_dir: Path, config: ServerConfig, generation: Path | None = None):
        self.build_dir = build_dir
        self.config = config
        self._current = Served(generation or current_generation(build_dir), config.workers)
        self._switch_lock = threading.Lock()
        self._swap_lock = threading.Lock()

    @property
    def current(self) -> Served:
        return self._current

    @contextlib.contextmanager
    def use(self) -> Iterator[Served]:
        """The current generation, held for the duration of one request."""
        with self._swap_lock:
            served = self._current
            served.enter()
        try:
            yield served
        finally:
            served.leave()

    def reload(self) -> tuple[bool, Served]:
        """Serve what ``build/current`` points to now. Returns (switched, now served).

        The new generation is opened (store and workers) before it becomes current; if opening
        fails, the served generation stays and the error propagates.
        """
        with self._switch_lock:
            target = current_generation(self.build_dir)
            if target == self._current.generation.resolve():
                return False, self._current
            fresh = Served(target, self.config.workers)
            with self._swap_lock:
                old, self._current = self._current, fresh
            old.retire()
            return True, fresh

    def close(self) -> None:
        with self._swap_lock:
            self._current.retire()


def served(request: Request) -> Served:
    """The generation this request is answered from (held by the app's middleware)."""
    found: Served = request.scope[SCOPE_KEY]
    return found
