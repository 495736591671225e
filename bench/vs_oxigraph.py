"""r2pgraph against Oxigraph server (and rdflib-endpoint) on the same N-Quads export, under wrk.

    .venv/bin/python bench/vs_oxigraph.py --build-dir build --out bench/results

The build directory's current generation (``make build``: the world's treaty records included) is
loaded into a fresh Oxigraph database (``oxigraph load``) and served by ``oxigraph serve-read-only
--union-default-graph``; ``r2pgraph serve --client-queries 0`` (no per-client limit: wrk's
connections all come from 127.0.0.1) serves the build itself, with its default result cache; and
rdflib-endpoint (``rival_server.py``) serves the same N-Quads. All on 127.0.0.1.

Each request is sent by wrk (``--threads``, ``--connections``, ``--seconds``) to r2pgraph, then at
once to Oxigraph server (side by side, request by request), ``--rounds`` times in turn (medians
reported), in two ways: *repeated* (the same text
every time: r2pgraph answers from its per-generation cache after the first) and *unique* (a
comment with a counter appended to each query, a dummy parameter on the page: never a cache hit).
rdflib-endpoint gets the queries of the mix, repeated. The answers' sizes are compared first.
Writes ``vs_oxigraph.json`` and ``vs_oxigraph.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from common import free_port  # noqa: E402
from queries import PREFIXES, Query, query_mix  # noqa: E402
from remote_latency import Proc, serve  # noqa: E402
from rival import RivalServer, result_rows  # noqa: E402
from run import machine  # noqa: E402

RESULTS = "application/sparql-results+json"
JPN = "https://w3id.org/r2p/id/state/JPN"
OXIGRAPH_PATH = "/query"
CHEAP_GOAL = 0.15  # of Oxigraph server's req/s
MIX_GOAL = 1.5  # time per request of the mix, over Oxigraph server's
UNIQUE_LUA = """
local n = 0
local threads = 0
id = "0"
function setup(thread)
  threads = threads + 1
  thread:set("id", os.time() .. "-" .. threads)
end
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "SEP" .. id .. "-" .. n)
end
"""


def requests() -> tuple[list[Query], list[Query]]:
    """The cheap requests and the query mix of issue 21."""
    construct = next(q for q in query_mix("JPN") if q.key == "d_construct_state")
    cheap = [
        Query("ask", "ASK {}", "sparql", "ASK {}", RESULTS),
        Query("construct_state", "CONSTRUCT of one state (JPN)", "sparql", construct.text, "application/n-triples"),
        Query("page_state", "The state page /id/state/JPN (HTML)", "page", "/id/state/JPN", "text/html"),
    ]
    mix = [
        Query(
            "types_counts",
            "types with counts",
            "sparql",
            _sel("?t (COUNT(?s) AS ?n)", "?s a ?t", "GROUP BY ?t ORDER BY DESC(?n)"),
            RESULTS,
        ),
        Query("count_all", "COUNT(*)", "sparql", _sel("(COUNT(*) AS ?n)", "?s ?p ?o"), RESULTS),
        Query(
            "label_search",
            'label text search ("genocide")',
            "sparql",
            _sel("?s ?l", '?s rdfs:label|skos:prefLabel ?l FILTER (CONTAINS(LCASE(STR(?l)), "genocide"))'),
            RESULTS,
        ),
        Query(
            "two_hops_japan", "two hops from Japan", "sparql", _sel("?x ?q ?y", f"?x ?p <{JPN}> . ?x ?q ?y"), RESULTS
        ),
        Query(
            "labels_join",
            "labels join, LIMIT 2000",
            "sparql",
            _sel("?s ?p ?o ?l", "?s ?p ?o . ?o rdfs:label ?l", "LIMIT 2000"),
            RESULTS,
        ),
    ]
    return cheap, mix


def _sel(projection: str, where: str, tail: str = "") -> str:
    return PREFIXES + f"SELECT {projection} WHERE {{ {where} }} {tail}".rstrip()


def path_of(q: Query, sparql_path: str) -> str:
    return q.text if q.kind == "page" else f"{sparql_path}?query={quote(q.text, safe='')}"


def wrk(url: str, q: Query, sparql_path: str, args: argparse.Namespace, unique: bool, work: Path) -> dict[str, Any]:
    """One wrk run: req/s, median latency, and the answers that were not 2xx (must be none)."""
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.seconds}s"]
    cmd += ["--timeout", "60s", "--latency", "-H", f"Accept: {q.accept}"]
    if unique:  # a comment ("%0A%23" is a newline and #) in a query, a dummy parameter on a page
        script = work / f"unique-{q.kind}.lua"
        script.write_text(UNIQUE_LUA.replace("SEP", "?u=" if q.kind == "page" else "%0A%23"))
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url + path_of(q, sparql_path)], capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    median = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if not rate:
        raise RuntimeError(f"unreadable wrk output:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[median.group(2)] if median else 0.0
    return {
        "req_per_s": float(rate.group(1)),
        "median_ms": round(float(median.group(1)) * scale, 3) if median else None,  # None: no answer in time
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else None,
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median req/s and median latency of several wrk runs, with the runs' req/s."""
    latencies = [r["median_ms"] for r in runs if r["median_ms"] is not None]
    return {
        "req_per_s": statistics.median(r["req_per_s"] for r in runs),
        "median_ms": statistics.median(latencies) if latencies else None,
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "runs_req_per_s": [r["req_per_s"] for r in runs],
    }


def sizes(targets: dict[str, tuple[str, str]], q: Query) -> dict[str, int]:
    """Rows (triples, 1 for ASK) of each target's answer; bytes for the page."""
    out = {}
    for name, (url, path) in targets.items():
        r = httpx.get(url + path_of(q, path), headers={"Accept": q.accept}, timeout=120)
        r.raise_for_status()
        out[name] = len(r.content) if q.kind == "page" else result_rows(q, r)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", type=Path, default=Path("build"))
    p.add_argument("--out", type=Path, default=BENCH / "results")
    p.add_argument("--seconds", type=int, default=3)
    p.add_argument("--rounds", type=int, default=3, help="wrk runs per request and peer, in turn (medians)")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=20, help="requests of the page from one client, each way")
    p.add_argument("--no-rival", dest="rival", action="store_false", help="skip rdflib-endpoint")
    p.add_argument("--serve-option", action="append", default=[], help="more `r2pgraph serve` options")
    args = p.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    generation = (args.build_dir / "current").resolve()
    nquads = generation / "r2p.nq"
    doc: dict[str, Any] = {"started": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine()}
    doc["generation"] = {
        "name": generation.name,
        "quads": json.loads((generation / "build-report.json").read_text())["quads"],
    }
    doc["args"] = {k: str(v) for k, v in vars(args).items()}
    doc["load_average_before"] = os.getloadavg()
    cheap, mix = requests()
    with tempfile.TemporaryDirectory(prefix="r2p-vs-ox-") as tmp:
        work = Path(tmp)
        oxigraph = str(Path(sys.executable).parent / "oxigraph")
        t0 = time.perf_counter()
        subprocess.run(
            [oxigraph, "load", "--location", str(work / "db"), "--file", str(nquads)], check=True, capture_output=True
        )
        doc["oxigraph_load_s"] = round(time.perf_counter() - t0, 2)
        ox_port = free_port()
        ox_url = f"http://127.0.0.1:{ox_port}"
        ox_args = [oxigraph, "serve-read-only", "--location", str(work / "db"), "--bind", f"127.0.0.1:{ox_port}"]
        ox = Proc([*ox_args, "--union-default-graph"], ox_url + "/query?query=ASK%20%7B%7D")
        ours, ours_url = serve(["--build-dir", str(args.build_dir), "--no-access-log", *args.serve_option])
        rival = RivalServer(nquads, free_port()) if args.rival else None
        try:
            doc["cold_start_s"] = {"r2pgraph": round(ours.start(), 3), "oxigraph": round(ox.start(), 3)}
            _wait_for_memory(ours_url)
            if rival:
                doc["cold_start_s"]["rdflib-endpoint"] = round(rival.start(), 3)
            # The page from one client, on a machine at rest: before the load (after minutes of
            # wrk, this shared machine answers the same page up to half as fast for a while).
            doc["page_one_client"] = page_latency(ours_url, cheap[2], args.runs)
            targets = {"r2pgraph": (ours_url, "/sparql"), "oxigraph": (ox_url, OXIGRAPH_PATH)}
            if rival:
                targets["rdflib-endpoint"] = (rival.url, "/")
            rows: dict[str, Any] = {}
            for q in [*cheap, *mix]:
                peers = {k: v for k, v in targets.items() if q.kind == "sparql" or k == "r2pgraph"}
                rec: dict[str, Any] = {"mix": q in mix}
                rec["sizes"] = sizes({k: v for k, v in peers.items() if k != "rdflib-endpoint"}, q)
                for way in ("repeated", "unique"):
                    runs: dict[str, list[dict[str, Any]]] = {}
                    for _ in range(args.rounds):  # the peers in turn, round after round
                        for name, (url, path) in peers.items():
                            if name == "rdflib-endpoint" and (way == "unique" or q not in mix):
                                continue
                            runs.setdefault(name, []).append(wrk(url, q, path, args, way == "unique", work))
                    rec[way] = {name: _median_run(each) for name, each in runs.items()}
                print(
                    q.key,
                    json.dumps({w: {n: r["req_per_s"] for n, r in rec[w].items()} for w in ("repeated", "unique")}),
                    flush=True,
                )
                rows[q.key] = rec
            doc["requests"] = rows
        finally:
            ours.stop()
            ox.stop()
            if rival:
                rival.stop()
    doc["load_average_after"] = os.getloadavg()
    doc["summary"] = summary(doc["requests"], [q.key for q in cheap], [q.key for q in mix])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vs_oxigraph.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    (args.out / "vs_oxigraph.md").write_text(markdown(doc, cheap + mix), encoding="utf-8")
    print(f"wrote {args.out / 'vs_oxigraph.md'}")


def page_latency(url: str, page: Query, runs: int) -> dict[str, Any]:
    """The page from one client: the first request of a fresh parameter, then ``runs`` repeated
    (from the cache) and ``runs`` each with a new parameter (rendered anew), medians in ms."""
    stamp = int(time.time())

    def get(client: httpx.Client, suffix: str) -> float:
        t0 = time.perf_counter()
        client.get(page.text + suffix, headers={"Accept": page.accept}).raise_for_status()
        return (time.perf_counter() - t0) * 1000

    with httpx.Client(base_url=url, timeout=60) as client:
        first = get(client, f"?first={stamp}")
        repeated = [get(client, "") for _ in range(runs)]
        fresh = [get(client, f"?n={stamp}-{k}") for k in range(runs)]
    return {
        "first_ms": round(first, 2),
        "repeated_median_ms": round(statistics.median(repeated), 2),
        "unique_median_ms": round(statistics.median(fresh), 2),
        "runs": runs,
    }


def _wait_for_memory(url: str, timeout: float = 120) -> None:
    """Until no query worker, nor the pages, is still loading its in-memory copy (``/health``),
    bounded in time: what is measured is the server as it runs, not its start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = httpx.get(url + "/health", timeout=30).json()
        if "loading" not in health.get("query_workers", {}) and health.get("pages_from") != "loading":
            return
        time.sleep(0.1)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def summary(rows: dict[str, Any], cheap: list[str], mix: list[str]) -> dict[str, Any]:
    """The goals of issue 21 against the numbers."""
    out: dict[str, Any] = {}
    for way in ("repeated", "unique"):
        share = {
            k: _ratio(rows[k][way]["r2pgraph"]["req_per_s"], rows[k][way]["oxigraph"]["req_per_s"])
            for k in cheap
            if "oxigraph" in rows[k][way]
        }
        ours = sum(1 / rows[k][way]["r2pgraph"]["req_per_s"] for k in mix)
        theirs = sum(1 / rows[k][way]["oxigraph"]["req_per_s"] for k in mix)
        out[way] = {"cheap_share_of_oxigraph": share, "mix_time_per_request_ratio": _ratio(ours, theirs)}
    slower = [
        k
        for k in mix
        if "rdflib-endpoint" in rows[k]["repeated"]
        and rows[k]["unique"]["r2pgraph"]["req_per_s"] < rows[k]["repeated"]["rdflib-endpoint"]["req_per_s"]
    ]
    out["mix_slower_than_rdflib_endpoint_uncached"] = slower
    return out


def markdown(doc: dict[str, Any], queries: list[Query]) -> str:
    m, a = doc["machine"], doc["args"]
    load = lambda t: ", ".join(f"{x:.2f}" for x in t)  # noqa: E731
    out = [
        f"# r2pgraph against Oxigraph server — {doc['started']}",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu_model']}, shared (load average {load(doc['load_average_before'])} "
        f"before, {load(doc['load_average_after'])} after). Generation {doc['generation']['name']}, "
        f"{doc['generation']['quads']:,} quads (the world's treaty records included). wrk {a['threads']} threads, "
        f"{a['connections']} connections, {a['seconds']} s per run, {a['rounds']} rounds (each request to r2pgraph, "
        "then at once to Oxigraph server and rdflib-endpoint, round after round; medians of the rounds). "
        "`r2pgraph serve --client-queries 0 --no-access-log` (the per-client limit off: wrk's connections "
        "share one address; no log line per request, as Oxigraph server), default cache (64 MB); "
        "`oxigraph serve-read-only --union-default-graph` (oxigraph "
        f"{m['versions'].get('pyoxigraph')}); rdflib-endpoint on the same N-Quads, the mix only. Cold start to the "
        f"first answer: {doc['cold_start_s']} s.",
        "",
        "*Repeated*: the same request every time — r2pgraph answers from its per-generation cache from the second "
        "(a single-pattern look-up is evaluated again instead), and from the third replays the response as it was "
        "sent, past the middlewares (`server/replay.py`). "
        "*Unique*: a counter in a comment (a dummy parameter on the page) makes every request new — never a cache "
        "hit. Req/s at 8 connections; latency = wrk's median.",
        "",
        "| request | way | r2pgraph req/s | Oxigraph req/s | ratio | rdflib-endpoint req/s "
        "| r2pgraph median ms | Oxigraph median ms | rows (ours / Oxigraph) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for q in queries:
        rec = doc["requests"][q.key]
        for way in ("repeated", "unique"):
            r = rec[way]
            ours, ox, rival = r["r2pgraph"], r.get("oxigraph"), r.get("rdflib-endpoint")
            ratio = f"{ours['req_per_s'] / ox['req_per_s']:.1%}" if ox else "—"
            sizes = " / ".join(str(v) for v in rec["sizes"].values())
            ox_rate = f"{ox['req_per_s']:,.0f}" if ox else "—"
            rival_rate = f"{rival['req_per_s']:,.1f}" if rival else "—"
            mix_mark = " (mix)" if rec["mix"] else ""
            out.append(
                f"| {q.question}{mix_mark} | {way} | {ours['req_per_s']:,.0f} | {ox_rate} | {ratio} | {rival_rate} | "
                f"{ours['median_ms']} | {ox['median_ms'] if ox else '—'} | {sizes} |"
            )
    pg = doc["page_one_client"]
    out += [
        "",
        "The state page from one client (httpx, one connection), before the load: "
        f"first request {pg['first_ms']} ms (a new query string: rendered), then median of {pg['runs']}: "
        f"repeated {pg['repeated_median_ms']} ms (cached), "
        f"each with a new query string {pg['unique_median_ms']} ms (rendered each time).",
    ]
    s = doc["summary"]
    out += ["", "## Goals (issue 21)", ""]
    for way in ("repeated", "unique"):
        share = ", ".join(f"{k} {v:.1%}" for k, v in s[way]["cheap_share_of_oxigraph"].items() if v is not None)
        out.append(
            f"- {way}: cheap requests at {share} of Oxigraph server's req/s (goal ≥ {CHEAP_GOAL:.0%}); the mix's "
            f"time per request {s[way]['mix_time_per_request_ratio']}× Oxigraph server's (goal ≤ {MIX_GOAL}×)."
        )
    slower = s["mix_slower_than_rdflib_endpoint_uncached"]
    out.append(
        f"- Queries of the mix slower (unique, uncached) than rdflib-endpoint (repeated): "
        f"{', '.join(slower) or 'none'}."
    )
    bad = [
        (k, w, n)
        for k, rec in doc["requests"].items()
        for w in ("repeated", "unique")
        for n, r in rec[w].items()
        if r["non_2xx"]
    ]
    out.append(f"- Answers that were not 2xx: {bad or 'none'}.")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
