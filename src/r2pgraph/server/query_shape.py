"""Which queries are single-pattern look-ups, cheap enough to be answered in the server process.

Every other query runs in a worker process that is killed at the query's deadline (``workers.py``),
because pyoxigraph cannot stop a running query. A look-up matches at most one triple pattern, so
pyoxigraph answers it by scanning one index from the pattern's bound terms: each row costs a
bounded amount of work and the rows come as they are found. Read up to a few hundred rows, it
cannot run away, and its answer costs less than the hand-off to a worker (see ``in_server`` in
``evaluation.py``, which gives a query that has more rows to a worker).

The shapes, after any PREFIX and BASE declarations (keywords in any case):

- ``ASK [WHERE] { [pattern [.]] }``
- ``SELECT (* | ?var [?var [?var]]) [WHERE] { [pattern [.]] } [LIMIT n]``
- ``CONSTRUCT WHERE { [pattern [.]] } [LIMIT n]``

where a pattern is three terms: an IRI (``<…>``), a prefixed name (``ex:local``, letters, digits,
``_`` and ``-``), a variable (``?v`` or ``$v``), or ``a`` as the predicate, with no variable
repeated (``?x ?p ?x`` makes the scan filter, and could scan everything before a row). Comments
and whitespace may separate the tokens. Anything else (a literal, a blank node, a second pattern,
a filter, an OFFSET or DISTINCT or REDUCED, which scan rows they do not return, more than three
variables projected, FROM, SERVICE, a character outside these tokens) is not a look-up: the decision is taken
on this small grammar alone, so a text this module does not read exactly as pyoxigraph does is
never taken for a look-up.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    (?P<skip>[ \t\r\n]+|\#[^\r\n]*)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<pname>(?:[A-Za-z][A-Za-z0-9_-]*)?:[A-Za-z0-9_-]*)
    |(?P<var>[?$][A-Za-z0-9_]+)
    |(?P<word>[A-Za-z]+)
    |(?P<int>[0-9]+)
    |(?P<punct>[{}.*])
    """,
    re.VERBOSE,
)
# Each token as one character (a keyword by a capital, ``x`` a prefixed name with no local part,
# as PREFIX declares), and the shapes as a regular expression over those characters.
_KEYWORDS = {
    "PREFIX": "P",
    "BASE": "B",
    "ASK": "K",
    "SELECT": "S",
    "CONSTRUCT": "C",
    "WHERE": "W",
    "LIMIT": "L",
}
_TERM = "[inxv]"
_GROUP = rf"\{{(?:{_TERM}[inxva]{_TERM}\.?)?\}}"
_SHAPES = re.compile(rf"(?:Pxi|Bi)*(?:KW?{_GROUP}|S(?:\*|v{{1,3}})W?{_GROUP}(?:L0)?|CW{_GROUP}(?:L0)?)")
MAX_CHARS = 4_000  # a look-up is short; a longer text is not read here


def _coded(query: str) -> tuple[str, list[str]] | None:
    """The tokens of ``query`` as one character each, and their texts; None at a character
    outside them, or a word that is not one of the keywords."""
    codes: list[str] = []
    texts: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(query):
        if match.start() != pos:
            return None
        pos = match.end()
        kind = match.lastgroup
        text = match.group()
        if kind == "skip":
            continue
        if kind == "word":
            code = "a" if text == "a" else _KEYWORDS.get(text.upper())
            if code is None:
                return None
        elif kind == "pname":
            code = "x" if text.endswith(":") else "n"
        else:
            code = {"iri": "i", "var": "v", "int": "0"}.get(kind or "", text)
        codes.append(code)
        texts.append(text)
    if pos != len(query):
        return None
    return "".join(codes), texts


# The commonest look-ups, read at C speed: the shapes above without PREFIX and prefixed names
# (which need the tokenizer's care), with each token read whole as ``_TOKEN`` reads it (possessive
# quantifiers; a keyword or ``a`` not followed by what would extend it). A text this matches is a
# look-up; any other is read by ``_coded`` (tests/server/test_query_shape.py checks both agree).
_W = r"(?:[ \t\r\n]++|\#[^\r\n]*+)*+"
_IRI_F = r'<[^<>"{}|^`\\\x00-\x20]*+>'
_VAR_F = r"[?$][A-Za-z0-9_]++"
_END_WORD = r"(?![A-Za-z0-9_:-])"


def _kw(word: str) -> str:
    return f"(?i:{word}){_END_WORD}"


_FAST = re.compile(  # ASCII: the keywords' case is not folded to ``ſ`` or the Kelvin sign
    rf"{_W}(?:{_kw('BASE')}{_W}{_IRI_F}{_W})*+"
    rf"(?:(?P<ask>{_kw('ASK')})"
    rf"|{_kw('SELECT')}{_W}(?:\*|{_VAR_F}(?:{_W}{_VAR_F}){{0,2}}+)"
    rf"|{_kw('CONSTRUCT')}(?={_W}{_kw('WHERE')}))"
    rf"{_W}(?:{_kw('WHERE')}{_W})?"
    rf"\{{{_W}(?:(?P<s>{_IRI_F}|{_VAR_F}){_W}(?P<p>{_IRI_F}|{_VAR_F}|a{_END_WORD}){_W}(?P<o>{_IRI_F}|{_VAR_F}){_W}(?:\.{_W})?)?\}}"
    rf"(?(ask)|(?:{_W}{_kw('LIMIT')}{_W}[0-9]++)?){_W}",
    re.ASCII,
)


def is_lookup(query: str) -> bool:
    """Whether ``query`` has one of the look-up shapes above."""
    if len(query) > MAX_CHARS:
        return False
    fast = _FAST.fullmatch(query)
    if fast is not None:
        names = [t[1:] for t in fast.group("s", "p", "o") if t is not None and t[0] in "?$"]
        return len(set(names)) == len(names)
    return _read(query)


def _read(query: str) -> bool:
    """``is_lookup`` by the tokenizer and ``_SHAPES``."""
    coded = _coded(query)
    if coded is None:
        return False
    codes, texts = coded
    if _SHAPES.fullmatch(codes) is None:
        return False
    opened = codes.index("{")
    variables = [texts[i][1:] for i in range(opened + 1, len(codes) - 1) if codes[i] == "v"]
    return len(set(variables)) == len(variables)
