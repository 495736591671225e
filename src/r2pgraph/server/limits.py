"""Per-client limits: how many SPARQL queries one client may have running or waiting at once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from r2pgraph.server.errors import ProtocolError

RETRY_AFTER_S = 2


class TooManyQueries(ProtocolError):
    """The client already has its share of queries in flight (429 with Retry-After)."""

    def __init__(self, limit: int):
        super().__init__(
            429,
            f"Too many concurrent queries from this client: at most {limit} may run or wait at once. "
            f"Retry after {RETRY_AFTER_S} s, or when one of your queries has finished.",
            {"Retry-After": str(RETRY_AFTER_S)},
        )


class ClientLimits:
    """Counts each client's queries in flight; ``limit`` 0 means no limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, client: str) -> Iterator[None]:
        """Hold one of ``client``'s slots for the duration of a query. Raises TooManyQueries."""
        with self._lock:
            n = self._in_flight.get(client, 0)
            if self.limit and n >= self.limit:
                raise TooManyQueries(self.limit)
            self._in_flight[client] = n + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._in_flight[client] - 1
                if left:
                    self._in_flight[client] = left
                else:
                    del self._in_flight[client]
