"""The ratification matrix and the instrument and state pages at world scale: the 193 UN member
states of data/states/un-membership.csv × the instruments, through a real server (httpx), the CLI,
and the example SPARQL query run through the server's endpoint (SPARQLWrapper)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from html.parser import HTMLParser

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from r2pgraph.build.assemble import BuildResult
from r2pgraph.query.examples import example_queries
from tests.conftest import ROOT

MEMBERS = {
    row["alpha3"]
    for row in csv.DictReader((ROOT / "data/states/un-membership.csv").open(encoding="utf-8"))
    if row["un_status"] == "member"
}
MARKS = {"Accession": "a", "Succession": "d", "Acceptance": "A", "Approval": "AA"}
QUERIES = {q.name: q.text for q in example_queries()}


class MatrixTable(HTMLParser):
    """The matrix page's table: the instruments of the header, and each row's cells as
    (classes, text of the cell, text of its <sup>)."""

    def __init__(self) -> None:
        super().__init__()
        self.header: list[str] = []
        self.rows: dict[str, list[tuple[str, str, str]]] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None  # classes, text, sup
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._in.append(tag)
        if tag == "tr" and a.get("id"):
            self._row = str(a["id"])
            self.rows[self._row] = []
        elif tag == "td" and self._row:
            self._cell = [a.get("class") or "", "", ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row and self._cell is not None:
            self.rows[self._row].append((self._cell[0], self._cell[1].strip(), self._cell[2]))
            self._cell = None
        elif tag == "tr":
            self._row = None
        if self._in:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "thead" in self._in and "a" in self._in:
            self.header.append(data)
        elif self._cell is not None:
            self._cell[2 if self._in[-1] == "sup" else 1] += data if self._in[-1] in ("td", "sup") else ""

    def cells(self) -> dict[tuple[str, str], tuple[str, str, str]]:
        """(state, instrument) → cell; the first column after the state is the count of parties."""
        return {(code, self.header[n]): c for code, row in self.rows.items() for n, c in enumerate(row[1:])}


def _page(server: str, **params: str) -> MatrixTable:
    response = httpx.get(server + "/matrix", params=params, timeout=120)
    assert response.status_code == 200, response.text
    table = MatrixTable()
    table.feed(response.text)
    return table


def _csv(server: str, **params: str) -> dict[str, dict[str, str]]:
    response = httpx.get(server + "/matrix.csv", params=params, timeout=120)
    assert response.status_code == 200, response.text
    return {row["state"]: row for row in csv.DictReader(io.StringIO(response.text))}


def _as_csv(cell: tuple[str, str, str]) -> str:
    """A page cell in the CSV's words: "party 2007 (a)", "no action", "" (no record)."""
    classes, text, mark = cell
    status = next(c[3:] for c in classes.split() if c.startswith("st-")).replace("-", " ")
    if status == "no record":
        return ""
    year = text.rstrip("⚠").strip().strip("–")
    words = status + (f" {year}" if year else "") + (f" ({mark})" if mark else "")
    return words + (" (sources disagree)" if "disputed" in classes.split() else "")


def test_the_matrix_has_a_row_for_every_un_member(server: str) -> None:
    page = _page(server)
    assert len(MEMBERS) == 193
    assert set(page.rows) == MEMBERS
    assert "PSE" not in page.rows and "VAT" not in page.rows  # observers: only with states=all
    everyone = _csv(server, states="all")
    assert set(everyone) > MEMBERS and {"PSE", "COK"} <= set(everyone)


def test_the_csv_says_what_the_page_shows(server: str) -> None:
    page, table = _page(server), _csv(server)
    cells = page.cells()
    assert len(cells) == 193 * len(page.header) and len(page.header) >= 26
    assert {k: _as_csv(c) for k, c in cells.items()} == {(code, name): table[code][name] for code, name in cells}
    jpn = page.rows["JPN"]
    assert int(jpn[0][1]) == sum(1 for (s, _), c in cells.items() if s == "JPN" and "st-party" in c[0])


def test_japans_rome_statute_cell_is_an_accession_of_2007(server: str) -> None:
    assert _csv(server)["JPN"]["Rome Statute"] == "party 2007 (a)"
    classes, text, mark = _page(server).cells()[("JPN", "Rome Statute")]
    assert set(classes.split()) == {"st-party", "act-accession"} and text == "2007" and mark == "a"


def test_the_region_filters_keep_only_that_regions_states(server: str) -> None:
    assert set(_page(server, subregion="030").rows) == {"CHN", "JPN", "KOR", "MNG", "PRK"}
    asia = _csv(server, region="142")
    assert {"JPN", "IND", "AFG", "TUR"} <= set(asia) and not {"FRA", "AUS", "BRA"} & set(asia)
    assert all(row["region"] == "Asia" for row in asia.values())
    both = _csv(server, region="142", subregion="030")
    assert set(both) == {"CHN", "JPN", "KOR", "MNG", "PRK"}
    bad = httpx.get(server + "/matrix", params={"region": "999"})
    assert bad.status_code == 400 and "parameter 'region'" in bad.text
    bad = httpx.get(server + "/matrix.csv", params={"subregion": "142"})  # a region, not a sub-region
    assert bad.status_code == 400 and "parameter 'subregion'" in bad.text


def test_sorting_by_count_of_parties_and_by_region(server: str) -> None:
    page = _page(server, sort="parties")
    counts = [int(row[0][1]) for row in page.rows.values()]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    regions = [row["region"] for row in _csv(server, sort="region").values()]
    assert regions == sorted(regions)
    assert httpx.get(server + "/matrix", params={"sort": "size"}).status_code == 400


def test_the_instrument_set_filter(server: str) -> None:
    table = _csv(server, set="apr2p-key-instruments")
    assert list(next(iter(table.values())))[4:] == [
        "ATT",
        "Genocide Convention",
        "Refugee Convention",
        "Refugee Protocol",
        "Rome Statute",
    ]
    assert httpx.get(server + "/matrix", params={"format": "csv", "set": "apr2p-key-instruments"}).text == (
        httpx.get(server + "/matrix.csv", params={"set": "apr2p-key-instruments"}).text
    )


def test_the_marker_is_where_the_verdicts_say_sources_disagree(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(
        """PREFIX r2p: <https://w3id.org/r2p/ontology#>
        SELECT ?state ?instrument WHERE {
          ?r a r2p:Reconciliation ; r2p:state/r2p:iso3166Alpha3 ?state ;
             r2p:instrument/r2p:shortName ?instrument ; r2p:verdict ?v .
          VALUES ?v { r2p:DisagreeOnStatus r2p:DisagreeOnDate r2p:DisagreeOnKind } }"""
    )
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index, call-overload]
    disagreeing = {(r["state"]["value"], r["instrument"]["value"]) for r in rows}
    marked = {k for k, c in _page(server).cells().items() if "disputed" in c[0].split()}
    assert marked and marked == {k for k in disagreeing if k[0] in MEMBERS}


def _newest(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    """Each state and instrument's row of its newest source: a curated one (no as-of) first."""

    def rank(row: dict[str, str]) -> str:
        asof = row.get("asof")
        return "9999" if not asof else asof if len(asof) == 10 else asof[:4] + "-12-31"

    best: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        key = (row["state"], row["instrument"])
        if key not in best or rank(row) > rank(best[key]):
            best[key] = row
    return best


@pytest.mark.slow
def test_the_sparql_long_form_gives_the_matrix_cells(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(QUERIES["ratification-matrix"])
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index, call-overload]
    newest = _newest([{k: v["value"] for k, v in b.items()} for b in bindings])
    table = _csv(server)
    sample = [(code, name) for code in sorted(table)[::7] for name in list(table[code])[4:]]
    sample += [("JPN", "Rome Statute"), ("JPN", "Genocide Convention"), ("MNG", "ICCPR-OP1")]
    for code, name in sample:
        row = newest.get((code, name))
        expected = ""
        if row:
            expected = row["status"] + (f" {row['year']}" if row.get("year") else "")
            expected += f" ({MARKS[row['act']]})" if row.get("act") in MARKS else ""
        assert table[code][name].removesuffix(" (sources disagree)") == expected, (code, name, row)
    assert newest[("JPN", "Genocide Convention")]["asof"] == "2015-03-14"


def test_the_rome_statutes_page_lists_its_parties(server: str) -> None:
    page = httpx.get(server + "/id/instrument/rome-statute", timeout=120).text
    row = page[page.index('<tr id="JPN">') : page.index("</tr>", page.index('<tr id="JPN">'))]
    assert "accession" in row and "2007-07-17" in row and "2007-10-01" in row and "(derived)" in row
    assert "article 126(2)" in row
    parties = _page(server, set="apr2p-key-instruments")
    party_members = sum(1 for code, c in parties.cells().items() if code[1] == "Rome Statute" and "st-party" in c[0])
    no_action = sum(1 for code, c in parties.cells().items() if code[1] == "Rome Statute" and "st-no-action" in c[0])
    assert page.count('<tr id="') >= party_members > 100
    assert f"{no_action} UN member states with no action (as of 2014-01-27)" in page
    assert "by accession" in page and "by ratification" in page
    assert "untc-2015/XVIII-10</a> (as of 2014-01-27)" in page
    assert "<h2>Signatories</h2>" in page and 'id="sig-USA"' in page


def test_the_state_page_shows_each_source_and_the_verdict(server: str) -> None:
    page = httpx.get(server + "/id/state/JPN", timeout=120).text
    genocide = page[page.index("Crime of Genocide</a>") :]
    genocide = genocide[: genocide.index("</tr>")]
    assert "no action as of 2015-03-14" in genocide and "no record in one source" in genocide
    rome = page[page.index("Rome Statute of the International Criminal Court</a>") :]
    rome = rome[: rome.index("</tr>")]
    assert "untc-2015/XVIII-10" in rome and "as of 2014-01-27" in rome and "<td>agree</td>" in rome


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "r2pgraph.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_cli_matrix(built: BuildResult, server: str) -> None:
    build_dir = str(built.generation.parent.parent)
    out = _cli("matrix", "--build-dir", build_dir, "--subregion", "030", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout == httpx.get(server + "/matrix.csv", params={"subregion": "030"}).text
    out = _cli("matrix", "--build-dir", build_dir, "--region", "142", "--sort", "parties", "--format", "json")
    rows = json.loads(out.stdout)
    assert rows[0]["state"] != "" and {"JPN", "CHN"} <= {r["state"] for r in rows}
    out = _cli("matrix", "--build-dir", build_dir, "--region", "nowhere")
    assert out.returncode == 2 and "parameter 'region'" in out.stderr


def test_asia_pacific_states_not_party_to_the_rome_statute(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(QUERIES["asia-pacific-not-in-rome-statute"])
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index, call-overload]
    found = {r["state"]["value"] for r in rows}
    assert {r["asof"]["value"] for r in rows} == {"2014-01-27"}
    assert {"CHN", "IND", "IDN", "PRK"} <= found and not {"JPN", "KOR", "MNG", "AUS"} & found
    in_matrix = {**_csv(server, region="142"), **_csv(server, region="009")}
    assert found == {code for code, row in in_matrix.items() if not row["Rome Statute"].startswith("party")}
    signed = {r["state"]["value"]: r["signed"]["value"] for r in rows if "signed" in r}
    assert signed["THA"] == "2000-10-02"
    assert {code for code in signed} == {c for c in found if in_matrix[c]["Rome Statute"].startswith("signatory")}
