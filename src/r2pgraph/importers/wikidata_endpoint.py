"""Asking Wikidata's SPARQL endpoint: the query for the treaty statements of some items, POSTed with
retries (HTTP 429 and 5xx, timeouts, Retry-After honoured), and its JSON results checked."""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import time
import urllib.error
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from r2pgraph.errors import R2PError

SIGNATORY = "P1891"
RATIFIED_BY = "P6193"
MAX_RETRY_AFTER = 300.0  # seconds: a longer Retry-After is waited for this long at most
PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pqv: <http://www.wikidata.org/prop/qualifier/value/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX wikibase: <http://wikiba.se/ontology#>
"""


class WikidataError(R2PError):
    """The Wikidata import cannot run: the endpoint failed or gave no usable answer, or nothing maps."""


def build_query(qids: Iterable[str]) -> str:
    """The SELECT query for the signatories and "ratified by" statements of the items ``qids``."""
    values = " ".join(f"wd:{q}" for q in sorted(set(qids)))
    return (
        PREFIXES
        + f"""SELECT ?instrument ?property ?statement ?item ?iso2 ?date ?precision ?rank ?referenceUrl WHERE {{
  VALUES ?instrument {{ {values} }}
  {{ ?instrument p:{SIGNATORY} ?statement . ?statement ps:{SIGNATORY} ?item . BIND ("{SIGNATORY}" AS ?property) }}
  UNION
  {{ ?instrument p:{RATIFIED_BY} ?statement . ?statement ps:{RATIFIED_BY} ?item . BIND ("{RATIFIED_BY}" AS ?property) }}
  OPTIONAL {{ ?statement wikibase:rank ?rank }}
  OPTIONAL {{ ?item wdt:P297 ?iso2 }}
  OPTIONAL {{
    ?statement pq:P585 ?date .
    OPTIONAL {{
      ?statement pqv:P585 ?dateValue .
      ?dateValue wikibase:timeValue ?date ; wikibase:timePrecision ?precision .
    }}
  }}
  OPTIONAL {{ ?statement prov:wasDerivedFrom ?reference . ?reference pr:P854 ?referenceUrl }}
}}
"""
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)


def run_select(
    endpoint: str,
    query: str,
    *,
    user_agent: str,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """POST a SELECT query to ``endpoint`` and return the SPARQL JSON results.

    Transient failures (HTTP 429 and 5xx, timeouts, connection errors) are retried up to
    ``retries`` times, waiting ``backoff * 2**n`` seconds, or what Retry-After asks. Raises
    WikidataError naming the endpoint when the query still fails, fails for good (other HTTP
    errors), or the answer is not SPARQL JSON results.
    """
    if not user_agent.strip():
        raise WikidataError("a descriptive User-Agent is required to query a SPARQL endpoint")
    attempts = max(retries, 0) + 1
    last = ""
    for attempt in range(attempts):
        sparql = SPARQLWrapper(endpoint, agent=user_agent)
        sparql.setMethod(POST)
        sparql.setOnlyConneg(True)
        sparql.setReturnFormat(JSON)
        sparql.setQuery(query)
        # urllib takes float seconds; setTimeout() would truncate to int (0.5 → 0 → no timeout).
        sparql.timeout = timeout  # type: ignore[assignment]
        wait: float | None = None
        try:
            response = sparql.query().response
            try:
                body = response.read()
            finally:
                response.close()
        except urllib.error.HTTPError as e:
            if e.code != 429 and e.code < 500:
                raise WikidataError(
                    f"the SPARQL endpoint {endpoint} refused the query: HTTP {e.code} {e.reason}"
                ) from e
            last = f"HTTP {e.code} {e.reason}"
            wait = _retry_after(e.headers.get("Retry-After") if e.headers else None)
        except EndPointInternalError:
            last = "HTTP 500 (internal server error)"
        except SPARQLWrapperException as e:  # 400, 401, 404, 414: retrying will not help
            raise WikidataError(f"the SPARQL endpoint {endpoint} refused the query: {e}") from e
        except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets, broken reads
            reason = e.reason if isinstance(e, urllib.error.URLError) else e
            last = f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) else str(reason)
        else:
            return _parse_results(endpoint, body)
        if attempt + 1 < attempts:
            sleep(wait if wait is not None else backoff * 2**attempt)
    raise WikidataError(f"the SPARQL query to {endpoint} failed after {attempts} attempt(s); last error: {last}")


def _parse_results(endpoint: str, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise WikidataError(f"the SPARQL endpoint {endpoint} did not answer with SPARQL JSON results: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("results", {}).get("bindings"), list):
        raise WikidataError(f"the SPARQL endpoint {endpoint} answered JSON that is not SPARQL SELECT results")
    return data
