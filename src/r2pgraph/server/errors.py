"""Domain errors of the server and the one table that maps them to HTTP responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.requests import ClientDisconnect

from r2pgraph.errors import RemoteStoreError
from r2pgraph.server.conneg import NotAcceptable
from r2pgraph.server.headers import POLICY


class ProtocolError(Exception):
    """A request the server refuses, with its HTTP status and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status = status
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


def refusal(exc: ProtocolError) -> Response:
    """The response to a refused request: its status, headers and message as plain text."""
    return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)


async def _protocol_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProtocolError)
    return refusal(exc)


async def _not_acceptable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAcceptable)
    offered = ", ".join(f.media_type for f in exc.offered)
    return PlainTextResponse(f"Not acceptable. This resource is available as: {offered}\n", status_code=406)


async def _store_failed(request: Request, exc: Exception) -> Response:
    """The remote SPARQL store (``serve --store``) did not answer (503) or answered with an error (502)."""
    assert isinstance(exc, RemoteStoreError)
    status = 503 if exc.status is None else 502
    what = "is unreachable" if exc.status is None else "answered with an error"
    return PlainTextResponse(
        f"The SPARQL store behind this server {what}: {exc}\nTry again later.\n",
        status_code=status,
        headers={"Retry-After": "5"} if status == 503 else {},
    )


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client closed its connection (or it was closed for stalling) before its request body
    was complete: one line in the log, and a response that goes nowhere."""
    client = f"{request.client.host}:{request.client.port}" if request.client else "a client"
    logging.getLogger("uvicorn.error").info(
        "%s disconnected before its request body to %s was complete", client, request.url.path
    )
    return PlainTextResponse("The request body was not complete.\n", status_code=400)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """An unexpected error: a plain 500 with the headers every response carries (Starlette answers
    it outside the middleware that adds them). The traceback goes to the log, never to the client."""
    return PlainTextResponse(
        "Internal server error. It has been logged; please report it if it persists.\n",
        status_code=500,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": POLICY,
            "X-Frame-Options": "DENY",
        },
    )


EXCEPTION_HANDLERS = {
    ProtocolError: _protocol_error,
    NotAcceptable: _not_acceptable,
    RemoteStoreError: _store_failed,
    ClientDisconnect: _client_gone,
    Exception: _internal_error,
}


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""
    for exc, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(exc, handler)
