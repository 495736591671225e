"""The ``r2pgraph`` command: thin subcommands over the pipeline's functions, one module per concern.

The pipeline's heavy modules (loaders, pySHACL) are imported by the commands that use them, so that
`serve` (and its worker processes, which re-import this package) start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from r2pgraph import __version__
from r2pgraph.cli import build, graph, serve, treaties
from r2pgraph.config import BadVariable
from r2pgraph.errors import DataError, R2PError, ValidationFailed


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="r2pgraph", description="Build, validate, query and serve the R2P knowledge graph."
    )
    p.add_argument("--version", action="version", version=f"r2pgraph {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for commands in (build, graph, treaties, serve):
        commands.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except BadVariable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        code: int = args.func(args)
        return code
    except ValidationFailed as e:
        print(f"build failed: the data does not conform to the shapes\n{e}", file=sys.stderr)
        return 1
    except DataError as e:
        print(f"failed: {len(e.problems)} problem(s) in the input files\n{e}", file=sys.stderr)
        return 1
    except R2PError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BadVariable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stderr.close()
        return 0
