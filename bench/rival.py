"""Side by side with rdflib-endpoint: the same data, the same queries, the same client.

``bench/run.py`` calls this once per size while our server is up: rdflib-endpoint
(``bench/rival_server.py``) is started in its own process on the generation's N-Quads export with
the union of the named graphs as default graph; every SPARQL query of the mix is sent to both with
alternating requests (ours, theirs, ours, …) so that machine noise hits both; the number of result
rows (triples for CONSTRUCT) is compared; then each server gets the SPARQL part of the mix at the
same concurrency with a bound on requests and time. The HTML page of the mix has no equivalent in
rdflib-endpoint and is left out of this comparison.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from common import stop_process, vm_hwm_mb, wait_until_answers
from load import bounded_load
from queries import Query

BENCH = Path(__file__).resolve().parent
OURS_PATH = "/sparql"  # r2pgraph serve
THEIRS_PATH = "/"  # rdflib-endpoint's SparqlEndpoint default path


class RivalServer:
    """rdflib-endpoint on 127.0.0.1 in a child process."""

    def __init__(self, nquads: Path, port: int):
        self.nquads = nquads
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.load: dict[str, Any] = {}

    def start(self, timeout: float = 600) -> float:
        """Start it; seconds from process start to the first 200 on ``ASK {}``."""
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-W", "ignore", str(BENCH / "rival_server.py"), str(self.nquads), str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the data is loaded (or the process died)
        if line:
            self.load = json.loads(line)
        return wait_until_answers(
            self.proc,
            self.url + THEIRS_PATH,
            params={"query": "ASK {}"},
            started=t0,
            timeout=timeout,
            what="rdflib-endpoint",
        )

    def vm_hwm_mb(self) -> float | None:
        return vm_hwm_mb(self.proc.pid) if self.proc else None

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None


def result_rows(q: Query, r: httpx.Response) -> int:
    """Rows of a SELECT (JSON), 1 for an ASK, triples of a CONSTRUCT (N-Triples lines)."""
    if q.accept == "application/n-triples":
        return sum(1 for line in r.text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    doc = r.json()
    if "boolean" in doc:
        return 1
    return len(doc["results"]["bindings"])


def _request(client: httpx.Client, path: str, q: Query, timeout: float | None = None) -> httpx.Response:
    kw: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    r = client.get(path, params={"query": q.text}, headers={"Accept": q.accept}, **kw)
    r.raise_for_status()
    return r


def compare_latency(
    ours_url: str, theirs_url: str, mix: list[Query], runs: int, timeout: float, budget_s: float
) -> dict[str, dict[str, Any]]:
    """Per query: one warm-up each, then ``runs`` alternating timed requests (ours, theirs).

    rdflib-endpoint's timed runs of a query stop once they have used ``budget_s`` seconds (at least
    one run is made); a request past ``timeout`` seconds is recorded as timed out and that query is
    not sent to it again (the server keeps evaluating it, which would delay the next query).
    """
    out: dict[str, dict[str, Any]] = {}
    with (
        httpx.Client(base_url=ours_url, timeout=timeout) as ours,
        httpx.Client(base_url=theirs_url, timeout=timeout) as theirs,
    ):
        for q in mix:
            if q.kind != "sparql":
                continue
            rec: dict[str, Any] = {"ours_ms": [], "theirs_ms": [], "theirs_error": None}
            rec["ours_rows"] = result_rows(q, _request(ours, OURS_PATH, q))
            theirs_ok = True
            t0 = time.perf_counter()
            try:
                rec["theirs_rows"] = result_rows(q, _request(theirs, THEIRS_PATH, q))
                rec["theirs_warmup_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            except httpx.TimeoutException:
                rec["theirs_rows"], rec["theirs_error"], theirs_ok = None, f"timed out after {timeout} s", False
            except httpx.HTTPError as e:
                rec["theirs_rows"], rec["theirs_error"], theirs_ok = None, f"{type(e).__name__}: {e}", False
            spent = 0.0
            for _ in range(runs):
                t0 = time.perf_counter()
                _request(ours, OURS_PATH, q)
                rec["ours_ms"].append(round((time.perf_counter() - t0) * 1000, 3))
                if theirs_ok and (not rec["theirs_ms"] or spent < budget_s):
                    t0 = time.perf_counter()
                    try:
                        _request(theirs, THEIRS_PATH, q)
                    except httpx.TimeoutException:
                        rec["theirs_error"], theirs_ok = f"timed out after {timeout} s", False
                        continue
                    dt = time.perf_counter() - t0
                    spent += dt
                    rec["theirs_ms"].append(round(dt * 1000, 3))
            rec["ours_median_ms"] = round(statistics.median(rec["ours_ms"]), 3)
            rec["theirs_median_ms"] = round(statistics.median(rec["theirs_ms"]), 3) if rec["theirs_ms"] else None
            rec["latency_ratio_ours_over_theirs"] = (
                round(rec["ours_median_ms"] / rec["theirs_median_ms"], 4) if rec["theirs_median_ms"] else None
            )
            rec["speedup_theirs_over_ours"] = (
                round(rec["theirs_median_ms"] / rec["ours_median_ms"], 1) if rec["theirs_median_ms"] else None
            )
            rec["rows_match"] = rec["theirs_rows"] is not None and rec["theirs_rows"] == rec["ours_rows"]
            out[q.key] = rec
    return out


def mix_throughput(
    url: str, path: str, mix: list[Query], concurrency: int, max_requests: int, max_seconds: float
) -> dict[str, Any]:
    """Workers (one httpx client each) cycle through the SPARQL queries of the mix until
    ``max_requests`` are sent or ``max_seconds`` pass. A request not answered within
    ``max_seconds`` counts as failed (timed out); req/s counts completed requests only."""
    sparql = [q for q in mix if q.kind == "sparql"]
    res = bounded_load(
        url, sparql, lambda c, q: _request(c, path, q), concurrency, max_requests, max_seconds, max_seconds
    )
    res["limits"] = {"max_requests": max_requests, "max_seconds": max_seconds, "request_timeout_s": max_seconds}
    return res


def compare(
    ours_url: str,
    generation: Path,
    mix: list[Query],
    free_port: Callable[[], int],
    args: Any,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """The whole comparison at one size; our server must be up at ``ours_url``."""
    nq = generation / "r2p.nq"
    rival = RivalServer(nq, free_port())
    res: dict[str, Any] = {"server": "rdflib-endpoint", "version": _version("rdflib-endpoint")}
    log(f"  rdflib-endpoint: loading {nq.name} ({nq.stat().st_size // 1_000_000} MB) …")
    res["cold_start_s"] = round(rival.start(), 3)
    res["load"] = rival.load
    res["rss_after_load_mb"] = rival.vm_hwm_mb()
    log(f"  rdflib-endpoint up in {res['cold_start_s']} s ({rival.load})")
    try:
        res["latency"] = compare_latency(
            ours_url, rival.url, mix, args.runs, args.rival_timeout, args.rival_query_budget
        )
        log(
            "  interleaved medians ms (ours / theirs): "
            + ", ".join(f"{k} {v['ours_median_ms']}/{v['theirs_median_ms']}" for k, v in res["latency"].items())
        )
        res["rows_mismatch"] = {
            k: {"ours": v["ours_rows"], "theirs": v["theirs_rows"], "theirs_error": v["theirs_error"]}
            for k, v in res["latency"].items()
            if not v["rows_match"]
        }
        c, n, s = args.concurrency, args.max_requests, args.max_seconds
        res["throughput_ours"] = mix_throughput(ours_url, OURS_PATH, mix, c, n, s)
        res["throughput_theirs"] = mix_throughput(rival.url, THEIRS_PATH, mix, c, n, s)
        res["rss_peak_mb"] = rival.vm_hwm_mb()
    finally:
        rival.stop()
    to, tt = res["throughput_ours"]["req_per_s"], res["throughput_theirs"]["req_per_s"]
    res["throughput_ratio_ours_over_theirs"] = round(to / tt, 1) if tt else None
    log(
        f"  SPARQL-mix throughput req/s: ours {to}, rdflib-endpoint {tt} "
        f"({res['throughput_theirs']['completed']} done, {res['throughput_theirs']['failed']} failed)"
    )
    return res


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


# --- report ------------------------------------------------------------------------------------
def _x(v: float | None) -> str:
    return "—" if v is None else f"{v}×"


def markdown(r: dict[str, Any], target_ratio: float = 30) -> list[str]:
    """The comparison's section of latest.md for one size."""
    to, tt = r["throughput_ours"], r["throughput_theirs"]
    ratio = r["throughput_ratio_ours_over_theirs"]
    if ratio is None:
        verdict = "no completed rdflib-endpoint request: ratio not defined"
    else:
        verdict = (
            f"target ≥ {target_ratio:g}× **met**"
            if ratio >= target_ratio
            else f"target ≥ {target_ratio:g}× **not met** ({round(target_ratio / ratio, 1)}× short)"
        )
    out = [
        f"### Side by side with rdflib-endpoint {r.get('version')} (same N-Quads, union default graph)",
        "",
        f"rdflib-endpoint: loaded {r['load'].get('quads')} quads in {r['load'].get('load_s')} s, first 200 after "
        f"{r['cold_start_s']} s; peak RSS {r.get('rss_peak_mb')} MB (after load {r['rss_after_load_mb']} MB).",
        "",
        f"Throughput over the SPARQL queries of the mix (page excluded), concurrency {to['concurrency']}, at most "
        f"{to['limits']['max_requests']} requests or {to['limits']['max_seconds']} s each, a request not answered "
        f"in {to['limits']['request_timeout_s']} s counted as failed: ours **{to['req_per_s']} req/s** "
        f"({to['completed']} completed, {to['failed']} failed, {to['elapsed_s']} s), rdflib-endpoint "
        f"**{tt['req_per_s']} req/s** ({tt['completed']} completed, {tt['failed']} failed of which "
        f"{tt['timed_out']} timed out, {tt['elapsed_s']} s): **{_x(ratio)}** — {verdict}.",
        "",
        "Latency over HTTP, medians of alternating requests (ours, theirs); rdflib-endpoint's runs of a query are "
        "capped by a time budget (runs counted):",
        "",
        "| query | ours ms | rdflib-endpoint ms (runs) | theirs / ours | rows ours | rows theirs | same rows |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, v in r["latency"].items():
        theirs = (
            f"{v['theirs_median_ms']} ({len(v['theirs_ms'])})"
            if v["theirs_median_ms"] is not None
            else f"— ({v['theirs_error']})"
        )
        if v["theirs_error"] and v["theirs_median_ms"] is not None:
            theirs += f"; then {v['theirs_error']}"
        same = "yes" if v["rows_match"] else "**NO**"
        out.append(
            f"| {k} | {v['ours_median_ms']} | {theirs} | {_x(v['speedup_theirs_over_ours'])} | "
            f"{v['ours_rows']} | {v['theirs_rows']} | {same} |"
        )
    out.append("")
    if r["rows_mismatch"]:
        out += [f"Row-count mismatches: {json.dumps(r['rows_mismatch'])}", ""]
    else:
        out += ["Every SPARQL query of the mix returned the same number of rows from both servers.", ""]
    return out


__all__ = ["RivalServer", "compare", "markdown", "mix_throughput"]
