"""Pages for people: home, downloads, ontology documentation (the query page is in query_page.py)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from r2pgraph.exports.dumps import EXPORTS
from r2pgraph.query.engine import Source, graph_quads, select
from r2pgraph.query.examples import example_queries
from r2pgraph.rdf.iris import ONTOLOGY_IRI, R2P
from r2pgraph.server.caching import file_validators
from r2pgraph.server.conneg import GRAPH_FORMATS, HTML, negotiate
from r2pgraph.server.errors import ProtocolError
from r2pgraph.server.linked_data import OFFERED
from r2pgraph.server.ontology_diagram import render_svg, unlinked
from r2pgraph.server.ontology_doc import add_examples, read_ontology
from r2pgraph.server.serialize import serialize_graph
from r2pgraph.server.served import public_base, served
from r2pgraph.server.templating import data_head, format_param_href, make_templates

router = APIRouter()
templates = make_templates()

ENTRY_POINTS = """
PREFIX r2p: <https://w3id.org/r2p/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?label ?kind WHERE {
  { ?s a r2p:StateAssessment ; r2p:state/skos:prefLabel ?state ; r2p:edition/skos:prefLabel ?ed .
    BIND (CONCAT(?state, " — ", ?ed) AS ?label) BIND ("assessment" AS ?kind) }
  UNION { ?s a r2p:Instrument ; skos:prefLabel ?label . BIND ("instrument" AS ?kind) }
  UNION { ?s a r2p:AssessmentFramework ; skos:prefLabel ?label . BIND ("framework" AS ?kind) }
  UNION { ?s a r2p:InstrumentSet ; skos:prefLabel ?label . BIND ("instrument set" AS ?kind) }
  UNION { ?a a r2p:StateAssessment ; r2p:state ?s . ?s skos:prefLabel ?label . BIND ("state" AS ?kind) }
} ORDER BY ?kind ?label
"""


@router.api_route("/", methods=["GET", "HEAD"])
def home(request: Request) -> Response:
    store: Source = served(request).store
    entries: dict[str, list[tuple[str, str]]] = {}
    for row in select(store, ENTRY_POINTS):
        entries.setdefault(row["kind"].value, []).append((row["s"].value, row["label"].value))
    report = served(request).report
    classes = {k.rsplit("#", 1)[-1]: v for k, v in report["classes"].items() if k.startswith(R2P)}
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "report": report,
            "classes": classes,
            "entries": entries,
            "examples": example_queries(),
            "base_url": public_base(request) + "/",
        },
    )


@router.api_route("/downloads", methods=["GET", "HEAD"])
def downloads(request: Request) -> Response:
    generation = served(request).files()
    files = [
        (name, file, media, (generation / file).stat().st_size)
        for name, (file, media) in EXPORTS.items()
        if (generation / file).is_file()
    ]
    return templates.TemplateResponse(request, "downloads.html", {"files": files, "report": served(request).report})


@router.api_route("/downloads/{file}", methods=["GET", "HEAD"])
def download(file: str, request: Request) -> Response:
    by_file = {f: media for f, media in EXPORTS.values()}
    by_file["build-report.json"] = "application/json"
    if file not in by_file:
        raise ProtocolError(404, f"No download named {file!r}; see /downloads")
    version = served(request)
    path = version.files() / file  # first: a remote store's report is read with the files
    return FileResponse(path, media_type=by_file[file], filename=file, headers=file_validators(version, file))


ONTOLOGY_GRAPH = "https://w3id.org/r2p/graph/ontology"
OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"


def _ontology_response(request: Request) -> Response:
    """The ontology in the format asked for: its named graph in RDF, or its documentation in HTML."""
    store: Source = served(request).store
    fmt = negotiate(request.headers.get("accept"), OFFERED, request.query_params.get("format"))
    quads = graph_quads(store, ONTOLOGY_GRAPH)
    if fmt is not HTML:
        return Response(serialize_graph(quads, fmt), media_type=fmt.media_type, headers={"Vary": "Accept"})
    doc = read_ontology(quads)
    add_examples(store, doc)
    head = data_head(quads, format_param_href(request.url.path))
    return templates.TemplateResponse(
        request,
        "ontology.html",
        {"doc": doc, "diagram": render_svg(doc), "unlinked": unlinked(doc), "formats": GRAPH_FORMATS, **head},
        headers={"Vary": "Accept"},
    )


@router.api_route("/ontology", methods=["GET", "HEAD"])
def ontology(request: Request) -> Response:
    return _ontology_response(request)


@router.api_route("/ontology/{version}", methods=["GET", "HEAD"])
def ontology_version(version: str, request: Request) -> Response:
    """The version IRI (``owl:versionIRI``) of the ontology that is served; other versions are 404."""
    rows = select(
        served(request).store,
        f"SELECT ?v WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{ONTOLOGY_IRI}> <{OWL_VERSION_IRI}> ?v }} }}",
        union=False,
    )
    served_versions = {row["v"].value for row in rows if row["v"] is not None}
    if f"{ONTOLOGY_IRI}/{version}" not in served_versions:
        known = ", ".join(sorted(served_versions)) or "none"
        raise ProtocolError(404, f"No ontology version {version!r} is served here (served: {known})")
    return _ontology_response(request)


@router.api_route("/context.jsonld", methods=["GET", "HEAD"])
def jsonld_context(request: Request) -> Response:
    """The published JSON-LD context that the JSON-LD export is compacted with."""
    version = served(request)
    path = version.files() / "context.jsonld"
    return FileResponse(path, media_type="application/ld+json", headers=file_validators(version, "context.jsonld"))


FAVICON = Path(__file__).parent / "static" / "favicon.svg"


@router.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
def favicon() -> Response:
    """The site's icon (an SVG) where browsers and feed readers look for it without being told."""
    return FileResponse(FAVICON, media_type="image/svg+xml")
