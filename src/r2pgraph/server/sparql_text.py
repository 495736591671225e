"""Light lexical checks on SPARQL text, done before evaluation.

pyoxigraph cannot disable SERVICE from Python, so the server refuses queries that use it before
they run. Keywords are found after blanking out comments, string literals and IRIs, so a keyword
inside a string or IRI never counts.
"""

from __future__ import annotations

import re

_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'  # short strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"  # IRIs
    r"|#[^\n]*",  # comments
)


def code_only(query: str) -> str:
    """The query with comments, strings and IRIs replaced by spaces."""
    return _TOKENS.sub(lambda m: " " * len(m.group(0)), query)


def uses_keyword(query: str, keyword: str) -> bool:
    """True when ``keyword`` occurs as a keyword (not inside a string, IRI or comment)."""
    return re.search(rf"(?i)(?<![\w:?$]){keyword}(?![\w:])", code_only(query)) is not None


def has_dataset_clause(query: str) -> bool:
    """True when the query names its own dataset with FROM or FROM NAMED."""
    return uses_keyword(query, "FROM")
