"""Peak memory of a server's whole process tree (``r2pgraph serve`` runs its queries in spawned
worker processes, so the main process's VmHWM alone leaves the store's memory out)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from common import vm_hwm_mb


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def tree_hwm_mb(pid: int) -> dict[str, object]:
    """VmHWM of ``pid`` and of every live descendant, and their sum (pages shared between the
    processes, such as the store's memory-mapped files, are counted once per process)."""
    seen, todo, per = set(), [pid], {}
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        per[p] = vm_hwm_mb(p) or 0.0
        todo += _children(p)
    return {"main_mb": per.get(pid, 0.0), "processes": len(per), "sum_mb": round(sum(per.values()), 1)}


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pss_mb(pid: int) -> float:
    """The tree's current proportional set size: each shared page counted once, split between
    the processes sharing it (the store's memory-mapped files, the Python runtime)."""
    seen, todo, total = set(), [pid], 0.0
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _pss_mb(p)
        todo += _children(p)
    return round(total, 1)


class PssSampler:
    """Samples ``tree_pss_mb`` every ``interval`` seconds in a thread; ``peak_mb`` is the largest."""

    def __init__(self, pid: int, interval: float = 0.25):
        import threading

        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_pss_mb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
