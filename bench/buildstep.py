"""Run one build in this (child) process and print its report's numbers as JSON on stdout.

``python bench/buildstep.py DATA_DIR BUILD_DIR [--no-validate]``

With ``--no-validate`` the SHACL gate is skipped: the same steps as ``build_generation`` (load,
assemble, derived graphs, write_generation) minus ``validate_graphs``, for sizes where pySHACL is
too slow for the benchmark's time budget. The parent measures this process's peak RSS.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from r2pgraph.build.assemble import assemble_dataset, build_generation, files_read, load_sources, write_generation
from r2pgraph.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    data_dir, build_dir = Path(sys.argv[1]), Path(sys.argv[2])
    validate = "--no-validate" not in sys.argv
    settings = Settings(
        data_dir=data_dir,
        ontology_dir=ROOT / "ontology",
        shapes_dir=ROOT / "shapes",
        build_dir=build_dir,
        imports_dir=build_dir / "no-imports",
    )
    t0 = time.perf_counter()
    if validate:
        result = build_generation(settings)
    else:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        sources, ontology = load_sources(settings)
        timings["load_s"] = time.perf_counter() - t
        t = time.perf_counter()
        read = files_read(settings, sources)
        nquads, dataset = assemble_dataset(sources, ontology, read)
        timings["assemble_s"] = time.perf_counter() - t
        files = [{"graph": str(sg.iri), "file": sg.path, "hash": sg.content_hash} for sg in sources]
        result = write_generation(nquads, settings, {"sources": files, "files_read": read}, timings, dataset=dataset)
    total = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "generation": str(result.generation),
                "validated": validate,
                "timings": result.report.get("timings"),
                "quads": result.report.get("quads"),
                "total_s": round(total, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
