"""SHACL validation in a forked process, so that the build assembles, stores and exports meanwhile.

Validation needs nothing the later steps produce, so ``build_generation`` starts it in a child
process (``r2pgraph.forked``: the child shares the loaded sources without pickling them) and asks
for its report only before the new generation would be switched in. A build never switches to
data that failed validation: the report is awaited, and a failure raises, before the rename into
place. A process with other threads running validates in place.
"""

from __future__ import annotations

from functools import partial

import pyoxigraph as ox
from rdflib import Graph

from r2pgraph.errors import R2PError
from r2pgraph.forked import Forked
from r2pgraph.sources.base import SourceGraph
from r2pgraph.validate import ValidationReport, validate_graphs


class ValidationCrashed(R2PError):
    """The validating process ended without a report."""


class BackgroundValidation(Forked[ValidationReport]):
    """``with BackgroundValidation(sources, ontology, shapes) as v: …; report, seconds = v.result()``."""

    def __init__(self, sources: list[SourceGraph], ontology: Graph, shapes: Graph, store: ox.Store | None = None):
        """``store``, an in-memory store whose union of graphs is the sources and the ontology,
        answers the SPARQL-based constraints in the child (which has its own copy of the store as
        it was when forked). Validating in place, a store of its own is built instead."""
        super().__init__(
            partial(validate_graphs, sources, ontology, shapes, store=store),
            "SHACL validation",
            ValidationCrashed,
            in_place=partial(validate_graphs, sources, ontology, shapes),
        )
