"""Generations on disk: the build lock, the atomic switch of ``build/current``, listing, rollback,
pruning, and the leases a server holds on the generation it serves.

Layout of a build directory::

    build/current                  symlink → generations/<name> (replaced by an atomic rename)
    build/generations/<name>/      one complete generation (store, dumps, build-report.json, …)
    build/generations/.tmp-*       a generation being written (never pointed to; removed if stale)
    build/.lock                    flock(2) held while a build, switch or rollback runs
    build/generations/<name>/.leases/<pid>   a server process serving that generation

The lock is an advisory ``flock``: the kernel releases it when its holder dies, so a build killed
with ``kill -9`` never leaves a lock that blocks the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from r2pgraph.errors import NoGeneration, R2PError

REPORT_FILE = "build-report.json"
LOCK_FILE = ".lock"
LEASES = ".leases"


class BuildLocked(R2PError):
    """Another build, switch or rollback holds the build directory's lock."""

    def __init__(self, build_dir: Path, holder: str):
        super().__init__(f"another build is running in {build_dir} ({holder}); try again when it has finished")


class UnknownGeneration(R2PError):
    """A generation named on the command line does not exist."""


@dataclass(frozen=True)
class GenerationInfo:
    """One generation directory and what its build report says about it."""

    path: Path
    content_hash: str
    built_at: str
    quads: int
    validated: bool
    current: bool
    served_by: tuple[int, ...]

    @property
    def name(self) -> str:
        return self.path.name


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold the build directory's lock, or raise BuildLocked at once if another process holds it."""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            raise BuildLocked(build_dir, f"pid {holder}" if holder else "unknown process") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        _remove_leftovers(build_dir)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _remove_leftovers(build_dir: Path) -> None:
    """Remove what an interrupted build left behind (only called while holding the lock)."""
    for tmp_link in build_dir.glob(".current-*"):
        tmp_link.unlink(missing_ok=True)
    generations = build_dir / "generations"
    if generations.is_dir():
        for tmp in generations.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)


def current_generation(build_dir: Path) -> Path:
    """The generation ``build/current`` points to. Raises NoGeneration."""
    link = build_dir / "current"
    if not link.exists():
        raise NoGeneration(build_dir)
    return link.resolve()


def switch_current(build_dir: Path, generation: Path) -> None:
    """Point ``build/current`` at ``generation`` with an atomic rename of a new symlink."""
    link = build_dir / "current"
    tmp_link = build_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(generation.resolve().relative_to(build_dir.resolve()))
    os.replace(tmp_link, link)
    _fsync_dir(build_dir)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_leases(generation: Path) -> tuple[int, ...]:
    """The pids of running processes that serve ``generation``."""
    leases = generation / LEASES
    if not leases.is_dir():
        return ()
    pids = sorted(int(p.name) for p in leases.iterdir() if p.name.isdigit())
    return tuple(pid for pid in pids if _alive(pid))


@contextlib.contextmanager
def lease(generation: Path) -> Iterator[None]:
    """Mark ``generation`` as served by this process, so that pruning keeps it while we serve it."""
    leases = generation / LEASES
    leases.mkdir(exist_ok=True)
    mine = leases / str(os.getpid())
    mine.touch()
    try:
        yield
    finally:
        mine.unlink(missing_ok=True)


def list_generations(build_dir: Path) -> list[GenerationInfo]:
    """Every complete generation, oldest first."""
    generations = build_dir / "generations"
    if not generations.is_dir():
        return []
    try:
        current: Path | None = current_generation(build_dir)
    except NoGeneration:
        current = None
    out = []
    for path in sorted(p for p in generations.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            report = json.loads((path / REPORT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a complete generation
        out.append(
            GenerationInfo(
                path=path,
                content_hash=str(report.get("content_hash", "")),
                built_at=str(report.get("built_at", "")),
                quads=int(report.get("quads", 0)),
                validated=bool(report.get("validation", {}).get("conforms", False)),
                current=current is not None and path.resolve() == current,
                served_by=live_leases(path),
            )
        )
    return out


def find_generation(build_dir: Path, name: str | None) -> Path:
    """The generation called ``name`` (a full name or an unambiguous prefix, or a content hash prefix);
    with no name, the newest generation older than the current one. Raises UnknownGeneration."""
    known = list_generations(build_dir)
    if name is None:
        older = []
        for info in known:
            if info.current:
                break
            older.append(info)
        if not older:
            raise UnknownGeneration(f"no generation older than the current one in {build_dir}")
        return older[-1].path
    matches = [
        g
        for g in known
        if g.name == name or g.name.startswith(name) or g.content_hash.removeprefix("sha256:").startswith(name)
    ]
    if len(matches) != 1:
        names = ", ".join(g.name for g in known) or "none"
        why = "is ambiguous" if matches else "matches no generation"
        raise UnknownGeneration(f"{name!r} {why} in {build_dir} (generations: {names})")
    return matches[0].path


def rollback(build_dir: Path, name: str | None = None) -> Path:
    """Switch ``build/current`` to an earlier generation (see ``find_generation``) and return it."""
    with build_lock(build_dir):
        target = find_generation(build_dir, name)
        switch_current(build_dir, target)
    return target


def prune(build_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` generations; never the current one nor one being served."""
    generations = build_dir / "generations"
    current = current_generation(build_dir)
    built = sorted(p for p in generations.iterdir() if p.is_dir() and not p.name.startswith("."))
    removed = []
    for old in built[:-keep] if keep > 0 else []:
        if old.resolve() != current and not live_leases(old):
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed
