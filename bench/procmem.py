"""Peak memory of a server's whole process tree (``r2pgraph serve`` runs its queries in spawned
worker processes, so the main process's VmHWM alone leaves the store's memory out)."""

from __future__ import annotations

import contextlib
from pathlib import Path


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def tree_hwm_mb(pid: int) -> dict[str, object]:
    """VmHWM of ``pid`` and of every live descendant, and their sum (pages shared between the
    processes, such as the store's memory-mapped files, are counted once per process)."""
    seen, todo, per = set(), [pid], {}
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        per[p] = _hwm_mb(p)
        todo += _children(p)
    return {"main_mb": per.get(pid, 0.0), "processes": len(per), "sum_mb": round(sum(per.values()), 1)}
