"""Treaty records from several sources: the UN treaty-status importer, reconciliation, claim checks
and the ratification matrix — on small tables written for the project, and on the real tables in
../shared (skipped with a message where absent)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pycountry
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, XSD

from r2pgraph.build.assemble import BuildResult, build_generation
from r2pgraph.errors import ValidationFailed
from r2pgraph.importers.un_treaty_status import INSTRUMENT_OF_FILE, check_row, import_tables, successor_code
from r2pgraph.rdf.namespaces import R2P, mint
from r2pgraph.sources import load_files
from r2pgraph.store.embedded import open_store
from r2pgraph.treaties.claims import check_claims
from r2pgraph.treaties.crossref import reconcile
from r2pgraph.treaties.matrix import build_matrix
from tests.conftest import ROOT, SHARED, repo_settings, running_server

HEADER = "iso2,member,state party,year ratification or accession,signatory,no action,status,note\n"
JPN = str(mint("state", "JPN"))
REAL = SHARED / "reference" / "un-hr-treaty-status-2022"


def _tables(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        # agrees with the curated accession of 1999
        "hr_status_cat.csv": "JP,Japan,1,1999,0,0,state party,\nFR,France,1,1986,0,0,state party,\n",
        # a different year from the curated ratification of 1979
        "hr_status_iccpr.csv": "JP,Japan,1,1978,0,0,state party,\nTP,East Timor,1,2003,0,0,state party,\n",
        # says signatory where the curated records have a ratification
        "hr_status_crc.csv": "JP,Japan,0,,1,0,signatory state,\nXK,Kosovo,0,,0,1,no action,\n",
        # one sound row, one with contradicting flags, one duplicate, one year on a non-party
        "hr_status_icerd.csv": "JP,Japan,1,1995,0,0,state party,\nFR,France,0,1971,0,0,state party,\n"
        "JP,Japan,1,1995,0,0,state party,\nDE,Germany,0,1969,0,1,no action,\n",
    }
    paths = []
    for name, rows in files.items():
        (folder / name).write_text(HEADER + rows, encoding="utf-8")
        paths.append(folder / name)
    return paths


def _records(folder: Path) -> Graph:
    """The graph the build loads from the importer's CSV files in ``folder``."""
    g = Graph()
    for sg in load_files(sorted(folder.glob("*.csv")), folder.parent.parent):
        g += sg.graph
    return g


def test_importer_reports_faulty_rows_and_imports_the_sound_ones(tmp_path: Path) -> None:
    out = tmp_path / "data" / "treaty-status" / "ohchr-2022"
    report = import_tables(_tables(tmp_path / "tables"), out, "2022")
    refused = {(Path(p.path).name, p.line): p.message for p in report.refused}
    assert refused == {
        ("hr_status_crc.csv", 3): "'XK' (Kosovo) is not an ISO 3166-1 alpha-2 code",
        ("hr_status_icerd.csv", 3): "FR (France): flags contradict status 'state party': state party=0",
        ("hr_status_icerd.csv", 4): "JP already has a row at line 2",
        ("hr_status_icerd.csv", 5): "DE (Germany): a year (1969) is given although the status is 'no action'",
    }
    assert [(Path(p.path).name, p.line) for p in report.corrected] == [("hr_status_iccpr.csv", 3)]
    assert report.rows_read == 10 and report.rows_imported == 6
    assert report.rows_imported + len(report.refused) == report.rows_read
    assert sorted(p.name for p in out.iterdir()) == ["cat.csv", "crc.csv", "iccpr.csv", "icerd.csv"]
    g = _records(out)
    assert len(set(g.subjects(R2P.treatyStatus, None))) == 6
    timor = mint("treaty-action", "un-hr-treaty-status", "2022", "TLS", "iccpr", "status")
    year = Literal("2003", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    assert (timor, R2P.sinceYear, year) in g
    assert (timor, SKOS.note, Literal("The table gives the withdrawn code TP; imported as TL.", lang="en")) in g
    assert json.loads(report.as_json())["refused"][0]["line"] == 3


def test_unknown_file_missing_column_and_bad_encoding(tmp_path: Path) -> None:
    (tmp_path / "hr_status_unknown.csv").write_text(HEADER, encoding="utf-8")
    (tmp_path / "hr_status_cat.csv").write_text("iso2,member,status\nJP,Japan,state party\n", encoding="utf-8")
    (tmp_path / "hr_status_crc.csv").write_bytes(
        HEADER.encode() + "JP,Japon \xe9,1,1994,0,0,state party,\n".encode("latin-1")
    )
    report = import_tables(sorted(tmp_path.glob("*.csv")), tmp_path / "out", "2022")
    reasons = sorted(p.message.split(":")[0] for p in report.refused)
    assert reasons == ["missing column(s)", "no instrument is known for this file name", "not UTF-8 text"]


@pytest.fixture(scope="module")
def with_tables(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The project's data with the small tables in place of the OHCHR 2022 records."""
    root = tmp_path_factory.mktemp("crossref")
    shutil.copytree(ROOT / "data", root / "data")
    import_tables(_tables(root / "tables"), root / "data" / "treaty-status" / "ohchr-2022", "2022")
    return build_generation(repo_settings(root / "build", data_dir=root / "data"))


def test_reconciliation_finds_each_kind_of_disagreement(with_tables: BuildResult) -> None:
    store = open_store(with_tables.generation)
    by_instrument = {r.instrument.rsplit("/", 1)[-1]: r for r in reconcile(store, state=JPN)}
    # the curated day and UNTC's agree; the small OHCHR table gives the year only
    assert by_instrument["cat"].verdict == "agree at coarser precision"
    assert [c.verdict for c in by_instrument["cat"].comparisons] == [
        "agree at coarser precision",
        "agree",
        "agree at coarser precision",
    ]
    assert by_instrument["iccpr"].verdict == "disagree on date"
    curated_vs_ohchr = by_instrument["iccpr"].comparisons[0]
    assert curated_vs_ohchr.differences == ["consent 1979-06-21 vs 1978"]
    assert curated_vs_ohchr.describe().startswith(
        "disagree on date (at 2022) — treaty-actions/JPN: party by ratification since 1979-06-21; "
        "treaty-status/ohchr-2022/iccpr: party since 1978 as of 2022"
    )
    assert by_instrument["crc"].verdict == "disagree on status"
    assert "party vs signatory" in by_instrument["crc"].disagreements[0]
    assert by_instrument["icerd"].verdict == "agree at coarser precision"
    assert by_instrument["rome-statute"].verdict == "agree"
    assert by_instrument["genocide-convention"].verdict == "no record in one source"
    # each source keeps its own record
    assert len(by_instrument["cat"].views) == 3


def test_reconciliation_is_queryable_rdf(with_tables: BuildResult) -> None:
    store = open_store(with_tables.generation)
    q = f"""PREFIX r2p: <{R2P}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
      SELECT DISTINCT ?i WHERE {{ GRAPH <https://w3id.org/r2p/graph/crossref> {{
        ?r a r2p:Reconciliation ; r2p:state <{JPN}> ; r2p:instrument ?i ; r2p:verdict ?v ;
           r2p:comparison [ r2p:disagreement ?d ] }} ?v skos:broader r2p:Disagree }} ORDER BY ?i"""
    rows = [r["i"].value.rsplit("/", 1)[-1] for r in store.query(q, use_default_graph_as_union=True)]  # type: ignore[union-attr]
    assert rows == ["crc", "iccpr"]
    q = f"""PREFIX r2p: <{R2P}> SELECT DISTINCT ?i WHERE {{ GRAPH <https://w3id.org/r2p/graph/disagreements> {{
        ?c a r2p:SourceComparison ; r2p:state <{JPN}> ; r2p:instrument ?i ; r2p:comparedAt ?at }} }} ORDER BY ?i"""
    assert [r["i"].value.rsplit("/", 1)[-1] for r in store.query(q)] == ["crc", "iccpr"]  # type: ignore[union-attr]


def test_status_record_without_state_fails_the_build(tmp_path: Path) -> None:
    bad = tmp_path / "imports" / "bad.trig"
    bad.parent.mkdir()
    bad.write_text(
        f"<https://w3id.org/r2p/graph/import/x> {{ <https://w3id.org/r2p/id/treaty-action/x/1> a <{R2P}StatusRecord> ;"
        f' <{R2P}treatyStatus> <{R2P}Party> ; <{R2P}asOf> "2022"^^<http://www.w3.org/2001/XMLSchema#gYear> . }}\n'
    )
    with pytest.raises(ValidationFailed, match="A status record needs exactly one state"):
        build_generation(repo_settings(tmp_path / "build", imports_dir=tmp_path / "imports"))


def test_claims_for_japan(with_tables: BuildResult) -> None:
    checks = {c.claim.rsplit("/", 1)[-1]: c for c in check_claims(open_store(with_tables.generation), JPN)}
    outcomes = {k: c.outcome for k, c in checks.items()}
    assert outcomes == {
        "key-instruments-count": "undecidable",
        # only UNTC's table (as of 2015-03-14) speaks of it: it predates the 2019 edition
        "genocide-not-party": "undecidable",
        "genocide-not-signed": "undecidable",
        "rome-statute-signed": "inconsistent",
        "rome-statute-ratified": "inconsistent",
        "icerd-ratified": "inconsistent",
        "crpd-ratified": "consistent",
        "refugee-convention-party": "consistent",
        "refugee-protocol-party": "consistent",
    }
    assert "party by accession since 2007-07-17" in checks["rome-statute-ratified"].evidence
    assert "no signature is recorded" in checks["rome-statute-signed"].evidence
    assert "not confirmed" in checks["key-instruments-count"].evidence
    assert "awaiting confirmation" in checks["refugee-convention-party"].evidence
    assert "predate 2019" in checks["genocide-not-party"].evidence
    assert "untc-2015/IV-1: no action as of 2015-03-14" in checks["genocide-not-party"].evidence


def test_matrix(with_tables: BuildResult) -> None:
    store = open_store(with_tables.generation)
    matrix = build_matrix(store)
    rows = {r["state"]: r for r in csv.DictReader(io.StringIO(matrix.to_csv()))}
    assert rows["JPN"]["ICCPR"] == "party 1979 (sources disagree)"
    assert rows["JPN"]["CAT"] == "party 1999 (a)"  # the curated accession, the newest source
    assert rows["FRA"]["CAT"] == "party 1986"
    assert rows["TLS"]["ICCPR"] == "party 2003"
    assert rows["JPN"]["Genocide Convention"] == "no action"  # UNTC's table, as of 2015-03-14
    grouped = build_matrix(store, group="apr2p-assessed-2019")
    assert [s.code for s in grouped.states] == ["JPN"]
    key = build_matrix(store, "apr2p-key-instruments", assessed_only=True)
    assert [s.code for s in key.states] == ["JPN"]
    assert len(key.instruments) == 5


@pytest.fixture(scope="module")
def crossref_server(with_tables: BuildResult) -> Iterator[str]:
    with running_server(with_tables.generation.parent.parent) as url:
        yield url


def test_pages(crossref_server: str) -> None:
    page = httpx.get(crossref_server + "/matrix").text
    assert "disputed" in page and "Ratification matrix" in page
    csv_text = httpx.get(crossref_server + "/matrix.csv", params={"set": "apr2p-key-instruments"}).text
    assert csv_text.splitlines()[0].startswith("state,name,")
    assert httpx.get(crossref_server + "/matrix", params={"set": "nope"}).status_code == 400
    assert httpx.get(crossref_server + "/matrix", params={"group": "nope"}).status_code == 400
    grouped = httpx.get(crossref_server + "/matrix.csv", params={"group": "apr2p-assessed-2019"}).text
    assert [line.split(",")[0] for line in grouped.splitlines()] == ["state", "JPN"]
    disagreements = httpx.get(crossref_server + "/crossref", params={"verdict": "disagree"}).text
    assert "consent 1979-06-21 vs 1978" in disagreements
    claims = httpx.get(crossref_server + "/claims", params={"state": "JPN"}).text
    assert "inconsistent" in claims and "undecidable" in claims


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "r2pgraph.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow  # builds in a subprocess
def test_cli(with_tables: BuildResult, tmp_path: Path) -> None:
    build_dir = str(with_tables.generation.parent.parent)
    out = _cli("crossref", "--build-dir", build_dir, "--state", "JPN", "--disagreements", "--format", "json")
    rows = json.loads(out.stdout)
    assert [r["instrument"] for r in rows] == ["crc", "crc", "iccpr", "iccpr"]
    assert rows[2]["verdict"] == "disagree on date" and rows[2]["difference"] == "consent 1979-06-21 vs 1978"
    assert (rows[2]["as_of_a"], rows[2]["as_of_b"], rows[2]["compared_at"]) == ("", "2022", "2022")
    assert rows[3]["source_b"] == "treaty-status/untc-2015/IV-4" and rows[3]["as_of_b"] == "2014-07-10"
    out = _cli(
        "crossref",
        "--build-dir",
        build_dir,
        "--state",
        "JPN",
        "--instrument-set",
        "apr2p-key-instruments",
        "--format",
        "csv",
    )
    listed = {r["instrument"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert len(listed) == 5 and listed["genocide-convention"]["verdict"] == "no record in one source"
    assert "treaty-status/untc-2015/IV-1: no action as of 2015-03-14" in listed["genocide-convention"]["sources"]
    out = _cli("claims", "--build-dir", build_dir, "--state", "JPN", "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(out.stdout)))) == 9
    out = _cli("matrix", "--build-dir", build_dir, "--instrument-set", "apr2p-key-instruments")
    assert out.stdout.startswith("state,name,")
    out = _cli("import", "un-treaty-status", str(tmp_path / "nothing"))
    assert out.returncode == 2 and "no such file" in out.stderr
    _tables(tmp_path / "t")
    out = _cli("import", "un-treaty-status", str(tmp_path / "t"), "--out", str(tmp_path / "x"), "--strict")
    assert out.returncode == 1 and "hr_status_icerd.csv:3" in out.stdout


needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/reference/un-hr-treaty-status-2022 is not present")


@pytest.mark.slow  # about 12 s
@needs_real
def test_real_tables_import_report(tmp_path: Path) -> None:
    report = import_tables(sorted(REAL.glob("*.csv")), tmp_path / "ohchr-2022", "2022")
    assert report.rows_read == 3474 and report.rows_imported + len(report.refused) == report.rows_read
    refused = {(Path(p.path).name, p.line) for p in report.refused}
    assert ("hr_status_cat.csv", 173) in refused  # Tanzania: flags contradict "no action"
    assert ("hr_status_op_crc_ic.csv", 163) in refused  # a truncated code
    assert len(report.corrected) == 18  # TP (East Timor) in every file, imported as TL and reported
    assert all("TP" in p.message for p in report.corrected)


@needs_real
def test_the_committed_ohchr_records_are_what_the_importer_writes_from_the_real_tables(tmp_path: Path) -> None:
    import_tables(sorted(REAL.glob("*.csv")), tmp_path / "ohchr-2022", "2022")
    committed = ROOT / "data" / "treaty-status" / "ohchr-2022"
    assert sorted(p.name for p in (tmp_path / "ohchr-2022").iterdir()) == sorted(p.name for p in committed.iterdir())
    for path in sorted(committed.iterdir()):
        assert (tmp_path / "ohchr-2022" / path.name).read_bytes() == path.read_bytes(), path.name


@needs_real
def test_the_loaded_records_are_the_graph_the_trig_importer_wrote_for_the_same_rows() -> None:
    """The records the build loads from data/ are, triple for triple (up to blank nodes), the
    records and citations of the TriG the importer wrote before (rebuilt here from the real
    tables by the same rules: one record per sound row)."""
    loaded = _records(ROOT / "data" / "treaty-status" / "ohchr-2022")
    expected = Graph()
    known = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    for path in sorted(REAL.glob("*.csv")):
        key = INSTRUMENT_OF_FILE[path.stem[len("hr_status_") :]]
        reader = csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines())
        seen: set[str] = set()
        for row in reader:
            iso2, note = row["iso2"].strip(), (row.get("note") or "").strip()
            if iso2 not in known and (successor := successor_code(iso2, known)):
                note = (
                    note + " " if note else ""
                ) + f"The table gives the withdrawn code {iso2}; imported as {successor}."
                iso2 = successor
            if iso2 not in known or iso2 in seen or check_row(row):
                continue
            seen.add(iso2)
            record = mint("treaty-action", "un-hr-treaty-status", "2022", known[iso2], key, "status")
            citation = URIRef(f"{record}/citation/1")
            status = {"state party": R2P.Party, "signatory state": R2P.Signatory, "no action": R2P.NoAction}
            expected.add((record, RDF.type, R2P.StatusRecord))
            expected.add((record, R2P.state, mint("state", known[iso2])))
            expected.add((record, R2P.instrument, mint("instrument", key)))
            expected.add((record, R2P.treatyStatus, status[row["status"].strip().lower()]))
            expected.add((record, R2P.asOf, Literal("2022", datatype=XSD.gYear)))
            year = row["year ratification or accession"].strip()
            if year:
                expected.add((record, R2P.sinceYear, Literal(year, datatype=XSD.gYear)))
            expected.add((record, R2P.hasCitation, citation))
            expected.add((citation, RDF.type, R2P.Citation))
            expected.add((citation, R2P.citesSource, mint("source", "un-hr-treaty-status-2022")))
            expected.add((citation, R2P.locator, Literal(f"{path.name}, line {reader.line_num}")))
            if note:
                expected.add((record, SKOS.note, Literal(note, lang="en")))
    assert len(expected) > 30_000
    assert isomorphic(loaded, expected)


def test_the_ohchr_records_cover_the_un_members_from_data_alone(built: BuildResult) -> None:
    store = open_store(built.generation)
    core = ["icerd", "iccpr", "icescr", "cedaw", "cat", "crc", "icmw", "ced", "crpd"]
    results = reconcile(store, instruments=[str(mint("instrument", k)) for k in core])
    ohchr = {r.state for r in results for v in r.views if "/ohchr-2022/" in v.source and v.value != "no record"}
    assert len(ohchr) == 193
    japan = [r for r in results if r.state == JPN]
    assert len(japan) == 9 and not any(r.disagrees for r in japan)
