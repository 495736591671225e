"""UN membership and M49 areas (data/states/un-membership.csv, from country_converter) and the OHCHR
2022 records (data/treaty-status/ohchr-2022/), built from data/ alone: no ../shared, no import."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from r2pgraph.errors import DataError, ValidationFailed
from r2pgraph.importers.common import ImportReport
from r2pgraph.importers.un_members import membership_rows, render
from r2pgraph.sources import load_files
from r2pgraph.sources.un_membership import COLUMNS
from tests.conftest import ROOT, repo_settings

PREFIXES = """PREFIX r2p: <https://w3id.org/r2p/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX state: <https://w3id.org/r2p/id/state/>
"""
MEMBERSHIP = ROOT / "data" / "states" / "un-membership.csv"


def _rows(server: str, query: str) -> list[dict[str, str]]:
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setQuery(PREFIXES + query)
    sparql.setReturnFormat(JSON)
    result = sparql.queryAndConvert()
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]  # type: ignore[index]


# ------------------------------------------------------------------ through the real build ---


def test_the_built_graph_holds_the_world_by_un_status(server: str) -> None:
    coded = _rows(server, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a r2p:State ; r2p:iso3166Alpha3 ?c }")
    assert int(coded[0]["n"]) >= 190
    counts = {
        r["status"].rsplit("#", 1)[-1]: int(r["n"])
        for r in _rows(server, "SELECT ?status (COUNT(?s) AS ?n) WHERE { ?s r2p:unStatus ?status } GROUP BY ?status")
    }
    assert counts == {"UNMemberState": 193, "UNObserverState": 2, "UNNonMemberState": 2}
    observers = _rows(server, "SELECT ?s WHERE { ?s r2p:unStatus r2p:UNObserverState } ORDER BY ?s")
    assert [r["s"].rsplit("/", 1)[-1] for r in observers] == ["PSE", "VAT"]
    regions = _rows(
        server,
        """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s r2p:unStatus r2p:UNMemberState ;
             r2p:m49Area/skos:broader* ?r . ?r skos:notation ?code . FILTER NOT EXISTS { ?r skos:broader ?up } }""",
    )
    assert int(regions[0]["n"]) == 193  # every member reaches one of the five regions


def test_japan_admitted_1956_in_eastern_asia_asia(server: str) -> None:
    rows = _rows(
        server,
        """SELECT ?admitted ?org ?sub ?subcode ?region ?regioncode WHERE {
             state:JPN org:hasMembership ?m ; r2p:m49Area ?a .
             ?m org:organization ?org ; r2p:date ?admitted .
             ?a skos:prefLabel ?sub ; skos:notation ?subcode ; skos:broader ?r .
             ?r skos:prefLabel ?region ; skos:notation ?regioncode }""",
    )
    assert rows == [
        {
            "admitted": "1956",
            "org": "https://w3id.org/r2p/id/organisation/united-nations",
            "sub": "Eastern Asia",
            "subcode": "030",
            "region": "Asia",
            "regioncode": "142",
        }
    ]
    datatype = _rows(server, "SELECT (DATATYPE(?d) AS ?t) WHERE { state:JPN org:hasMembership/r2p:date ?d }")
    assert datatype == [{"t": "http://www.w3.org/2001/XMLSchema#gYear"}]  # the library gives the year only


def test_the_membership_table_gives_the_graph_each_states_numeric_code(server: str) -> None:
    rows = _rows(
        server,
        """SELECT ?s ?n WHERE { GRAPH <https://w3id.org/r2p/graph/states/un-membership> { ?s r2p:iso3166Numeric ?n }
             VALUES ?s { state:JPN state:AFG state:COK } } ORDER BY ?s""",
    )
    assert [(r["s"].rsplit("/", 1)[-1], r["n"]) for r in rows] == [("AFG", "004"), ("COK", "184"), ("JPN", "392")]
    count = _rows(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s r2p:unStatus ?u ; r2p:iso3166Numeric ?c } }")
    assert count == [{"n": "197"}]


def test_cook_islands_is_a_non_member_state_and_nauru_is_corrected(server: str) -> None:
    rows = _rows(
        server,
        "SELECT ?st ?m WHERE { state:COK a r2p:State ; r2p:unStatus ?st OPTIONAL { state:COK org:hasMembership ?m } }",
    )
    assert rows == [{"st": "https://w3id.org/r2p/ontology#UNNonMemberState"}]
    nauru = _rows(server, "SELECT ?l WHERE { state:NRU r2p:m49Area/skos:prefLabel ?l }")
    assert nauru == [{"l": "Micronesia"}]


def test_ohchr_records_for_japan_carry_their_as_of_and_source(server: str) -> None:
    rows = _rows(
        server,
        """SELECT ?i ?status ?year ?asof ?src WHERE {
             ?r a r2p:StatusRecord ; r2p:state state:JPN ; r2p:instrument ?i ; r2p:treatyStatus ?status ;
                r2p:asOf ?asof ; r2p:hasCitation/r2p:citesSource ?src OPTIONAL { ?r r2p:sinceYear ?year } }""",
    )
    by_instrument = {r["i"].rsplit("/", 1)[-1]: r for r in rows}
    assert len(by_instrument) == 18 == len(rows)
    assert {r["asof"] for r in rows} == {"2022"}
    assert {r["src"] for r in rows} == {"https://w3id.org/r2p/id/source/un-hr-treaty-status-2022"}
    assert by_instrument["iccpr"]["year"] == "1979"
    assert by_instrument["iccpr"]["status"].endswith("#Party")
    creator = _rows(
        server,
        "SELECT ?c WHERE { <https://w3id.org/r2p/id/source/un-hr-treaty-status-2022> r2p:creatorName ?c }",
    )
    assert creator == [{"c": "Office of the United Nations High Commissioner for Human Rights (OHCHR)"}]


def test_the_state_page_says_membership_and_region(server: str) -> None:
    page = httpx.get(server + "/id/state/JPN", headers={"Accept": "text/html"}).text
    assert '<p class="un-standing">UN member since 1956 · Eastern Asia, Asia</p>' in page
    page = httpx.get(server + "/id/state/COK", headers={"Accept": "text/html"}).text
    assert '<p class="un-standing">not a UN member · Polynesia, Oceania</p>' in page


# ------------------------------------------------------------------------------ the importer ---


def test_the_importer_rewrites_the_committed_table_byte_for_byte(tmp_path: Path) -> None:
    pytest.importorskip("country_converter", reason="country_converter is not installed (pip install -e '.[import]')")
    from r2pgraph.importers.un_members import import_un_members

    report = import_un_members(tmp_path / "un-membership.csv")
    assert report.refused == []
    assert [p.path for p in report.corrected] == ["country_converter 1.3.2 (NRU)"]
    assert (tmp_path / "un-membership.csv").read_bytes() == MEMBERSHIP.read_bytes()


def test_the_committed_table_gives_each_state_its_iso_numeric_code() -> None:
    with MEMBERSHIP.open(encoding="utf-8", newline="") as f:
        codes = {row["alpha3"]: row["iso_numeric"] for row in csv.DictReader(f)}
    assert len(codes) == 197
    assert {k: codes[k] for k in ("JPN", "AFG", "USA", "VAT", "PSE", "COK", "SSD")} == {
        "JPN": "392",
        "AFG": "004",  # zero-padded, as the world map's shapes are keyed
        "USA": "840",
        "VAT": "336",
        "PSE": "275",
        "COK": "184",
        "SSD": "728",
    }
    assert all(len(c) == 3 and c.isdigit() for c in codes.values())
    assert len(set(codes.values())) == len(codes)


def test_membership_rows_report_what_the_reviewed_table_cannot_place() -> None:
    records = [
        {"ISO3": "JPN", "ISOnumeric": 392, "name_short": "Japan", "UNmember": 1956.0, "UNregion": "Eastern Asia"},
        {"ISO3": "XAA", "ISOnumeric": 900, "name_short": "Nowhere", "UNmember": 1990, "UNregion": "Atlantis"},
        {"ISO3": "XAB", "ISOnumeric": 901, "name_short": "Odd", "UNmember": "soon", "UNregion": "Eastern Asia"},
        {"ISO3": "JPN", "ISOnumeric": 392, "name_short": "Japan again", "UNmember": 1956, "UNregion": "Eastern Asia"},
        {"ISO3": "NRU", "ISOnumeric": 520, "name_short": "Nauru", "UNmember": 1999, "UNregion": "Polynesia"},
        {"ISO3": "ABW", "ISOnumeric": 533, "name_short": "Aruba", "UNmember": None, "UNregion": "Caribbean"},
        {"ISO3": "VAT", "ISOnumeric": 336, "name_short": "Vatican", "UNmember": None, "UNregion": "Southern Europe"},
        {"ISO3": "AFG", "ISOnumeric": 4.0, "name_short": "Afghanistan", "UNmember": 1946, "UNregion": "Southern Asia"},
        {"ISO3": "XAC", "ISOnumeric": None, "name_short": "Uncoded", "UNmember": 1990, "UNregion": "Eastern Asia"},
    ]
    report = ImportReport("un-members")
    rows = membership_rows(records, "9.9", report)
    assert [(r["alpha3"], r["iso_numeric"], r["un_status"], r["admitted"], r["subregion"]) for r in rows] == [
        ("AFG", "004", "member", "1946", "Southern Asia"),
        ("JPN", "392", "member", "1956", "Eastern Asia"),
        ("NRU", "520", "member", "1999", "Micronesia"),
        ("VAT", "336", "observer", "", "Southern Europe"),
    ]
    reasons = sorted(p.message for p in report.refused)
    assert reasons == [
        "COK (reviewed list) is not in the library's table",
        "ISO numeric code None is not a code",
        "JPN appears twice in the library's table",
        "NIU (reviewed list) is not in the library's table",
        "PSE (reviewed list) is not in the library's table",
        "the M49 area 'Atlantis' has no reviewed code",
        "year of admission 'soon' is not a year",
    ]
    assert rows[3]["source"] == "country_converter 9.9; un-non-member-states; unsd-m49"
    assert render(rows).splitlines()[0].startswith("alpha3,iso_numeric,name,un_status,admitted,")


# ------------------------------------------------------------------------------- the loader ---

HEADER = ",".join(COLUMNS) + "\n"


def _load(tmp_path: Path, body: str) -> DataError:
    data = tmp_path / "data"
    (data / "states").mkdir(parents=True)
    path = data / "states" / "un-membership.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_files([path], data)
    return err.value


def test_faulty_membership_rows_are_reported_with_line_and_reason(tmp_path: Path) -> None:
    err = _load(
        tmp_path,
        "JPN,392,Japan,member,1956,142,Asia,030,Eastern Asia,,,country_converter 1.3.2,\n"
        "XXX,999,Nowhere,member,1990,142,Asia,030,Eastern Asia,,,country_converter 1.3.2,\n"
        "JPN,392,Japan,member,1956,142,Asia,030,Eastern Asia,,,country_converter 1.3.2,\n"
        "KOR,410,Korea,member,,142,Asia,030,Eastern Asia,,,country_converter 1.3.2,\n"
        "PRK,408,North Korea,memebr,,142,Asia,030,Eastern Asia,,,country_converter 1.3.2,\n"
        "CHN,156,China,member,1945,142,Asia,030,East Asia,,,country_converter 1.3.2,\n"
        "VAT,336,Vatican,observer,1964,150,Europe,039,Southern Europe,,,,\n"
        "MNG,496,Mongolia,member,1961,142,Asia,30,Eastern Asia,,,country_converter 1.3.2,\n"
        "NPL,52,Nepal,member,1955,142,Asia,034,Southern Asia,,,country_converter 1.3.2,\n"
        "IND,392,India,member,1945,142,Asia,034,Southern Asia,,,country_converter 1.3.2,\n",
    )
    problems = sorted((p.line, p.message) for p in err.problems)
    assert all(p.path.endswith("states/un-membership.csv") for p in err.problems)
    assert problems == [
        (3, "alpha3 'XXX' is not an ISO 3166-1 alpha-3 code"),
        (4, "JPN already has a row at line 2"),
        (5, "admitted is required for a member (YYYY-MM-DD, or YYYY as the source gives it)"),
        (6, "un_status 'memebr' is not one of member, observer, non-member"),
        (7, "subregion 030 is 'East Asia' under 142 here but 'Eastern Asia' under 142 at line 2"),
        (8, "admitted (1964) is given although un_status is 'observer'"),
        (8, "source is required: 'country_converter <version>' and/or source ids"),
        (9, "subregion: an M49 area needs a three-digit code and a name (got '30', 'Eastern Asia')"),
        (10, "iso_numeric '52' is not a three-digit ISO 3166-1 numeric code"),
        (11, "iso_numeric 392 is not IND's ISO 3166-1 numeric code (356)"),
    ]


@pytest.mark.slow
def test_a_membership_table_missing_a_member_fails_the_build(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    table = data / "states" / "un-membership.csv"
    table.write_text(
        "".join(
            line for line in table.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith("ZWE,")
        ),
        encoding="utf-8",
    )
    from r2pgraph.build.assemble import build_generation

    with pytest.raises(ValidationFailed, match="exactly 193 member states"):
        build_generation(repo_settings(tmp_path / "build", data))


def test_loading_data_does_not_import_country_converter() -> None:
    code = (
        "import sys; from pathlib import Path; from r2pgraph.sources import load_data_dir; "
        "graphs = load_data_dir(Path('data')); "
        "print(len(graphs), 'country_converter' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    count, converter, pandas = out.stdout.split()
    assert int(count) > 40 and (converter, pandas) == ("False", "False")
