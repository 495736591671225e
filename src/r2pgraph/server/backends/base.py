"""What every backend implements: one dataset version opened for serving (``Served``), its SPARQL
runner (``QueryRunner``)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

from r2pgraph.query.engine import Source
from r2pgraph.server.evaluation import Answer, Job

T = TypeVar("T")


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
    # Whether answers may be kept for as long as this version is served (see cache.py): a built
    # generation never changes; a remote store may, and may stop answering.
    immutable = False

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

    def known_report(self) -> dict[str, Any] | None:
        """``report`` if it is known without asking anyone (never blocks), else None."""
        return self.report

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """What ``compute`` derives from this version, computed once: a version is immutable, so
        e.g. the ratification matrix is worked out on its first request only."""
        with self._derive_lock:
            if key not in self._derived:
                self._derived[key] = compute()
            return self._derived[key]  # type: ignore[return-value]

    def keep(self, found: Mapping[str, object]) -> None:
        """Keep what was derived from this version ahead of its first use, by ``derived``'s keys
        (what ``derived`` has computed already stays)."""
        with self._derive_lock:
            for key, value in found.items():
                self._derived.setdefault(key, value)

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

    def pages_from(self) -> str | None:
        """Which store the pages read ("disk", "loading" or "memory" for a generation), if it says."""
        return None

    def close(self) -> None:
        self.queries.close()
