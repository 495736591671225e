"""The dataset's own description in VoID (https://www.w3.org/TR/void/) and DCAT
(https://www.w3.org/TR/vocab-dcat-3/), served at /.well-known/void (RFC 5785, VoID §7.2) and at
the dataset's IRI (``https://w3id.org/r2p/dataset``, that is ``/dataset``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from r2pgraph.exports.dumps import EXPORTS
from r2pgraph.rdf.iris import BASE, ID, R2P
from r2pgraph.server.conneg import GRAPH_FORMATS, HTML, negotiate
from r2pgraph.server.serialize import serialize_graph
from r2pgraph.server.served import public_base, served
from r2pgraph.server.templating import data_head, format_param_href, make_templates

router = APIRouter()
templates = make_templates()
DATASET = BASE + "dataset"
VOCABULARIES = (
    R2P,
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/prov#",
    "http://purl.org/dc/terms/",
    "https://schema.org/",
    "http://www.w3.org/ns/org#",
)


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def describe_dataset(report: dict[str, Any], generation: Path, base_url: str) -> str:
    """VoID + DCAT for the generation, as Turtle; ``base_url`` is where this server answers."""
    base_url = base_url.rstrip("/")
    lines = [
        "@prefix void: <http://rdfs.org/ns/void#> .",
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
        "",
        f"<{DATASET}> a void:Dataset , dcat:Dataset ;",
        '    dct:title "r2pgraph: the Responsibility to Protect knowledge graph"@en ;',
        '    dct:description "How states implement the Responsibility to Protect: assessments against the APR2P'
        " indicator framework with the evidence each finding cites, treaty actions with their sources, and"
        ' related events."@en ;',
        f'    dct:modified "{report["built_at"]}"^^xsd:dateTime ;',
        f'    dct:identifier "{report["content_hash"]}" ;',
        f"    foaf:homepage <{base_url}/> ;",
        f"    void:sparqlEndpoint <{base_url}/sparql> ;",
        f'    void:uriSpace "{ID}" ;',
        f"    void:triples {int(report['quads'])} ;",
        f"    dcat:landingPage <{base_url}/> ;",
    ]
    lines += [f"    void:vocabulary <{v}> ;" for v in VOCABULARIES]
    for name, (file, _) in EXPORTS.items():
        if name in ("nquads", "turtle", "ntriples", "trig") and (generation / file).is_file():
            lines.append(f"    void:dataDump <{base_url}/downloads/{file}> ;")
    for cls, n in sorted(report["classes"].items()):
        lines.append(f"    void:classPartition [ void:class <{cls}> ; void:entities {int(n)} ] ;")
    for graph, n in sorted(report["graphs"].items()):
        lines.append(f"    void:subset [ a void:Dataset ; dct:identifier <{graph}> ; void:triples {int(n)} ] ;")
    for name, (file, media) in EXPORTS.items():
        path = generation / file
        if path.is_file():
            lines.append(
                f"    dcat:distribution [ a dcat:Distribution ; dct:title {_lit(name)} ;"
                f" dcat:downloadURL <{base_url}/downloads/{file}> ; dcat:mediaType {_lit(media)} ;"
                f" dcat:byteSize {path.stat().st_size} ] ;"
            )
    lines.append(
        f'    dcat:distribution [ a dcat:Distribution ; dct:title "SPARQL endpoint" ;'
        f" dcat:accessURL <{base_url}/sparql> ] ."
    )
    return "\n".join(lines) + "\n"


@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
@router.api_route("/dataset", methods=["GET", "HEAD"])
def void(request: Request) -> Response:
    text = describe_dataset(served(request).report, served(request).files(), public_base(request))
    fmt = negotiate(request.headers.get("accept"), (*GRAPH_FORMATS, HTML), request.query_params.get("format"))
    if fmt.name == "turtle":
        return Response(text, media_type=fmt.media_type, headers={"Vary": "Accept"})
    statements = list(ox.parse(text, format=ox.RdfFormat.TURTLE))
    if fmt is HTML:
        head = data_head(statements, format_param_href(request.url.path))
        return templates.TemplateResponse(request, "void.html", {"turtle": text, **head})
    return Response(serialize_graph(statements, fmt), media_type=fmt.media_type, headers={"Vary": "Accept"})
