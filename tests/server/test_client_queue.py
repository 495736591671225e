"""A client's queries past its running share wait in its queue, then get 429: a parallel client
(YASGUI, Comunica) is served, and a flood from one client still neither runs more than its share
nor holds up others."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult
from r2pgraph.server.limits import ClientLimits, TooManyQueries
from tests.conftest import running_server

ASK = "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> ; ?p ?o }"  # by a worker (two patterns)
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=30))


async def _until(condition: Callable[[], bool]) -> None:
    """Let the other tasks run until ``condition`` holds (bounded)."""
    for _ in range(100_000):
        if condition():
            return
        await asyncio.sleep(0)
    pytest.fail("the condition never held")


def test_queries_past_the_limit_wait_their_turn_first_come_first_served() -> None:
    async def test() -> None:
        limits = ClientLimits(1, queue=3, wait=30)
        order: list[int] = []
        first_may_finish = asyncio.Event()

        async def query(i: int) -> None:
            async with limits.slot("a"):
                order.append(i)
                if i == 0:
                    await first_may_finish.wait()

        tasks = [asyncio.create_task(query(0))]
        await _until(lambda: limits.running("a") == 1)
        for i in (1, 2, 3):
            tasks.append(asyncio.create_task(query(i)))
        await _until(lambda: limits.waiting("a") == 3)
        with pytest.raises(TooManyQueries) as refused:  # the queue is full: refused at once
            async with limits.slot("a"):
                pass
        assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "2"
        assert "at most 1 may run at once and 3 more may wait up to 30 s" in refused.value.message
        async with limits.slot("b"):  # another client has slots of its own
            pass
        first_may_finish.set()
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2, 3]
        assert limits.running("a") == limits.waiting("a") == 0

    _run(test)


def test_a_query_waits_at_most_the_wait_or_its_deadline_then_gets_429() -> None:
    async def test() -> None:
        limits = ClientLimits(1, queue=5, wait=30)
        async with limits.slot("a"):
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(TooManyQueries):
                async with limits.slot("a", deadline=0.2):  # its deadline is shorter than the wait
                    pass
            assert 0.2 <= loop.time() - started < 10
            assert limits.waiting("a") == 0
        assert limits.running("a") == 0
        without_queue = ClientLimits(1, queue=0, wait=30)
        async with without_queue.slot("a"):
            with pytest.raises(TooManyQueries) as refused:
                async with without_queue.slot("a"):
                    pass
            assert "more may wait" not in refused.value.message

    _run(test)


def test_a_cancelled_waiter_leaves_the_queue_and_slots_are_never_lost() -> None:
    async def test() -> None:
        patient = ClientLimits(1, queue=4, wait=30)
        async with patient.slot("a"):
            waiting = asyncio.create_task(patient.slot("a").__aenter__())
            await _until(lambda: patient.waiting("a") == 1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            assert patient.waiting("a") == 0 and patient.running("a") == 1
        assert patient.running("a") == 0
        limits = ClientLimits(2, queue=4, wait=0.05)
        most = 0

        async def query(hold: int) -> str:
            nonlocal most
            try:
                async with limits.slot("a"):
                    most = max(most, limits.running("a"))
                    for _ in range(hold):
                        await asyncio.sleep(0)
                    return "ran"
            except TooManyQueries:
                return "refused"

        # Many queries coming and going, some timing out just as a slot is handed to them.
        outcomes = await asyncio.gather(*(query(hold=i % 7 * 50) for i in range(60)))
        assert most <= 2 and "ran" in outcomes
        assert limits.running("a") == limits.waiting("a") == 0

    _run(test)


def test_eight_concurrent_cheap_queries_from_one_client_all_get_200(server: str) -> None:
    async def test() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(
                *(client.get(server + "/sparql", params={"query": ASK, "format": "json"}) for _ in range(8))
            )
        assert [a.status_code for a in answers] == [200] * 8
        assert all(a.json()["boolean"] is True for a in answers)

    _run(test)


@pytest.fixture(scope="module")
def short_queue_server(built: BuildResult) -> Iterator[str]:
    options = ("--client-queue", "4", "--client-queue-wait", "1", "--query-timeout", "3")
    with running_server(built.generation.parent.parent, *options) as url:
        yield url


@pytest.mark.slow  # slow queries run to their deadline
def test_a_flood_of_slow_queries_gets_429_past_the_queue_while_another_client_is_served(
    short_queue_server: str,
) -> None:
    flood, running, queued = 100, 2, 4

    async def test() -> None:
        refused: list[httpx.Response] = []
        enough_refused = asyncio.Event()
        limits = httpx.Limits(max_connections=flood)
        async with (
            httpx.AsyncClient(timeout=30, limits=limits) as client,
            httpx.AsyncClient(timeout=30, transport=httpx.AsyncHTTPTransport(local_address="127.0.0.2")) as other,
        ):

            async def slow() -> httpx.Response:
                r = await client.get(short_queue_server + "/sparql", params={"query": CARTESIAN, "timeout": "3"})
                if r.status_code == 429:
                    refused.append(r)
                    if len(refused) >= flood - running - queued:
                        enough_refused.set()
                return r

            tasks = [asyncio.create_task(slow()) for _ in range(flood)]
            await asyncio.wait_for(enough_refused.wait(), timeout=20)  # those past the queue, at once
            answer = await other.get(short_queue_server + "/sparql", params={"query": ASK, "format": "json"})
            assert answer.status_code == 200 and answer.json()["boolean"] is True
            assert not all(t.done() for t in tasks)  # answered while the slow ones run or wait
            statuses = [r.status_code for r in await asyncio.gather(*tasks)]
        assert statuses.count(429) >= flood - running - queued
        assert set(statuses) <= {429, 503}  # the running ones reach their deadline
        assert 1 <= statuses.count(503) <= running + queued
        assert all(r.headers["retry-after"] == "2" for r in refused)

    _run(test)
