"""Settings: where the data, ontology, shapes and builds live (from env vars, overridable by flags), and
the server's limits (``serve``'s options, whose defaults are these)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

QUERY_TIMEOUT_ENV = "R2P_QUERY_TIMEOUT"


class BadVariable(ValueError):
    """An environment variable whose value is not of the form expected."""

    def __init__(self, name: str, value: str, expected: str):
        self.name = name
        super().__init__(f"{name}={value!r} is not valid: expected {expected}")


def env_seconds(name: str, default: float, environ: Mapping[str, str] | None = None) -> float:
    """A number of seconds greater than 0 from an environment variable (``default`` when unset or
    empty). Raises BadVariable."""
    text = (os.environ if environ is None else environ).get(name, "")
    if not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise BadVariable(name, text, f"a number of seconds greater than 0, e.g. {default:g}")
    return value


@dataclass(frozen=True)
class Settings:
    """Paths the pipeline reads and writes. ``from_env`` reads R2P_* variables."""

    data_dir: Path = Path("data")
    ontology_dir: Path = Path("ontology")
    shapes_dir: Path = Path("shapes")
    build_dir: Path = Path("build")
    imports_dir: Path = Path("imports")
    keep_generations: int = 3

    @classmethod
    def from_env(cls, root: Path | None = None) -> Settings:
        """Settings relative to ``root`` (default: R2P_HOME or the current directory)."""
        base = Path(root or os.environ.get("R2P_HOME") or ".")
        return cls(
            data_dir=Path(os.environ.get("R2P_DATA_DIR") or base / "data"),
            ontology_dir=Path(os.environ.get("R2P_ONTOLOGY_DIR") or base / "ontology"),
            shapes_dir=Path(os.environ.get("R2P_SHAPES_DIR") or base / "shapes"),
            build_dir=Path(os.environ.get("R2P_BUILD_DIR") or base / "build"),
            imports_dir=Path(os.environ.get("R2P_IMPORTS_DIR") or base / "imports"),
        )

    def with_overrides(self, **changes: Path | None) -> Settings:
        """A copy with the given non-None paths replaced."""
        given: dict[str, object] = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **given)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ServerConfig:
    """The server's limits and what it serves. Every limit has a default a public endpoint can run with."""

    query_timeout: float = 30.0
    workers: int = 3
    client_queries: int = 2
    client_queue: int = 16  # a client's further queries that wait for one of its slots; 0: refused at once
    client_queue_wait: float = 5.0  # seconds a query waits in that queue, then 429
    max_rows: int = 100_000
    max_result_bytes: int = 64_000_000
    memory_budget_mb: int = 1024  # in-memory copies of the store in the workers, if they fit; 0: never
    cache_mb: int = 64  # answers kept for the served version (SPARQL results, pages); 0: none
    access_log: bool = True  # one log line per request (uvicorn's access log)
    admin_token: str | None = None
    store_url: str | None = None  # serve a remote SPARQL store instead of build/current
    ontology_dir: Path = Path("ontology")
    # Where clients reach this server: every absolute URL it writes starts with it (never with the
    # request's Host header, which any client sets).
    base_url: str = "http://127.0.0.1:8000"
    header_timeout: float = 10.0  # seconds for a request's head (request line and headers)
    body_timeout: float = 30.0  # seconds without data while a request body is being sent
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For/-Proto is believed; none by default
    trusted_hosts: tuple[str, ...] = ()  # Host header values accepted (any when empty)
