"""``r2pgraph import``, ``crossref``, ``claims`` and ``matrix``: treaty records from several sources."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from r2pgraph import __version__
from r2pgraph.build.generations import current_generation
from r2pgraph.cli.common import add_common, settings_of
from r2pgraph.config import Settings
from r2pgraph.store.embedded import open_store


def cmd_import(args: argparse.Namespace) -> int:
    settings = settings_of(args)
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

    store = open_store(current_generation(settings_of(args).build_dir))
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

    store = open_store(current_generation(settings_of(args).build_dir))
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

    store = open_store(current_generation(settings_of(args).build_dir))
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


def _filters(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--state", help="ISO 3166-1 alpha-3 code, e.g. JPN")
    group = sp.add_mutually_exclusive_group()
    group.add_argument("--instrument", help="instrument id, e.g. iccpr")
    group.add_argument("--instrument-set", help="instrument set id, e.g. apr2p-key-instruments")
    sp.add_argument("--format", choices=["table", "csv", "json"], default="table")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's subcommands to the ``r2pgraph`` parser."""
    im = sub.add_parser(
        "import", help="import other publishers' records: into data/ (un-members, un-treaty-status) or imports/"
    )
    add_common(im)
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

    cr = sub.add_parser("crossref", help="who is party to what, per source, and where sources disagree")
    add_common(cr)
    _filters(cr)
    cr.add_argument(
        "--disagreements",
        action="store_true",
        help="every disagreement between two sources: one row per pair, with both records and both as-of dates",
    )
    cr.set_defaults(func=cmd_crossref)
    cl = sub.add_parser("claims", help="assessments' treaty claims checked against the records")
    add_common(cl)
    cl.add_argument("--state", help="ISO 3166-1 alpha-3 code, e.g. JPN")
    cl.add_argument("--format", choices=["table", "csv", "json"], default="table")
    cl.set_defaults(func=cmd_claims)
    mx = sub.add_parser("matrix", help="the ratification matrix (UN member states × instruments) as CSV")
    add_common(mx)
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
