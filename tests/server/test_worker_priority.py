"""Slow queries run at a lowered CPU priority without costing their worker process, also when the
server cannot raise a priority again (an unprivileged user); a query that gets a worker too close
to its deadline is refused without killing it."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult
from r2pgraph.server.workers import LOW_PRIORITY, MIN_START_S
from tests.conftest import server_process

NOBODY_UID = 65534
# As nobody, without CAP_SYS_NICE; with CAP_DAC_READ_SEARCH only, since the interpreter may live
# where only root may read (e.g. pyenv's under /root), and the workers are started from it.
NOBODY = [
    "setpriv",
    f"--reuid={NOBODY_UID}",
    f"--regid={NOBODY_UID}",
    "--clear-groups",
    "--inh-caps=+dac_read_search",
    "--ambient-caps=+dac_read_search",
]
CAP_SYS_NICE = 23
WORKERS = 2

# Cheap, and answered by a worker (two patterns: a look-up would be answered in the server).
CHEAP = "ASK { ?s a ?c ; ?p ?o }"


def _cross_join(n: int) -> str:
    """A query whose work grows as n²: n triples joined with n triples, counted."""
    return (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT ?a WHERE {{ ?a ?b ?c }} LIMIT {n} }}"
        f" {{ SELECT ?d WHERE {{ ?d ?e ?f }} LIMIT {n} }} }}"
    )


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``condition`` until it holds (bounded in time), else fail naming ``what``."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, f"not within {seconds} s: {what}"
        time.sleep(0.005)


def worker_pids(server_pid: int) -> set[int]:
    """The query worker processes among the server's children (from /proc)."""
    children: set[int] = set()
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        try:
            children |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:  # the thread ended meanwhile
            continue
    pids = set()
    for pid in children:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.add(pid)
        except OSError:
            continue
    return pids


def thread_niceness(pids: set[int]) -> dict[tuple[int, int], int]:
    """(pid, thread id) → niceness of every thread of the given processes."""
    out = {}
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[(pid, int(task.name))] = int(fields[16])  # field 19 of proc_pid_stat(5)
    return out


def _copy_for(built: BuildResult, uid: int | None) -> Iterator[Path]:
    """The session's build, copied into a directory of its own (owned by ``uid``, when given: a
    server writes its leases into the generation it serves)."""
    top = Path(tempfile.mkdtemp(prefix="r2p-workers-"))
    try:
        top.chmod(0o755)
        build = top / "build"
        shutil.copytree(built.generation.parent.parent, build, symlinks=True)
        if uid is not None:
            for path in [build, *build.rglob("*")]:
                os.chown(path, uid, uid, follow_symlinks=False)
        yield build
    finally:
        shutil.rmtree(top)


@pytest.fixture
def nobody_build(built: BuildResult) -> Iterator[Path]:
    yield from _copy_for(built, NOBODY_UID)


@pytest.fixture
def own_build(built: BuildResult) -> Iterator[Path]:
    yield from _copy_for(built, None)


def _slow_query(client: httpx.Client, sparql: str, seconds: float) -> str:
    """A cross join that takes at least ``seconds`` on this server, twice in a row (its size found by
    trying, once the server has settled: a cold worker or a copy loading beside it slows one run)."""
    health = sparql.removesuffix("/sparql") + "/health"
    _wait_for(lambda: "loading" not in client.get(health).text, 60, "the in-memory copies loaded")
    n = 1500
    for _ in range(14):
        took = []
        for _ in range(2):
            started = time.monotonic()
            r = client.get(sparql, params={"query": _cross_join(n), "timeout": "20"})
            assert r.status_code == 200, r.text
            took.append(time.monotonic() - started)
        if min(took) >= seconds:
            return _cross_join(n)
        n = int(n * 1.4)
    raise AssertionError(f"no cross join took {seconds} s")


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="starting the server as the unprivileged user 'nobody' needs root")
def test_slow_queries_run_at_low_priority_and_keep_their_worker_when_unprivileged(nobody_build: Path) -> None:
    with (
        server_process(nobody_build, "--workers", str(WORKERS), "--cache-mb", "0", as_user=NOBODY) as (url, proc),
        httpx.Client(timeout=30) as client,
    ):
        sparql = url + "/sparql"
        assert os.stat(f"/proc/{proc.pid}").st_uid == NOBODY_UID
        status = dict(line.split(":\t", 1) for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines())
        assert not int(status["CapEff"], 16) & (1 << CAP_SYS_NICE)  # it may not raise a priority again
        slow = _slow_query(client, sparql, 1.0)
        _wait_for(lambda: len(worker_pids(proc.pid)) == WORKERS, 60, f"{WORKERS} query workers")
        before = worker_pids(proc.pid)
        with ThreadPoolExecutor(1) as pool:
            for _ in range(10):
                answer: Future[httpx.Response] = pool.submit(client.get, sparql, params={"query": slow})
                _wait_for(
                    lambda answer=answer: LOW_PRIORITY in thread_niceness(before).values() or answer.done(),
                    20,
                    "a worker thread at niceness 19",
                )
                assert LOW_PRIORITY in thread_niceness(before).values(), "the slow query was not lowered"
                assert answer.result().status_code == 200
                # the lowered thread is retired; the worker's threads are all back at niceness 0
                _wait_for(lambda: set(thread_niceness(before).values()) == {0}, 10, "all threads at niceness 0")
                cheap = client.get(sparql, params={"query": CHEAP})
                assert cheap.status_code == 200 and cheap.json()["boolean"] is True
                assert set(thread_niceness(before).values()) == {0}
        assert worker_pids(proc.pid) == before


@pytest.mark.slow
def test_a_query_that_gets_a_worker_near_its_deadline_is_refused_without_killing_it(own_build: Path) -> None:
    # A slow query holds the one worker; meanwhile cheap queries with a short deadline arrive one
    # every half MIN_START_S, so that when the worker is free some have less than MIN_START_S left.
    deadline = 0.4
    with (
        server_process(
            own_build, "--workers", "1", "--client-queries", "0", "--query-timeout", "120", "--cache-mb", "0"
        ) as (url, proc),
        httpx.Client(timeout=130, limits=httpx.Limits(max_connections=64)) as client,
    ):
        sparql = url + "/sparql"
        slow = _slow_query(client, sparql, 1.0)
        _wait_for(lambda: len(worker_pids(proc.pid)) == 1, 60, "the query worker")
        before = worker_pids(proc.pid)

        def cheap_query() -> tuple[int, float]:
            t = time.monotonic()
            r = client.get(sparql, params={"query": CHEAP, "timeout": str(deadline)})
            return r.status_code, time.monotonic() - t

        with ThreadPoolExecutor(32) as pool:
            held = pool.submit(client.get, sparql, params={"query": slow})
            _wait_for(lambda: LOW_PRIORITY in thread_niceness(before).values(), 20, "the slow query running")
            waiting: list[Future[tuple[int, float]]] = []
            done = threading.Event()
            held.add_done_callback(lambda _: done.set())
            end = time.monotonic() + 110
            while not done.wait(MIN_START_S / 2) and time.monotonic() < end:
                waiting.append(pool.submit(cheap_query))
            assert held.result().status_code == 200
            results = [w.result() for w in waiting]
        assert {status for status, _ in results} <= {200, 503}
        # a 503 well before the query's own deadline: it got the worker with less than MIN_START_S left
        early = [took for status, took in results if status == 503 and took < deadline - MIN_START_S / 4]
        assert early, f"no query was refused near its deadline: {results}"
        assert worker_pids(proc.pid) == before, "the worker was killed"
