"""Time ``r2pgraph publish`` into a real Oxigraph server on 127.0.0.1 for a synthetic generation.

``python bench/publish.py --generation build/current --states 1000``

Building 1,000 synthetic states through ``bench/generate.py`` takes far longer than the publish
itself, so this writes a synthetic *generation* instead: the seed generation's per-state graphs
(Japan's assessment, its citations and its treaty actions) copied for ``--states`` made-up state
codes and two editions, plus the seed's other graphs, as ``r2p.nq`` and a ``build-report.json``.
That is all ``publish`` reads. It then starts ``oxigraph serve`` on a temporary database, times a
first publish (every graph uploaded) and a second one (unchanged), and prints the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from common import free_port
from r2pgraph.build.assemble import content_hash

PER_STATE = ("/assessments/apr2p-2019/JPN>", "/assessments/apr2p-2019/JPN-citations>", "/treaty-actions/JPN>")


def synthetic_generation(seed: Path, states: int, out: Path) -> dict[str, int]:
    lines = (seed / "r2p.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    template = [line for line in lines if line.rstrip().removesuffix(" .").endswith(PER_STATE)]
    quads = list(lines)
    for i in range(states):
        code = f"X{i:04d}"
        for edition in ("apr2p-2019", "bench-2021"):
            quads += [line.replace("JPN", code).replace("apr2p-2019", edition) for line in template]
    body = "".join(sorted(set(quads))).encode("utf-8")
    out.mkdir(parents=True)
    (out / "r2p.nq").write_bytes(body)
    graphs = {line.rsplit(" ", 2)[-2] for line in quads}
    (out / "build-report.json").write_text(json.dumps({"content_hash": content_hash(body)}))
    return {"quads": body.count(b"\n"), "graphs": len(graphs)}


def timed_publish(generation: Path, base: str) -> tuple[float, str]:
    args = ["--to", base + "/query", "--update", base + "/update", "--gsp", base + "/store", "--timeout", "3600"]
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "r2pgraph.cli", "publish", "--generation", str(generation), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"publish failed: {out.stderr.strip()}")
    return seconds, out.stdout.strip()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--generation", type=Path, default=Path("build/current"), help="the seed generation")
    p.add_argument("--states", type=int, default=1000)
    args = p.parse_args()
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    work = Path(tempfile.mkdtemp(prefix="r2p-publish-bench-"))
    try:
        t0 = time.perf_counter()
        sizes = synthetic_generation(args.generation.resolve(), args.states, work / "generation")
        made = time.perf_counter() - t0
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [oxigraph, "serve", "--location", str(work / "db"), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/query", params={"query": "ASK {}"}, timeout=1).is_success:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            first, first_out = timed_publish(work / "generation", base)
            second, second_out = timed_publish(work / "generation", base)
        finally:
            server.terminate()
            server.wait(timeout=60)
        result = {
            "states": args.states,
            **sizes,
            "generate_s": round(made, 2),
            "first_publish_s": round(first, 2),
            "first": first_out,
            "unchanged_publish_s": round(second, 2),
            "unchanged": second_out,
            "db_bytes": sum(f.stat().st_size for f in (work / "db").rglob("*") if f.is_file()),
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
