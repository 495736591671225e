"""Example SPARQL queries, shipped with the package: the README, the query page and the tests use them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class ExampleQuery:
    name: str
    question: str
    text: str


def example_queries() -> list[ExampleQuery]:
    """Every ``*.rq`` file of this package; the question is the first comment block."""
    found = []
    for entry in sorted(files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            question = " ".join(line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#"))
            found.append(ExampleQuery(entry.name[:-3], question, text))
    return found
