"""What the pages of a served version share (server/page_basis.py): read ahead from the in-memory
copy before the pages read it, the same as read from the store, and a state's page the same whether
it reads every state's treaty status or only its own records."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
import pytest

from r2pgraph.query.engine import Source
from r2pgraph.rdf.iris import BASE
from r2pgraph.server.backends.embedded import EmbeddedServed
from r2pgraph.server.page_basis import BASIS_KEY, WORLD_KEY, prepare
from r2pgraph.server.views import PageBasis, read_basis, state_view
from r2pgraph.treaties.status import Coverage, StatusIndex
from r2pgraph.treaties.world import TreatyWorld, load_world

FIXTURE = Path(__file__).parents[1] / "treaties" / "treaty_status" / "sources.trig"
STATES = ("JPN", "FRA", "GRC", "USA", "SSD")  # assessed, not assessed, sources that disagree, a non-party, a new state


def _pages_settled(served: EmbeddedServed, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while (found := served.pages_from()) == "loading":
        assert time.monotonic() < deadline, "the pages' in-memory copy did not load"
        time.sleep(0.05)
    return found


def test_a_versions_pages_find_what_they_share_read_ahead_from_its_copy(generation: Path, store: ox.Store) -> None:
    served = EmbeddedServed(generation, workers=1, memory_budget_mb=4096, prepare=prepare)
    try:
        assert _pages_settled(served) == "memory"
        basis, world = served.derived_if_ready(BASIS_KEY), served.derived_if_ready(WORLD_KEY)
        assert isinstance(basis, PageBasis) and isinstance(world, TreatyWorld)
        assert basis == read_basis(store)  # what the copy says is what the store says
        assert len(basis.instruments) > 20 and basis.scale and basis.skeletons and basis.labels
        assert basis.labels[BASE + "id/state/JPN"] == "Japan"
        # Kept: what ``derived`` is asked for is what was read ahead, not read again.
        assert served.derived(BASIS_KEY, lambda: read_basis(store)) is basis
    finally:
        served.retire()


def test_pages_read_their_copy_when_reading_ahead_fails(generation: Path) -> None:
    def failing(store: Source) -> Mapping[str, object]:
        raise ValueError("no basis in this generation")

    served = EmbeddedServed(generation, workers=1, memory_budget_mb=4096, prepare=failing)
    try:
        assert _pages_settled(served) == "memory"
        assert served.derived_if_ready(BASIS_KEY) is None  # read by the first page instead
    finally:
        served.retire()


@pytest.mark.parametrize("code", STATES)
def test_a_state_page_says_the_same_from_every_states_status_or_from_its_own(store: ox.Store, code: str) -> None:
    basis = read_basis(store)
    iri = BASE + "id/state/" + code
    own = state_view(store, iri, basis)
    assert own == state_view(store, iri, basis, load_world(store))
    assert own["treaty_status"] and len(own["treaty_status"]) == len(basis.instruments)


def _fixture_store() -> ox.Store:
    store = ox.Store()
    store.load(path=FIXTURE, format=ox.RdfFormat.TRIG)
    return store


@pytest.mark.parametrize("data", ["fixture", "build"])
def test_one_states_index_on_the_shared_coverage_is_the_whole_index_for_it(store: ox.Store, data: str) -> None:
    """Also where a source of status records has none of the state's: it has no record of it."""
    source = _fixture_store() if data == "fixture" else store
    whole = StatusIndex.load(source)
    shared = Coverage.load(source)
    assert whole.world and whole.instruments
    for state in whole.world:
        own = StatusIndex.load(source, state=state, shared=shared)
        for instrument in whole.instruments:
            assert own.statuses(state, instrument) == whole.statuses(state, instrument), (state, instrument)
            if data == "fixture":
                for on in ("1990", "2010-06-30"):
                    assert own.statuses(state, instrument, on) == whole.statuses(state, instrument, on)
