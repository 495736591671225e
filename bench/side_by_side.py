"""Side by side, interleaved: the cold start of `r2pgraph serve` and the HTTP latency of the small
queries, for several source trees of r2pgraph over one built generation. On a shared, noisy machine
only such interleaved comparisons (and their medians) say which tree is faster.

    git archive HEAD~3 src | tar -x -C /tmp/before
    .venv/bin/python bench/side_by_side.py --build-dir build --rounds 10 before=/tmp/before/src after=src
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from queries import query_mix  # noqa: E402
from run import Server, in_process, over_http, served_store, timed  # noqa: E402
from targets import COLD_START_S, SMALL  # noqa: E402


def _start(build_dir: Path, src: str) -> tuple[Server, float]:
    """A server importing r2pgraph from ``src``, started; and its cold-start time."""
    os.environ["PYTHONPATH"] = str(Path(src).resolve())
    srv = Server(build_dir)
    return srv, srv.start()


def cold_starts(build_dir: Path, trees: dict[str, str], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in trees}
    for _ in range(rounds):
        for label, src in trees.items():
            srv, seconds = _start(build_dir, src)
            srv.stop()
            times[label].append(seconds)
    return times


def latencies(build_dir: Path, trees: dict[str, str], rounds: int, per_round: int) -> dict[str, dict[str, list[float]]]:
    import pyoxigraph as ox

    from r2pgraph.store.embedded import open_store

    generation = (build_dir / "current").resolve()
    store: ox.Store = served_store(generation) or open_store(generation)  # what the servers answer from
    mix = {q.key: q for q in query_mix("fra")}
    small = [mix[k] for k in SMALL]
    out: dict[str, dict[str, list[float]]] = {"in-process": {q.key: [] for q in small}}
    out.update({label: {q.key: [] for q in small} for label in trees})
    servers: dict[str, Server] = {}
    clients: dict[str, httpx.Client] = {}
    try:
        for label, src in trees.items():
            servers[label] = _start(build_dir, src)[0]
            servers[label].wait_for_engines()
            clients[label] = httpx.Client(base_url=servers[label].url, timeout=60)
        for _ in range(rounds):
            for q in small:
                out["in-process"][q.key] += timed(in_process(store, None, q), per_round)[0]
                for label, client in clients.items():
                    out[label][q.key] += timed(over_http(client, q), per_round)[0]
    finally:
        for client in clients.values():
            client.close()
        for srv in servers.values():
            srv.stop()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="+", metavar="LABEL=SRC", help="a label and an r2pgraph source directory")
    ap.add_argument("--build-dir", type=Path, default=Path("build"), help="a built build directory (read only)")
    ap.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    ap.add_argument("--per-round", type=int, default=20, help="requests per query, tree and round (default 20)")
    args = ap.parse_args()
    trees = dict(t.split("=", 1) for t in args.trees)
    print(f"cold start, {args.rounds} interleaved runs each (target < {COLD_START_S} s):")
    for label, ts in cold_starts(args.build_dir, trees, args.rounds).items():
        print(f"  {label}: median {statistics.median(ts):.3f} s (min {min(ts):.3f}, max {max(ts):.3f})")
    print("small queries, median ms (target: HTTP <= 2 x in-process + 3 ms):")
    lat = latencies(args.build_dir, trees, args.rounds, args.per_round)
    for key in SMALL:
        ip = statistics.median(lat["in-process"][key])
        cells = ", ".join(f"{label} {statistics.median(lat[label][key]):.3f}" for label in trees)
        print(f"  {key}: in-process {ip:.3f}, bound {2 * ip + 3:.3f}; HTTP: {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
