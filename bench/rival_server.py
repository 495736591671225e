"""rdflib-endpoint serving a generation's N-Quads export, for the benchmark's comparison.

``python bench/rival_server.py GENERATION/r2p.nq PORT``

The quads are loaded into an rdflib ``Dataset`` whose default graph is the union of the named
graphs (``default_union=True``), as ``r2pgraph serve`` answers queries, and served by
rdflib-endpoint's ``SparqlEndpoint`` (FastAPI) under uvicorn on 127.0.0.1, at ``/``. Prints one
JSON line with the load time when it is ready to listen. Runs in its own process so that the
benchmark reads its peak RSS and the machine load is the same as for our server.
"""

from __future__ import annotations

import json
import sys
import time

import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    nq, port = sys.argv[1], int(sys.argv[2])
    t0 = time.perf_counter()
    ds = Dataset(default_union=True)
    ds.parse(nq, format="nquads")
    load_s = time.perf_counter() - t0
    app = SparqlEndpoint(graph=ds, title="rdflib-endpoint (benchmark)", cors_enabled=False)
    app_s = time.perf_counter() - t0 - load_s
    print(json.dumps({"load_s": round(load_s, 3), "app_s": round(app_s, 3), "quads": len(ds)}), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
