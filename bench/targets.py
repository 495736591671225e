"""The benchmark's targets (issue 5), checked against the measured numbers of one size.

- HTTP overhead: a query's median over HTTP ≤ 2 × its median in process + 3 ms;
- cold start of ``r2pgraph serve`` < 1 s;
- throughput over the SPARQL mix ≥ 30 × rdflib-endpoint's, at 200 states.
"""

from __future__ import annotations

from typing import Any

from queries import Query

COLD_START_S = 1.0
THROUGHPUT_RATIO = 30.0
THROUGHPUT_RATIO_AT = 200
SMALL = ("f_ask", "a_not_party_genocide")  # the small queries the overhead target is about


def http_overhead(inproc: dict[str, Any], http: dict[str, Any], mix: list[Query]) -> dict[str, dict[str, Any]]:
    out = {}
    for q in mix:
        if q.kind != "sparql":
            continue
        ip, h = inproc[q.key]["median_ms"], http[q.key]["median_ms"]
        bound = round(2 * ip + 3, 3)
        out[q.key] = {
            "in_process_ms": ip,
            "http_ms": h,
            "bound_ms": bound,
            "met": h <= bound,
            "over_ms": round(h - bound, 3),
        }
    return out


def overhead_rows(overhead: dict[str, dict[str, Any]]) -> list[str]:
    out = [
        "HTTP overhead of `r2pgraph serve` (target: HTTP median ≤ 2 × in-process median + 3 ms):",
        "",
        "| query | in-process ms | HTTP ms | bound ms | met |",
        "|---|---|---|---|---|",
    ]
    for k, ov in overhead.items():
        met = "yes" if ov["met"] else f"**no** (+{ov['over_ms']} ms)"
        out.append(f"| {k} | {ov['in_process_ms']} | {ov['http_ms']} | {ov['bound_ms']} | {met} |")
    out.append("")
    return out


def summary(sizes: list[dict[str, Any]]) -> list[str]:
    """One table: each target, per size, met or not with the distance."""
    out = ["## Targets", "", "| target | " + " | ".join(f"N={r['states']}" for r in sizes) + " |"]
    out.append("|---|" + "---|" * len(sizes))

    def cold(r: dict[str, Any]) -> str:
        c = r["cold_start_s"]["median"]
        return f"{c} s: met" if c < COLD_START_S else f"{c} s: **not met** (+{round(c - COLD_START_S, 2)} s)"

    def small(r: dict[str, Any]) -> str:
        cells = []
        for k in SMALL:
            ov = r["http_overhead"].get(k)
            if ov:
                verdict = "met" if ov["met"] else f"**not met** (+{ov['over_ms']} ms)"
                cells.append(f"{k}: {ov['http_ms']} vs bound {ov['bound_ms']} ms, {verdict}")
        return "; ".join(cells)

    def thr(r: dict[str, Any]) -> str:
        rv = r.get("rival")
        if not rv:
            return "not measured"
        ratio = rv["throughput_ratio_ours_over_theirs"]
        if ratio is None:
            return "rdflib-endpoint completed no request"
        at = "" if r["states"] == THROUGHPUT_RATIO_AT else " (target is set at 200)"
        if ratio >= THROUGHPUT_RATIO:
            return f"{ratio}×: met{at}"
        return f"{ratio}×: **not met** ({round(THROUGHPUT_RATIO / ratio, 1)}× short){at}"

    out.append("| cold start < 1 s | " + " | ".join(cold(r) for r in sizes) + " |")
    out.append("| HTTP ≤ 2 × in-process + 3 ms (small queries) | " + " | ".join(small(r) for r in sizes) + " |")
    out.append("| SPARQL-mix throughput ≥ 30 × rdflib-endpoint | " + " | ".join(thr(r) for r in sizes) + " |")

    def rss(r: dict[str, Any]) -> str:
        tree = r.get("server_tree_peak_rss") or {}
        theirs = (r.get("rival") or {}).get("rss_peak_mb")
        return f"ours {tree.get('sum_mb')} MB ({tree.get('processes')} processes), rdflib-endpoint {theirs} MB"

    out.append("| (no target) server peak RSS | " + " | ".join(rss(r) for r in sizes) + " |")
    out.append("")
    return out
