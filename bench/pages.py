"""The pages rendered anew: the state page, an instrument page and the matrix, from one client.

    .venv/bin/python bench/pages.py --build-dir build [--before path/to/other/checkout/src]

Starts ``r2pgraph serve`` on 127.0.0.1 over the build's current generation (with ``--before``, a
second one running that checkout's code, e.g. ``git archive main | tar -x -C /tmp/main``, over the
same generation), waits until its pages read their in-memory copy, requests each page once (the first
request of the version, reported apart), then ``--runs`` times each with a new query string, which
the answer cache never holds: every one is rendered. Reports medians in ms, servers side by side, in
turn page by page, with the load average. Writes ``pages.json`` and ``pages.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from common import BENCH, ROOT, serve_checkout, stop_process

PAGES = (
    ("state page, assessed (JPN)", "/id/state/JPN"),
    ("state page, not assessed (FRA)", "/id/state/FRA"),
    ("instrument page (rome-statute)", "/id/instrument/rome-statute"),
    ("matrix (193 UN member states)", "/matrix"),
)


def start(build_dir: Path, src: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    """A server whose pages read their in-memory copy (or the disk, when it does not fit)."""
    return serve_checkout(build_dir, src, ("memory", "disk"))


def measure(client: httpx.Client, path: str, runs: int, stamp: str) -> dict[str, Any]:
    def get(query: str) -> float:
        t0 = time.perf_counter()
        client.get(path + query, headers={"Accept": "text/html"}).raise_for_status()
        return (time.perf_counter() - t0) * 1000

    first = get(f"?first={stamp}")
    fresh = [get(f"?n={stamp}-{k}") for k in range(runs)]
    return {
        "first_ms": round(first, 1),
        "median_ms": round(statistics.median(fresh), 1),
        "p90_ms": round(statistics.quantiles(fresh, n=10)[-1], 1),
        "max_ms": round(max(fresh), 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", type=Path, default=ROOT / "build")
    p.add_argument("--before", type=Path, help="another checkout's src/ to measure side by side")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--out", type=Path, default=BENCH / "results")
    args = p.parse_args()
    codes: dict[str, Path | None] = {"this checkout": None}
    if args.before:
        codes = {"before": args.before, "after": None}
    doc: dict[str, Any] = {"load_average_before": os.getloadavg(), "runs": args.runs, "pages": {}}
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    stamp = str(int(time.time()))
    try:
        for name, src in codes.items():  # each started server is stopped below, also when the next fails
            servers[name] = start(args.build_dir, src)
        clients = {name: httpx.Client(base_url=url, timeout=120) for name, (_, url) in servers.items()}
        for title, path in PAGES:
            doc["pages"][title] = {name: measure(c, path, args.runs, stamp) for name, c in clients.items()}
            print(title, json.dumps(doc["pages"][title]), flush=True)
        for c in clients.values():
            c.close()
    finally:
        for proc, _ in servers.values():
            stop_process(proc)
    doc["load_average_after"] = os.getloadavg()
    names = list(codes)
    md = [
        f"Pages rendered anew (a new query string each), median / 90th percentile of {args.runs} from one client, "
        f"ms; first request of the version in brackets. Load average "
        f"{', '.join(f'{x:.1f}' for x in doc['load_average_before'])} before, "
        f"{', '.join(f'{x:.1f}' for x in doc['load_average_after'])} after.",
        "",
        "| page | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        *(
            f"| {title} | "
            + " | ".join(f"{r[n]['median_ms']} / {r[n]['p90_ms']} ({r[n]['first_ms']})" for n in names)
            + " |"
            for title, r in doc["pages"].items()
        ),
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pages.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (args.out / "pages.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
