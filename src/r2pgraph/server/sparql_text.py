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
from collections.abc import Iterator

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


def nesting_error(query: str, limit: int = MAX_NESTING) -> str | None:
    """A message naming the limit when ``query`` nests groups, parentheses, brackets or unary
    operators deeper than ``limit`` levels outside strings, IRIs and comments; else None."""
    readings: dict[tuple[int, str], tuple[int, int]] = {(0, _CODE): (0, 0)}
    heap = [(0, _CODE)]
    try:
        while heap:
            key = heapq.heappop(heap)
            depth, run = readings.pop(key)
            for pos, state, d, r in _steps(query, *key, depth, run, limit):
                seen = readings.get((pos, state))
                if seen is None:
                    readings[pos, state] = (d, r)
                    heapq.heappush(heap, (pos, state))
                else:
                    readings[pos, state] = (max(seen[0], d), max(seen[1], r))
    except _TooDeep:
        return (
            f"The query is refused: nesting deeper than {limit} levels "
            "(groups, parentheses, brackets or unary operators)."
        )
    return None


def _steps(query: str, pos: int, state: str, depth: int, run: int, limit: int) -> Iterator[_Step]:
    """The readings that follow ``state`` at ``pos``, from the next character that matters to it."""
    if state != _CODE:
        m = _ENDS[state].search(query, pos)
        if m is None:
            return
        j = m.start()
        if query[j] == "\\":
            yield j + 2, state, depth, 0
        elif state == _COMMENT or query[j] in "\r\n":  # a line end inside a short string: read on as code
            yield j + 1, _CODE, depth, 0
        else:
            yield m.end(), _CODE, depth, 0
        return
    m = _CODE_SPECIAL.search(query, pos)
    if m is None:
        return
    j, ch = m.start(), m.group()
    if query[pos:j].strip():
        run = 0
    if ch in _OPEN:
        if depth + 1 > limit:
            raise _TooDeep
        yield j + 1, _CODE, depth + 1, 0
    elif ch in _CLOSE:
        yield j + 1, _CODE, max(0, depth - 1), 0
    elif ch in "!^+-":
        if depth + run + 1 > limit:
            raise _TooDeep
        yield j + 1, _CODE, depth, run + 1
    elif ch == "<":
        iri = _IRIREF.match(query, j)
        if iri:  # read as an IRI, the text resumes after it
            yield iri.end(), _CODE, depth, 0
        yield j + 1, _CODE, depth, 0  # read as an operator
    elif ch in "'\"":
        long = query.startswith(ch * 3, j)
        yield j + (3 if long else 1), ch * 3 if long else ch, depth, 0
    elif ch == _COMMENT:
        yield j + 1, _COMMENT, depth, 0
    else:  # a backslash: an escaped character of a prefixed name, or a stray one
        yield j + 2, _CODE, depth, 0
        yield j + 1, _CODE, depth, 0
