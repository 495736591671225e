"""SHACL validation in a forked process, so that the build assembles, stores and exports meanwhile.

Validation needs nothing the later steps produce, so ``build_generation`` starts it in a child
process (``fork``: the child shares the loaded sources without pickling them) and asks for its
report only before the new generation would be switched in. A build never switches to data that failed validation: the
report is awaited, and a failure raises, before the rename into place.

A process with other threads running (a test runner, an embedding application) validates in
place instead: forking it could copy a lock held by another thread.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from multiprocessing.connection import Connection
from types import TracebackType

from rdflib import Graph

from r2pgraph.errors import R2PError
from r2pgraph.sources.base import SourceGraph
from r2pgraph.validate import ValidationReport, validate_graphs


class ValidationCrashed(R2PError):
    """The validating process ended without a report."""


def _child(conn: Connection, sources: list[SourceGraph], ontology: Graph, shapes: Graph) -> None:
    t0 = time.perf_counter()
    try:
        report = validate_graphs(sources, ontology, shapes)
    except BaseException as e:  # sent to the parent, which raises it as a build error
        conn.send(("error", f"{type(e).__name__}: {e}"))
    else:
        conn.send(("ok", (report, time.perf_counter() - t0)))
    finally:
        conn.close()


class BackgroundValidation:
    """``with BackgroundValidation(sources, ontology, shapes) as v: …; report, seconds = v.result()``."""

    def __init__(self, sources: list[SourceGraph], ontology: Graph, shapes: Graph):
        self._args = (sources, ontology, shapes)
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._done: tuple[ValidationReport, float] | None = None

    @property
    def forked(self) -> bool:
        return self._proc is not None

    def __enter__(self) -> BackgroundValidation:
        if threading.active_count() == 1 and "fork" in mp.get_all_start_methods():
            parent, child = mp.get_context("fork").Pipe(duplex=False)
            self._proc = mp.get_context("fork").Process(
                target=_child, args=(child, *self._args), name="r2pgraph SHACL validation", daemon=True
            )
            self._proc.start()
            child.close()
            self._conn = parent
        return self

    def result(self) -> tuple[ValidationReport, float]:
        """The report and the seconds validation took (waiting for the child if it runs)."""
        if self._done is not None:
            return self._done
        if self._proc is None or self._conn is None:
            t0 = time.perf_counter()
            self._done = (validate_graphs(*self._args), time.perf_counter() - t0)
            return self._done
        try:
            kind, value = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise ValidationCrashed(
                f"SHACL validation stopped without a report (its process exited with code {self._proc.exitcode})"
            ) from None
        finally:
            self._conn.close()
        self._proc.join()
        if kind != "ok":
            raise ValidationCrashed(f"SHACL validation failed to run: {value}")
        done: tuple[ValidationReport, float] = value
        self._done = done
        return done

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
        if self._conn is not None:
            self._conn.close()
