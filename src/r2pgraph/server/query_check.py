"""What a query worker decides about a query before pyoxigraph evaluates it: refused (SERVICE,
SPARQL Update) or allowed, and whether it names its own dataset (FROM / FROM NAMED).

pyoxigraph cannot disable SERVICE from Python, so the decision is taken on a parse tree of the very
text that is evaluated: rdflib's SPARQL parser (``parseQuery``), walked for ``ServiceGraphPattern``
and the query's ``datasetClause``. pyoxigraph does not expand ``\\uXXXX`` escapes outside strings
and IRIs, rdflib expands them everywhere before parsing; so rdflib is given the text with each
escape replaced by a plain character (the escape stays a single character of the same string or
IRI for both parsers), and with CR read as a line end (which is what ends a comment for both).

A keyword is letters in the text: a query whose text does not contain ``service`` (in any case)
cannot use SERVICE, and one without ``from`` cannot name a dataset. Such queries, most of them,
need no parse; the others are parsed, and when rdflib cannot parse a text that may use SERVICE
(RDF-star syntax, or an extension pyoxigraph accepts) the query is refused as unverifiable, or
as malformed when pyoxigraph says it is (asked only inside the network sandbox).

rdflib is imported, and the parses run, in one thread with a deep stack (pyparsing recurses about
fifty frames per nesting level; the server bounds the nesting, see ``sparql_text.py``), started
once the worker is ready so that it does not delay the worker's first answer. Verdicts are kept
per query text in a bounded LRU.
"""

from __future__ import annotations

import queue
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

PARSER_STACK_BYTES = 64 * 1024 * 1024
PARSER_RECURSION_LIMIT = 50_000  # a 200-level nesting takes about 10,000 frames of pyparsing
CACHE_SIZE = 512
SERVICE_REFUSED = "SERVICE (federated query) is not allowed on this endpoint."
UPDATE_REFUSED = "This endpoint is read-only: SPARQL Update is not accepted."

_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_MAY_USE_SERVICE = re.compile(r"(?i)service")
_MAY_NAME_DATASET = re.compile(r"(?i)from")


@dataclass(frozen=True)
class Verdict:
    """``status`` 0: the query may be evaluated; else the HTTP status and message of its refusal.
    ``unparsed``: rdflib could not parse it (the message then says so), and pyoxigraph may be
    asked whether it is simply malformed, in the sandbox."""

    status: int = 0
    message: str = ""
    names_dataset: bool = False
    unparsed: bool = False


ALLOWED = Verdict()


def for_rdflib(query: str) -> str:
    """The text rdflib parses: each codepoint escape replaced by one plain character, CR as LF."""
    return _ESCAPE.sub(lambda m: "x" if m.group()[1] in "uU" else m.group(), query).replace("\r", "\n")


def _walk(tree: object) -> bool:
    """Whether a parse tree holds a SERVICE pattern (iteratively: the tree may be deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return True
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
    return False


def parse_verdict(query: str) -> Verdict:
    """The verdict on ``query`` from rdflib's parse tree (imports rdflib's parser)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    text = for_rdflib(query)
    try:
        tree: Any = parseQuery(text)
    except Exception as e:  # a parse error, or any error of the parser's actions (RecursionError...)
        if is_update(query):
            return Verdict(403, UPDATE_REFUSED)
        where = f" (line {e.lineno}, column {e.col})" if isinstance(e, ParseBaseException) else ""
        return Verdict(
            400,
            "The query could not be verified to be free of SERVICE: the parser that checks it does not "
            f"accept it{where}, although it may be valid SPARQL (RDF-star syntax, for example).",
            unparsed=True,
        )
    if _walk(tree):
        return Verdict(400, SERVICE_REFUSED)
    query_part = tree[1] if len(tree) > 1 else None
    # (CompValue.get returns the key itself for a missing key: ask for membership)
    return Verdict(names_dataset=query_part is not None and bool(dict.get(query_part, "datasetClause")))


def is_update(query: str) -> bool:
    """Whether rdflib parses ``query`` as SPARQL Update (LOAD, INSERT DATA, CLEAR…)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(for_rdflib(query))
    except Exception:  # not an update, whatever the parser says
        return False
    return True


def needs_parse(query: str) -> bool:
    """Whether the query's text could hold SERVICE or a dataset clause (else no parse is needed)."""
    return bool(_MAY_USE_SERVICE.search(query) or _MAY_NAME_DATASET.search(query))


def verdict_without_parse(query: str) -> Verdict | None:
    """The verdict when no parse is needed (the text has neither keyword), else None."""
    return None if needs_parse(query) else ALLOWED


class QueryChecker:
    """Verdicts on query texts, from rdflib parses in one deep-stack thread, cached (LRU)."""

    def __init__(self, cache_size: int = CACHE_SIZE):
        self._cache: OrderedDict[str, Verdict] = OrderedDict()
        self._cache_size = cache_size
        self._requests: queue.Queue[Callable[[], None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """Start the parser thread, which imports rdflib's parser at once (in the background)."""
        with self._start_lock:
            if self._thread is not None:
                return
            sys.setrecursionlimit(max(sys.getrecursionlimit(), PARSER_RECURSION_LIMIT))
            previous = threading.stack_size(PARSER_STACK_BYTES)
            try:
                self._thread = threading.Thread(target=self._serve, name="query parser", daemon=True)
                self._thread.start()
            finally:
                threading.stack_size(previous)

    def _serve(self) -> None:
        import rdflib.plugins.sparql.parser  # noqa: F401 (the import is the warm-up)

        while True:
            self._requests.get()()

    def _in_parser_thread(self, work: Callable[[str], T], query: str) -> T:
        self.start()
        reply: queue.Queue[tuple[T | None, BaseException | None]] = queue.Queue(maxsize=1)

        def run() -> None:
            try:
                reply.put((work(query), None))
            except BaseException as e:  # handed to the waiting caller
                reply.put((None, e))

        self._requests.put(run)
        found, error = reply.get()
        if error is not None:
            raise error
        return found  # type: ignore[return-value]

    def verdict(self, query: str) -> Verdict:
        """The verdict on ``query``: without a parse when its text cannot hold either keyword."""
        quick = verdict_without_parse(query)
        if quick is not None:
            return quick
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        found = self._in_parser_thread(parse_verdict, query)
        self._cache[query] = found
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return found

    def is_update(self, query: str) -> bool:
        """Whether ``query`` is SPARQL Update (parsed in the parser thread)."""
        return self._in_parser_thread(is_update, query)
