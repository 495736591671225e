"""A lexical check on SPARQL text, done in the server process before any parser sees the query.

pyoxigraph's parser is recursive: a query nested a few thousand levels deep (``{{{…}}}``,
``((((…))))``, ``!!!!…``) overflows its stack and kills the process parsing it. ``nesting_error``
bounds the nesting with one linear scan that follows SPARQL's lexical rules (comments end at CR
or LF; IRIREF characters as in the grammar; strings with their escapes). Where a scanner cannot
tell two readings apart (``<`` starts an IRI or is the less-than operator; ``\\'`` is an escaped
character of a prefixed name or a stray backslash before a string), it follows every reading and
keeps the deepest, so no text makes it count less than a parser nests.

Whether a query uses SERVICE, or names its own dataset, is decided on its parse tree in the
query workers (``query_check.py``), never from the text.
"""

from __future__ import annotations

import heapq
import re

MAX_NESTING = 200  # pyoxigraph's parser overflows an 8 MB stack at about 2,200 nested groups

_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_CODE_SPECIAL = re.compile(r"[{}()\[\]<\"'#\\!^+\-]")
_OPEN = "{(["
_CLOSE = "})]"
_CODE = "code"
_COMMENT = "#"
# Where each kind of string or the comment may end (an escape skips the character after it).
_ENDS = {
    "'": re.compile(r"[\\'\r\n]"),
    '"': re.compile(r'[\\"\r\n]'),
    "'''": re.compile(r"\\|'''"),
    '"""': re.compile(r'\\|"""'),
    _COMMENT: re.compile(r"[\r\n]"),
}

# A reading of the text: (position, lexical state) -> (nesting depth, length of the current run
# of unary operators), the deepest of the readings that reached that point.
_Step = tuple[int, str, int, int]


class _TooDeep(Exception):
    pass


def might_nest_deeper(query: str, limit: int = MAX_NESTING) -> bool:
    """Whether ``query`` holds enough brackets and unary operators to nest past ``limit`` at all
    (a count at C speed; when it does not, ``nesting_error`` has nothing to find)."""
    return len(query) > limit and sum(map(query.count, "{([!^+-")) > limit


def nesting_error(query: str, limit: int = MAX_NESTING) -> str | None:
    """A message naming the limit when ``query`` nests groups, parentheses, brackets or unary
    operators deeper than ``limit`` levels outside strings, IRIs and comments; else None.

    Linear in the length of the query: readings are taken in the order of their positions, those
    that reach the same point in the same state are merged (keeping the deepest), and the end of
    each string or comment is searched for once per state, not once per reading."""
    if not might_nest_deeper(query, limit):
        return None
    try:
        _Scan(query, limit).run()
    except _TooDeep:
        return (
            f"The query is refused: nesting deeper than {limit} levels "
            "(groups, parentheses, brackets or unary operators)."
        )
    return None


class _Scan:
    def __init__(self, query: str, limit: int):
        self.query = query
        self.limit = limit
        self._ends: dict[str, re.Match[str] | None] = {}  # the last end found for each state

    def run(self) -> None:
        readings: dict[tuple[int, str], tuple[int, int]] = {}
        heap: list[tuple[int, str]] = []
        one: _Step | None = (0, _CODE, 0, 0)  # the only reading, while there is only one
        while True:
            if one is None:
                if not heap:
                    return
                pos, state = heapq.heappop(heap)
                depth, run = readings.pop((pos, state))
            else:
                pos, state, depth, run = one
            after = self._steps(pos, state, depth, run)
            if not heap and len(after) == 1:
                one = after[0]
                continue
            one = None
            for p, st, d, r in after:
                seen = readings.get((p, st))
                if seen is None:
                    readings[p, st] = (d, r)
                    heapq.heappush(heap, (p, st))
                else:
                    readings[p, st] = (max(seen[0], d), max(seen[1], r))

    def _end(self, state: str, pos: int) -> re.Match[str] | None:
        """The first end of ``state`` at or after ``pos`` (positions only grow, so one search
        serves every reading until it is passed)."""
        if state in self._ends:
            found = self._ends[state]
            if found is None or found.start() >= pos:
                return found
        found = _ENDS[state].search(self.query, pos)
        self._ends[state] = found
        return found

    def _steps(self, pos: int, state: str, depth: int, run: int) -> list[_Step]:
        """The readings that follow ``state`` at ``pos``, from the next character that matters to it."""
        query = self.query
        if state != _CODE:
            m = self._end(state, pos)
            if m is None:
                return []
            j = m.start()
            if query[j] == "\\":
                return [(j + 2, state, depth, 0)]
            if state == _COMMENT or query[j] in "\r\n":  # a line end inside a short string: read on as code
                return [(j + 1, _CODE, depth, 0)]
            return [(m.end(), _CODE, depth, 0)]
        m = _CODE_SPECIAL.search(query, pos)
        if m is None:
            return []
        j, ch = m.start(), m.group()
        if run and query[pos:j].strip():
            run = 0
        if ch in _OPEN:
            if depth + 1 > self.limit:
                raise _TooDeep
            return [(j + 1, _CODE, depth + 1, 0)]
        if ch in _CLOSE:
            return [(j + 1, _CODE, max(0, depth - 1), 0)]
        if ch in "!^+-":
            if depth + run + 1 > self.limit:
                raise _TooDeep
            return [(j + 1, _CODE, depth, run + 1)]
        if ch == "<":
            iri = _IRIREF.match(query, j)
            as_operator = (j + 1, _CODE, depth, 0)
            return [(iri.end(), _CODE, depth, 0), as_operator] if iri else [as_operator]
        if ch in "'\"":
            long = query.startswith(ch * 3, j)
            return [(j + (3 if long else 1), ch * 3 if long else ch, depth, 0)]
        if ch == _COMMENT:
            return [(j + 1, _COMMENT, depth, 0)]
        # a backslash: an escaped character of a prefixed name, or a stray one
        return [(j + 2, _CODE, depth, 0), (j + 1, _CODE, depth, 0)]
