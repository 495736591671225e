"""Cost against size: one PNG from a benchmark results JSON (matplotlib, Agg backend).

``python bench/plot.py bench/results/latest.json bench/results/latest.png``

Four panels against the number of states: build time split into its steps, per-query median
latency over HTTP (ours solid, rdflib-endpoint dashed), throughput, and peak memory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

STEPS = [
    ("load_s", "load"),
    ("validate_wait_s", "SHACL validate (not overlapped)"),
    ("assemble_s", "assemble + derived"),
    ("store_s", "store"),
    ("exports_wait_s", "exports (not overlapped)"),
    ("unaccounted_s", "other"),
]


def _lines(ax: Any, ns: list[int], series: list[tuple[str, list[float | None], str]], label_format: str) -> None:
    """One annotated line per series, leaving out the sizes without a value."""
    for label, ys, style in series:
        pts = [(n, y) for n, y in zip(ns, ys, strict=True) if y]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)
            for n, y in pts:
                ax.annotate(label_format.format(y), (n, y), textcoords="offset points", xytext=(4, 4), fontsize=8)


def plot(doc: dict[str, Any], out: Path) -> Path:
    sizes = doc["sizes"]
    ns = [r["states"] for r in sizes]
    xs = list(range(len(ns)))
    fig, axes = plt.subplots(2, 2, figsize=(15, 9.5))
    m = doc["machine"]
    fig.suptitle(
        f"r2pgraph benchmark {doc['started']} — {m['nproc']} cores, {m['cpu_model']}; "
        f"synthetic data × {sizes[0]['editions'] if sizes else '?'} editions",
        fontsize=11,
    )

    # Build time, split.
    ax = axes[0][0]
    bottom = [0.0] * len(sizes)
    for key, label in STEPS:
        vals = []
        for r in sizes:
            b = r["builds"][0]
            timings = b["timings"] or {}
            v = b.get(key) if key == "unaccounted_s" else timings.get(key)
            if key == "exports_wait_s" and key not in timings:  # runs from before the exports were forked
                v = timings.get("exports_s")
            vals.append(float(v or 0))
        if any(vals):
            ax.bar(xs, vals, bottom=bottom, label=label, width=0.5)
            bottom = [a + b for a, b in zip(bottom, vals, strict=True)]
    for x, total, r in zip(xs, bottom, sizes, strict=True):
        ax.text(x, total, f"{total:.0f} s\n{r['quads']:,} quads", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(xs, [str(n) for n in ns])
    ax.set_ylim(0, max(bottom or [1]) * 1.25)
    gate = "with SHACL gate" if sizes and sizes[0]["builds"][0].get("validated") else "SHACL gate skipped"
    ax.set_title(f"Build time by step ({gate})")
    ax.set_xlabel("states")
    ax.set_ylabel("seconds")
    ax.legend(fontsize=8)

    # Per-query latency over HTTP, ours vs rdflib-endpoint.
    ax = axes[0][1]
    keys = list(sizes[0]["http"]) if sizes else []
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, k in enumerate(keys):
        c = colors[i % len(colors)]
        ax.plot(ns, [r["http"][k]["median_ms"] for r in sizes], "o-", color=c, label=k)
        theirs = [(r.get("rival") or {}).get("latency", {}).get(k, {}).get("theirs_median_ms") for r in sizes]
        pts = [(n, t) for n, t in zip(ns, theirs, strict=True) if t is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "s--", color=c, alpha=0.8)
    ax.plot([], [], "k-", label="ours (r2pgraph serve)")
    ax.plot([], [], "k--", label="rdflib-endpoint")
    ax.set_yscale("log")
    ax.set_xticks(ns)
    ax.set_title("Median latency per query over HTTP")
    ax.set_xlabel("states")
    ax.set_ylabel("ms (log)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))

    # Throughput.
    ax = axes[1][0]
    series: list[tuple[str, list[float | None], str]] = [
        ("ours, whole mix incl. HTML page", [r["throughput"]["req_per_s"] for r in sizes], "o-"),
        (
            "ours, SPARQL queries of the mix",
            [(r.get("rival") or {}).get("throughput_ours", {}).get("req_per_s") for r in sizes],
            "o-",
        ),
        (
            "rdflib-endpoint, SPARQL queries of the mix",
            [(r.get("rival") or {}).get("throughput_theirs", {}).get("req_per_s") for r in sizes],
            "s--",
        ),
    ]
    _lines(ax, ns, series, "{:g}")
    conc = sizes[0]["throughput"]["concurrency"] if sizes else "?"
    ax.set_yscale("log")
    ax.set_xticks(ns)
    ax.set_title(f"Throughput at concurrency {conc} (completed requests/s)")
    ax.set_xlabel("states")
    ax.set_ylabel("req/s (log)")
    ax.legend(fontsize=8)

    # Memory.
    ax = axes[1][1]
    mem: list[tuple[str, list[float | None], str]] = [
        ("build process peak RSS", [r["builds"][0]["peak_rss_mb"] for r in sizes], "^-"),
        ("r2pgraph serve peak RSS, main process", [r.get("server_peak_rss_mb") for r in sizes], "o-"),
        (
            "r2pgraph serve peak RSS, sum over its processes",
            [(r.get("server_tree_peak_rss") or {}).get("sum_mb") for r in sizes],
            "o:",
        ),
        ("rdflib-endpoint peak RSS", [(r.get("rival") or {}).get("rss_peak_mb") for r in sizes], "s--"),
    ]
    _lines(ax, ns, mem, "{:.0f}")
    ax.set_xticks(ns)
    ax.set_title("Peak memory (VmHWM / ru_maxrss)")
    ax.set_xlabel("states")
    ax.set_ylabel("MB")
    ax.legend(fontsize=8)

    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> None:
    doc = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(sys.argv[1]).with_suffix(".png")
    print(plot(doc, out))


if __name__ == "__main__":
    main()
