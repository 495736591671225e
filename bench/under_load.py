"""A simple query's latency while one client runs two pathological queries.

    .venv/bin/python bench/under_load.py --build-dir build --out bench/results

Starts ``r2pgraph serve`` (its default limits: 3 workers, 2 queries per client, 30 s deadline) on
127.0.0.1 over the built generation, measures the latency of a simple query from one client
(source address 127.0.0.3) alone, then again while a second client (127.0.0.2) keeps two
pathological queries running (an unbounded property path over every predicate in both directions,
and a sort of the store's cartesian product), each stopped by its deadline (``timeout=5``). Writes
``under-load.json`` and ``under-load.md``. Bounded: ``--runs`` simple queries per phase.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SIMPLE = "ASK { ?s a <https://w3id.org/r2p/ontology#Finding> }"
PATHOLOGICAL = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:none>|^!<urn:x:none>)* ?b }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
)


def client(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def latencies(url: str, runs: int) -> list[float]:
    out = []
    with client("127.0.0.3") as c:
        for _ in range(runs):
            t0 = time.perf_counter()
            assert c.get(url, params={"query": SIMPLE, "format": "json"}).status_code == 200
            out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {"median_ms": round(statistics.median(ms), 2), "p90_ms": round(ordered[int(0.9 * (len(ms) - 1))], 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", type=Path, default=ROOT / "build")
    p.add_argument("--out", type=Path, default=BENCH / "results")
    p.add_argument("--runs", type=int, default=30)
    args = p.parse_args()
    port = 18000 + os.getpid() % 1000
    url = f"http://127.0.0.1:{port}/sparql"
    serve = [sys.executable, "-m", "r2pgraph.cli", "serve", "--build-dir", str(args.build_dir), "--port", str(port)]
    serve += ["--cache-mb", "0"]  # the simple query is evaluated each time, not answered from the cache
    proc = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        alone = latencies(url, args.runs)
        stop = threading.Event()
        outcomes: list[int] = []

        def hostile(query: str) -> None:
            with client("127.0.0.2") as c:
                while not stop.is_set():
                    outcomes.append(c.get(url, params={"query": query, "timeout": "5"}).status_code)

        threads = [threading.Thread(target=hostile, args=(q,)) for q in PATHOLOGICAL]
        for t in threads:
            t.start()
        time.sleep(1)
        loaded = latencies(url, args.runs)
        stop.set()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    result = {
        "alone": summary(alone),
        "under_two_pathological_queries": summary(loaded),
        "pathological_outcomes": {str(s): outcomes.count(s) for s in sorted(set(outcomes))},
        "runs": args.runs,
        "nproc": os.cpu_count(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "under-load.json").write_text(json.dumps(result, indent=2) + "\n")
    md = [
        "# A simple query while one client runs two pathological queries",
        "",
        f"`python bench/under_load.py` on {os.cpu_count()} cores; {args.runs} simple queries per phase.",
        "",
        "| phase | median ms | p90 ms |",
        "|---|---|---|",
        f"| alone | {result['alone']['median_ms']} | {result['alone']['p90_ms']} |",
        f"| during two pathological queries | {result['under_two_pathological_queries']['median_ms']} "
        f"| {result['under_two_pathological_queries']['p90_ms']} |",
        "",
        f"Pathological requests' statuses: {result['pathological_outcomes']} (503: stopped at the deadline).",
        "",
    ]
    (args.out / "under-load.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
