"""Pages for the treaty cross-reference: the ratification matrix (with a world map of one of its
instruments), reconciliations and claim checks, and the map's data (``/map.json``).

The cross-reference modules also write graphs with rdflib at build time; they are imported by the
routes that use them, so that starting the server does not import rdflib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from r2pgraph.query.engine import Source
from r2pgraph.rdf.iris import GRAPH, mint
from r2pgraph.server.errors import ProtocolError
from r2pgraph.server.page_basis import WORLD_KEY
from r2pgraph.server.served import served
from r2pgraph.server.templating import make_templates

if TYPE_CHECKING:
    from r2pgraph.server.world_map import MapData
    from r2pgraph.treaties.matrix import Matrix
    from r2pgraph.treaties.world import TreatyWorld

router = APIRouter()
templates = make_templates()
NUMERICS_KEY = "state-numerics"
MATRIX_PARAMETERS = ("set", "group", "states", "region", "subregion", "sort", "format")


def treaty_world(request: Request) -> TreatyWorld:
    """Every state's treaty status in the served version, read once per version (it is immutable)."""
    from r2pgraph.treaties.world import load_world

    version = served(request)
    return version.derived(WORLD_KEY, lambda: load_world(version.store))


def treaty_world_if_ready(request: Request) -> TreatyWorld | None:
    """The served version's treaty statuses if a request has read them already, else None."""
    found = served(request).derived_if_ready(WORLD_KEY)
    return found  # type: ignore[return-value]


def _set_param(request: Request, store: Source) -> str | None:
    from r2pgraph.treaties.matrix import labelled

    chosen = request.query_params.get("set") or None
    if chosen and chosen not in {k for k, _ in labelled(store, "InstrumentSet")}:
        raise ProtocolError(400, f"Unknown instrument set {chosen!r} (parameter 'set').")
    return chosen


def _group_param(request: Request, store: Source) -> str | None:
    from r2pgraph.treaties.matrix import labelled

    chosen = request.query_params.get("group") or None
    if chosen and chosen not in {k for k, _ in labelled(store, "StateGroup")}:
        raise ProtocolError(400, f"Unknown state group {chosen!r} (parameter 'group').")
    return chosen


def _iri_param(request: Request, name: str, kind: str) -> str | None:
    """The IRI of the resource a query parameter names (e.g. state=JPN), or 400 when it cannot be one."""
    key = request.query_params.get(name)
    if not key:
        return None
    try:
        return ox.NamedNode(mint(kind, key)).value
    except ValueError:
        raise ProtocolError(400, f"Parameter {name!r}: {key!r} is not a valid {kind} identifier.") from None


def _params(*names: str) -> dict[str, object]:
    return {"parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in names]}


def _matrix(request: Request, store: Source) -> Matrix:
    from r2pgraph.treaties.matrix import build_matrix

    q = request.query_params
    try:
        return build_matrix(
            store,
            _set_param(request, store),
            group=_group_param(request, store),
            region=q.get("region") or None,
            subregion=q.get("subregion") or None,
            sort=q.get("sort") or "name",
            states=q.get("states") or "members",
            world=treaty_world(request),
        )
    except ValueError as e:
        raise ProtocolError(400, str(e)) from None


def instrument_map(request: Request, instrument: str, label: str) -> MapData:
    """The world map's data for ``instrument`` (an IRI) in the served version."""
    from r2pgraph.server.world_map import map_data, state_numerics

    version = served(request)
    numerics = version.derived(NUMERICS_KEY, lambda: state_numerics(version.store))
    return map_data(treaty_world(request), numerics, instrument, label)


def _instrument_param(request: Request, store: Source, name: str, default: str | None = None) -> tuple[str, str]:
    """The instrument (IRI, short name) that parameter ``name`` names by its id (e.g. rome-statute),
    or ``default`` (an IRI) when it is not given; 400 naming the parameter otherwise."""
    from r2pgraph.treaties.matrix import instruments_of

    known = {iri.rsplit("/", 1)[-1]: (iri, short) for iri, short in instruments_of(store, None)}
    key = request.query_params.get(name) or (default.rsplit("/", 1)[-1] if default else None)
    if not key:
        raise ProtocolError(400, f"Parameter {name!r} is required: an instrument id, e.g. rome-statute.")
    if key not in known:
        raise ProtocolError(
            400, f"Unknown instrument {key!r} (parameter {name!r}; an instrument id, e.g. rome-statute)."
        )
    return known[key]


@router.api_route("/map.json", methods=["GET", "HEAD"], openapi_extra=_params("instrument"))
def map_json(request: Request) -> Response:
    """Each state's status for an instrument by ISO 3166-1 numeric code, for the world map."""
    store: Source = served(request).store
    iri, short = _instrument_param(request, store, "instrument")
    return JSONResponse(instrument_map(request, iri, short).to_json())


@router.api_route("/matrix", methods=["GET", "HEAD"], openapi_extra=_params(*MATRIX_PARAMETERS, "map"))
def matrix_page(request: Request) -> Response:
    from r2pgraph.treaties.matrix import ACT_MARKS, SORTS, labelled

    store: Source = served(request).store
    fmt = request.query_params.get("format") or "html"
    if fmt not in ("html", "csv"):
        raise ProtocolError(400, f"Unknown format {fmt!r} (parameter 'format'; html or csv).")
    matrix = _matrix(request, store)
    if fmt == "csv":
        return Response(matrix.to_csv(), media_type="text/csv; charset=utf-8")
    q = request.query_params
    world_map = None  # of the chosen instrument, or of the matrix's first
    if matrix.instruments or q.get("map"):
        first = matrix.instruments[0][0] if matrix.instruments else None
        world_map = instrument_map(request, *_instrument_param(request, store, "map", first))
    return templates.TemplateResponse(
        request,
        "matrix.html",
        {
            "m": matrix,
            "world_map": world_map,
            "sets": labelled(store, "InstrumentSet"),
            "chosen": q.get("set") or "",
            "states": q.get("states") or "members",
            "groups": labelled(store, "StateGroup"),
            "group": q.get("group") or "",
            "regions": treaty_world(request).regions(),
            "region": q.get("region") or "",
            "subregion": q.get("subregion") or "",
            "sort": q.get("sort") or "name",
            "sorts": SORTS,
            "marks": ACT_MARKS,
            "csv_query": str(request.url.include_query_params(format="csv").query),
        },
    )


@router.api_route("/matrix.csv", methods=["GET", "HEAD"], openapi_extra=_params(*MATRIX_PARAMETERS[:-1]))
def matrix_csv(request: Request) -> Response:
    store: Source = served(request).store
    return Response(_matrix(request, store).to_csv(), media_type="text/csv; charset=utf-8")


@router.api_route("/crossref", methods=["GET", "HEAD"], openapi_extra=_params("state", "instrument", "verdict"))
def crossref_page(request: Request) -> Response:
    from r2pgraph.treaties.crossref import DISAGREEMENTS, VERDICTS, reconcile

    store: Source = served(request).store
    state = request.query_params.get("state")
    instrument = _iri_param(request, "instrument", "instrument")
    only = request.query_params.get("verdict") or ""
    known = ["disagree", *VERDICTS, "single source"]
    if only and only not in known:
        raise ProtocolError(400, f"Unknown verdict {only!r} (parameter 'verdict'; one of {', '.join(known)}).")
    results = reconcile(
        store, state=_iri_param(request, "state", "state"), instruments=[instrument] if instrument else None
    )
    if only:
        results = [r for r in results if r.verdict == only or (only == "disagree" and r.verdict in DISAGREEMENTS)]
    return templates.TemplateResponse(
        request,
        "crossref.html",
        {"results": results, "GRAPH": GRAPH, "state": state or "", "verdict": only, "verdicts": known},
    )


@router.api_route("/claims", methods=["GET", "HEAD"], openapi_extra=_params("state"))
def claims_page(request: Request) -> Response:
    from r2pgraph.treaties.claims import check_claims

    store: Source = served(request).store
    checks = check_claims(store, _iri_param(request, "state", "state"))
    return templates.TemplateResponse(request, "claims.html", {"checks": checks})
