"""A state's treaty actions read by triple patterns from the embedded store (server/patterns.py)
are the ones SPARQL reads, in the same order: from the same build served over the SPARQL protocol
by a real server, read as a remote store."""

from __future__ import annotations

import pyoxigraph as ox

from r2pgraph.query.engine import select
from r2pgraph.rdf.iris import BASE, R2P
from r2pgraph.server.views import treaty_actions
from r2pgraph.store.remote import Endpoints, RemoteStore

NAMED = ("JPN", "FRA", "GRC", "USA", "SSD")  # assessed, not assessed, sources that disagree, a non-party, a new state
DOUBTED = f"SELECT DISTINCT ?s WHERE {{ ?x <{R2P}state> ?s ; <{R2P}unconfirmed> ?d }} ORDER BY ?s LIMIT 5"


def test_a_states_treaty_actions_by_patterns_are_those_sparql_reads(store: ox.Store, server: str) -> None:
    states = [BASE + "id/state/" + code for code in NAMED]
    states += [r["s"].value for r in select(store, DOUBTED)]  # actions whose facts await confirmation
    with RemoteStore(Endpoints(server + "/sparql", server + "/sparql")) as remote:
        for state in states:
            by_patterns = treaty_actions(store, state=state)
            assert by_patterns == treaty_actions(remote, state=state), state
    japan = treaty_actions(store, state=BASE + "id/state/JPN")
    assert len(japan) > 20 and all(a.sources for a in japan)
    assert any(a.unconfirmed for s in states for a in treaty_actions(store, state=s))
