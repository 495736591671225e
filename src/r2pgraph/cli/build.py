"""``r2pgraph build``, ``generations``, ``rollback`` and ``validate``: making and checking generations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from r2pgraph.build.generations import find_generation, list_generations, rollback
from r2pgraph.cli.common import add_common, settings_of

if TYPE_CHECKING:
    from r2pgraph.sources.base import SourceGraph


def cmd_build(args: argparse.Namespace) -> int:
    from r2pgraph.build.assemble import build_generation

    result = build_generation(settings_of(args), allow_shrink=args.allow_shrink)
    report = result.report
    state = "unchanged, still serving" if result.unchanged else "built"
    print(f"{state} {result.generation}")
    print(f"  {report['quads']} quads in {len(report['graphs'])} named graphs; {report['content_hash']}")  # type: ignore[arg-type]
    return 0


def cmd_generations(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    known = list_generations(settings.build_dir)
    if args.json:
        rows = [
            {
                "name": g.name,
                "path": str(g.path),
                "content_hash": g.content_hash,
                "built_at": g.built_at,
                "quads": g.quads,
                "validated": g.validated,
                "current": g.current,
                "served_by": list(g.served_by),
            }
            for g in known
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not known:
        print(f"no generations in {settings.build_dir}")
        return 0
    for g in known:
        mark = "*" if g.current else " "
        served = f"  served by pid {', '.join(map(str, g.served_by))}" if g.served_by else ""
        checked = "validated" if g.validated else "not validated"
        print(f"{mark} {g.name}  {g.built_at}  {g.quads:>9,} quads  {g.content_hash[:19]}  {checked}{served}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if args.dry_run:
        print(f"would switch to {find_generation(settings.build_dir, args.generation)}")
        return 0
    target = rollback(settings.build_dir, args.generation)
    print(f"switched build/current to {target.name}")
    print("  running servers switch on `kill -HUP <pid>` or POST /admin/reload")
    return 0


def _rdf_file(path: Path) -> SourceGraph:
    from r2pgraph.rdf.namespaces import graph_iri
    from r2pgraph.rdf.safe_rdf import parse_rdf_file
    from r2pgraph.sources.base import SourceGraph

    return SourceGraph.from_graph(graph_iri(path.name), str(path), parse_rdf_file(path))


def cmd_validate(args: argparse.Namespace) -> int:
    from r2pgraph.build.assemble import check, load_ontology
    from r2pgraph.rdf.safe_rdf import FORMATS as RDF_SUFFIXES
    from r2pgraph.sources import load_files
    from r2pgraph.validation.validate import load_shapes, validate_graphs

    settings = settings_of(args)
    if not args.paths:
        _, _, report = check(settings)
        print(report.text())
        return 0 if report.conforms else 1
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.is_file():
            print(f"error: {p}: no such file", file=sys.stderr)
            return 2
    given: list[SourceGraph] = []
    data_files = [p for p in paths if p.suffix not in RDF_SUFFIXES]
    data_root = settings.data_dir.resolve()
    in_data = [p for p in data_files if data_root in p.resolve().parents]
    others = [p for p in data_files if p not in in_data]
    if others:
        print(
            f"error: {others[0]}: YAML/CSV files are read by the loader for their place in {settings.data_dir}/",
            file=sys.stderr,
        )
        return 2
    given += load_files([p.resolve() for p in in_data], data_root)
    given += [_rdf_file(p) for p in paths if p.suffix in RDF_SUFFIXES]
    context: list[SourceGraph] = []
    if not args.alone:
        from r2pgraph.sources import load_data_dir

        given_iris = {g.iri for g in given}
        context = [g for g in load_data_dir(settings.data_dir) if g.iri not in given_iris]
    report = validate_graphs(given + context, load_ontology(settings.ontology_dir), load_shapes(settings.shapes_dir))
    wanted = {g.path for g in given}
    relevant = [v for v in report.violations if v.file in wanted or v.file is None]
    if not relevant:
        print(f"{len(given)} file(s) conform to the shapes.")
        return 0
    from r2pgraph.validation.validate import ValidationReport

    print(ValidationReport(conforms=False, violations=relevant).text())
    return 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's subcommands to the ``r2pgraph`` parser."""
    b = sub.add_parser("build", help="load data/, validate, and write a new generation")
    add_common(b)
    b.add_argument(
        "--allow-shrink",
        action="store_true",
        help="switch even when a class has lost more than half of its instances since the current generation",
    )
    b.set_defaults(func=cmd_build)
    gl = sub.add_parser("generations", help="list the built generations (* marks the current one)")
    add_common(gl)
    gl.add_argument("--json", action="store_true", help="print the list as JSON")
    gl.set_defaults(func=cmd_generations)
    rb = sub.add_parser("rollback", help="switch build/current back to an earlier generation")
    add_common(rb)
    rb.add_argument("generation", nargs="?", help="name, name prefix or hash prefix (default: the previous one)")
    rb.add_argument("--dry-run", action="store_true", help="only say which generation would be served")
    rb.set_defaults(func=cmd_rollback)
    v = sub.add_parser("validate", help="validate the data directory, or the given RDF/data files")
    add_common(v)
    v.add_argument(
        "paths", nargs="*", help="files to validate (Turtle, N-Triples, N-Quads, TriG, JSON-LD, or data/ files)"
    )
    v.add_argument(
        "--alone", action="store_true", help="validate the files without data/ for the resources they refer to"
    )
    v.set_defaults(func=cmd_validate)
