"""The embedded store: a pyoxigraph on-disk store inside a generation, opened read-only to serve."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

STORE_DIR = "store"


def write_store(generation: Path, nquads: bytes) -> ox.Store:
    """Create the generation's on-disk store from N-Quads and return it (open for writing)."""
    store = ox.Store(str(generation / STORE_DIR))
    store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    store.optimize()
    store.flush()
    return store


def open_store(generation: Path) -> ox.Store:
    """Open a built generation's store read-only."""
    return ox.Store.read_only(str(generation / STORE_DIR))
