"""Serving a built generation: its read-only pyoxigraph store for pages, worker processes for SPARQL
(killed at the deadline), and a lease that stops ``r2pgraph build`` pruning it."""

from __future__ import annotations

import gc
import json
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from r2pgraph.build.generations import REPORT_FILE, lease
from r2pgraph.exports.dumps import EXPORTS
from r2pgraph.query.engine import Source
from r2pgraph.server.backends.base import Served
from r2pgraph.server.workers import MemoryCopy, QueryPool, load_memory_copy
from r2pgraph.store.embedded import STORE_DIR, open_store

# What one quad costs in a worker's in-memory store: about 393 bytes at the peak of loading and 354
# once loaded (RSS over quads, Python included, on a synthetic generation of 200 states), rounded up.
MEMORY_BYTES_PER_QUAD = 400


class EmbeddedServed(Served):
    """A built generation: its read-only store for pages, worker processes for SPARQL."""

    immutable = True

    def __init__(
        self,
        generation: Path,
        workers: int,
        all_now: bool = True,
        memory_budget_mb: int = 0,
        prepare: Callable[[Source], Mapping[str, object]] | None = None,
    ):
        """``prepare``: what the pages keep (see ``Served.derived``), read from the in-memory copy
        once it is loaded and before the pages read it, so that their first request finds it."""
        super().__init__()
        self._prepare = prepare
        self._closed = False
        self._store_lock = threading.Lock()
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
        # The pages read an in-memory copy too once it is loaded, if it fits the budget with the workers'.
        self._page_copy = memory_copy(generation, self.report, workers + 1, memory_budget_mb)
        self._pages_from = "disk" if self._page_copy is None else "loading"
        if all_now:
            self.started()

    @property
    def name(self) -> str:
        return self.generation.name

    def files(self) -> Path:
        return self.generation

    def started(self) -> None:
        self._pool.fill()
        copy, self._page_copy = self._page_copy, None
        if copy is not None:
            threading.Thread(target=self._load_page_copy, args=(copy,), name="pages' memory copy", daemon=True).start()

    def _load_page_copy(self, copy: MemoryCopy) -> None:
        try:
            memory = load_memory_copy(copy)
        except (OSError, ValueError, SyntaxError, MemoryError) as e:
            print(f"pages' in-memory copy dropped, reading from disk: {e}", file=sys.stderr)
            self._pages_from = "disk"
            return
        if self._prepare is not None:
            try:
                self.keep(self._prepare(memory))
            except Exception as e:  # the pages read it on their first request instead
                print(f"pages' shared data not read ahead: {type(e).__name__}: {e}", file=sys.stderr)
            _freeze_kept()
        with self._store_lock:
            if not self._closed:
                self.store = memory  # requests read ``store`` once per use: the next one reads memory
                self._pages_from = "memory"

    def pages_from(self) -> str:
        return self._pages_from

    def close(self) -> None:
        super().close()
        with self._store_lock:
            self._closed = True
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


def _freeze_kept() -> None:
    """Leave what the process holds now out of the garbage collector's full collections.

    What the pages keep for a version (``prepare``) is a large heap of small objects that lives as
    long as the version is served; each full collection went through all of it (about 70 ms, in
    whichever page's request it fell). Frozen objects are still freed when their last reference
    goes (a version's kept data is dropped with it); only garbage in reference cycles would stay
    frozen, so the previous freeze is undone and such garbage collected first (once per version,
    here in the loading thread)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
