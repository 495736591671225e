"""The FastAPI application factory: one app over one built generation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from r2pgraph import __version__
from r2pgraph.server import dataset, errors, linked_data, pages, sparql, treaties
from r2pgraph.server.workers import QueryPool
from r2pgraph.store import STORE_DIR, open_store

HERE = Path(__file__).parent


def create_app(generation: Path, query_timeout: float = 30.0, workers: int = 2) -> FastAPI:
    """Build the app serving ``generation`` (a directory written by ``r2pgraph build``).

    SPARQL queries run in ``workers`` processes and are stopped after ``query_timeout`` seconds.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.query_pool = QueryPool(generation / STORE_DIR, workers)
        try:
            yield
        finally:
            app.state.query_pool.close()

    app = FastAPI(title="r2pgraph", version=__version__, docs_url="/api/docs", redoc_url=None, lifespan=lifespan)
    app.state.query_timeout = query_timeout
    app.state.generation = generation
    app.state.store = open_store(generation)
    app.state.report = json.loads((generation / "build-report.json").read_text(encoding="utf-8"))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        expose_headers=["Link", "ETag"],
    )
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(pages.router)
    app.include_router(linked_data.router)
    app.include_router(dataset.router)
    app.include_router(treaties.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
