"""Loader for states/un-name-aliases.csv: the reviewed table of UN short names that the treaty-status
importer resolves by hand. A name given for a state becomes one of its ``skos:hiddenLabel``s (a
name to find it by, not to show); former states and participants that are no state add nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pycountry
from rdflib import Literal
from rdflib.namespace import SKOS

from r2pgraph.errors import DataError, Problem
from r2pgraph.rdf.namespaces import mint
from r2pgraph.sources.base import FileContext, SourceGraph
from r2pgraph.sources.yamlfile import read_csv

ALIAS_COLUMNS = ["un_name", "alpha3", "status", "note"]
ALIAS_STATUSES = ("state", "former-state", "not-a-state")


@dataclass(frozen=True)
class Alias:
    un_name: str
    alpha3: str
    status: str  # state | former-state | not-a-state
    note: str
    line: int


def read_aliases(path: Path, display: str | None = None) -> dict[str, Alias]:
    """The alias table by UN name. Raises DataError naming the file and line of each problem."""
    display = display or str(path)
    known = {c.alpha_3 for c in pycountry.countries}
    aliases: dict[str, Alias] = {}
    problems: list[Problem] = []
    for line, row in read_csv(path, display, ALIAS_COLUMNS):
        name, alpha3, status, note = (row[c] for c in ALIAS_COLUMNS)
        if not name:
            problems.append(Problem(display, line, "un_name is empty"))
        elif name in aliases:
            problems.append(Problem(display, line, f"{name!r} is already listed at line {aliases[name].line}"))
        if status not in ALIAS_STATUSES:
            problems.append(Problem(display, line, f"status {status!r} is not one of {', '.join(ALIAS_STATUSES)}"))
        elif status == "state" and alpha3 not in known:
            problems.append(Problem(display, line, f"alpha3 {alpha3!r} is not an ISO 3166-1 alpha-3 code"))
        elif status != "state" and alpha3:
            problems.append(Problem(display, line, f"a {status} has no alpha3 (got {alpha3!r})"))
        if not note:
            problems.append(Problem(display, line, "note is required: say why the alias is right"))
        if name and name not in aliases:
            aliases[name] = Alias(name, alpha3, status, note, line)
    if problems:
        raise DataError(problems)
    return aliases


def load_un_name_aliases(path: Path, display: str, relative: str) -> SourceGraph:
    """Return the graph of the alias table. Raises DataError naming the line of each problem."""
    ctx = FileContext(path, display, relative)
    for alias in read_aliases(path, display).values():
        if alias.status == "state":
            state = ctx.locate(mint("state", alias.alpha3), alias.line)
            ctx.add(state, SKOS.hiddenLabel, Literal(alias.un_name, lang="en"))
    return ctx.finish()
