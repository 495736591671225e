"""What every subcommand shares: the paths it reads and writes (flags over environment)."""

from __future__ import annotations

import argparse
from pathlib import Path

from r2pgraph.config import Settings


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings from the environment, with the paths given as flags."""
    return Settings.from_env().with_overrides(
        data_dir=getattr(args, "data", None),
        build_dir=getattr(args, "build_dir", None),
        imports_dir=getattr(args, "imports_dir", None),
    )


def add_common(sp: argparse.ArgumentParser) -> None:
    """The path options every subcommand takes."""
    sp.add_argument("--data", type=Path, help="data directory (default: data, or $R2P_DATA_DIR)")
    sp.add_argument("--build-dir", type=Path, help="where generations are written (default: build)")
    sp.add_argument("--imports-dir", type=Path, help="where importers write and builds read imports (default: imports)")
