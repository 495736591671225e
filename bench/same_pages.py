"""Whether this checkout serves the same page bytes as another checkout, page by page.

    .venv/bin/python bench/same_pages.py --build-dir build --before path/to/other/checkout/src [--random 300]

Serves the build's current generation with this code and with the other checkout's (``git archive
main | tar -x -C /tmp/main``), both on 127.0.0.1, twice: the pages reading the on-disk store
(``--memory-budget 0``) and reading their in-memory copy. Requests the HTML page of every state,
instrument and indicator and of ``--random`` other resources (a seeded sample) from both, and
compares the bytes. Prints the number compared and every page that differs; exits 1 if any does.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

import httpx

from common import ROOT, serve_checkout, stop_process

R2P = "https://w3id.org/r2p/ontology#"
BASE = "https://w3id.org/r2p/"
KINDS = ("State", "Instrument", "Indicator")


def start(build_dir: Path, src: Path | None, memory: bool) -> tuple[subprocess.Popen[bytes], str]:
    """A server whose pages read their in-memory copy (``memory``) or the on-disk store."""
    budget = "1024" if memory else "0"
    return serve_checkout(build_dir, src, ("memory" if memory else "disk",), "--memory-budget", budget)


def resources(url: str, sample: int) -> list[str]:
    """Every state, instrument and indicator, and a seeded sample of the other resources, as paths."""
    query = "SELECT DISTINCT ?s ?k WHERE { ?s a ?k }"
    res = httpx.get(
        url + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=120
    )
    res.raise_for_status()
    kinds: dict[str, set[str]] = {}
    for b in res.json()["results"]["bindings"]:
        s = b["s"]["value"]
        if b["s"]["type"] == "uri" and s.startswith(BASE + "id/"):
            kinds.setdefault(s, set()).add(b["k"]["value"])
    chosen = sorted(s for s, ks in kinds.items() if any(R2P + k in ks for k in KINDS))
    others = sorted(set(kinds) - set(chosen))
    chosen += random.Random(21).sample(others, min(sample, len(others)))
    return ["/" + s[len(BASE) :] for s in chosen]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", type=Path, default=ROOT / "build")
    p.add_argument("--before", type=Path, required=True, help="the other checkout's src/")
    p.add_argument("--random", type=int, default=300, help="other resources sampled")
    args = p.parse_args()
    differ = 0
    for memory in (False, True):
        servers: list[tuple[subprocess.Popen[bytes], str]] = []
        try:
            for src in (args.before, None):  # each started server is stopped below, also when the next fails
                servers.append(start(args.build_dir, src, memory))
            clients = [httpx.Client(base_url=url, timeout=120) for _, url in servers]
            paths = resources(servers[0][1], args.random)
            for path in paths:
                before, after = (
                    c.get(path, headers={"Accept": "text/html", "Accept-Encoding": "identity"}) for c in clients
                )
                if (before.status_code, before.content) != (after.status_code, after.content):
                    differ += 1
                    print(f"differs ({'memory' if memory else 'disk'}): {path}", flush=True)
            print(f"{len(paths)} pages compared, reading from {'memory' if memory else 'disk'}", flush=True)
            for c in clients:
                c.close()
        finally:
            for proc, _ in servers:
                stop_process(proc)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
