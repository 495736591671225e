"""A state's treaty actions and ratings grid read by triple patterns from the embedded store
(server/patterns.py) are the ones SPARQL reads, in the same order: from the same build served over
the SPARQL protocol by a real server, read as a remote store."""

from __future__ import annotations

import pyoxigraph as ox

from r2pgraph.query.engine import select
from r2pgraph.rdf.iris import BASE, R2P
from r2pgraph.server.patterns import StateRecords
from r2pgraph.server.views import framework_skeletons, ratings_grid, treaty_actions
from r2pgraph.store.remote import Endpoints, RemoteStore

NAMED = ("JPN", "FRA", "GRC", "USA", "SSD")  # assessed, not assessed, sources that disagree, a non-party, a new state
DOUBTED = f"SELECT DISTINCT ?s WHERE {{ ?x <{R2P}state> ?s ; <{R2P}unconfirmed> ?d }} ORDER BY ?s LIMIT 5"


def test_a_states_records_by_patterns_are_those_sparql_reads(store: ox.Store, server: str) -> None:
    states = [BASE + "id/state/" + code for code in NAMED]
    states += [r["s"].value for r in select(store, DOUBTED)]  # actions whose facts await confirmation
    skeletons = framework_skeletons(store)
    with RemoteStore(Endpoints(server + "/sparql", server + "/sparql")) as remote:
        for state in states:
            assert treaty_actions(store, state=state) == treaty_actions(remote, state=state), state
            read = StateRecords(store, state)
            assert treaty_actions(store, state=state, read=read) == treaty_actions(remote, state=state), state
            assert ratings_grid(store, state, skeletons, read) == ratings_grid(remote, state, skeletons), state
    grid = ratings_grid(store, BASE + "id/state/JPN", skeletons, StateRecords(store, BASE + "id/state/JPN"))
    assert sum(len(a.cells) for g in grid for a in g.areas) == 36 and all(
        c.rating for a in grid[0].areas for c in a.cells
    )
    japan = treaty_actions(store, state=BASE + "id/state/JPN")
    assert len(japan) > 20 and all(a.sources for a in japan)
    assert any(a.unconfirmed for s in states for a in treaty_actions(store, state=s))
