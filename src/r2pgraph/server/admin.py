"""Operations: ``/health`` (which generation is served) and ``POST /admin/reload`` (switch to the
generation ``build/current`` points to now, without a restart; also on SIGHUP)."""

from __future__ import annotations

import asyncio
import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from r2pgraph.errors import R2PError, RemoteStoreError
from r2pgraph.server.backends.base import Served
from r2pgraph.server.errors import ProtocolError
from r2pgraph.server.evaluation import Job
from r2pgraph.server.served import Serving
from r2pgraph.server.workers import DeadlineExceeded, WorkerFailed

router = APIRouter()
log = logging.getLogger("r2pgraph.server")


def _describe(served: Served) -> dict[str, object]:
    report = served.report
    return {
        "generation": served.name,
        "content_hash": report.get("content_hash"),
        "built_at": report.get("built_at"),
        "quads": report.get("quads"),
        "serving_since": served.since,
    }


def _answer_cache(request: Request) -> dict[str, object]:
    """The answers kept for the served version; ``hits`` counts the requests answered from them,
    whether replayed as sent (``replayed``: those responses, see replay.py) or not."""
    kept = request.app.state.answers.stats()
    replayed = request.app.state.replays.stats()
    del replayed["misses"]  # a miss there is looked up again among the answers, and counted there
    return {**kept, "hits": kept["hits"] + replayed["hits"], "replayed": replayed}


@router.api_route("/health", methods=["GET", "HEAD"])
async def health(request: Request) -> Response:
    """Liveness, and the generation new requests are answered from (503 while a remote store is down).
    Its query waits for a worker in turn with the others, on the event loop."""
    serving: Serving = request.app.state.serving
    current = serving.current
    try:
        if (await current.queries.run_async(Job("ASK {}"), 10)).status != 200:
            raise ProtocolError(503, "the query engine does not answer")
        body = await run_in_threadpool(_state, request, current)  # a remote store's report is read
        status = 200
    except (RemoteStoreError, ProtocolError, DeadlineExceeded, WorkerFailed) as e:
        body, status = {"status": "unavailable", "generation": current.name, "problem": str(e)}, 503
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _state(request: Request, current: Served) -> dict[str, object]:
    """What /health says of the served version once its query engine has answered."""
    body: dict[str, object] = {"status": "ok", **_describe(current)}
    engines = current.queries.engines()
    if engines:  # how many query workers answer from the on-disk store, or from memory
        body["query_workers"] = engines
    pages = current.pages_from()
    if pages:  # which store the pages read: "disk", "loading" (an in-memory copy) or "memory"
        body["pages_from"] = pages
    body["answer_cache"] = _answer_cache(request)
    # How many queries were evaluated in the server (look-ups) and by the workers since it started.
    body["queries"] = request.app.state.query_endpoint.counts.stats()
    sandbox = current.queries.network_sandbox()
    if sandbox:  # what keeps the query workers off the network: "seccomp" or "none: <reason>"
        body["network_sandbox"] = sandbox
    return body


async def reload_in_background(serving: Serving) -> None:
    """Switch to the current generation (on SIGHUP); failures are logged and change nothing."""
    try:
        switched, now = await asyncio.to_thread(serving.reload)
    except (R2PError, OSError, RuntimeError) as e:
        log.error("reload failed, still serving %s: %s", serving.current.name, e)
        return
    log.info("%s %s", "switched to" if switched else "already serving", now.name)


@router.post("/admin/reload")
async def reload(request: Request) -> Response:
    """Switch to what ``build/current`` points to now. Needs ``Authorization: Bearer <admin token>``."""
    token: str | None = request.app.state.config.admin_token
    if not token:
        raise ProtocolError(403, "The admin API is disabled: start the server with R2P_ADMIN_TOKEN set.")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise ProtocolError(401, "A valid admin token is required.", {"WWW-Authenticate": "Bearer"})
    serving: Serving = request.app.state.serving
    try:
        switched, now = await asyncio.to_thread(serving.reload)
    except (R2PError, OSError, RuntimeError) as e:
        raise ProtocolError(500, f"Reload failed; still serving {serving.current.name}: {e}") from e
    return JSONResponse({"switched": switched, **_describe(now)})
