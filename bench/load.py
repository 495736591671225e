"""A bounded load: threads (one httpx client each) cycle through queries until a number of requests
is sent or a time is up. Shared by our own throughput figure and the side-by-side comparison."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from queries import Query


def bounded_load(
    url: str,
    queries: list[Query],
    send: Callable[[httpx.Client, Query], object],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    client_timeout: float,
) -> dict[str, Any]:
    """Run ``send(client, query)`` from ``concurrency`` threads over ``queries`` in turn; a request
    that raises an httpx error counts as failed (and as timed out when it timed out)."""
    lock = threading.Lock()
    sent, failed, timed_out = [0], [0], [0]
    per_query: dict[str, list[float]] = {q.key: [] for q in queries}
    t_end = time.perf_counter() + max_seconds

    def worker(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=client_timeout) as client:
            i = offset
            while True:
                with lock:
                    if sent[0] >= max_requests or time.perf_counter() > t_end:
                        return
                    sent[0] += 1
                q = queries[i % len(queries)]
                i += 1
                t0 = time.perf_counter()
                try:
                    send(client, q)
                    with lock:
                        per_query[q.key].append((time.perf_counter() - t0) * 1000)
                except httpx.HTTPError as e:
                    with lock:
                        failed[0] += 1
                        timed_out[0] += isinstance(e, httpx.TimeoutException)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    done = sum(len(v) for v in per_query.values())
    return {
        "concurrency": concurrency,
        "sent": sent[0],
        "completed": done,
        "failed": failed[0],
        "timed_out": timed_out[0],
        "elapsed_s": round(elapsed, 3),
        "req_per_s": round(done / elapsed, 3) if elapsed else None,
        "median_ms_per_query": {k: round(statistics.median(v), 2) for k, v in per_query.items() if v},
    }
