"""The FastAPI application factory: one app over the current generation of a build directory."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from r2pgraph import __version__
from r2pgraph.config import ServerConfig
from r2pgraph.server import admin, api_docs, dataset, errors, linked_data, pages, query_page, sparql, treaties
from r2pgraph.server.cache import AnswerCache, FromCache, kept_version
from r2pgraph.server.caching import Caching, Compression, server_tag
from r2pgraph.server.canonical import TrailingSlash
from r2pgraph.server.headers import SecurityHeaders
from r2pgraph.server.limits import ClientLimits
from r2pgraph.server.replay import Replay
from r2pgraph.server.served import SCOPE_KEY, Serving
from r2pgraph.server.sparql_direct import DirectSparql

HERE = Path(__file__).parent
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
CORS_EXPOSED = ("Link", "ETag", "Retry-After", *sparql.RESULT_HEADERS)
REPLAY_SHARE = 4  # the responses replayed as sent are bounded by a quarter of --cache-mb more


class HoldGeneration:
    """ASGI middleware: each request holds the generation that was current when it started."""

    def __init__(self, app: ASGIApp, serving: Serving):
        self.app = app
        self.serving = serving

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        served = self.serving.hold()
        try:
            scope[SCOPE_KEY] = served
            await self.app(scope, receive, send)
        finally:
            served.leave()


def create_app(
    build_dir: Path,
    config: ServerConfig | None = None,
    generation: Path | None = None,
    serving: Serving | None = None,
) -> FastAPI:
    """Build the app serving ``build_dir``'s current generation (or ``generation`` when given, or
    what ``serving`` already serves, opened with the same ``config``; the app closes it).

    SPARQL queries run in ``config.workers`` processes and are stopped after ``config.query_timeout``
    seconds. SIGHUP or an authenticated ``POST /admin/reload`` switches to the new current generation.
    """
    config = config or ServerConfig()
    serving = serving or Serving(build_dir, config, generation)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()

        tasks: set[asyncio.Task[None]] = set()

        def on_hup() -> None:
            task = loop.create_task(admin.reload_in_background(serving))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, on_hup)
        serving.started()
        try:
            yield
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)
            serving.close()

    app = FastAPI(
        title="r2pgraph",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # FastAPI's OpenTelemetry hooks asked the global providers (and the environment) on every
        # request, about a tenth of a cheap query's time in the server, for providers never set here.
        telemetry=NO_TELEMETRY,
    )
    app.state.config = config
    app.state.serving = serving
    limits = app.state.client_limits = ClientLimits(
        config.client_queries, config.client_queue, config.client_queue_wait
    )
    answers = app.state.answers = AnswerCache(config.cache_mb * 1_000_000)
    endpoint = app.state.query_endpoint = sparql.QueryEndpoint(config, answers, limits, sparql.QueryCounts())
    # Inside CORS and the generation's hold: a held answer gets the same headers as any other.
    app.add_middleware(FromCache, cache=answers, version_of=lambda scope: kept_version(scope[SCOPE_KEY]))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        expose_headers=CORS_EXPOSED,
    )
    app.add_middleware(Compression)
    tag = server_tag(__version__, config.base_url, config.max_rows, config.max_result_bytes)
    app.add_middleware(Caching, server_tag=tag)
    app.add_middleware(HoldGeneration, serving=serving)
    app.add_middleware(TrailingSlash)
    if config.trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.trusted_hosts))
    app.add_middleware(SecurityHeaders, docs_path=api_docs.DOCS_PATH, query_path=query_page.QUERY_PATH)
    if not config.store_url:
        # A plain GET of a query is answered here, with the headers the layers above would add.
        cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": ", ".join(CORS_EXPOSED)}
        app.add_middleware(
            DirectSparql,
            serving=serving,
            endpoint=endpoint,
            cors=cors,
            server_tag=tag,
            trusted_hosts=config.trusted_hosts,
        )
    # Outermost: a kept answer's response, as the layers above sent it, is sent again as it was.
    replays = app.state.replays = AnswerCache(config.cache_mb * 1_000_000 // REPLAY_SHARE)
    app.add_middleware(Replay, cache=replays, version_of=lambda: kept_version(serving.current))
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(pages.router)
    app.include_router(query_page.router)
    app.include_router(linked_data.router)
    app.include_router(dataset.router)
    app.include_router(treaties.router)
    app.include_router(admin.router)
    app.include_router(api_docs.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
