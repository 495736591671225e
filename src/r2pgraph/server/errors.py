"""Domain errors of the server and the one table that maps them to HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from r2pgraph.server.conneg import NotAcceptable


class ProtocolError(Exception):
    """A request the server refuses, with its HTTP status and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status = status
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


async def _protocol_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProtocolError)
    return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)


async def _not_acceptable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAcceptable)
    offered = ", ".join(f.media_type for f in exc.offered)
    return PlainTextResponse(f"Not acceptable. This resource is available as: {offered}\n", status_code=406)


EXCEPTION_HANDLERS = {ProtocolError: _protocol_error, NotAcceptable: _not_acceptable}


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""
    for exc, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(exc, handler)
