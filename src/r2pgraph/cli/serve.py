"""``r2pgraph serve`` and ``publish``: the built graph served, or written into a remote store."""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import urllib.parse
from pathlib import Path

from r2pgraph.build.generations import current_generation
from r2pgraph.cli.common import add_common, settings_of
from r2pgraph.config import QUERY_TIMEOUT_ENV, ServerConfig, env_seconds


def _whole(text: str, unit: str = "") -> int:
    """A whole number of ``unit``, 0 or more (for argparse types)."""
    of = f" of {unit}" if unit else ""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number{of}, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more{' ' + unit if unit else ''}, got {value}")
    return value


def _megabytes(text: str) -> int:
    """A whole number of megabytes, 0 or more (an argparse type)."""
    return _whole(text, "megabytes")


def _count(text: str) -> int:
    """A whole number, 0 or more (an argparse type)."""
    return _whole(text)


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
        client_queue=args.client_queue,
        client_queue_wait=args.client_queue_wait,
        max_rows=args.max_rows,
        max_result_bytes=args.max_result_bytes,
        memory_budget_mb=args.memory_budget,
        cache_mb=args.cache_mb,
        access_log=args.access_log,
        admin_token=os.environ.get("R2P_ADMIN_TOKEN") or None,
        store_url=args.store,
        ontology_dir=settings_of(args).ontology_dir,
        base_url=args.base_url or default_base_url(args.host, args.port),
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        trusted_proxies=args.trusted_proxy,
        trusted_hosts=args.trusted_host,
    )
    return serve(settings_of(args), config, host=args.host, port=args.port)


def cmd_publish(args: argparse.Namespace) -> int:
    from r2pgraph.publish.publisher import publish
    from r2pgraph.store.remote import Endpoints, RemoteStore, auth_from_env

    generation = args.generation or current_generation(settings_of(args).build_dir)
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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's subcommands to the ``r2pgraph`` parser."""
    defaults = ServerConfig()
    sv = sub.add_parser("serve", help="serve the built graph: SPARQL endpoint and linked-data pages")
    add_common(sv)
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
        help="SPARQL queries one client may have running at once; more wait in its queue "
        f"(default {defaults.client_queries}; 0: no limit)",
    )
    sv.add_argument(
        "--client-queue",
        type=_count,
        default=defaults.client_queue,
        metavar="N",
        help="queries of one client that may wait for one of its running queries to finish; more get 429 "
        f"(default {defaults.client_queue}; 0: refused at once)",
    )
    sv.add_argument(
        "--client-queue-wait",
        type=_seconds,
        default=defaults.client_queue_wait,
        metavar="S",
        help="seconds a query waits in its client's queue (at most its deadline), then 429 "
        f"(default {defaults.client_queue_wait:g})",
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
        "--cache-mb",
        type=_megabytes,
        default=defaults.cache_mb,
        metavar="MB",
        help="memory for answers kept while the same generation is served (SPARQL results and pages, "
        "least recently used dropped first), and a quarter of it more for their responses as sent "
        f"(replayed byte for byte to the same request); 0: none; default {defaults.cache_mb}",
    )
    sv.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log a line per request (the log then has start-up, reloads and problems only)",
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
    add_common(pb)
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
