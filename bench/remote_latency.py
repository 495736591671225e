"""Query latency of ``r2pgraph serve`` embedded (the generation's pyoxigraph store) vs over a
remote store (``serve --store``, an Oxigraph server the generation was published into).

``python bench/remote_latency.py build 50 --out bench/results``

Each case is a build directory (its ``current`` generation is used, e.g. ``build`` after
``make build``) or a number of synthetic states (``bench/generate.py``, built without the SHACL
gate like ``bench/run.py``'s main sizes). Per case: ``oxigraph serve --union-default-graph`` on a
fresh database on 127.0.0.1, ``r2pgraph publish`` into it (timed, wall time of the command),
then ``r2pgraph serve --build-dir BUILD`` and ``r2pgraph serve --store URL`` side by side; every
query of the mix (bench/queries.py) is sent to embedded, remote and — for SPARQL — straight to the
Oxigraph server, alternating request by request, and the result sizes are compared. Writes
``remote-latency.json`` and ``remote-latency.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from common import PY, ROOT, free_port, stop_process, wait_until_answers  # noqa: E402
from generate import generate, states  # noqa: E402
from procmem import tree_hwm_mb  # noqa: E402
from publish import timed_publish  # noqa: E402
from queries import Query, query_mix  # noqa: E402
from rival import result_rows  # noqa: E402
from run import machine, run_build  # noqa: E402


class Proc:
    """A server process on 127.0.0.1, ready when ``probe`` answers 200."""

    def __init__(self, args: list[str], probe: str, env: dict[str, str] | None = None):
        self.args, self.probe, self.env = args, probe, env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> float:
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return wait_until_answers(
            self.proc, self.probe, started=t0, timeout=timeout, what=" ".join(self.args), request_timeout=2
        )

    def vm_hwm_mb(self) -> object:
        """VmHWM summed over the process and its children (serve's query workers)."""
        return tree_hwm_mb(self.proc.pid)["sum_mb"] if self.proc else None

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc, timeout=30)
        self.proc = None


def serve(extra: list[str]) -> tuple[Proc, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [PY, "-m", "r2pgraph.cli", "serve", *extra, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--client-queries", "0"]
    env = {**os.environ, "R2P_HOME": str(ROOT)}
    return Proc(args, url + "/sparql?query=ASK%20%7B%7D", env), url


def send(client: httpx.Client, q: Query, sparql_path: str) -> httpx.Response:
    if q.kind == "page":
        r = client.get(q.text, headers={"Accept": q.accept})
    else:
        r = client.get(sparql_path, params={"query": q.text}, headers={"Accept": q.accept})
    r.raise_for_status()
    return r


def size(q: Query, r: httpx.Response) -> int:
    return len(r.content) if q.kind == "page" else result_rows(q, r)


def interleaved(targets: dict[str, tuple[str, str]], mix: list[Query], runs: int, timeout: float) -> dict[str, Any]:
    """``targets``: name → (base URL, SPARQL path). Pages go only to targets whose path is /sparql."""
    clients = {name: httpx.Client(base_url=url, timeout=timeout) for name, (url, _) in targets.items()}
    out: dict[str, Any] = {}
    try:
        for q in mix:
            names = [n for n, (_, path) in targets.items() if q.kind == "sparql" or path == "/sparql"]
            rec: dict[str, Any] = {"sizes": {}, "ms": {n: [] for n in names}}
            for n in names:  # warm-up, and the result size
                rec["sizes"][n] = size(q, send(clients[n], q, targets[n][1]))
            for _ in range(runs):
                for n in names:
                    t0 = time.perf_counter()
                    send(clients[n], q, targets[n][1])
                    rec["ms"][n].append(round((time.perf_counter() - t0) * 1000, 3))
            rec["median_ms"] = {n: round(statistics.median(v), 3) for n, v in rec["ms"].items()}
            if "embedded" in rec["median_ms"] and "remote" in rec["median_ms"]:
                e, r = rec["median_ms"]["embedded"], rec["median_ms"]["remote"]
                rec["remote_over_embedded"] = round(r / e, 2) if e else None
                rec["remote_minus_embedded_ms"] = round(r - e, 3)
            sizes = {rec["sizes"][n] for n in ("embedded", "remote") if n in rec["sizes"]}
            rec["same_size"] = len(sizes) == 1
            out[q.key] = rec
    finally:
        for c in clients.values():
            c.close()
    return out


def one_case(case: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    res: dict[str, Any] = {"case": case}
    if case.isdigit():
        n = int(case)
        data_dir, build_dir = work / f"n{n}" / "data", work / f"n{n}" / "build"
        generate(data_dir, n, 2, args.seed)
        info = run_build(data_dir, build_dir, validate=False)
        res["build"] = info
        state = states(n)[0]
        res["label"] = f"{n} synthetic states × 2 editions (SHACL gate skipped)"
    else:
        build_dir = Path(case).resolve()
        state = "JPN"
        res["label"] = f"seed data ({case}/current)"
    generation = (build_dir / "current").resolve()
    report = json.loads((generation / "build-report.json").read_text(encoding="utf-8"))
    res["quads"] = report.get("quads")
    res["generation"] = generation.name
    print(f"{case}: {res['label']}, {res['quads']} quads", flush=True)

    oxigraph = shutil.which("oxigraph") or str(Path(PY).parent / "oxigraph")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = work / f"db-{case.replace('/', '_')}"
    ox = Proc(
        [oxigraph, "serve", "--location", str(db), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        base + "/query?query=ASK%20%7B%7D",
    )
    ox.start()
    procs: list[Proc] = [ox]
    try:
        res["publish_s"], res["publish_output"] = timed_publish(generation, base)
        res["publish_s"] = round(res["publish_s"], 2)
        print(f"  published in {res['publish_s']} s: {res['publish_output']}", flush=True)
        embedded, e_url = serve(["--build-dir", str(build_dir), "--cache-mb", "0"])  # every answer computed
        remote, r_url = serve(["--store", base + "/query", "--cache-mb", "0"])
        procs += [embedded, remote]
        res["cold_start_s"] = {"embedded": round(embedded.start(), 3), "remote": round(remote.start(), 3)}
        mix = query_mix(state)
        targets = {"embedded": (e_url, "/sparql"), "remote": (r_url, "/sparql"), "oxigraph_direct": (base, "/query")}
        res["queries"] = interleaved(targets, mix, args.runs, args.timeout)
        res["peak_rss_mb"] = {
            "embedded": embedded.vm_hwm_mb(),
            "remote": remote.vm_hwm_mb(),
            "oxigraph": ox.vm_hwm_mb(),
        }
        print(
            "  medians ms (embedded / remote / oxigraph direct): "
            + ", ".join(
                f"{k} {v['median_ms'].get('embedded')}/{v['median_ms'].get('remote')}/"
                f"{v['median_ms'].get('oxigraph_direct', '—')}"
                for k, v in res["queries"].items()
            ),
            flush=True,
        )
    finally:
        for p in reversed(procs):
            p.stop()
    return res


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    out = [
        f"# Query latency: embedded store vs remote store — {doc['started']}",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu_model']}; Python {m['python']}; oxigraph server "
        f"{doc.get('oxigraph_version')}. Command: `{doc['command']}`. Run time {doc['runtime_s']} s.",
        "",
        "Embedded = `r2pgraph serve --build-dir BUILD` (the generation's pyoxigraph store in the server's "
        "workers). Remote = `r2pgraph serve --store http://127.0.0.1:PORT/query` on an Oxigraph server "
        "(`oxigraph serve --union-default-graph`, same machine) the generation was published into with "
        "`r2pgraph publish` (Graph Store uploads). Oxigraph direct = the same query sent straight to the "
        "Oxigraph server's `/query`. Medians of "
        f"{doc['args']['runs']} alternating requests (embedded, remote, direct) after one warm-up each, "
        "one httpx client per target, SPARQL JSON results (N-Triples for the CONSTRUCT).",
        "",
    ]
    for c in doc["cases"]:
        out += [
            f"## {c['label']} — {c['quads']} quads",
            "",
            f"Publish into the empty Oxigraph server: **{c['publish_s']} s** (wall time of `r2pgraph publish`, "
            f"Python start-up included): `{c['publish_output']}`.",
            "",
            f"Cold start to the first 200: embedded {c['cold_start_s']['embedded']} s, "
            f"remote {c['cold_start_s']['remote']} s. Peak RSS (VmHWM summed over each server's processes, "
            f"query workers included): embedded server {c['peak_rss_mb']['embedded']} MB, "
            f"remote-mode server {c['peak_rss_mb']['remote']} MB, Oxigraph server {c['peak_rss_mb']['oxigraph']} MB.",
            "",
            "| query | embedded ms | remote ms | remote / embedded | remote − embedded ms | Oxigraph direct ms | "
            "results (rows; bytes for the page) | same |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for k, v in c["queries"].items():
            md = v["median_ms"]
            same = "yes" if v["same_size"] else f"**no** {v['sizes']}"
            out.append(
                f"| {k} | {md['embedded']} | {md['remote']} | {v.get('remote_over_embedded')}× | "
                f"{v.get('remote_minus_embedded_ms')} | {md.get('oxigraph_direct', '—')} | "
                f"{v['sizes']['embedded']} | {same} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cases", nargs="*", default=["build", "50"], help="build directories or numbers of states")
    p.add_argument("--out", type=Path, default=BENCH / "results")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--timeout", type=float, default=120, help="s per request")
    p.add_argument("--seed", type=int, default=20240601)
    args = p.parse_args()
    started = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    t0 = time.perf_counter()
    oxigraph = shutil.which("oxigraph") or str(Path(PY).parent / "oxigraph")
    ver = subprocess.run([oxigraph, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    doc: dict[str, Any] = {
        "started": started,
        "machine": machine(),
        "oxigraph_version": ver,
        "command": "python bench/remote_latency.py " + " ".join(sys.argv[1:]),
        "args": {"runs": args.runs, "timeout": args.timeout, "cases": args.cases},
    }
    with tempfile.TemporaryDirectory(prefix="r2p-remote-latency-") as tmp:
        doc["cases"] = [one_case(c, Path(tmp), args) for c in args.cases]
    doc["runtime_s"] = round(time.perf_counter() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "remote-latency.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    (args.out / "remote-latency.md").write_text(markdown(doc), encoding="utf-8")
    print(f"wrote {args.out / 'remote-latency.md'} in {doc['runtime_s']} s")


if __name__ == "__main__":
    main()
