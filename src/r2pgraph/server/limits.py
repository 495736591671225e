"""Per-client limits: how many SPARQL queries one client may have running at once, and how many
more may wait for one of its slots.

A client's queries beyond its ``limit`` wait in a queue of its own, first come first served, for
at most ``wait`` seconds (or the query's own deadline, if shorter); past the queue's ``queue``
places, or past the wait, a query gets 429 with ``Retry-After``. A waiting query holds no worker,
so a client never has more than ``limit`` queries running: the CPU it can take is unchanged.
Clients such as YASGUI and Comunica send several cheap queries at once: they wait a moment
instead of being refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

from r2pgraph.server.errors import ProtocolError

RETRY_AFTER_S = 2


class TooManyQueries(ProtocolError):
    """The client already has its share of queries running and its queue is full, or a query
    waited its time in the queue (429 with Retry-After)."""

    def __init__(self, limit: int, queue: int, wait: float):
        waiting = f" and {queue} more may wait up to {wait:g} s for one to finish" if queue else ""
        super().__init__(
            429,
            f"Too many concurrent queries from this client: at most {limit} may run at once{waiting}. "
            f"Retry after {RETRY_AFTER_S} s, or when one of your queries has finished.",
            {"Retry-After": str(RETRY_AFTER_S)},
        )


class ClientLimits:
    """Each client's queries running and waiting; ``limit`` 0 means no limit, ``queue`` 0 no queue.

    Used from the server's event loop only."""

    def __init__(self, limit: int, queue: int = 0, wait: float = 0.0):
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self._running: dict[str, int] = {}
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}

    def running(self, client: str) -> int:
        return self._running.get(client, 0)

    def waiting(self, client: str) -> int:
        return len(self._waiting.get(client, ()))

    @contextlib.asynccontextmanager
    async def slot(self, client: str, deadline: float | None = None) -> AsyncIterator[None]:
        """Hold one of ``client``'s slots while a query runs, waiting in its queue for at most
        ``wait`` seconds (or ``deadline``, if shorter) when they are all taken. Raises TooManyQueries."""
        await self._acquire(client, self.wait if deadline is None else min(self.wait, deadline))
        try:
            yield
        finally:
            self._release(client)

    def _refuse(self) -> TooManyQueries:
        return TooManyQueries(self.limit, self.queue, self.wait)

    async def _acquire(self, client: str, wait: float) -> None:
        waiters = self._waiting.get(client)
        if not self.limit or (self.running(client) < self.limit and not waiters):
            self._running[client] = self.running(client) + 1
            return
        if len(waiters or ()) >= self.queue or wait <= 0:
            raise self._refuse()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, deque()).append(turn)
        try:
            async with asyncio.timeout(wait):
                await turn
        except BaseException as e:
            if turn.done() and not turn.cancelled():
                self._release(client)  # its slot was handed over as it gave up: pass it on
            else:
                turn.cancel()
                self._forget(client, turn)
            if isinstance(e, TimeoutError):
                raise self._refuse() from None
            raise

    def _forget(self, client: str, turn: asyncio.Future[None]) -> None:
        waiters = self._waiting.get(client)
        if waiters is not None:
            with contextlib.suppress(ValueError):
                waiters.remove(turn)
            if not waiters:
                del self._waiting[client]

    def _release(self, client: str) -> None:
        """Hand the slot to the client's first waiting query, or free it."""
        waiters = self._waiting.get(client)
        while waiters:
            turn = waiters.popleft()
            if not waiters:
                del self._waiting[client]
            if not turn.done():
                turn.set_result(None)  # the slot passes on: the running count is unchanged
                return
        left = self._running[client] - 1
        if left:
            self._running[client] = left
        else:
            del self._running[client]
