"""The ``r2pgraph`` command: thin subcommands over the pipeline's functions."""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import shutil
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from r2pgraph import __version__
from r2pgraph.build.generations import current_generation, find_generation, list_generations, rollback
from r2pgraph.config import QUERY_TIMEOUT_ENV, BadVariable, ServerConfig, Settings, env_seconds
from r2pgraph.errors import DataError, R2PError, ValidationFailed
from r2pgraph.exports.dumps import EXPORTS
from r2pgraph.query.engine import RESULT_FORMATS, read_query, render, run_query
from r2pgraph.store.embedded import open_store

if TYPE_CHECKING:
    from r2pgraph.sources.base import SourceGraph

# The pipeline's heavy modules (loaders, pySHACL) are imported by the commands that use them, so
# that `serve` (and its worker processes, which re-import this module) start fast.


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(
        data_dir=getattr(args, "data", None),
        build_dir=getattr(args, "build_dir", None),
        imports_dir=getattr(args, "imports_dir", None),
    )


def cmd_build(args: argparse.Namespace) -> int:
    from r2pgraph.build.assemble import build_generation

    result = build_generation(_settings(args), allow_shrink=args.allow_shrink)
    report = result.report
    state = "unchanged, still serving" if result.unchanged else "built"
    print(f"{state} {result.generation}")
    print(f"  {report['quads']} quads in {len(report['graphs'])} named graphs; {report['content_hash']}")  # type: ignore[arg-type]
    return 0


def cmd_generations(args: argparse.Namespace) -> int:
    settings = _settings(args)
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
    settings = _settings(args)
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
    from r2pgraph.validation.validate import ValidationReport

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


def cmd_import(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.importer == "wikidata":
        from r2pgraph.importers.wikidata import import_wikidata

        store = open_store(current_generation(settings.build_dir))
        out = args.out or settings.imports_dir / "wikidata.trig"
        agent = args.user_agent or f"r2pgraph/{__version__} (https://w3id.org/r2p/; treaty cross-reference)"
        report = import_wikidata(args.endpoint, out, store, user_agent=agent, timeout=args.timeout)
    elif args.importer == "un-members":
        from r2pgraph.importers.un_members import import_un_members

        out = args.out or settings.data_dir / "states" / "un-membership.csv"
        report = import_un_members(out)
    elif args.importer == "untc-status":
        return _import_untc_status(args, settings)
    else:
        from r2pgraph.importers.un_treaty_status import import_tables

        paths: list[Path] = []
        for given in args.paths:
            path = Path(given)
            if path.is_dir():
                paths += sorted(path.glob("*.csv"))
            elif path.is_file():
                paths.append(path)
            else:
                print(f"error: {path}: no such file or directory", file=sys.stderr)
                return 2
        if not paths:
            print("error: no CSV files given (un-treaty-status needs FILES or DIRS)", file=sys.stderr)
            return 2
        as_of = args.as_of or "2022"
        out = args.out or settings.data_dir / "treaty-status" / f"ohchr-{as_of}"
        report = import_tables(paths, out, as_of)
    print(report.text())
    print(f"wrote {out}; run `r2pgraph build` to validate and include it")
    if args.report_json:
        args.report_json.write_text(report.as_json(), encoding="utf-8")
    return 1 if args.strict and report.refused else 0


def _import_untc_status(args: argparse.Namespace, settings: Settings) -> int:
    """``import untc-status DIR``: the status tables in DIR into a snapshot folder of data/."""
    import datetime as dt

    from r2pgraph.importers.untc_status import import_untc_status

    if len(args.paths) != 1 or not Path(args.paths[0]).is_dir():
        print("error: untc-status needs one DIR of status tables (e.g. 18-10.csv)", file=sys.stderr)
        return 2
    as_of = None
    if args.as_of:
        try:
            as_of = dt.date.fromisoformat(args.as_of)
        except ValueError:
            print(f"error: --as-of {args.as_of!r} is not a date YYYY-MM-DD", file=sys.stderr)
            return 2
    out = args.out
    if out is None:
        found = sorted(p.parent for p in (settings.data_dir / "treaty-status").glob("untc-*/manifest.yaml"))
        if len(found) != 1:
            where = ", ".join(map(str, found)) or f"none under {settings.data_dir / 'treaty-status'}"
            print(f"error: give --out, the snapshot folder holding the manifest ({where})", file=sys.stderr)
            return 2
        out = found[0]
    report = import_untc_status(Path(args.paths[0]), out, settings.data_dir, as_of)
    print(report.text())
    print(f"wrote {out}; run `r2pgraph build` to validate and include it")
    if args.report_json:
        args.report_json.write_text(report.as_json(), encoding="utf-8")
    return 1 if report.table_errors or (args.strict and report.refused) else 0


def _instrument_filter(args: argparse.Namespace, store: object) -> list[str] | None:
    from r2pgraph.rdf.namespaces import mint
    from r2pgraph.treaties.matrix import instruments_of

    if args.instrument:
        return [str(mint("instrument", args.instrument))]
    if args.instrument_set:
        return [i for i, _ in instruments_of(store, args.instrument_set)]  # type: ignore[arg-type]
    return None


def _emit(rows: list[dict[str, object]], fmt: str) -> None:
    import csv

    if fmt == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["none"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    for row in rows:
        print("  ".join(str(v) for v in row.values()))
    print(f"({len(rows)} rows)")


def cmd_crossref(args: argparse.Namespace) -> int:
    from r2pgraph.rdf.namespaces import mint
    from r2pgraph.treaties.crossref import DISAGREEMENTS, reconcile, short

    store = open_store(current_generation(_settings(args).build_dir))
    state = str(mint("state", args.state)) if args.state else None
    wanted = _instrument_filter(args, store)
    results = reconcile(store, state=state, instruments=wanted, every_instrument=bool(state))
    rows: list[dict[str, object]] = []
    for r in results:
        where = {"state": r.state.rsplit("/", 1)[-1], "instrument": r.instrument.rsplit("/", 1)[-1]}
        if args.disagreements:
            for c in r.comparisons:
                if c.verdict in DISAGREEMENTS:
                    rows.append(
                        {
                            **where,
                            "verdict": c.verdict,
                            "compared_at": c.at or "",
                            "source_a": short(c.a.source),
                            "as_of_a": c.a.source_as_of or "",
                            "says_a": c.a.describe(),
                            "records_a": " ".join(c.a.records),
                            "source_b": short(c.b.source),
                            "as_of_b": c.b.source_as_of or "",
                            "says_b": c.b.describe(),
                            "records_b": " ".join(c.b.records),
                            "difference": "; ".join(c.differences),
                        }
                    )
            for text in r.in_force_differences:
                blank = dict.fromkeys(("compared_at", "source_a", "as_of_a", "says_a", "records_a"), "")
                rule = dict.fromkeys(("source_b", "as_of_b", "says_b", "records_b"), "")
                rows.append({**where, "verdict": "disagree on date", **blank, **rule, "difference": text})
            continue
        rows.append(
            {
                **where,
                "verdict": r.verdict,
                "sources": "; ".join(f"{short(v.source)}: {v.describe()}" for v in r.views),
                "comparisons": "; ".join([c.describe() for c in r.comparisons] + r.in_force_differences),
            }
        )
    _emit(rows, args.format)
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    from r2pgraph.rdf.namespaces import mint
    from r2pgraph.treaties.claims import check_claims

    store = open_store(current_generation(_settings(args).build_dir))
    checks = check_claims(store, str(mint("state", args.state)) if args.state else None)
    rows: list[dict[str, object]] = [
        {"claim": c.claim.rsplit("/", 1)[-1], "outcome": c.outcome, "statement": c.statement, "evidence": c.evidence}
        for c in checks
    ]
    _emit(rows, args.format)
    return 0


def cmd_matrix(args: argparse.Namespace) -> int:
    import csv
    import io

    from r2pgraph.treaties.matrix import build_matrix

    store = open_store(current_generation(_settings(args).build_dir))
    try:
        matrix = build_matrix(
            store,
            args.instrument_set,
            args.assessed_only,
            args.group,
            region=args.region,
            subregion=args.subregion,
            sort=args.sort,
            states=args.states,
        )
    except ValueError as e:
        print(f"r2pgraph matrix: {e}", file=sys.stderr)
        return 2
    text = matrix.to_csv()
    if args.format == "json":
        text = json.dumps(list(csv.DictReader(io.StringIO(text))), indent=2, ensure_ascii=False) + "\n"
    sys.stdout.write(text)
    return 0


def _megabytes(text: str) -> int:
    """A whole number of megabytes, 0 or more (an argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of megabytes, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more megabytes, got {value}")
    return value


def _seconds(text: str) -> float:
    """A positive number of seconds (an argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {text!r}")
    return value


def _base_url(text: str) -> str:
    """An http(s) URL with a host and no query or fragment (an argparse type)."""
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"expected an http(s) URL such as https://r2p.example.org (no query or fragment), got {text!r}"
        )
    return text.rstrip("/")


def _addresses(text: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (an argparse type)."""
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected IP addresses or networks, got {item!r}") from None
    return items


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated host names (an argparse type)."""
    return tuple(item.strip().lower() for item in text.split(",") if item.strip())


def default_base_url(host: str, port: int) -> str:
    """The URL of the address served: ``http://HOST:PORT`` (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def cmd_serve(args: argparse.Namespace) -> int:
    from r2pgraph.server.run import serve

    config = ServerConfig(
        query_timeout=args.query_timeout,
        workers=args.workers,
        client_queries=args.client_queries,
        max_rows=args.max_rows,
        max_result_bytes=args.max_result_bytes,
        memory_budget_mb=args.memory_budget,
        admin_token=os.environ.get("R2P_ADMIN_TOKEN") or None,
        store_url=args.store,
        ontology_dir=_settings(args).ontology_dir,
        base_url=args.base_url or default_base_url(args.host, args.port),
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        trusted_proxies=args.trusted_proxy,
        trusted_hosts=args.trusted_host,
    )
    return serve(_settings(args), config, host=args.host, port=args.port)


def cmd_publish(args: argparse.Namespace) -> int:
    from r2pgraph.publish.publisher import publish
    from r2pgraph.store.remote import Endpoints, RemoteStore, auth_from_env

    generation = args.generation or current_generation(_settings(args).build_dir)
    auth = auth_from_env(kind=args.auth)
    endpoints = Endpoints(query=args.to, update=args.update or args.to, gsp=args.gsp)
    with RemoteStore(endpoints, auth=auth, timeout=args.timeout) as remote:
        result = publish(Path(generation), remote, break_lock=args.break_lock, default_copy=args.default_graph_copy)
    if result.cleaned:
        print(f"dropped {len(result.cleaned)} staging graph(s) that a stopped publish left in {args.to}")
    if result.unchanged:
        print(f"unchanged: {args.to} already holds {result.generation_hash} ({len(result.kept)} graphs)")
    else:
        print(
            f"published {result.generation_hash} to {args.to}: {len(result.replaced)} graph(s) replaced, "
            f"{len(result.dropped)} dropped, {len(result.kept)} unchanged ({result.seconds:.2f} s)"
        )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="r2pgraph", description="Build, validate, query and serve the R2P knowledge graph."
    )
    p.add_argument("--version", action="version", version=f"r2pgraph {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data", type=Path, help="data directory (default: data, or $R2P_DATA_DIR)")
        sp.add_argument("--build-dir", type=Path, help="where generations are written (default: build)")
        sp.add_argument(
            "--imports-dir", type=Path, help="where importers write and builds read imports (default: imports)"
        )

    b = sub.add_parser("build", help="load data/, validate, and write a new generation")
    common(b)
    b.add_argument(
        "--allow-shrink",
        action="store_true",
        help="switch even when a class has lost more than half of its instances since the current generation",
    )
    b.set_defaults(func=cmd_build)
    gl = sub.add_parser("generations", help="list the built generations (* marks the current one)")
    common(gl)
    gl.add_argument("--json", action="store_true", help="print the list as JSON")
    gl.set_defaults(func=cmd_generations)
    rb = sub.add_parser("rollback", help="switch build/current back to an earlier generation")
    common(rb)
    rb.add_argument("generation", nargs="?", help="name, name prefix or hash prefix (default: the previous one)")
    rb.add_argument("--dry-run", action="store_true", help="only say which generation would be served")
    rb.set_defaults(func=cmd_rollback)
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
    im = sub.add_parser(
        "import", help="import other publishers' records: into data/ (un-members, un-treaty-status) or imports/"
    )
    common(im)
    im.add_argument(
        "importer", choices=["un-members", "un-treaty-status", "untc-status", "wikidata"], help="the kind of records"
    )
    im.add_argument(
        "paths", nargs="*", help="un-treaty-status: CSV files, or directories of them; untc-status: one DIR of tables"
    )
    im.add_argument("--endpoint", default="https://query.wikidata.org/sparql", help="wikidata: the SPARQL endpoint")
    im.add_argument("--user-agent", help="wikidata: the User-Agent to send (name the project and a contact)")
    im.add_argument("--timeout", type=float, default=60.0, help="wikidata: seconds per request (default 60)")
    im.add_argument(
        "--as-of",
        help="un-treaty-status: the date or year the records describe (default 2022);"
        " untc-status: the date of a table the manifest lacks",
    )
    im.add_argument(
        "--out",
        type=Path,
        help="where to write (default: data/states/un-membership.csv, data/treaty-status/ohchr-<as-of>/,"
        " imports/wikidata.trig); untc-status: the snapshot folder holding manifest.yaml (default: the one"
        " data/treaty-status/untc-*/ folder)",
    )
    im.add_argument("--report-json", type=Path, help="also write the import report as JSON")
    im.add_argument("--strict", action="store_true", help="exit 1 when any row was refused")
    im.set_defaults(func=cmd_import)

    def filters(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--state", help="ISO 3166-1 alpha-3 code, e.g. JPN")
        group = sp.add_mutually_exclusive_group()
        group.add_argument("--instrument", help="instrument id, e.g. iccpr")
        group.add_argument("--instrument-set", help="instrument set id, e.g. apr2p-key-instruments")
        sp.add_argument("--format", choices=["table", "csv", "json"], default="table")

    cr = sub.add_parser("crossref", help="who is party to what, per source, and where sources disagree")
    common(cr)
    filters(cr)
    cr.add_argument(
        "--disagreements",
        action="store_true",
        help="every disagreement between two sources: one row per pair, with both records and both as-of dates",
    )
    cr.set_defaults(func=cmd_crossref)
    cl = sub.add_parser("claims", help="assessments' treaty claims checked against the records")
    common(cl)
    cl.add_argument("--state", help="ISO 3166-1 alpha-3 code, e.g. JPN")
    cl.add_argument("--format", choices=["table", "csv", "json"], default="table")
    cl.set_defaults(func=cmd_claims)
    mx = sub.add_parser("matrix", help="the ratification matrix (UN member states × instruments) as CSV")
    common(mx)
    mx.add_argument("--instrument-set", help="only the instruments of this set")
    mx.add_argument("--assessed-only", action="store_true", help="only states with an assessment")
    mx.add_argument("--group", help="only the states of this state group (data/states/groups.yaml)")
    mx.add_argument("--region", help="only the states of this M49 region (its code, e.g. 142 for Asia)")
    mx.add_argument("--subregion", help="only the states of this M49 sub-region (its code, e.g. 030)")
    mx.add_argument(
        "--states", choices=["members", "all"], default="members", help="UN member states, or every state with records"
    )
    mx.add_argument("--sort", choices=["name", "region", "parties"], default="name", help="order of the rows")
    mx.add_argument("--format", choices=["csv", "json"], default="csv", help="CSV (default) or JSON rows")
    mx.set_defaults(func=cmd_matrix)
    defaults = ServerConfig()
    sv = sub.add_parser("serve", help="serve the built graph: SPARQL endpoint and linked-data pages")
    common(sv)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument(
        "--query-timeout",
        type=float,
        default=env_seconds(QUERY_TIMEOUT_ENV, defaults.query_timeout),
        help=f"seconds after which a SPARQL query is stopped with 503 (default {defaults.query_timeout:g}, "
        "or $R2P_QUERY_TIMEOUT)",
    )
    sv.add_argument(
        "--workers",
        type=int,
        default=defaults.workers,
        help=f"query worker processes (default {defaults.workers}: one more than a client may use, so no client can "
        "take them all)",
    )
    sv.add_argument(
        "--client-queries",
        type=int,
        default=defaults.client_queries,
        help="SPARQL queries one client may have running or waiting at once; more get 429 "
        f"(default {defaults.client_queries}; 0: no limit)",
    )
    sv.add_argument(
        "--store",
        metavar="QUERY_URL",
        help="serve a remote SPARQL 1.1 store that `r2pgraph publish` wrote into, instead of build/current",
    )
    sv.add_argument(
        "--max-rows", type=int, default=defaults.max_rows, help="rows (or triples) in a SPARQL result, then truncated"
    )
    sv.add_argument(
        "--max-result-bytes",
        type=int,
        default=defaults.max_result_bytes,
        help="bytes in a SPARQL result, then truncated",
    )
    sv.add_argument(
        "--memory-budget",
        type=_megabytes,
        default=defaults.memory_budget_mb,
        metavar="MB",
        help="memory the query workers may use for in-memory copies of the store (several times faster "
        f"than the on-disk store); over it, or 0, they answer from disk (default {defaults.memory_budget_mb})",
    )
    sv.add_argument(
        "--base-url",
        type=_base_url,
        default=os.environ.get("R2P_BASE_URL") or None,
        metavar="URL",
        help="the public URL clients reach this server at, written in every absolute URL it sends "
        "(default: $R2P_BASE_URL, or http://HOST:PORT); the request's Host header is never used",
    )
    sv.add_argument(
        "--header-timeout",
        type=_seconds,
        default=defaults.header_timeout,
        metavar="S",
        help="close a connection whose request line and headers are not complete after S seconds "
        f"(default {defaults.header_timeout:g})",
    )
    sv.add_argument(
        "--body-timeout",
        type=_seconds,
        default=defaults.body_timeout,
        metavar="S",
        help=f"close a connection whose request body has had no data for S seconds (default {defaults.body_timeout:g})",
    )
    sv.add_argument(
        "--trusted-proxy",
        type=_addresses,
        default=(),
        metavar="IP[,IP]",
        help="reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (default: none)",
    )
    sv.add_argument(
        "--trusted-host",
        type=_names,
        default=(),
        metavar="NAME[,NAME]",
        help="answer only requests whose Host header is one of these (400 otherwise; default: any)",
    )
    sv.set_defaults(func=cmd_serve)
    pb = sub.add_parser("publish", help="write the built graph into a remote SPARQL 1.1 store, graph by graph")
    common(pb)
    pb.add_argument("--to", required=True, metavar="URL", help="the store's SPARQL query endpoint")
    pb.add_argument("--update", metavar="URL", help="its SPARQL Update endpoint (default: the --to URL)")
    pb.add_argument(
        "--gsp", metavar="URL", help="its Graph Store Protocol endpoint for uploads (default: INSERT DATA via --update)"
    )
    pb.add_argument("--generation", type=Path, help="the generation directory to publish (default: build/current)")
    pb.add_argument(
        "--auth",
        choices=["basic", "digest"],
        help="HTTP auth for R2P_STORE_USER/R2P_STORE_PASSWORD (default basic, or $R2P_STORE_AUTH)",
    )
    pb.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    pb.add_argument(
        "--break-lock",
        action="store_true",
        help="remove the store's publication lock first (left by a publish that died on another machine)",
    )
    pb.add_argument(
        "--default-graph-copy",
        action="store_true",
        help="keep the store's default graph a copy of the live graphs, switched with them (for a store whose "
        "default graph is not the union of its graphs; its readers then never see staging graphs)",
    )
    pb.set_defaults(func=cmd_publish)
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


if __name__ == "__main__":
    sys.exit(main())
