"""A lock in the remote store against two publishers writing into it at once.

Standard protocols only: the lock is a small named graph, ``LOCK_GRAPH``, holding one node per
publisher that asked for it, with when and by whom. A publisher inserts its node (only when the
graph holds none; stores that ignore that condition still work, see below), reads the graph back,
and holds the lock only when its node is the **only** one there. Otherwise it removes its own node
and stops. Two publishers racing on a store that does not apply the condition atomically (Virtuoso
7.2.5) both see two nodes and both stop; neither ever writes while the other might.

A publisher that dies keeps its node. The next publish on the same machine removes it when that
process is gone; elsewhere ``break_lock`` drops the graph first (the error message says so, with
the holder's host, pid and start time).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass

import pyoxigraph as ox

from r2pgraph.errors import R2PError
from r2pgraph.rdf.iris import GRAPH
from r2pgraph.store.manifest import PUB, iri_ref
from r2pgraph.store.remote import RemoteStore, value

LOCK_GRAPH = GRAPH + "publication-lock"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


class PublishLocked(R2PError):
    """Another publisher holds (or is taking) the store's lock."""


@dataclass(frozen=True)
class Holder:
    node: str
    since: str
    by: str


def holders(remote: RemoteStore) -> list[Holder]:
    """The publishers in the lock graph, oldest first."""
    rows = remote.select(
        f"SELECT ?l ?since ?by WHERE {{ GRAPH {iri_ref(LOCK_GRAPH)} {{ ?l <{PUB}since> ?since . "
        f"OPTIONAL {{ ?l <{PUB}heldBy> ?by }} }} }}"
    )
    found = [Holder(value(r, "l") or "", value(r, "since") or "", value(r, "by") or "unknown") for r in rows]
    return sorted(found, key=lambda h: (h.since, h.node))


def acquire(remote: RemoteStore, break_lock: bool = False) -> str:
    """Take the lock; return this publisher's node. Raises PublishLocked naming the holder."""
    if break_lock:
        remote.update(f"DROP SILENT GRAPH {iri_ref(LOCK_GRAPH)}")
    me = f"urn:uuid:{uuid.uuid4()}"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    by = ox.Literal(_by())
    lock = iri_ref(LOCK_GRAPH)
    remote.update(
        f'INSERT {{ GRAPH {lock} {{ <{me}> <{PUB}since> "{now}"^^<{XSD_DATETIME}> ; <{PUB}heldBy> {by} }} }} '
        f"WHERE {{ FILTER NOT EXISTS {{ GRAPH {lock} {{ ?l <{PUB}since> ?s }} }} }}"
    )
    present = holders(remote)
    dead = [h for h in present if h.node != me and _dead_here(h.by)]
    if dead:  # left by a publish on this machine whose process has ended
        for h in dead:
            release(remote, h.node)
        present = [h for h in present if h not in dead]
        if not present:
            return acquire(remote)
    if [h.node for h in present] == [me]:
        return me
    if any(h.node == me for h in present):
        release(remote, me)
    others = [h for h in present if h.node != me]
    who = f"{others[0].by}, since {others[0].since}" if others else "another publisher"
    raise PublishLocked(
        f"another publish holds the store's lock ({who}); wait for it to finish, or, if no publish is "
        f"running, run publish again with --break-lock"
    )


def _by() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


def _dead_here(by: str) -> bool:
    """Whether ``by`` names a process on this machine that is no longer running."""
    host, _, pid = by.rpartition(" pid ")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def release(remote: RemoteStore, me: str) -> None:
    """Remove this publisher's node from the lock graph."""
    remote.update(f"DELETE WHERE {{ GRAPH {iri_ref(LOCK_GRAPH)} {{ <{me}> ?p ?o }} }}")
