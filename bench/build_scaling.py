"""Build time against size: each step of the build timed on its own, at several sizes.

``python bench/build_scaling.py --sizes 125,250,500,1000 [--before SRC] --out bench/results``

For each size, ``bench/generate.py`` makes the synthetic data, then a fresh child process runs the
steps of ``build_generation`` one after another (not side by side, as the build runs them, so that
one step's time is not another's), each timed in wall-clock and CPU seconds: load, the in-memory
store, the SHACL validation (its SPARQL-based constraints, then the others), provenance and
derived graphs, canonical N-Quads, the on-disk store, the exports (RDF and CSV; JSON-LD), the
counts. A second child runs the real build (``bench/buildstep.py``: steps side by side, validated)
for its total. ``--before SRC`` runs the same children with another checkout's ``src`` (e.g. a
worktree of main) first, for before/after figures from one run.

The machine this runs on is shared: CPU seconds move less than wall seconds under load, so the
per-state and per-quad columns are CPU seconds; the load average is written with each row.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
STEPS = (
    "load",
    "source_store",
    "validate_sparql",
    "validate_core",
    "provenance_derived",
    "canonical_nquads",
    "store",
    "exports_rdf",
    "exports_jsonld",
    "counts",
)


def _timed(out: dict[str, dict[str, float]], name: str, step: object) -> object:
    w, c = time.perf_counter(), time.process_time()
    value = step()  # type: ignore[operator]
    out[name] = {"wall": time.perf_counter() - w, "cpu": time.process_time() - c}
    return value


def run_steps(data_dir: Path, work: Path, root: Path) -> dict[str, object]:
    """In this process: every step of a build of ``data_dir``, one after another, timed (the
    ontology and shapes of the checkout ``root``)."""
    from r2pgraph.build import collector
    from r2pgraph.build.assemble import (
        PROVENANCE_GRAPH,
        canonical_nquads,
        counts,
        files_read,
        load_sources,
        provenance_graph,
        source_store,
    )
    from r2pgraph.config import Settings
    from r2pgraph.exports.dumps import write_jsonld_export, write_rdf_exports
    from r2pgraph.rdf.oxterms import OxTerms
    from r2pgraph.store.embedded import write_store
    from r2pgraph.treaties.derived import add_derived_graphs
    from r2pgraph.validation.validate import core_results, data_parts, load_shapes, sparql_results

    settings = Settings(
        data_dir=data_dir,
        ontology_dir=root / "ontology",
        shapes_dir=root / "shapes",
        build_dir=work,
        imports_dir=work / "no-imports",
    )
    t: dict[str, dict[str, float]] = {}
    sources, ontology = _timed(t, "load", lambda: load_sources(settings))  # type: ignore[misc]
    shapes = load_shapes(settings.shapes_dir)
    with collector.frozen():
        store = _timed(t, "source_store", lambda: source_store(sources, ontology))
        parts = data_parts(sources, ontology)
        sparql = _timed(t, "validate_sparql", lambda: sparql_results(parts, shapes, store))
        core = _timed(t, "validate_core", lambda: core_results(parts, shapes))

        def provenance_derived() -> None:
            read = files_read(settings, sources)
            store.extend(OxTerms().quads(provenance_graph(sources, read), PROVENANCE_GRAPH))  # type: ignore[attr-defined]
            add_derived_graphs(store)  # type: ignore[arg-type]

        _timed(t, "provenance_derived", provenance_derived)
        nquads = _timed(t, "canonical_nquads", lambda: canonical_nquads(store))  # type: ignore[arg-type]
        gen = work / "generation"
        gen.mkdir(parents=True, exist_ok=True)
        _timed(t, "store", lambda: write_store(gen, nquads))  # type: ignore[arg-type]
        _timed(t, "exports_rdf", lambda: write_rdf_exports(store, nquads, gen))  # type: ignore[arg-type]
        _timed(t, "exports_jsonld", lambda: write_jsonld_export(nquads, gen, settings.ontology_dir))  # type: ignore[arg-type]
        quads = _timed(t, "counts", lambda: counts(store)["quads"])  # type: ignore[arg-type,index]
    return {
        "quads": quads,
        "results": len(sparql) + len(core),  # type: ignore[arg-type]
        "steps": {k: {m: round(v, 3) for m, v in d.items()} for k, d in t.items()},
    }


def _child(src: Path, args: list[str]) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def measure(src: Path, data: Path, work: Path, full: bool) -> dict[str, object]:
    """The steps and (``full``) the real build of ``data`` with the code in ``src``."""
    load = os.getloadavg()[0]
    steps = _child(src, [__file__, "--one", str(data), str(work / "steps"), str(src.parent)])
    row: dict[str, object] = {"load_average": round(load, 2), **steps}
    if full:
        build = _child(src, [str(src.parent / "bench" / "buildstep.py"), str(data), str(work / "build")])
        row["build_total_s"] = build["total_s"]
        row["build_timings"] = build["timings"]
    return row


def _cpu(row: dict[str, object]) -> float:
    steps: dict[str, dict[str, float]] = row["steps"]  # type: ignore[assignment]
    return sum(s["cpu"] for s in steps.values())


def table(rows: list[dict[str, object]]) -> list[str]:
    """One row per run: totals, then each step's CPU seconds."""
    real = any("build_total_s" in r for r in rows)
    head = ["code", "N", "quads", "load avg", *(["real build s (wall)"] if real else []), "steps wall s"]
    head += ["steps CPU s", "CPU s / state", "CPU s / 100k quads", *STEPS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        n, quads, cpu = int(r["states"]), int(r["quads"]), _cpu(r)  # type: ignore[call-overload]
        steps: dict[str, dict[str, float]] = r["steps"]  # type: ignore[assignment]
        cells = [str(r["code"]), f"{n:,}", f"{quads:,}", str(r["load_average"])]
        cells += [str(r.get("build_total_s", ""))] if real else []
        cells += [f"{sum(x['wall'] for x in steps.values()):.1f}", f"{cpu:.1f}", f"{cpu / n:.3f}"]
        cells += [f"{cpu / quads * 1e5:.2f}", *(f"{steps[s]['cpu']:.1f}" for s in STEPS)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def marginal(rows: list[dict[str, object]]) -> list[str]:
    """CPU seconds per 100k quads added between successive sizes, per step: flat when linear."""
    lines = ["| code | N → N' | " + " | ".join(STEPS) + " | all |", "|" + "---|" * (3 + len(STEPS))]
    for code in dict.fromkeys(str(r["code"]) for r in rows):
        mine = [r for r in rows if r["code"] == code]
        for a, b in itertools.pairwise(mine):
            dq = (int(b["quads"]) - int(a["quads"])) / 1e5  # type: ignore[call-overload]
            sa: dict[str, dict[str, float]] = a["steps"]  # type: ignore[assignment]
            sb: dict[str, dict[str, float]] = b["steps"]  # type: ignore[assignment]
            cells = [f"{(sb[s]['cpu'] - sa[s]['cpu']) / dq:.2f}" for s in STEPS]
            cells.append(f"{(_cpu(b) - _cpu(a)) / dq:.2f}")
            lines.append(f"| {code} | {a['states']} → {b['states']} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_steps(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="125,250,500,1000")
    ap.add_argument(
        "--before",
        type=Path,
        help="the src directory of a checkout to compare with (its ontology/ and shapes/ beside it)",
    )
    ap.add_argument("--no-build", action="store_true", help="only the steps, not the real build's total")
    ap.add_argument("--jobs", type=int, default=1, help="children run side by side (CPU seconds are compared)")
    ap.add_argument("--out", type=Path, default=BENCH / "results")
    ap.add_argument(
        "--render", type=Path, nargs="+", help="only write the results from these runs' printed rows (JSON lines)"
    )
    ap.add_argument("--note", help="with --render: how the runs were made, written at the top")
    a = ap.parse_args()
    if a.render:
        rows = [json.loads(line) for log in a.render for line in log.read_text().splitlines() if line.startswith("{")]
        command = a.note or "rows printed by runs of `python bench/build_scaling.py`, put together with `--render`"
        write_results(rows, a.out, command)
        return
    sizes = [int(s) for s in a.sizes.split(",")]
    codes = ([("before", a.before.resolve())] if a.before else []) + [("this", ROOT / "src")]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="r2p-scaling-") as tmp:
        for n in sizes:
            subprocess.run(
                [sys.executable, str(BENCH / "generate.py"), "--states", str(n), "--out", f"{tmp}/data-{n}"],
                check=True,
                capture_output=True,
            )

        def one(task: tuple[int, str, Path]) -> dict[str, object]:
            n, code, src = task
            row = measure(src, Path(tmp) / f"data-{n}", Path(tmp) / f"work-{code}-{n}", not a.no_build)
            shutil.rmtree(Path(tmp) / f"work-{code}-{n}", ignore_errors=True)
            print(json.dumps({"code": code, "states": n, **row}), flush=True)
            return {"code": code, "states": n, **row}

        # Each code's largest first, so that its smaller ones fill in beside it.
        tasks = [(n, code, src) for code, src in codes for n in sorted(sizes, reverse=True)]
        with ThreadPoolExecutor(max_workers=a.jobs) as pool:
            done = list(pool.map(one, tasks))
    command = (
        f"`python bench/build_scaling.py --sizes {a.sizes} --jobs {a.jobs}"
        + (" --before …" if a.before else "")
        + (" --no-build" if a.no_build else "")
        + f"`, started {started}"
    )
    write_results(done, a.out, command)


def write_results(done: list[dict[str, object]], out: Path, command: str) -> None:
    """bench/results/build-scaling.json and .md from the rows of a run."""
    order = {"before": 0, "this": 1}
    rows = sorted(done, key=lambda r: (order.get(str(r["code"]), 2), int(r["states"])))  # type: ignore[call-overload]
    out.mkdir(parents=True, exist_ok=True)
    (out / "build-scaling.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    text = [
        "# Build time against size",
        "",
        f"{command}, on {os.cpu_count()} CPUs shared with other work (load average at the start of each"
        " row). Synthetic data from `bench/generate.py` (N states × 2 editions, on top of the real data)."
        ' Each step run on its own, one after another in one process; CPU seconds ("before": the code'
        ' given by `--before`, "this": the checkout\'s).'
        + (
            ' "real build" is `bench/buildstep.py`, the build as `r2pgraph build` runs it (steps side by'
            " side, validated), in wall seconds."
            if any("build_total_s" in r for r in rows)
            else ""
        ),
        "",
        *table(rows),
        "",
        "CPU seconds per 100,000 quads added from one size to the next (the same at every size when a step is linear):",
        "",
        *marginal(rows),
        "",
    ]
    (out / "build-scaling.md").write_text("\n".join(text), encoding="utf-8")


if __name__ == "__main__":
    main()
