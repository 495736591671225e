"""Queries waiting for a worker on the event loop (``QueryPool.run_async``), with real worker
processes over a built store: more queries than workers are all answered, in turn; one whose
deadline passes while it waits gets DeadlineExceeded and takes no worker with it; one whose
client leaves while it waits is dropped, and the worker goes to the next."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from r2pgraph.server.evaluation import Job
from r2pgraph.server.workers import DeadlineExceeded, QueryPool
from r2pgraph.store.embedded import STORE_DIR
from tests.server.test_deadlines import CARTESIAN

ASK = Job("ASK { ?s ?p ?o }", fmt="json")
YES = b'{"head":{},"boolean":true}'


@pytest.fixture
def one_worker(generation: Path) -> QueryPool:
    pool = QueryPool(generation / STORE_DIR, size=1)
    assert pool.run(ASK, 60).body == YES  # the worker is ready
    return pool


def test_more_queries_than_workers_are_all_answered(one_worker: QueryPool) -> None:
    async def scenario() -> list[bytes]:
        answers = await asyncio.gather(*(one_worker.run_async(ASK, 60) for _ in range(12)))
        return [a.body for a in answers]

    try:
        assert asyncio.run(scenario()) == [YES] * 12
    finally:
        one_worker.close()


def test_a_query_past_its_deadline_while_waiting_takes_no_worker_with_it(one_worker: QueryPool) -> None:
    async def scenario() -> tuple[BaseException | bytes, ...]:
        slow = asyncio.create_task(one_worker.run_async(Job(CARTESIAN, fmt="json"), 1.5))
        await asyncio.sleep(0.2)  # the slow query has the only worker
        waiting = one_worker.run_async(ASK, 0.5)
        results = await asyncio.gather(slow, waiting, return_exceptions=True)
        after = await one_worker.run_async(ASK, 60)  # the replacement of the slow query's worker
        return (*results, after.body)

    try:
        slow, waiting, after = asyncio.run(scenario())
        assert isinstance(slow, DeadlineExceeded) and isinstance(waiting, DeadlineExceeded)
        assert after == YES
    finally:
        one_worker.close()


def test_a_waiting_query_whose_client_leaves_is_dropped(one_worker: QueryPool) -> None:
    async def scenario() -> bytes:
        slow = asyncio.create_task(one_worker.run_async(Job("SELECT * WHERE { ?s ?p ?o } LIMIT 20000"), 60))
        await asyncio.sleep(0)
        left = asyncio.create_task(one_worker.run_async(ASK, 60))
        await asyncio.sleep(0.05)
        left.cancel()  # the client went away while waiting for the worker
        with pytest.raises(asyncio.CancelledError):
            await left
        await slow
        return (await one_worker.run_async(ASK, 60)).body  # the worker went to the next, not to the dropped one

    try:
        assert asyncio.run(scenario()) == YES
    finally:
        one_worker.close()
