"""Connections that stall are dropped: uvicorn's httptools protocol (llhttp, the parser of Node.js:
several times cheaper per request than the pure-Python h11) with a deadline for each request head
and an idle limit between the chunks of a body. A response's head and body are sent together.

uvicorn itself only limits the wait for the next request on a kept-alive connection
(``timeout_keep_alive``): a client that sends half a request line, or headers without their end,
or part of a body and then nothing (slowloris), would hold its socket and its memory for ever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("uvicorn.error")
COALESCE_BYTES = 64 * 1024  # writes are held until the loop's next turn up to this size


class CoalescingTransport(asyncio.Transport):
    """A transport whose writes in one turn of the event loop leave in one system call: uvicorn
    writes a response's head and body apart, which on a small answer doubles the cost of sending
    it (and the packets the client wakes up for). Everything else is the wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._held = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))
        self._held += len(data)
        if self._held >= COALESCE_BYTES:  # a large answer goes out as it comes
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        self._held = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._flush()  # what was written before the close is still sent
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._held = 0
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request head is not complete
    ``header_timeout`` seconds after it began (however slowly its bytes keep coming), or whose
    body has had no data for ``body_timeout`` seconds. Subclasses set both (see ``guarded``).

    The deadlines follow the parser's events: a connection's first request head counts from the
    connection, a further one's from its first byte; the body's idle limit restarts with each piece
    of it, and the message's end stops it (at once, for a request without a body)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stall_timer: asyncio.TimerHandle | None = None
        self._waiting_for: str | None = None  # "head" or "body" while a timer is armed

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))
        self._arm("head", self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._waiting_for != "head":  # a further request on a kept-alive connection
            self._arm("head", self.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm("body", self.body_timeout)  # the message's end, at once when there is no body, stops it

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm("body", self.body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

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


def guarded(header_timeout: float, body_timeout: float) -> type[GuardedProtocol]:
    """The protocol class to give uvicorn's ``Config(http=...)`` for these limits (in seconds)."""
    head, body = header_timeout, body_timeout

    class Guarded(GuardedProtocol):
        header_timeout = head
        body_timeout = body

    return Guarded
