"""A small client for a remote SPARQL 1.1 store: Protocol queries, Update requests, Graph Store PUT.

Results come back as pyoxigraph terms (SELECT via SPARQL JSON results, CONSTRUCT via N-Triples), so
code written against the embedded store reads remote answers the same way. Every failure is a
``RemoteStoreError`` whose one-line message names the URL and what went wrong (HTTP status and the
start of the server's answer, or the connection problem); no HTTP library exception escapes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from r2pgraph.config import BadVariable
from r2pgraph.errors import RemoteStoreError

AUTH_KINDS = ("basic", "digest")
USER_ENV = "R2P_STORE_USER"
PASSWORD_ENV = "R2P_STORE_PASSWORD"
AUTH_ENV = "R2P_STORE_AUTH"
DETAIL_CHARS = 200
__all__ = ["Endpoints", "RemoteStore", "RemoteStoreError", "auth_from_env", "value"]

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]


def value(row: Row, name: str) -> str | None:
    """The lexical value of a row's term (IRI, literal value or blank node id); None when unbound."""
    term = row.get(name)
    return None if term is None or isinstance(term, ox.Triple) else term.value


@dataclass(frozen=True)
class Endpoints:
    """Where the store answers queries, takes updates and (optionally) Graph Store Protocol requests."""

    query: str
    update: str
    gsp: str | None = None


def auth_from_env(environ: Mapping[str, str] | None = None, kind: str | None = None) -> httpx.Auth | None:
    """HTTP basic or digest credentials from R2P_STORE_USER / R2P_STORE_PASSWORD (None when unset).

    ``kind`` (or R2P_STORE_AUTH) is ``basic`` (the default) or ``digest``.
    """
    env = os.environ if environ is None else environ
    user = env.get(USER_ENV)
    if not user:
        return None
    password = env.get(PASSWORD_ENV, "")
    given = kind or env.get(AUTH_ENV) or "basic"
    chosen = given.lower()
    if chosen not in AUTH_KINDS:  # ``kind`` comes from argparse's choices: the variable is at fault
        raise BadVariable(AUTH_ENV, given, " or ".join(AUTH_KINDS))
    return httpx.DigestAuth(user, password) if chosen == "digest" else httpx.BasicAuth(user, password)


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DETAIL_CHARS else flat[:DETAIL_CHARS] + "…"


class RemoteStore:
    """A remote SPARQL store reached over HTTP. Use as a context manager (or call ``close``)."""

    def __init__(self, endpoints: Endpoints, auth: httpx.Auth | None = None, timeout: float = 60.0):
        self.endpoints = endpoints
        self._client = httpx.Client(auth=auth, timeout=timeout, follow_redirects=False)

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _request(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.request(
                method,
                url,
                data=data,
                content=content,
                params=params,
                headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.TimeoutException as e:
            raise RemoteStoreError(url, f"timed out ({type(e).__name__})", timed_out=True) from None
        except httpx.HTTPError as e:
            raise RemoteStoreError(url, f"connection failed: {_one_line(str(e)) or type(e).__name__}") from None
        if response.status_code >= 300:
            raise RemoteStoreError(
                url, f"HTTP {response.status_code}: {_one_line(response.text)}", status=response.status_code
            )
        return response

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query; each row maps variable name → term (None when unbound)."""
        response = self._request(
            "POST",
            self.endpoints.query,
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            solutions = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as e:
            raise RemoteStoreError(
                self.endpoints.query, f"unreadable SPARQL JSON results: {_one_line(str(e))}"
            ) from None
        if not isinstance(solutions, ox.QuerySolutions):
            raise RemoteStoreError(self.endpoints.query, "expected SELECT results, got a boolean")
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    def protocol_query(self, params: Mapping[str, list[str]], accept: str, timeout: float) -> httpx.Response:
        """Send a SPARQL Protocol query request (form POST of ``params``) with its own timeout."""
        body = urlencode([(k, v) for k, values in params.items() for v in values])
        return self._request(
            "POST",
            self.endpoints.query,
            content=body.encode("utf-8"),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=timeout,
        )

    def construct(self, query: str) -> list[ox.Triple]:
        """Run a CONSTRUCT (or DESCRIBE) query; the triples as N-Triples parsed by pyoxigraph."""
        response = self._request(
            "POST", self.endpoints.query, data={"query": query}, headers={"Accept": "application/n-triples"}
        )
        try:
            return [q.triple for q in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)]
        except (SyntaxError, ValueError) as e:
            raise RemoteStoreError(self.endpoints.query, f"unreadable N-Triples answer: {_one_line(str(e))}") from None

    def update(self, update: str) -> None:
        """Send one SPARQL 1.1 Update request (its operations are applied in order)."""
        self._request("POST", self.endpoints.update, data={"update": update})

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace ``graph`` with the given N-Triples (Graph Store HTTP Protocol PUT, ``?graph=``)."""
        if not self.endpoints.gsp:
            raise RemoteStoreError(self.endpoints.update, "no Graph Store Protocol endpoint configured")
        self._request(
            "PUT",
            self.endpoints.gsp,
            params={"graph": graph},
            content=ntriples,
            headers={"Content-Type": "application/n-triples"},
        )
