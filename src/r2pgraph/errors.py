"""Domain errors: each names the file (and line) at fault so a person can fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class R2PError(Exception):
    """Base class of the project's errors."""


class DataError(R2PError):
    """Input files that cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ValidationFailed(R2PError):
    """The dataset does not conform to the shapes; ``report`` says where and why."""

    def __init__(self, report: object, text: str):
        self.report = report
        super().__init__(text)


class NoGeneration(R2PError):
    """No built generation exists where one was expected."""

    def __init__(self, build_dir: Path):
        super().__init__(f"no built graph in {build_dir}: run `r2pgraph build` first")


class RemoteStoreError(R2PError):
    """A request to a remote SPARQL store failed; ``url`` and ``status`` (None: no HTTP answer) say where."""

    def __init__(self, url: str, message: str, status: int | None = None, timed_out: bool = False):
        self.url = url
        self.status = status
        self.detail = message
        self.timed_out = timed_out
        super().__init__(f"{url}: {message}")
