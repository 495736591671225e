"""Settings: where the data, ontology, shapes and builds live. From env vars, overridable by flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


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
