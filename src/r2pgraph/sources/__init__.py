"""Loaders, one per kind of input file, and the registry that picks one for each file in data/.

Each loader takes (path, display name, path relative to data/) and returns a ``SourceGraph`` for
the file's own named graph, or raises ``DataError`` listing every problem with file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path

from r2pgraph.errors import DataError, Problem
from r2pgraph.sources.assessments import load_assessment, load_citation_table, load_editions
from r2pgraph.sources.base import SourceGraph
from r2pgraph.sources.bibliography import load_bibliography
from r2pgraph.sources.claims import load_claims
from r2pgraph.sources.events import load_events
from r2pgraph.sources.framework import load_framework
from r2pgraph.sources.instruments import load_instruments
from r2pgraph.sources.organisations import load_organisations
from r2pgraph.sources.state_groups import load_state_groups
from r2pgraph.sources.states import iso3166_states, load_wikidata_links
from r2pgraph.sources.status_tables import load_status_table
from r2pgraph.sources.treaty_actions import load_treaty_actions
from r2pgraph.sources.treaty_status import load_status_records, load_status_tables
from r2pgraph.sources.turtle import load_turtle
from r2pgraph.sources.un_membership import load_un_membership
from r2pgraph.sources.un_names import load_un_name_aliases

Loader = Callable[[Path, str, str], SourceGraph]

# (pattern relative to data/, loader); the first match wins.
LOADERS: list[tuple[str, Loader]] = [
    ("*.ttl", load_turtle),
    ("framework/*.yaml", load_framework),
    ("instruments/*.yaml", load_instruments),
    ("organisations/*.yaml", load_organisations),
    ("sources/*.yaml", load_bibliography),
    ("states/un-membership.csv", load_un_membership),
    ("states/un-name-aliases.csv", load_un_name_aliases),
    ("states/*.csv", load_wikidata_links),
    ("states/*.yaml", load_state_groups),
    ("assessments/editions.yaml", load_editions),
    ("assessments/*/*-citations.csv", load_citation_table),
    ("assessments/*/*.yaml", load_assessment),
    ("treaty-actions/*.csv", load_treaty_actions),
    ("treaty-status/ohchr-*/*.csv", load_status_table),
    ("treaty-status/*/tables.csv", load_status_tables),
    ("treaty-status/*/*.csv", load_status_records),
    ("events/*.yaml", load_events),
    ("claims/*.yaml", load_claims),
]
# A treaty-status snapshot's manifest is the importer's input; the files it generates carry its facts.
IGNORED = ("*.md", ".*", "*/.*", "treaty-status/*/manifest.yaml")
# Data files are written by people; anything larger is a mistake or belongs in imports/.
MAX_DATA_FILE_BYTES = 16_000_000


def _too_large(path: Path, display: str) -> Problem | None:
    size = path.stat().st_size
    if size <= MAX_DATA_FILE_BYTES:
        return None
    return Problem(
        display, None, f"the file is {size / 1e6:,.1f} MB; a data file may be at most {MAX_DATA_FILE_BYTES / 1e6:g} MB"
    )


def loader_for(relative: str) -> Loader | None:
    """Return the loader for a path relative to data/, or None when no loader reads it."""
    for pattern, loader in LOADERS:
        if fnmatch(relative, pattern):
            return loader
    return None


def load_data_dir(data_dir: Path) -> list[SourceGraph]:
    """Load every file under ``data_dir`` plus the ISO 3166 reference set.

    Raises DataError listing the problems of every file (not just the first bad one).
    """
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), None, "data directory not found")])
    graphs = [iso3166_states()]
    problems: list[Problem] = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(data_dir).as_posix()
        if any(fnmatch(relative, pattern) for pattern in IGNORED):
            continue
        display = (Path(data_dir.name) / relative).as_posix()
        loader = loader_for(relative)
        if loader is None:
            problems.append(Problem(display, None, "no loader reads this kind of file (see data/README.md)"))
            continue
        if big := _too_large(path, display):
            problems.append(big)
            continue
        try:
            graphs.append(loader(path, display, relative))
        except DataError as e:
            problems.extend(e.problems)
    if problems:
        raise DataError(problems)
    return graphs


def load_files(paths: list[Path], base_dir: Path | None = None) -> list[SourceGraph]:
    """Load the given files (each with the loader its path relative to ``base_dir`` selects)."""
    graphs: list[SourceGraph] = []
    problems: list[Problem] = []
    for path in paths:
        relative = path.relative_to(base_dir).as_posix() if base_dir else path.name
        loader = loader_for(relative) or (load_turtle if path.suffix in (".ttl",) else None)
        if loader is None:
            problems.append(Problem(str(path), None, "no loader reads this kind of file"))
            continue
        if big := _too_large(path, str(path)):
            problems.append(big)
            continue
        try:
            graphs.append(loader(path, str(path), relative))
        except DataError as e:
            problems.extend(e.problems)
    if problems:
        raise DataError(problems)
    return graphs


def load_imports(imports_dir: Path) -> list[SourceGraph]:
    """Load the TriG files written by importers: one SourceGraph per named graph.

    Raises DataError naming a file that does not parse. A missing directory means no imports.
    """
    from rdflib import Dataset, URIRef

    graphs: list[SourceGraph] = []
    if not imports_dir.is_dir():
        return graphs
    for path in sorted(imports_dir.glob("*.trig")):
        ds = Dataset()
        try:
            ds.parse(path, format="trig")
        except Exception as e:  # parsers raise many types; all mean the file is not valid TriG
            raise DataError([Problem(str(path), None, f"cannot parse the imported TriG: {e}")]) from e
        for context in ds.graphs():
            if not isinstance(context.identifier, URIRef) or len(context) == 0:
                continue
            graphs.append(
                SourceGraph(iri=context.identifier, path=str(path), triples=frozenset(context), content_hash="")
            )
    return graphs
