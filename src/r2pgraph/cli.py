"""The ``r2pgraph`` command: thin subcommands over the pipeline's functions."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from r2pgraph import __version__
from r2pgraph.build import build_generation, check, current_generation, load_ontology
from r2pgraph.config import Settings
from r2pgraph.errors import DataError, R2PError, ValidationFailed
from r2pgraph.export import EXPORTS
from r2pgraph.query import RESULT_FORMATS, read_query, render, run_query
from r2pgraph.sources import load_files
from r2pgraph.sources.base import SourceGraph
from r2pgraph.store import open_store
from r2pgraph.validate import load_shapes, validate_graphs

RDF_SUFFIXES = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
}


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(
        data_dir=getattr(args, "data", None), build_dir=getattr(args, "build_dir", None)
    )


def cmd_build(args: argparse.Namespace) -> int:
    result = build_generation(_settings(args))
    report = result.report
    state = "unchanged, still serving" if result.unchanged else "built"
    print(f"{state} {result.generation}")
    print(f"  {report['quads']} quads in {len(report['graphs'])} named graphs; {report['content_hash']}")  # type: ignore[arg-type]
    return 0


def _rdf_file(path: Path) -> SourceGraph:
    fmt = RDF_SUFFIXES[path.suffix]
    g = Graph()
    try:
        g.parse(path, format=fmt)
    except Exception as e:  # parsers raise many types; all mean the file is not valid RDF
        from r2pgraph.errors import Problem

        raise DataError([Problem(str(path), None, f"cannot parse as {fmt}: {e}")]) from e
    from r2pgraph.namespaces import graph_iri

    return SourceGraph(iri=graph_iri(path.name), path=str(path), graph=g, content_hash="")


def cmd_validate(args: argparse.Namespace) -> int:
    settings = _settings(args)
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
    from r2pgraph.validate import ValidationReport

    print(ValidationReport(conforms=False, violations=relevant).text())
    return 1


def cmd_query(args: argparse.Namespace) -> int:
    settings = _settings(args)
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
    generation = current_generation(_settings(args).build_dir)
    file, _ = EXPORTS[args.format]
    source = generation / file
    if args.output is None or str(args.output) == "-":
        sys.stdout.buffer.write(source.read_bytes())
    else:
        shutil.copyfile(source, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    generation = current_generation(_settings(args).build_dir)
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


def cmd_serve(args: argparse.Namespace) -> int:
    from r2pgraph.server.run import serve

    return serve(_settings(args), host=args.host, port=args.port)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="r2pgraph", description="Build, validate, query and serve the R2P knowledge graph."
    )
    p.add_argument("--version", action="version", version=f"r2pgraph {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data", type=Path, help="data directory (default: data, or $R2P_DATA_DIR)")
        sp.add_argument("--build-dir", type=Path, help="where generations are written (default: build)")

    b = sub.add_parser("build", help="load data/, validate, and write a new generation")
    common(b)
    b.set_defaults(func=cmd_build)
    v = sub.add_parser("validate", help="validate the data directory, or the given RDF/data files")
    common(v)
    v.add_argument(
        "paths", nargs="*", help="files to validate (Turtle, N-Triples, N-Quads, TriG, JSON-LD, or data/ files)"
    )
    v.add_argument(
        "--alone", action="store_true", help="validate the files without data/ for the resources they refer to"
    )
    v.set_defaults(func=cmd_validate)
    q = sub.add_parser("query", help="run SPARQL on the built graph (union of all named graphs)")
    common(q)
    q.add_argument("query", nargs="?", help="the SPARQL query text")
    q.add_argument("-f", "--file", type=Path, help="read the query from a file ('-' for stdin)")
    q.add_argument("--format", choices=RESULT_FORMATS, default="table")
    q.set_defaults(func=cmd_query)
    e = sub.add_parser("export", help="write an export of the built graph")
    common(e)
    e.add_argument("--format", choices=sorted(EXPORTS), default="turtle")
    e.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    e.set_defaults(func=cmd_export)
    s = sub.add_parser("stats", help="counts per named graph and per class of the built graph")
    common(s)
    s.add_argument("--json", action="store_true", help="print the whole build report as JSON")
    s.set_defaults(func=cmd_stats)
    sv = sub.add_parser("serve", help="serve the built graph: SPARQL endpoint and linked-data pages")
    common(sv)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except ValidationFailed as e:
        print(f"build failed: the data does not conform to the shapes\n{e}", file=sys.stderr)
        return 1
    except DataError as e:
        print(f"build failed: {len(e.problems)} problem(s) in the input files\n{e}", file=sys.stderr)
        return 1
    except R2PError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
