"""``r2pgraph query``, ``export`` and ``stats``: reading the built graph."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from r2pgraph.build.generations import current_generation
from r2pgraph.cli.common import add_common, settings_of
from r2pgraph.exports.dumps import EXPORTS
from r2pgraph.query.engine import RESULT_FORMATS, read_query, render, run_query
from r2pgraph.store.embedded import open_store


def cmd_query(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    try:
        query = read_query(args.query, args.file)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    store = open_store(current_generation(settings.build_dir))
    try:
        result = run_query(store, query)
    except SyntaxError as e:
        print(f"error: malformed query: {e}", file=sys.stderr)
        return 2
    print(render(result, args.format))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    generation = current_generation(settings_of(args).build_dir)
    file, _ = EXPORTS[args.format]
    source = generation / file
    if args.output is None or str(args.output) == "-":
        sys.stdout.buffer.write(source.read_bytes())
    else:
        shutil.copyfile(source, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    generation = current_generation(settings_of(args).build_dir)
    report = json.loads((generation / "build-report.json").read_text())
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"generation   {generation.name}\nbuilt at     {report['built_at']}\ncontent hash {report['content_hash']}")
    print(f"quads        {report['quads']}\n\nnamed graphs:")
    for graph, n in report["graphs"].items():
        print(f"  {n:7d}  {graph}")
    print("\ninstances per class:")
    for cls, n in report["classes"].items():
        if cls.startswith("https://w3id.org/r2p/ontology#"):
            print(f"  {n:7d}  r2p:{cls.rsplit('#', 1)[1]}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's subcommands to the ``r2pgraph`` parser."""
    q = sub.add_parser("query", help="run SPARQL on the built graph (union of all named graphs)")
    add_common(q)
    q.add_argument("query", nargs="?", help="the SPARQL query text")
    q.add_argument("-f", "--file", type=Path, help="read the query from a file ('-' for stdin)")
    q.add_argument("--format", choices=RESULT_FORMATS, default="table")
    q.set_defaults(func=cmd_query)
    e = sub.add_parser("export", help="write an export of the built graph")
    add_common(e)
    e.add_argument("--format", choices=sorted(EXPORTS), default="turtle")
    e.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    e.set_defaults(func=cmd_export)
    s = sub.add_parser("stats", help="counts per named graph and per class of the built graph")
    add_common(s)
    s.add_argument("--json", action="store_true", help="print the whole build report as JSON")
    s.set_defaults(func=cmd_stats)
