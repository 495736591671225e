"""Query worker processes, so that every query has a deadline that really stops the work.

pyoxigraph cannot interrupt a running query, so each query runs in a worker process holding the
store open read-only; when the deadline passes, the worker is killed (no CPU is burned after it)
and replaced, and the client gets 503. Workers are started with the ``spawn`` method (no fork of a
threaded server).

A query still running after ``SLOW_AFTER_S`` has its CPU priority lowered (nice 19), so that on a
busy machine the short queries of other clients keep their latency while long ones finish in the
time left. A worker evaluates each job in a thread of its own (``_JobThread``) and lowers only
that thread: Linux niceness is per thread, and an unprivileged process may lower it but never
raise it again, so a lowered thread is retired after its job and the next job runs in a fresh
thread, made by the worker's main thread (never lowered), whose niceness it inherits. The worker
process itself lives on: it is killed only when a job passes its deadline.

A pool may also be given a ``MemoryCopy`` of the store (the generation's N-Quads, which the on-disk
store was loaded from): each worker then answers from the on-disk store at once and loads the copy
into an in-memory store in a background thread, answering from it once it is complete (pyoxigraph's
joins are index look-ups, several times cheaper in memory than on RocksDB). A copy that does not
hold the expected number of quads, or cannot be read, is dropped and the worker stays on disk.
Each worker tells the pool which store it answers from on a status pipe (``QueryPool.engines``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import multiprocessing as mp
import os
import pickle
import queue
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from r2pgraph.server.evaluation import Answer, Job, answer
from r2pgraph.server.query_check import QueryChecker
from r2pgraph.server.sandbox import SECCOMP, deny_network

if TYPE_CHECKING:
    import pyoxigraph as ox

SLOW_AFTER_S = 0.5
LOW_PRIORITY = 19
MIN_START_S = 0.1  # a job that gets a worker later, with less time left (or half), is refused, not started and killed
LOOP_READ_BYTES = 256 * 1024  # answers up to this size are read on the event loop
INLINE_BODY_BYTES = 16 * 1024  # answers up to this size come in one message with their metadata


@dataclass(frozen=True)
class MemoryCopy:
    """The N-Quads file a worker loads into memory, and the number of quads it must hold."""

    nquads: Path
    quads: int


def load_memory_copy(copy: MemoryCopy) -> ox.Store:
    """An in-memory store holding ``copy``. Raises OSError, ValueError (not the expected number of
    quads), SyntaxError or MemoryError."""
    import pyoxigraph as ox

    memory = ox.Store()
    # One transaction; it releases the GIL, and peaks at about 2/3 of what bulk_load does in memory.
    memory.load(path=str(copy.nquads), format=ox.RdfFormat.N_QUADS)
    if len(memory) != copy.quads:
        raise ValueError(f"{copy.nquads} holds {len(memory)} quads, the store {copy.quads}")
    return memory


class _Engine:
    """The store a worker answers from: the on-disk one, until the in-memory copy is complete."""

    def __init__(self, store: ox.Store):
        self.store = store

    def load_copy(self, copy: MemoryCopy, status: Connection) -> None:
        try:
            memory = load_memory_copy(copy)
        except (OSError, ValueError, SyntaxError, MemoryError) as e:
            # The server's log (workers share its stderr) says why; /health says "disk".
            print(f"query worker {os.getpid()}: in-memory copy dropped, answering from disk: {e}", file=sys.stderr)
            status.send("disk")
            return
        self.store = memory  # the next job is answered from memory; the on-disk store is released
        status.send("memory")


class _JobThread:
    """The thread a worker evaluates its jobs in, one at a time; the worker's main thread waits for
    each answer and lowers this thread's niceness to ``LOW_PRIORITY`` once a job has run for
    ``SLOW_AFTER_S`` (``lowered``: the thread must then be retired, see the module's docstring)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], Answer] | None] = queue.SimpleQueue()
        self._answers: queue.SimpleQueue[Answer | BaseException] = queue.SimpleQueue()
        self.lowered = False
        self._thread = threading.Thread(target=self._serve, name="query", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (work := self._jobs.get()) is not None:
            try:
                self._answers.put(work())
            except BaseException as e:  # raised again in the worker's main thread
                self._answers.put(e)

    def run(self, work: Callable[[], Answer]) -> Answer:
        """The answer ``work`` gives (a job's evaluation); raises what it raised (the worker then ends)."""
        self._jobs.put(work)
        try:
            result = self._answers.get(timeout=SLOW_AFTER_S)
        except queue.Empty:
            self.lowered = _lower(self._thread.native_id)
            result = self._answers.get()
        if isinstance(result, BaseException):
            raise result
        return result

    def retire(self) -> None:
        """End the thread once it is idle."""
        self._jobs.put(None)


def _lower(thread_id: int | None) -> bool:
    """Lower a thread's CPU priority to ``LOW_PRIORITY``; whether it was (it may have ended)."""
    if thread_id is None:
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, thread_id, LOW_PRIORITY)
    except OSError:
        return False
    return True


def _worker_main(store_path: str | None, conn: Connection, status: Connection, copy: MemoryCopy | None) -> None:
    """A worker: over the store at ``store_path``, or with none (a check-only worker, which answers
    each job with the query's refusal or its result kind; see ``evaluation.answer``)."""
    sandbox = deny_network()  # before anything else: no query can reach the network
    if sandbox != SECCOMP:
        print(f"query worker {os.getpid()}: no network sandbox: {sandbox}", file=sys.stderr)
    import pyoxigraph as ox

    engine = _Engine(ox.Store.read_only(store_path)) if store_path is not None else None
    checker = QueryChecker()
    conn.send(("ready", sandbox))
    checker.start()  # imports rdflib's parser in the background, after the worker is ready
    if copy is not None and engine is not None:
        threading.Thread(target=engine.load_copy, args=(copy, status), name="memory copy", daemon=True).start()
    runner = _JobThread()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        store = engine.store if engine else None
        result = runner.run(functools.partial(answer, store, job, checker, sandboxed=sandbox == SECCOMP))
        # A small body goes in one message with its metadata (one write, two reads); a larger one
        # as raw bytes after it: not pickled (no copies), and the server knows its size before
        # reading it (see ``QueryPool.run_async``).
        small = len(result.body) <= INLINE_BODY_BYTES
        meta = (result.status, result.media_type, result.rows, result.truncated, len(result.body))
        _send(conn, (*meta, result.body if small else None))
        if not small:
            conn.send_bytes(result.body)
        if runner.lowered:
            runner.retire()
            runner = _JobThread()


class DeadlineExceeded(Exception):
    """The query ran past its deadline and was stopped."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"The query did not finish within its deadline of {seconds:g} s and was stopped.")


class WorkerFailed(Exception):
    """The worker process evaluating the query died (e.g. out of memory)."""

    def __init__(self) -> None:
        super().__init__("The query worker failed while evaluating the query; it has been replaced.")


_MAIN_SWAP = threading.Lock()  # workers are started from several threads; one swap at a time


@contextlib.contextmanager
def _without_main_module() -> Iterator[None]:
    """Start processes without making them re-run the program's main module (``spawn`` re-imports
    it; a worker needs only this module, which is found by name), which halves their start time."""
    with _MAIN_SWAP:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx: mp.context.SpawnContext, store_path: Path | None, copy: MemoryCopy | None):
        self.conn, child = ctx.Pipe()
        self._status, status_child = ctx.Pipe(duplex=False)
        self._status_lock = threading.Lock()
        self.engine = "loading" if copy is not None else "disk"
        self.sandbox = "unknown"
        args = (None if store_path is None else str(store_path), child, status_child, copy)
        self.process = ctx.Process(target=_worker_main, args=args, daemon=True)
        with _without_main_module():
            self.process.start()
        child.close()
        status_child.close()

    def poll_engine(self) -> str:
        """Which store the worker answers from: "disk", "loading" (its in-memory copy) or "memory"."""
        with self._status_lock:
            try:
                while self.engine == "loading" and self._status.poll(0):
                    self.engine = self._status.recv()
            except (EOFError, OSError):
                self.engine = "stopped"
        return self.engine

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            raise RuntimeError("a query worker did not start")
        message = self.conn.recv()
        if not (isinstance(message, tuple) and message[0] == "ready"):
            raise RuntimeError("a query worker did not start")
        self.sandbox = str(message[1])

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        with contextlib.suppress(OSError):
            self.conn.close()
        with self._status_lock, contextlib.suppress(OSError):
            self._status.close()


def _send(conn: Connection, message: object) -> None:
    """``conn.send`` with a plain pickler (``send`` makes a ForkingPickler, which costs more than the message)."""
    conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def _receive(conn: Connection) -> Answer:
    status, media_type, rows, truncated, _, body = conn.recv()
    return Answer(status, media_type, conn.recv_bytes() if body is None else body, rows, truncated)


async def _readable(conn: Connection, timeout: float) -> bool:
    """Whether ``conn`` has something to read within ``timeout`` seconds, awaited on the event loop."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def on_readable() -> None:
        if not ready.done():
            ready.set_result(None)

    fd = conn.fileno()
    loop.add_reader(fd, on_readable)
    try:
        await asyncio.wait_for(ready, timeout)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
        # uvloop makes a watched descriptor non-blocking; the pipe is read with blocking calls.
        os.set_blocking(fd, True)
    return True


class QueryPool:
    """A fixed number of worker processes over one store; ``run`` blocks until an answer or the deadline."""

    def __init__(
        self, store_path: Path | None, size: int = 2, *, all_now: bool = True, memory_copy: MemoryCopy | None = None
    ):
        """Start ``size`` workers over the store at ``store_path``: one at once, the others then, or
        (``all_now`` False) only once ``fill`` is called or the first query is run. With
        ``memory_copy``, each worker also loads that copy of the store into memory (see above).
        With no ``store_path``, the workers only check queries (see ``_worker_main``)."""
        self._ctx = mp.get_context("spawn")
        self._store_path = store_path
        self._copy = memory_copy
        self._idle: queue.Queue[_Worker] = queue.Queue()
        # Requests on an event loop waiting for a worker, first come first served (see ``_release``).
        self._waiters: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[_Worker]]] = (
            collections.deque()
        )
        self._lock = threading.Lock()
        self._closed = False
        self._size = max(1, size)
        self._fill = threading.Event()
        if all_now:
            self._fill.set()
        self._live: list[_Worker] = []
        self._starting = [self._new_worker()]
        # Workers start one at a time, in the background, each joining the pool as soon as it is
        # ready: the first query waits only for the first worker, which does not share the machine
        # with the others (nor, when they wait for ``fill``, with the server's own start-up).
        threading.Thread(target=self._admit, name="query workers starting", daemon=True).start()

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._ctx, self._store_path, self._copy)
        self._live = [w for w in self._live if w.process.is_alive()] + [worker]
        return worker

    def engines(self) -> dict[str, int]:
        """How many live workers answer from each kind of store ("disk", "loading", "memory")."""
        counts: dict[str, int] = {}
        for worker in list(self._live):
            if worker.process.is_alive():
                engine = worker.poll_engine()
                counts[engine] = counts.get(engine, 0) + 1
        return counts

    def network_sandbox(self) -> str | None:
        """What keeps the workers off the network ("seccomp", or "none: <reason>"); None before one is ready."""
        found = {w.sandbox for w in list(self._live) if w.sandbox != "unknown" and w.process.is_alive()}
        if not found:
            return None
        return SECCOMP if found == {SECCOMP} else sorted(found - {SECCOMP})[0]

    def fill(self) -> None:
        """Start the workers that are waiting to (see ``all_now``), in the background."""
        self._fill.set()

    def _admit(self) -> None:
        self._welcome(self._starting[0])
        self._fill.wait()
        for _ in range(self._size - 1):
            with self._lock:
                if self._closed:
                    return
                worker = self._new_worker()
                self._starting.append(worker)
            self._welcome(worker)

    def _welcome(self, worker: _Worker) -> None:
        try:
            worker.wait_ready(60)
        except (RuntimeError, EOFError, OSError):
            worker.stop()
            return
        with self._lock:
            closed = self._closed
        if not closed:
            self._release(worker)
            return
        worker.stop()

    def run(self, job: Job, deadline: float) -> Answer:
        """Run ``job`` in a worker. Raises DeadlineExceeded (the worker is then replaced)."""
        started = time.monotonic()
        if not self._fill.is_set():
            self._fill.set()
        try:
            worker = self._idle.get(timeout=deadline)
        except queue.Empty:
            raise DeadlineExceeded(deadline) from None
        return self._finish(worker, job, started, deadline)

    def _release(self, worker: _Worker) -> None:
        """A worker is free again: it goes to the request on an event loop that has waited longest
        for one, or else back to the idle queue (where ``run`` takes it). Called from any thread."""
        with self._lock:
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                if waiter.done():  # it gave up (its deadline, or its client left)
                    continue
                try:
                    loop.call_soon_threadsafe(self._hand_over, waiter, worker)
                except RuntimeError:  # that loop has closed
                    continue
                return
            self._idle.put(worker)

    def _hand_over(self, waiter: asyncio.Future[_Worker], worker: _Worker) -> None:
        """On the waiter's loop: give it the worker, or release the worker again if it gave up."""
        if waiter.done():
            self._release(worker)
        else:
            waiter.set_result(worker)

    async def _worker_for(self, deadline: float) -> _Worker:
        """An idle worker, awaited on the event loop for at most ``deadline`` seconds."""
        loop = asyncio.get_running_loop()
        with self._lock:
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                waiter: asyncio.Future[_Worker] = loop.create_future()
                self._waiters.append((loop, waiter))
        try:
            return await asyncio.wait_for(waiter, deadline)
        except TimeoutError:
            raise DeadlineExceeded(deadline) from None

    async def run_async(self, job: Job, deadline: float) -> Answer:
        """``run`` for the event loop, without a thread: the job waits for a worker, and then for its
        answer, on the loop itself (only a large answer is read in a thread, and a worker past the
        deadline is stopped and replaced in one)."""
        from starlette.concurrency import run_in_threadpool

        started = time.monotonic()
        if not self._fill.is_set():
            self._fill.set()
        worker = await self._worker_for(deadline)
        remaining = deadline - (time.monotonic() - started)
        if remaining < min(MIN_START_S, deadline / 2):  # too little time left to start it
            self._release(worker)
            raise DeadlineExceeded(deadline)
        try:
            _send(worker.conn, job)
            if await _readable(worker.conn, remaining):
                status, media_type, rows, truncated, size, body = worker.conn.recv()
                if body is None and size <= LOOP_READ_BYTES:
                    body = worker.conn.recv_bytes()
                elif body is None:  # a big body is read in a thread, not to hold up the loop's other requests
                    body = await run_in_threadpool(worker.conn.recv_bytes)
                self._release(worker)
                return Answer(status, media_type, body, rows, truncated)
        except (EOFError, OSError):
            self._retire(worker)
            raise WorkerFailed() from None
        except BaseException:  # cancelled while the worker is busy: it is replaced, not reused
            self._retire(worker)
            raise
        self._retire(worker)  # past the deadline: the work stops with the worker
        raise DeadlineExceeded(deadline)

    def _retire(self, worker: _Worker) -> None:
        """Stop ``worker`` and start its replacement, in a thread (neither waits on the loop)."""

        def stop_and_replace() -> None:
            worker.stop()
            self._replace()

        threading.Thread(target=stop_and_replace, name="query worker replacing", daemon=True).start()

    def _finish(self, worker: _Worker, job: Job, started: float, deadline: float) -> Answer:
        """Send ``job`` to ``worker`` and wait for its answer until the deadline (the worker lowers
        a slow job's priority itself). A job that got its worker with less than ``MIN_START_S`` (or
        half its deadline) left is not sent: the worker goes back unused."""
        try:
            if deadline - (time.monotonic() - started) < min(MIN_START_S, deadline / 2):
                self._release(worker)
                raise DeadlineExceeded(deadline)
            _send(worker.conn, job)
            remaining = deadline - (time.monotonic() - started)
            if remaining > 0 and worker.conn.poll(remaining):
                result = _receive(worker.conn)
                self._release(worker)
                return result
        except (EOFError, OSError):
            worker.stop()
            self._replace()
            raise WorkerFailed() from None
        worker.stop()
        self._replace()
        raise DeadlineExceeded(deadline)

    def _replace(self) -> None:
        with self._lock:
            if self._closed:
                return
            fresh = self._new_worker()
        fresh.wait_ready(60)
        self._release(fresh)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            starting = list(self._starting)
        self._fill.set()  # the starting thread then ends
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.stop()
        for worker in starting:  # any that had not finished starting
            if worker.process.is_alive():
                worker.stop()
