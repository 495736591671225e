"""Connections that stall are dropped: uvicorn's h11 protocol with a deadline for each request head
and an idle limit between the chunks of a body.

uvicorn itself only limits the wait for the next request on a kept-alive connection
(``timeout_keep_alive``): a client that sends half a request line, or headers without their end,
or part of a body and then nothing (slowloris), would hold its socket and its memory for ever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger("uvicorn.error")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is not complete
    ``header_timeout`` seconds after it began (however slowly its bytes keep coming), or whose
    body has had no data for ``body_timeout`` seconds. Subclasses set both (see ``guarded``)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stall_timer: asyncio.TimerHandle | None = None
        self._waiting_for: str | None = None  # "head" or "body" while a timer is armed

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("head", self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # The first bytes of a further request on a kept-alive connection start its head's deadline.
        if self._waiting_for is None and self.conn.their_state is h11.IDLE:
            self._arm("head", self.header_timeout)
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def _follow(self) -> None:
        """Re-arm the timer for what the connection now waits for from the client."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm("body", self.body_timeout)  # data arrived, or the head just ended: restart
        elif state is not h11.IDLE or self.transport.is_closing():
            self._disarm()  # the request is complete (or the connection is ending)
        elif self._waiting_for == "body":
            self._disarm()  # a new cycle: its head's deadline starts with its first byte

    def _arm(self, what: str, seconds: float) -> None:
        self._disarm()
        self._waiting_for = what
        self._stall_timer = self.loop.call_later(seconds, self._stalled, what, seconds)

    def _disarm(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
        self._stall_timer = None
        self._waiting_for = None

    def _stalled(self, what: str, seconds: float) -> None:
        self._stall_timer = None
        self._waiting_for = None
        if self.transport.is_closing():
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        if what == "head":
            logger.info("closed the connection from %s: no complete request head within %g s", client, seconds)
        else:
            logger.info("closed the connection from %s: no request body data for %g s", client, seconds)
        self.transport.close()


def guarded(header_timeout: float, body_timeout: float) -> type[GuardedH11Protocol]:
    """The protocol class to give uvicorn's ``Config(http=...)`` for these limits (in seconds)."""
    head, body = header_timeout, body_timeout

    class Guarded(GuardedH11Protocol):
        header_timeout = head
        body_timeout = body

    return Guarded
