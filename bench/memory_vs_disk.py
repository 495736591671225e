"""The query workers' in-memory copies against the on-disk store, side by side on one build: the
throughput of the SPARQL queries of the mix (page excluded) from `r2pgraph serve` with its default
memory budget and with `--memory-budget 0`, in interleaved rounds, with medians.

    .venv/bin/python bench/memory_vs_disk.py --build-dir /tmp/b200 --states 200 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate import states  # noqa: E402
from queries import query_mix  # noqa: E402
from run import Server, throughput  # noqa: E402

MODES = {"memory (default budget)": (), "disk (--memory-budget 0)": ("--memory-budget", "0")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", type=Path, required=True, help="a built build directory (read only)")
    ap.add_argument("--states", type=int, required=True, help="how many states it was generated with")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--max-requests", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=20)
    args = ap.parse_args()
    mix = [q for q in query_mix(states(args.states)[0]) if q.kind == "sparql"]
    rates: dict[str, list[float]] = {mode: [] for mode in MODES}
    engines: dict[str, object] = {}
    for _ in range(args.rounds):
        for mode, extra in MODES.items():
            srv = Server(args.build_dir, *extra)
            srv.start(timeout=120)
            try:
                engines[mode] = srv.wait_for_engines()["workers"]
                load = throughput(srv.url, mix, args.concurrency, args.max_requests, args.max_seconds)
            finally:
                srv.stop()
            rates[mode].append(load["req_per_s"])
    for mode, runs in rates.items():
        print(f"{mode}: median {statistics.median(runs):.1f} req/s (runs {runs}; workers {engines[mode]})")
    memory, disk = (statistics.median(runs) for runs in rates.values())
    print(f"memory / disk: {memory / disk:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
