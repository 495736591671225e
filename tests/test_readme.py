"""The README shows the example queries exactly as shipped (and so as tested)."""

from __future__ import annotations

import re

from r2pgraph.queries import example_queries
from tests.conftest import ROOT


def test_readme_queries_are_the_tested_queries() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.findall(r"```sparql\n(.*?)```", readme, flags=re.S)]
    shipped = {q.text.strip() for q in example_queries()}
    assert blocks, "the README shows no example query"
    assert set(blocks) == shipped


def test_readme_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make serve" in readme and "make test" in readme
