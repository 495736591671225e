"""SHACL validation in forked processes, so that the build assembles, stores and exports meanwhile.

Validation needs nothing the later steps produce. ``build_generation`` starts the constraints
evaluated over the sources' triples in a child process as soon as the data is loaded (``fork``:
the child shares the loaded sources without pickling them), and the SPARQL-based constraints in
another once the sources are in the in-memory store, which answers them (``start_sparql``). The
report is asked for only before the new generation would be switched in: a build never switches
to data that failed validation. A process with other threads running validates in place
(``r2pgraph.build.forked``).
"""

from __future__ import annotations

import contextlib
from functools import partial
from types import TracebackType

import pyoxigraph as ox
from rdflib import Graph

from r2pgraph.build.forked import Forked
from r2pgraph.errors import R2PError
from r2pgraph.sources.base import SourceGraph
from r2pgraph.validation.shacl.results import ShaclResult
from r2pgraph.validation.validate import ValidationReport, core_results, data_parts, sparql_results, validation_report


class ValidationCrashed(R2PError):
    """The validating process ended without a report."""


class BackgroundValidation:
    """``with BackgroundValidation(sources, ontology, shapes) as v: v.start_sparql(store); …;
    report, seconds = v.result()`` (``start_sparql`` is optional)."""

    def __init__(self, sources: list[SourceGraph], ontology: Graph, shapes: Graph):
        self._sources = sources
        self._parts = data_parts(sources, ontology)
        self._shapes = shapes
        self._exits = contextlib.ExitStack()
        self._core = Forked(partial(core_results, self._parts, shapes), "SHACL validation", ValidationCrashed)
        self._sparql: Forked[list[ShaclResult]] | None = None

    @property
    def forked(self) -> bool:
        return self._core.forked

    def __enter__(self) -> BackgroundValidation:
        self._exits.enter_context(self._core)
        return self

    def start_sparql(self, store: ox.Store) -> None:
        """Start the SPARQL-based constraints over ``store``, an in-memory store whose union of graphs
        holds exactly the sources and the ontology (the child keeps its copy as it is now)."""
        self._sparql = self._exits.enter_context(
            Forked(
                partial(sparql_results, self._parts, self._shapes, store),
                "SHACL validation (SPARQL-based constraints)",
                ValidationCrashed,
                in_place=partial(sparql_results, self._parts, self._shapes),
            )
        )

    def result(self) -> tuple[ValidationReport, float]:
        """The report and the seconds validation took (the longer of its two processes)."""
        core, core_s = self._core.result()
        if self._sparql is None:
            self._sparql = Forked(partial(sparql_results, self._parts, self._shapes), "SHACL validation")
        sparql, sparql_s = self._sparql.result()
        return validation_report(sparql + core, self._sources), max(core_s, sparql_s)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._exits.close()
