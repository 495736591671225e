"""What the server serves: one dataset version at a time, switched whole without a restart.

A ``Served`` is one version opened for serving: the source pages read (``store``), the runner that
answers SPARQL protocol requests (``queries``), its report, and the directory of its downloads.
There are two kinds, chosen by configuration, and nothing above this module knows which:

- ``EmbeddedServed``: a built generation, its read-only pyoxigraph store for pages and worker
  processes for SPARQL (killed at the deadline); a lease stops ``r2pgraph build`` pruning it;
- ``RemoteServed`` (``serve --store URL``): a remote SPARQL 1.1 store into which a generation was
  published, read through the SPARQL protocol (see ``backends/remote.py``).

``Serving`` holds the current one. Each request takes the current ``Served`` once, when it starts,
and keeps it until its response is sent; a switch (``reload``) opens the new version completely
before it becomes current, and the old one is closed when its last request has finished.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from r2pgraph.build.generations import current_generation
from r2pgraph.config import ServerConfig
from r2pgraph.query.engine import Source
from r2pgraph.server.backends.base import Served
from r2pgraph.server.backends.embedded import EmbeddedServed

if TYPE_CHECKING:
    from starlette.requests import Request

SCOPE_KEY = "r2pgraph.served"


def peek_version(build_dir: Path, config: ServerConfig) -> str:
    """What ``open_served`` would serve now, without opening it."""
    if config.store_url:
        from r2pgraph.server.backends.remote import published_version

        return published_version(config)
    return str(current_generation(build_dir).resolve())


def open_served(
    build_dir: Path, config: ServerConfig, generation: Path | None = None, starting: bool = False
) -> Served:
    """The version to serve now: ``generation``, ``build/current``, or the remote store's.

    ``starting``: the server is starting, so only one query worker starts now, the others when
    ``Served.started`` is called (or the first query is run)."""
    if config.store_url:
        from r2pgraph.server.backends.remote import RemoteServed

        return RemoteServed(config)
    return EmbeddedServed(
        generation or current_generation(build_dir),
        config.workers,
        all_now=not starting,
        memory_budget_mb=config.memory_budget_mb,
        prepare=_prepare_pages,
    )


def _prepare_pages(store: Source) -> Mapping[str, object]:
    """What the pages keep for a version, read ahead (imported when a version is read)."""
    from r2pgraph.server.page_basis import prepare

    return prepare(store)


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

    def hold(self) -> Served:
        """The current version, held for one request until its ``leave`` is called."""
        with self._swap_lock:
            served = self._current
            served.enter()
        return served

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
