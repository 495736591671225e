"""A step of the build run in a forked process while the build goes on.

``with Forked(step, "exports") as task: …; value, seconds = task.result()``: the child is forked
when the context is entered (``fork``: it shares the parent's data without pickling it) and its
result is awaited by ``result``. A process with other threads running (a test runner, an
embedding application) runs the step in place instead, at ``result``: forking it could copy a lock
held by another thread. Leaving the context stops a child whose result was never asked for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Generic, TypeVar

from r2pgraph.build.collector import frozen
from r2pgraph.errors import R2PError

T = TypeVar("T")


class StepCrashed(R2PError):
    """The forked step ended without a result, or raised an error."""


PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), and exit now if it already
    has: an orphaned step would hold the build lock it inherited long after the build was killed."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is not None:
        ctypes.CDLL(libc_name, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _child(conn: Connection, step: Callable[[], object], parent: int) -> None:
    _die_with(parent)
    t0 = time.perf_counter()
    try:
        value = step()
    except BaseException as e:  # sent to the parent, which raises it
        conn.send(("error", f"{type(e).__name__}: {e}"))
    else:
        conn.send(("ok", (value, time.perf_counter() - t0)))
    finally:
        conn.close()


class Forked(Generic[T]):
    """Runs ``step`` in a forked child (or in place, see the module), named ``name`` in errors.

    ``in_place``, when given, is run instead of ``step`` when the step runs in place (later than a
    child would start: for a step that reads data the parent changes after forking).
    """

    def __init__(
        self,
        step: Callable[[], T],
        name: str,
        crashed: type[R2PError] = StepCrashed,
        in_place: Callable[[], T] | None = None,
    ):
        self._step = step
        self._in_place = in_place or step
        self._name = name
        self._crashed = crashed
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._done: tuple[T, float] | None = None

    @property
    def forked(self) -> bool:
        return self._proc is not None

    def __enter__(self) -> Forked[T]:
        if threading.active_count() == 1 and "fork" in mp.get_all_start_methods():
            ctx = mp.get_context("fork")
            parent, child = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(
                target=_child, args=(child, self._step, os.getpid()), name=f"r2pgraph {self._name}", daemon=True
            )
            # The child's cycle collector leaves alone what the parent made so far.
            with frozen():
                self._proc.start()
            child.close()
            self._conn = parent
        return self

    def result(self) -> tuple[T, float]:
        """The step's value and the seconds it took (waiting for the child if it runs)."""
        if self._done is not None:
            return self._done
        if self._proc is None or self._conn is None:
            t0 = time.perf_counter()
            self._done = (self._in_place(), time.perf_counter() - t0)
            return self._done
        try:
            kind, value = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise self._crashed(
                f"{self._name} stopped without a result (its process exited with code {self._proc.exitcode})"
            ) from None
        finally:
            self._conn.close()
        self._proc.join()
        if kind != "ok":
            raise self._crashed(f"{self._name} failed to run: {value}")
        done: tuple[T, float] = value
        self._done = done
        return done

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
        if self._conn is not None:
            self._conn.close()
