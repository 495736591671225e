"""Serving a large built generation: cold start, server memory under the benchmark's load, throughput.

``make bench`` stops at 200 states (its 15-minute budget); the 1,000-state build alone takes longer.
This script measures the serving side on a generation built beforehand, e.g.::

    python bench/generate.py --states 1000 --out /tmp/g1000
    python bench/buildstep.py /tmp/g1000 /tmp/b1000 > /tmp/b1000.json
    python bench/serve_large.py --build-dir /tmp/b1000 --states 1000 --build-json /tmp/b1000.json

It writes ``bench/results/serve-<N>-states.md`` and ``.json``: cold start to the first answer
(median of 3), the server's peak RSS summed over its process tree (main process and query workers)
after the same bounded load as ``bench/run.py`` (the SPARQL mix and the page at concurrency 8),
and that load's throughput; also the tree's proportional set size (PSS), sampled during the load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import procmem  # noqa: E402
from generate import states  # noqa: E402
from queries import query_mix  # noqa: E402
from run import Server, machine, throughput  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", type=Path, required=True, help="a build directory with a current generation")
    p.add_argument("--states", type=int, required=True, help="how many states it was generated with")
    p.add_argument("--build-json", type=Path, help="the build's numbers (bench/buildstep.py's output), to quote")
    p.add_argument("--out", type=Path, default=BENCH / "results")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--max-requests", type=int, default=200)
    p.add_argument("--max-seconds", type=float, default=60)
    args = p.parse_args()

    mix = query_mix(states(args.states)[0])
    colds = []
    for _ in range(3):
        srv = Server(args.build_dir)
        colds.append(round(srv.start(timeout=120), 3))
        srv.stop()
    srv = Server(args.build_dir)
    srv.start(timeout=120)
    try:
        engines = srv.wait_for_engines()
        assert srv.proc is not None
        with procmem.PssSampler(srv.proc.pid) as pss:
            load = throughput(srv.url, mix, args.concurrency, args.max_requests, args.max_seconds)
        tree = procmem.tree_hwm_mb(srv.proc.pid)
        main_mb = srv.vm_hwm_mb()
    finally:
        srv.stop()
    build = json.loads(args.build_json.read_text().splitlines()[0]) if args.build_json else None
    doc = {
        "states": args.states,
        "machine": machine(),
        "build": build,
        "cold_start_s": {"median": statistics.median(colds), "runs": colds},
        "query_workers": engines,
        "throughput": load,
        "server_peak_rss_mb": main_mb,
        "server_tree_peak_rss": tree,
        "server_tree_peak_pss_mb_sampled": round(pss.peak_mb, 1),
    }
    stem = f"serve-{args.states}-states"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    lines = [f"# Serving {args.states} states", ""]
    if build:
        t = build.get("timings") or {}
        lines += [
            f"Build ({build.get('quads')} quads, SHACL gate {'on' if build.get('validated') else 'off'}): "
            + ", ".join(f"{k.removesuffix('_s')} {v} s" for k, v in t.items())
            + f"; total {build.get('total_s')} s.",
            "",
        ]
    lines += [
        f"Cold start to the first answer: median {doc['cold_start_s']['median']} s (runs {colds}).",
        "",
        f"Query workers (`/health` before the load): {engines['workers']} (the default memory budget of "
        "`serve` decides whether they hold in-memory copies of the store).",
        "",
        f"Under the bounded load (mix of {len(mix)} requests, concurrency {args.concurrency}): "
        f"{load['req_per_s']} req/s, {load['requests']} requests, {load['errors']} errors.",
        "",
        f"Server peak RSS: {main_mb} MB main process; {tree['sum_mb']} MB summed over its "
        f"{tree['processes']} processes (query workers included; shared pages counted once per process). "
        f"Proportional set size of the tree (shared pages split between the processes sharing them), "
        f"largest of the samples taken every 0.25 s during the load: {doc['server_tree_peak_pss_mb_sampled']} MB. "
        "Target at 1,000 states: under 500 MB.",
        "",
    ]
    (args.out / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
