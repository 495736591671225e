"""The world's treaty records (data/ as committed): a fresh build, the matrix and instrument pages,
and the cross-reference of every state.

    .venv/bin/python bench/world.py --out bench/results

Builds data/ into a new temporary build directory (``r2pgraph build``, wall time: the figure of a
fresh clone's ``make build`` without the venv), times ``r2pgraph crossref`` over all states
(``--crossref-runs``), then starts ``r2pgraph serve`` on 127.0.0.1 over that build, requests each
page once to warm it (the first request of a version reads every status: reported apart), and
times ``--runs`` requests of each: ``/matrix`` (the 193 UN member states × every instrument) and
``/id/instrument/rome-statute``. Targets (issue 19): build < 30 s, matrix < 300 ms median,
instrument page < 100 ms median, crossref < 5 s. Writes ``world.json`` and ``world.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PAGES = {"matrix": ("/matrix", 0.300), "instrument page": ("/id/instrument/rome-statute", 0.100)}
TARGETS = {"build": 30.0, "crossref, all states": 5.0}


def cli(*args: str) -> float:
    """Seconds one ``r2pgraph`` command takes (it must succeed)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "r2pgraph.cli", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def timed(client: httpx.Client, url: str) -> float:
    t0 = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=BENCH / "results")
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--crossref-runs", type=int, default=3)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="r2p-world-"))
    result: dict[str, object] = {"nproc": os.cpu_count(), "load_average": os.getloadavg(), "runs": args.runs}
    try:
        build = str(work / "build")
        result["build_s"] = round(cli("build", "--build-dir", build), 2)
        crossref = [cli("crossref", "--build-dir", build, "--format", "csv") for _ in range(args.crossref_runs)]
        result["crossref_all_states_s"] = {"median": round(statistics.median(crossref), 2), "runs": crossref}
        port = 19000 + os.getpid() % 1000
        url = f"http://127.0.0.1:{port}"
        serve = [sys.executable, "-m", "r2pgraph.cli", "serve", "--build-dir", build, "--host", "127.0.0.1"]
        serve += ["--cache-mb", "0"]  # each page rendered, not answered from the cache
        proc = subprocess.Popen(
            [*serve, "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(url, proc)
            pages: dict[str, object] = {}
            with httpx.Client(timeout=120) as client:
                for name, (path, _) in PAGES.items():
                    first = timed(client, url + path)
                    ms = [timed(client, url + path) * 1000 for _ in range(args.runs)]
                    pages[name] = {
                        "path": path,
                        "first_request_ms": round(first * 1000, 1),
                        "median_ms": round(statistics.median(ms), 1),
                        "max_ms": round(max(ms), 1),
                    }
            result["pages"] = pages
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "world.json").write_text(json.dumps(result, indent=2) + "\n")
    pages = result["pages"]
    assert isinstance(pages, dict)
    crossref_median = result["crossref_all_states_s"]["median"]  # type: ignore[index]
    rows = [
        ("fresh build (`r2pgraph build`)", f"{result['build_s']} s", "< 30 s", result["build_s"] < 30),  # type: ignore[operator]
        ("`r2pgraph crossref`, all states (median)", f"{crossref_median} s", "< 5 s", crossref_median < 5),
    ]
    for name, (_, target) in PAGES.items():
        median = pages[name]["median_ms"]
        rows.append(
            (
                f"{name} (median; first request {pages[name]['first_request_ms']} ms)",
                f"{median} ms",
                f"< {int(target * 1000)} ms",
                median < target * 1000,
            )
        )
    md = [
        "# The world's treaty records: build, matrix, instrument page, cross-reference",
        "",
        f"`python bench/world.py` on {os.cpu_count()} cores, load average at start "
        f"{', '.join(f'{x:.1f}' for x in result['load_average'])}; {args.runs} page requests each.",  # type: ignore[attr-defined]
        "",
        "| what | measured | target | met |",
        "|---|---|---|---|",
        *(f"| {what} | {got} | {target} | {'yes' if ok else 'no'} |" for what, got, target, ok in rows),
        "",
    ]
    (args.out / "world.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
