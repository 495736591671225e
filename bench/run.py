"""The r2pgraph benchmark: synthetic data at several sizes → build, cold start, query latency,
throughput and memory. See bench/README.md.

    .venv/bin/python bench/run.py --sizes 50,200 --out bench/results
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import procmem  # noqa: E402
import rival  # noqa: E402
import targets  # noqa: E402
from common import PY, ROOT, free_port, stop_process, vm_hwm_mb, wait_until_answers  # noqa: E402
from generate import generate, states  # noqa: E402
from load import bounded_load  # noqa: E402
from queries import Query, query_mix  # noqa: E402


# --- machine -------------------------------------------------------------------------------------
def machine() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    vers = {p: version(p) for p in ("pyoxigraph", "rdflib", "pyshacl", "fastapi", "uvicorn", "httpx")}
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": vers,
    }


# --- build ---------------------------------------------------------------------------------------
def run_build(data_dir: Path, build_dir: Path, validate: bool) -> dict[str, object]:
    """One build in a child process; its peak RSS from wait4's rusage."""
    args = [PY, str(BENCH / "buildstep.py"), str(data_dir), str(build_dir)] + ([] if validate else ["--no-validate"])
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"build failed ({proc.returncode}):\n{text[-4000:]}")
    info = json.loads(text.strip().splitlines()[-1])
    timings = info["timings"] or {}
    # Validation runs alongside assemble, store and exports, and the exports alongside the store;
    # only the waits for them add to the total.
    overlapped = {"validate_s": "validate_wait_s", "exports_s": "exports_wait_s"}
    sequential = [v for k, v in timings.items() if overlapped.get(k) not in timings]
    info["unaccounted_s"] = round(info["total_s"] - sum(sequential), 3)
    info["wall_s_incl_interpreter"] = round(wall, 3)
    # Linux: KB; the largest of the build process and the validation process it forks, not their sum
    info["peak_rss_mb"] = round(rusage.ru_maxrss / 1024, 1)
    return info


# --- server --------------------------------------------------------------------------------------
class Server:
    """``r2pgraph serve`` on 127.0.0.1; ``start`` returns the cold-start time to the first 200."""

    def __init__(self, build_dir: Path, *extra: str):
        self.build_dir = build_dir
        self.extra = extra  # more `r2pgraph serve` options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def wait_for_engines(self, timeout: float = 120) -> dict[str, object]:
        """Wait until no query worker is still loading its in-memory copy of the store (see
        ``r2pgraph serve --memory-budget``), nor the pages theirs (with what they read ahead);
        what ``/health`` then says of the workers, and how long it took."""
        t0 = time.perf_counter()
        while True:
            health = httpx.get(self.url + "/health", timeout=30).json()
            engines = health.get("query_workers", {})
            ready = "loading" not in engines and health.get("pages_from") != "loading"
            if ready or time.perf_counter() - t0 > timeout:
                return {"workers": engines, "waited_s": round(time.perf_counter() - t0, 3)}
            time.sleep(0.1)

    def start(self, timeout: float = 60) -> float:
        args = ["serve", "--build-dir", str(self.build_dir), "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--client-queries", "0"]  # the load test's 8 threads stand for 8 clients on one address
        args += ["--cache-mb", "0"]  # every answer computed: the cache is measured by vs_oxigraph.py
        args += self.extra
        env = {**os.environ, "R2P_HOME": str(ROOT)}
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [PY, "-m", "r2pgraph.cli", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return wait_until_answers(
            self.proc,
            self.url + "/sparql",
            params={"query": "ASK {}"},
            started=t0,
            timeout=timeout,
            what="server",
            request_timeout=1,
            poll=0.02,
        )

    def vm_hwm_mb(self) -> float | None:
        return vm_hwm_mb(self.proc.pid) if self.proc else None

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc)
        self.proc = None


# --- latency -------------------------------------------------------------------------------------
def timed(fn, runs: int) -> tuple[list[float], object]:
    """One warm-up then ``runs`` timed calls; ms per call and the last result size."""
    size = fn()
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        size = fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return ms, size


def in_process(store, client: TestClient, q: Query):
    if q.kind == "page":

        def page() -> int:
            r = client.get(q.text, headers={"Accept": q.accept})
            r.raise_for_status()
            return len(r.content)

        return page

    def run() -> int:
        result = store.query(q.text, use_default_graph_as_union=True)
        if isinstance(result, bool) or type(result).__name__ == "QueryBoolean":
            return 1
        return sum(1 for _ in result)

    return run


def over_http(client: httpx.Client, q: Query):
    def run() -> int:
        if q.kind == "page":
            r = client.get(q.text, headers={"Accept": q.accept})
        else:
            r = client.get("/sparql", params={"query": q.text}, headers={"Accept": q.accept})
        r.raise_for_status()
        return len(r.content)

    return run


def throughput(url: str, mix: list[Query], concurrency: int, max_requests: int, max_seconds: float) -> dict:
    """Workers cycle through the mix until ``max_requests`` are sent or ``max_seconds`` pass."""
    res = bounded_load(
        url, mix, lambda c, q: over_http(c, q)(), concurrency, max_requests, max_seconds, max_seconds + 30
    )
    return {
        "concurrency": concurrency,
        "requests": res["completed"],
        "errors": res["failed"],
        "elapsed_s": res["elapsed_s"],
        "req_per_s": round(res["completed"] / res["elapsed_s"], 2) if res["elapsed_s"] else None,
        "median_ms_per_query": res["median_ms_per_query"],
        "limits": {"max_requests": max_requests, "max_seconds": max_seconds},
    }


# --- one size ------------------------------------------------------------------------------------
def read_report(generation: Path) -> dict[str, object]:
    from r2pgraph.build.generations import REPORT_FILE

    report: dict[str, object] = json.loads((generation / REPORT_FILE).read_text(encoding="utf-8"))
    return report


def served_store(generation: Path):
    """The store the query workers of `r2pgraph serve` (default settings) answer from once ready: an
    in-memory copy of the generation's N-Quads when it fits the memory budget, else None (disk)."""
    import pyoxigraph as ox

    from r2pgraph.config import ServerConfig
    from r2pgraph.server.backends.embedded import memory_copy

    config = ServerConfig()
    copy = memory_copy(generation, read_report(generation), config.workers, config.memory_budget_mb)
    if copy is None:
        return None
    store = ox.Store()
    store.load(path=str(copy.nquads), format=ox.RdfFormat.N_QUADS)  # as the workers load it
    return store


def bench_size(n: int, work: Path, args: argparse.Namespace) -> dict[str, object]:
    from r2pgraph.server.app import create_app
    from r2pgraph.store.embedded import open_store

    res: dict[str, object] = {"states": n, "editions": args.editions}
    data_dir, build_dir = work / f"n{n}" / "data", work / f"n{n}" / "build"
    t0 = time.perf_counter()
    res["generated"] = generate(data_dir, n, args.editions, args.seed)
    res["generate_s"] = round(time.perf_counter() - t0, 3)
    validate = not args.no_validate
    log(f"N={n}: generated in {res['generate_s']} s; building (SHACL gate {'on' if validate else 'off'})")
    builds = []
    for k in range(args.build_runs):
        if k:  # a fresh build dir so the content-hash shortcut does not skip the build
            build_dir = work / f"n{n}" / f"build{k}"
        builds.append(run_build(data_dir, build_dir, validate))
        log(f"  build {k + 1}: {builds[-1]['timings']} total {builds[-1]['total_s']} s")
    res["builds"] = builds
    res["quads"] = builds[0]["quads"]
    generation = Path(str(builds[-1]["generation"]))

    state = states(n)[0]
    mix = query_mix(state)
    res["queries"] = {q.key: {"question": q.question, "kind": q.kind, "text": q.text} for q in mix}

    # In process: the store the server's query workers answer from (an in-memory copy when it fits
    # the default memory budget, as `r2pgraph serve` decides), and the on-disk store (read-only) too;
    # the page through the ASGI app, which reads the on-disk store.
    disk = open_store(generation)
    memory = served_store(generation)
    res["served_from"] = "memory" if memory is not None else "disk"
    app_client = TestClient(create_app(build_dir, generation=generation))
    for key, store in (("in_process", memory or disk), ("in_process_disk", disk if memory else None)):
        if store is None:
            continue
        inproc = {}
        for q in mix:
            ms, size = timed(in_process(store, app_client, q), args.runs)
            inproc[q.key] = {
                "median_ms": round(statistics.median(ms), 3),
                "runs_ms": [round(x, 3) for x in ms],
                "size": size,
            }
        res[key] = inproc
        log(f"  {key} done: { {k: v['median_ms'] for k, v in inproc.items()} }")
    inproc = res["in_process"]
    app_client.close()
    del disk, memory

    # Cold starts.
    colds = []
    for _ in range(args.cold_runs):
        srv = Server(generation.parent.parent)
        colds.append(round(srv.start(), 3))
        srv.stop()
    res["cold_start_s"] = {"median": round(statistics.median(colds), 3), "runs": colds}
    log(f"  cold start: {colds}")

    # HTTP latency, throughput, server memory.
    srv = Server(generation.parent.parent)
    srv.start()
    try:
        res["query_workers"] = srv.wait_for_engines()
        log(f"  query workers: {res['query_workers']}")
        http = {}
        with httpx.Client(base_url=srv.url, timeout=120) as client:
            for q in mix:
                ms, size = timed(over_http(client, q), args.runs)
                http[q.key] = {
                    "median_ms": round(statistics.median(ms), 3),
                    "runs_ms": [round(x, 3) for x in ms],
                    "bytes": size,
                }
        res["http"] = http
        log(f"  http done: { {k: v['median_ms'] for k, v in http.items()} }")
        res["server_rss_after_latency_mb"] = srv.vm_hwm_mb()
        res["throughput"] = throughput(srv.url, mix, args.concurrency, args.max_requests, args.max_seconds)
        log(f"  throughput: {res['throughput']['req_per_s']} req/s over {res['throughput']['requests']} requests")
        res["server_peak_rss_mb"] = srv.vm_hwm_mb()
        assert srv.proc is not None
        res["server_tree_peak_rss"] = procmem.tree_hwm_mb(srv.proc.pid)  # with the query workers
        if args.rival:  # rdflib-endpoint on the same N-Quads, interleaved with this server
            res["rival"] = rival.compare(srv.url, generation, mix, free_port, args, log)
            res["server_peak_rss_after_comparison_mb"] = srv.vm_hwm_mb()
            res["server_tree_peak_rss_after_comparison"] = procmem.tree_hwm_mb(srv.proc.pid)
    finally:
        srv.stop()
    res["ratio_http_over_inprocess"] = {
        k: round(http[k]["median_ms"] / inproc[k]["median_ms"], 2) if inproc[k]["median_ms"] else None for k in http
    }
    res["http_overhead"] = targets.http_overhead(inproc, http, mix)
    return res


# --- report --------------------------------------------------------------------------------------
def markdown(doc: dict) -> str:
    m = doc["machine"]
    out = [
        f"# r2pgraph benchmark — {doc['started']}",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu_model']}; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f". Total run time {doc['runtime_s']} s. Raw numbers: `{doc['json_file']}`.",
        "",
        f"Latency: median of {doc['args']['runs']} runs after 1 warm-up. In process = the pyoxigraph store "
        "the server's query workers answer from (an in-memory copy of the generation's N-Quads when "
        "it fits `serve`'s default memory budget, else the on-disk store opened read-only; query results "
        "fully iterated), with the on-disk store alongside for reference; for the page, the ASGI app "
        "through Starlette's TestClient (pages read the on-disk store). HTTP = `r2pgraph serve` (uvicorn) "
        "on 127.0.0.1 via httpx, one connection, measured once no worker, nor the pages, is still loading its copy.",
        "",
    ]
    if doc.get("plot"):
        out += [f"![cost against size: build, latency ours vs rdflib-endpoint, throughput, memory]({doc['plot']})", ""]
    out += targets.summary(doc["sizes"])
    for r in doc["sizes"]:
        b = r["builds"][0]
        t = b["timings"]
        gate = "SHACL gate on" if b["validated"] else "**SHACL gate skipped** (`--no-validate`)"
        out += [
            f"## {r['states']} states × {r['editions']} editions — {r['quads']} quads",
            "",
            f"Build ({len(r['builds'])} run(s), first shown; {gate}): load {t.get('load_s')} s, "
            f"validate {t.get('validate_s', '—')} s (in two forked processes alongside the next three steps; "
            f"then waited for {t.get('validate_wait_s', '—')} s), "
            f"assemble + derived graphs {t.get('assemble_s', '—')} s, "
            f"store {t.get('store_s')} s, exports {t.get('exports_s')} s (in two forked processes alongside the "
            f"store; then waited for {t.get('exports_wait_s', '—')} s), "
            f"other (counts, report, fsync, process start) {b['unaccounted_s']} s; "
            f"total {b['total_s']} s; build peak RSS {b['peak_rss_mb']} MB.",
            "",
            f"Cold start to first 200 on `/sparql?query=ASK{{}}`: median {r['cold_start_s']['median']} s "
            f"(runs {r['cold_start_s']['runs']}). "
            f"Server peak RSS (VmHWM) after the load: {r['server_peak_rss_mb']} MB (main process); "
            f"{r['server_tree_peak_rss']['sum_mb']} MB summed over its {r['server_tree_peak_rss']['processes']} "
            "processes (query workers included; shared pages counted once per process).",
            "",
            f"Query workers answer from: {r.get('served_from', 'disk')} "
            f"(`/health` once ready: {(r.get('query_workers') or {}).get('workers')}, "
            f"{(r.get('query_workers') or {}).get('waited_s')} s after the first answer).",
            "",
            f"Throughput over the mix at concurrency {r['throughput']['concurrency']}: "
            f"**{r['throughput']['req_per_s']} req/s** ({r['throughput']['requests']} requests in "
            f"{r['throughput']['elapsed_s']} s, {r['throughput']['errors']} errors).",
            "",
            "| query | in-process ms | in-process ms, on-disk store | HTTP ms "
            "| results (rows/triples; bytes for pages) | HTTP bytes |",
            "|---|---|---|---|---|---|",
        ]
        for k in r["http"]:
            ip, h = r["in_process"][k], r["http"][k]
            disk = (r.get("in_process_disk") or {}).get(k, ip)["median_ms"]
            out.append(f"| {k} | {ip['median_ms']} | {disk} | {h['median_ms']} | {ip['size']} | {h['bytes']} |")
        out.append("")
        out += targets.overhead_rows(r["http_overhead"])
        if r.get("rival"):
            out += rival.markdown(r["rival"])
    out += ["## Ratio HTTP median / in-process median", ""]
    keys = list(doc["sizes"][0]["http"]) if doc["sizes"] else []
    out.append("| query | " + " | ".join(f"N={r['states']}" for r in doc["sizes"]) + " |")
    out.append("|---|" + "---|" * len(doc["sizes"]))
    for k in keys:
        out.append(f"| {k} | " + " | ".join(f"{r['ratio_http_over_inprocess'][k]}x" for r in doc["sizes"]) + " |")
    out.append("")
    if doc.get("validation_probe"):
        out += ["## Build probe (full `build_generation`)", ""]
        out += [
            "| states | quads | load s | validate s | store s | exports s | total s | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for p in doc["validation_probe"]:
            t = p["timings"]
            out.append(
                f"| {p['states']} | {p['quads']} | {t['load_s']} | {t['validate_s']} | {t['store_s']} | "
                f"{t['exports_s']} | {p['total_s']} | {p['peak_rss_mb']} |"
            )
        out.append("")
    out += ["## Queries", ""]
    if doc["sizes"]:
        for k, q in doc["sizes"][0]["queries"].items():
            out.append(f"- **{k}**: {q['question']}")
    return "\n".join(out) + "\n"


def log(msg: str) -> None:
    print(msg, flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description="r2pgraph benchmark")
    p.add_argument("--sizes", default="50,200", help="numbers of states, comma-separated")
    p.add_argument("--out", type=Path, default=BENCH / "results")
    p.add_argument("--editions", type=int, default=2)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--runs", type=int, default=5, help="timed runs per query (after 1 warm-up)")
    p.add_argument("--cold-runs", type=int, default=3)
    p.add_argument("--build-runs", type=int, default=1)
    p.add_argument(
        "--no-validate", action="store_true", help="build without the SHACL gate (default: the real build path)"
    )
    p.add_argument("--probe-sizes", default="", help="extra small sizes for a build-only probe, e.g. 1,5")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--max-requests", type=int, default=200)
    p.add_argument("--max-seconds", type=float, default=20)
    p.add_argument("--no-rival", dest="rival", action="store_false", help="skip the rdflib-endpoint comparison")
    p.add_argument("--rival-timeout", type=float, default=60, help="s per rdflib-endpoint request (latency runs)")
    p.add_argument("--rival-query-budget", type=float, default=10, help="s of rdflib-endpoint timed runs per query")
    p.add_argument("--work", type=Path, default=None, help="scratch dir (default: a temp dir, removed)")
    args = p.parse_args()

    started = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    t_all = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    doc: dict[str, object] = {
        "started": started,
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    doc["args"]["runs"] = args.runs  # type: ignore[index]
    with tempfile.TemporaryDirectory(prefix="r2p-bench-") as tmp:
        work = args.work or Path(tmp)
        probes = []
        for n in [int(s) for s in args.probe_sizes.split(",") if s.strip()]:
            d = work / f"probe{n}"
            counts = generate(d / "data", n, args.editions, args.seed)
            log(f"probe N={n}: full build …")
            info = run_build(d / "data", d / "build", validate=not args.no_validate)
            probes.append({"states": n, "generated": counts, **info})
            log(f"  {info['timings']} total {info['total_s']} s")
        doc["validation_probe"] = probes
        doc["sizes"] = [bench_size(int(s), work, args) for s in args.sizes.split(",") if s.strip()]
    doc["runtime_s"] = round(time.perf_counter() - t_all, 1)
    name = "latest.json"  # the latest run only: earlier ones are in git history
    doc["json_file"] = name
    try:
        from plot import plot

        plot(doc, args.out / "latest.png")
        doc["plot"] = "latest.png"
    except ImportError as e:  # matplotlib comes with the bench extra (make bench installs it)
        log(f"no plot: {e}")
    (args.out / name).write_text(json.dumps(doc, indent=2), encoding="utf-8")
    (args.out / "latest.md").write_text(markdown(doc), encoding="utf-8")
    log(f"wrote {args.out / name} and {args.out / 'latest.md'} in {doc['runtime_s']} s")


if __name__ == "__main__":
    main()
