"""The query page: YASGUI (vendored, see static/vendor/vendor.json) over this server's /sparql.

The page carries its configuration as a JSON data block (the CSP allows no inline script): the
endpoint's path under the base URL, the dataset's prefixes, the example queries (one tab each) and
the key under which YASGUI keeps its tabs in the browser's storage. The key changes with the
package version and with the examples, prefixes and endpoint, so tabs kept from another version
never hide the current examples. Without JavaScript the page is a form that sends the query to
/sparql.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from r2pgraph import __version__
from r2pgraph.query.examples import ExampleQuery, example_queries
from r2pgraph.rdf.iris import BASE, PREFIXES
from r2pgraph.server.served import public_base
from r2pgraph.server.templating import make_templates

QUERY_PATH = "/query"

router = APIRouter()
templates = make_templates()

DEFAULT_SELECT = "SELECT * WHERE {\n  ?s ?p ?o\n} LIMIT 10\n"


def prefix_block() -> str:
    """The dataset's prefixes as SPARQL ``PREFIX`` lines."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def page_config(endpoint_path: str, examples: list[ExampleQuery]) -> dict[str, Any]:
    """What query.js needs, and the storage key derived from all of it."""
    config: dict[str, Any] = {
        "endpoint": endpoint_path,
        "base": BASE,
        "prefixes": PREFIXES,
        "newTabQuery": prefix_block() + "\n" + DEFAULT_SELECT,
        "examples": [{"name": q.name, "question": q.question, "text": q.text} for q in examples],
    }
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
    config["storageKey"] = f"r2pgraph-query-{__version__}-{digest}"
    return config


def json_data_block(value: object) -> str:
    """``value`` as JSON that is safe inside ``<script type="application/json">``."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@router.api_route(QUERY_PATH, methods=["GET", "HEAD"])
def query_page(request: Request) -> Response:
    """YASGUI with the examples in tabs; ``?example=NAME`` opens that example, ``?query=TEXT`` a
    tab with that query (and fills the form of the page without JavaScript)."""
    examples = example_queries()
    by_name = {q.name: q for q in examples}
    chosen = by_name.get(request.query_params.get("example", ""))
    linked = request.query_params.get("query")
    if linked:
        text = linked
    elif chosen or examples:
        text = (chosen or examples[0]).text
    else:
        text = prefix_block() + "\n" + DEFAULT_SELECT
    endpoint_path = urlsplit(public_base(request)).path + request.app.url_path_for("sparql_endpoint")
    return templates.TemplateResponse(
        request,
        "query.html",
        {
            "examples": examples,
            "text": text,
            "endpoint_path": endpoint_path,
            "config_json": json_data_block(page_config(endpoint_path, examples)),
        },
    )
