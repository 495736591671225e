"""`r2pgraph import untc-status`: UN Treaty Collection status tables into data/treaty-status/.

The small tables in tests/untc/ (invented dates) hold one case per line: every suffix, every
fault class, a provisional-application column, a table without a signature column, a table whose
latest act is after its as-of date. The real tables of ../shared/reference/untc-status-2015 are
imported too (those tests skip where ../shared is absent), and the committed data/ files must be
what the command writes, byte for byte.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import PROV

from r2pgraph.cli import main
from r2pgraph.errors import DataError
from r2pgraph.importers.un_names import NameResolver, same_country
from r2pgraph.importers.untc_status import import_untc_status
from r2pgraph.importers.untc_tables import HeaderError, read_header, strip_footnotes
from r2pgraph.rdf.namespaces import R2P
from r2pgraph.sources.treaty_status import load_status_records, load_status_tables
from r2pgraph.sources.un_names import load_un_name_aliases, read_aliases

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "untc"
DATA = ROOT / "data"
SNAPSHOT = DATA / "treaty-status" / "untc-2015"
REFERENCE = ROOT.parent / "shared" / "reference" / "untc-status-2015"
needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"{REFERENCE} is absent: the real UNTC tables are not available here"
)

COMMIT = "0123456789abcdef0123456789abcdef01234567"
MANIFEST = f"""intermediary:
  repository: example/untreaties
  url: https://github.com/example/untreaties
  folder: treaties
scrapes:
  {COMMIT}: 2014-07-10
tables:
"""


def manifest(*tables: tuple[str, str, str]) -> str:
    text = MANIFEST
    for file, untc, as_of in tables:
        text += f"""  - file: {file}
    untc: {untc}
    as_of: {as_of}
    commit: {COMMIT}
    title: "Treaty {untc}. New York, 1 January 1990"
    page: https://treaties.un.org/pages/ViewDetails.aspx?src=TREATY&mtdsg_no={untc}&chapter=4&lang=en
"""
    return text


FIXTURE_TABLES = [
    ("18-10.csv", "XVIII-10", "2014-01-27"),
    ("26-8.csv", "XXVI-8", "2014-07-10"),
    ("5-5.csv", "V-5", "2014-01-27"),
    ("4-13.csv", "IV-13", "2014-07-10"),
    ("4-1.csv", "IV-1", "2014-01-01"),  # Andorra's accession of 2014-09-22 is later: refused
    ("4-15.csv", "IV-15", "2014-07-10"),
]


def records(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def kinds(rows: list[dict[str, str]], state: str) -> list[tuple[str, str]]:
    return [(r["kind"], r["date"]) for r in rows if r["state"] == state]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The fixture tables imported into a snapshot folder of their own (4-9.csv is not in its manifest)."""
    out = tmp_path_factory.mktemp("data") / "untc-test"
    out.mkdir()
    (out / "manifest.yaml").write_text(manifest(*FIXTURE_TABLES), encoding="utf-8")
    report = import_untc_status(FIXTURES, out, DATA)
    return out, report


def test_every_suffix_becomes_its_kind_of_act(imported: tuple[Path, object]) -> None:
    out, _ = imported
    rome = records(out / "XVIII-10.csv")
    assert kinds(rome, "AFG") == [("accession", "2003-02-10")]
    assert kinds(rome, "ALB") == [("signature", "1998-07-18"), ("ratification", "2003-01-31")]
    assert kinds(rome, "AUT") == [("signature", "1998-10-07"), ("approval", "2000-12-28")]
    assert kinds(rome, "BHS") == [("signature", "2000-12-29"), ("acceptance", "2001-01-10")]
    assert kinds(rome, "BIH") == [("succession", "2002-04-11")]
    att = records(out / "XXVI-8.csv")
    assert kinds(att, "ATG") == [
        ("signature", "2013-06-03"),
        ("provisional-application", "2013-08-12"),
        ("ratification", "2013-08-12"),
    ]
    assert kinds(att, "SRB") == [("signature", "2013-08-12"), ("provisional-application", "2013-08-12")]
    assert kinds(records(out / "IV-13.csv"), "MNE") == [("succession-to-signature", "2006-10-23")]
    protocol = records(out / "V-5.csv")  # no signature column
    assert kinds(protocol, "AFG") == [("accession", "2005-08-30")]
    assert kinds(protocol, "ARM") == [("succession", "1993-07-06")]


def test_records_carry_the_tables_as_of_date_and_both_sources(imported: tuple[Path, object]) -> None:
    out, _ = imported
    row = next(r for r in records(out / "XVIII-10.csv") if r["state"] == "ALB" and r["kind"] == "ratification")
    assert row == {
        "state": "ALB",
        "instrument": "rome-statute",
        "kind": "ratification",
        "date": "2003-01-31",
        "as_of": "2014-01-27",
        "source": "untc-test-xviii-10",
        "locator": "Albania",
        "via": "untc-test-xviii-10-scrape",
        "via_locator": "line 3",
    }
    table = next(r for r in records(out / "tables.csv") if r["untc"] == "XXVI-8")
    assert (table["as_of"], table["commit"], table["path"]) == ("2014-07-10", COMMIT, "treaties/26-8.csv")
    assert table["lists_every_participant"] == "yes"


def test_names_with_footnote_markers_and_aliases_map_to_their_states(imported: tuple[Path, object]) -> None:
    out, _ = imported
    rome = records(out / "XVIII-10.csv")
    germany = [r for r in rome if r["state"] == "DEU"]
    assert [r["locator"] for r in germany] == ["Germany 2 3", "Germany 2 3"]  # the name as printed
    # names a careless mapping confuses, each with its own code
    assert {r["state"] for r in rome} >= {"NER", "NGA", "DMA", "DOM", "SWZ"}
    assert kinds(rome, "SWZ") == [("accession", "2009-01-01")]  # "Swaziland": confirmed in the alias table


def faults_of(report: object, file: str) -> dict[int | None, set[str]]:
    found: dict[int | None, set[str]] = {}
    for f in report.faults:  # type: ignore[attr-defined]
        if f.file == file:
            found.setdefault(f.line, set()).add(f.kind)
    return found


def test_every_fault_class_is_reported_with_file_line_and_reason(imported: tuple[Path, object]) -> None:
    out, report = imported
    assert faults_of(report, "18-10.csv") == {
        8: {"not-a-state"},  # European Union
        9: {"former-state"},  # Yugoslavia
        10: {"unknown participant"},  # Narnia
        11: {"unreadable date"},  # 31 Feb 1999
        12: {"unreadable date"},  # 1 Foo 1999
        13: {"unknown suffix"},  # 1 Jan 2002 x
        14: {"listed twice"},  # Brazil
        15: {"listed twice"},  # Brazil again
        17: {"before adoption"},  # 1990, the Rome Statute was adopted in 1998
        18: {"no act"},  # Canada,,
        20: {"malformed row"},  # one cell too many
    }
    assert faults_of(report, "5-5.csv") == {4: {"unknown suffix"}}  # no suffix, and no ratification column
    # formal confirmation (c) is an international organisation's act: the EU is no state, and a
    # state credited with one is a fault, not a consent
    assert faults_of(report, "4-15.csv") == {2: {"not-a-state"}, 3: {"not a state's act"}}
    assert kinds(records(out / "IV-15.csv"), "JOR") == [("signature", "2007-03-30"), ("ratification", "2008-03-31")]
    messages = {f.line: f.message for f in report.faults if f.file == "18-10.csv"}  # type: ignore[attr-defined]
    assert "31 Feb 1999" in messages[11] and "Belgium" in messages[11]
    assert "before the adoption (1998-07-17)" in messages[17]
    assert "line(s) 15" in messages[14]
    # a consent before the signature is no fault: both are imported
    assert kinds(records(out / "XVIII-10.csv"), "BDI") == [("ratification", "1998-09-21"), ("signature", "1999-01-13")]


def test_faulty_rows_are_not_imported_and_the_table_says_which_states_it_could_not_read(
    imported: tuple[Path, object],
) -> None:
    out, _ = imported
    states = {r["state"] for r in records(out / "XVIII-10.csv")}
    assert not states & {"BEL", "BEN", "BOL", "BRA", "KHM", "CAN", "CHL"}
    table = next(r for r in records(out / "tables.csv") if r["untc"] == "XVIII-10")
    assert table["unread_states"] == "BEL;BEN;BOL;BRA;CAN;CHL;KHM"
    # "Narnia" may be a state's name the mapping lacks: absence from this table proves nothing
    assert table["lists_every_participant"] == "no"
    assert (table["rows"], table["faulty_rows"]) == ("23", "11")
    report = (out / "import-report.md").read_text(encoding="utf-8")
    assert "| 18-10.csv | 11 | unreadable date |" in report


def test_a_table_with_an_act_after_its_as_of_date_is_refused(imported: tuple[Path, object]) -> None:
    out, report = imported
    refused = {f.file: f for f in report.table_errors}  # type: ignore[attr-defined]
    assert refused["4-1.csv"].line == 3
    assert "2014-09-22 is later than the table's as-of date 2014-01-01" in refused["4-1.csv"].message
    assert not (out / "IV-1.csv").exists()
    assert "IV-1" not in {r["untc"] for r in records(out / "tables.csv")}


def test_a_table_the_manifest_lacks_needs_as_of(imported: tuple[Path, object], tmp_path: Path) -> None:
    _, report = imported
    assert "not in the manifest" in {f.file: f.message for f in report.table_errors}["4-9.csv"]  # type: ignore[attr-defined]
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "4-9.csv", src)
    out = tmp_path / "untc-given"
    out.mkdir()
    (out / "manifest.yaml").write_text(manifest(), encoding="utf-8")
    code = main(["import", "untc-status", str(src), "--out", str(out), "--as-of", "2015-03-14", "--data", str(DATA)])
    assert code == 0
    assert records(out / "IV-9.csv") == [
        {
            "state": "AFG",
            "instrument": "cat",
            "kind": kind,
            "date": date,
            "as_of": "2015-03-14",
            "source": "untc-given-iv-9",
            "locator": "Afghanistan",
            "via": "",  # no scrape commit is known for it
            "via_locator": "",
        }
        for kind, date in (("signature", "1985-02-04"), ("ratification", "1987-04-01"))
    ]
    assert records(out / "tables.csv")[0]["page"].endswith("mtdsg_no=IV-9&chapter=4&lang=en")


def test_the_command_exits_1_when_a_table_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "untc-cli"
    out.mkdir()
    (out / "manifest.yaml").write_text(manifest(("4-1.csv", "IV-1", "2014-01-01")), encoding="utf-8")
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "4-1.csv", src)
    assert main(["import", "untc-status", str(src), "--out", str(out), "--data", str(DATA)]) == 1
    assert "4-1.csv:3: table refused" in capsys.readouterr().out


def test_the_manifest_must_name_a_table_the_directory_has(tmp_path: Path) -> None:
    out = tmp_path / "untc-x"
    out.mkdir()
    (out / "manifest.yaml").write_text(manifest(("18-10.csv", "XVIII-10", "2014-01-27")), encoding="utf-8")
    (out / "XVIII-10.csv").write_text("kept\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"manifest.yaml:\d+: 18-10.csv is not in"):
        import_untc_status(tmp_path, out, DATA)
    assert (out / "XVIII-10.csv").read_text(encoding="utf-8") == "kept\n"  # nothing written


def test_a_bad_manifest_is_reported_with_its_lines(tmp_path: Path) -> None:
    out = tmp_path / "untc-bad"
    out.mkdir()
    text = manifest(("18-10.csv", "18-10", "2014-13-01")).replace(f"commit: {COMMIT}", "commit: abc")
    (out / "manifest.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        import_untc_status(FIXTURES, out, DATA)
    messages = str(e.value)
    assert "manifest.yaml:8: table 18-10.csv: untc '18-10' is not a UNTC number" in messages
    assert "'2014-13-01' is not a date" in messages
    assert "commit 'abc' is not one of the scrapes listed" in messages


def test_headers_say_which_suffix_is_which_act() -> None:
    columns = read_header(["Participant", "Signature", "Provisional application under article 23(n)", "Accession(a)"])
    assert [(c.role, c.kinds) for c in columns] == [
        ("signature", {"": "signature"}),
        ("provisional-application", {"n": "provisional-application"}),
        ("consent", {"a": "accession"}),
    ]
    with pytest.raises(HeaderError, match="unknown kind of act 'Reservation"):
        read_header(["Participant", "Signature", "Reservation(r)"])
    with pytest.raises(HeaderError, match="not 'Participant'"):
        read_header(["State", "Signature"])
    assert strip_footnotes("Germany 2, 3") == "Germany"
    assert strip_footnotes("France*") == "France"
    assert strip_footnotes("Democratic People's Republic of Korea") == "Democratic People's Republic of Korea"


def test_names_resolve_to_their_own_state_and_historical_ones_to_none() -> None:
    resolver = NameResolver(read_aliases(DATA / "states" / "un-name-aliases.csv"))
    expected = {
        "Niger": "NER",
        "Nigeria": "NGA",
        "Dominica": "DMA",
        "Dominican Republic": "DOM",
        "Guinea": "GIN",
        "Equatorial Guinea": "GNQ",
        "Guinea-Bissau": "GNB",
        "Congo": "COG",
        "Democratic Republic of the Congo": "COD",
        "Republic of Korea": "KOR",
        "Democratic People's Republic of Korea": "PRK",
        "Sudan": "SDN",
        "South Sudan": "SSD",
        "Holy See": "VAT",
        "State of Palestine": "PSE",
        "Cook Islands": "COK",
        "Niue": "NIU",
        "Bolivia (Plurinational State of)": "BOL",
        "St. Vincent and the Grenadines": "VCT",
        "The former Yugoslav Republic of Macedonia": "MKD",
    }
    assert {name: resolver.resolve(name).alpha3 for name in expected} == expected
    for name in ("Serbia and Montenegro", "Yugoslavia", "Czechoslovakia", "German Democratic Republic"):
        resolution = resolver.resolve(name)
        assert resolution.alpha3 is None and resolution.fault is not None
        assert resolution.fault[0] == "former-state", name
    assert resolver.resolve("European Union").fault[0] == "not-a-state"  # type: ignore[index]
    # the plausibility check that guards the library's answers
    assert not same_country("Niger", resolver.names_of("NGA"))
    assert not same_country("Dominica", resolver.names_of("DOM"))
    assert not same_country("Guinea", resolver.names_of("GNQ"))
    assert not same_country("Czechoslovakia", resolver.names_of("CZE"))
    assert same_country("Republic of Moldova", resolver.names_of("MDA"))


def test_a_bad_alias_table_names_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "states" / "un-name-aliases.csv"
    path.parent.mkdir()
    path.write_text(
        "un_name,alpha3,status,note\n"
        "Ruritania,RUR,state,invented\n"
        "Swaziland,SWZ,country,renamed\n"
        "Yugoslavia,YUG,former-state,dissolved\n"
        "Turkey,TUR,state,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as e:
        load_un_name_aliases(path, "states/un-name-aliases.csv", "states/un-name-aliases.csv")
    text = str(e.value)
    assert "un-name-aliases.csv:2: alpha3 'RUR' is not an ISO 3166-1 alpha-3 code" in text
    assert "un-name-aliases.csv:3: status 'country' is not one of" in text
    assert "un-name-aliases.csv:4: a former-state has no alpha3" in text
    assert "un-name-aliases.csv:5: note is required" in text


def test_the_loader_reports_bad_records_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "treaty-status" / "untc-x" / "XVIII-10.csv"
    path.parent.mkdir(parents=True)
    header = "state,instrument,kind,date,as_of,source,locator,via,via_locator\n"
    path.write_text(
        header
        + "JPN,rome-statute,accession,2007-07-17,2014-01-27,untc-x-xviii-10,Japan,,\n"
        + "JPN,rome-statute,adhesion,2007-07-17,2014-01-27,untc-x-xviii-10,Japan,,\n"
        + "JPN,rome-statute,signature,2007,2014-01-27,untc-x-xviii-10,Japan,,\n"
        + "JPN,rome-statute,ratification,2015-01-02,2014-01-27,untc-x-xviii-10,Japan,,\n"
        + "Japan,rome-statute,signature,2007-07-17,,untc-x-xviii-10,Japan,,\n"
        + "JPN,rome-statute,accession,2007-07-17,2014-01-27,untc-x-xviii-10,Japan,,\n",
        encoding="utf-8",
    )
    relative = "treaty-status/untc-x/XVIII-10.csv"
    with pytest.raises(DataError) as e:
        load_status_records(path, relative, relative)
    lines = {(p.line, p.message.split(":")[0].split(" ")[0]) for p in e.value.problems}
    assert lines == {(3, "kind"), (4, "date"), (5, "as_of"), (6, "state"), (6, "as_of"), (7, "record")}


@needs_reference
def test_the_committed_data_is_what_the_command_writes_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / SNAPSHOT.name
    out.mkdir()
    shutil.copy(SNAPSHOT / "manifest.yaml", out)
    assert main(["import", "untc-status", str(REFERENCE), "--out", str(out), "--data", str(DATA)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in SNAPSHOT.iterdir())
    for name in written:
        assert (out / name).read_bytes() == (SNAPSHOT / name).read_bytes(), name
    # and a second run over its own output changes nothing
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert main(["import", "untc-status", str(REFERENCE), "--out", str(out), "--data", str(DATA)]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


@needs_reference
def test_every_real_table_is_imported_and_every_row_accounted_for() -> None:
    tables = records(SNAPSHOT / "tables.csv")
    assert len(tables) == len(list(REFERENCE.glob("[0-9]*.csv"))) == 25
    for table in tables:
        file = REFERENCE / table["path"].split("/")[-1]
        with file.open(encoding="utf-8", newline="") as f:
            participants = sum(1 for row in list(csv.reader(f))[1:] if any(row))
        assert int(table["rows"]) == participants, table["untc"]
        written = records(SNAPSHOT / f"{table['untc']}.csv")
        assert int(table["records"]) == len(written), table["untc"]
        assert {r["as_of"] for r in written} == {table["as_of"]}
    faulty = {(t["untc"], t["faulty_rows"]) for t in tables if t["faulty_rows"] != "0"}
    assert faulty == {("IV-15", "1")}  # the European Union's formal confirmation of the CRPD
    assert "European Union" in (SNAPSHOT / "import-report.md").read_text(encoding="utf-8")


def test_the_tables_file_loads_as_sources_that_say_what_they_cover() -> None:
    graph = load_status_tables(SNAPSHOT / "tables.csv", "tables.csv", "treaty-status/untc-2015/tables.csv").graph
    table = URIRef("https://w3id.org/r2p/id/source/untc-2015-xviii-10")
    assert str(graph.value(table, R2P.asOf)) == "2014-01-27"
    assert graph.value(table, R2P.coversInstrument) == URIRef("https://w3id.org/r2p/id/instrument/rome-statute")
    assert graph.value(table, R2P.listsEveryParticipant).toPython() is True  # type: ignore[union-attr]
    scrape = URIRef("https://w3id.org/r2p/id/source/untc-2015-xviii-10-scrape")
    assert graph.value(scrape, PROV.wasDerivedFrom) == table
    assert "b85e1e21be32b2a757d14ff9dbe1f4b401f2e165/treaties/18-10.csv" in str(
        graph.value(scrape, URIRef("https://schema.org/url"))
    )


def test_the_build_and_the_server_never_import_country_converter() -> None:
    code = (
        "import sys, r2pgraph.build, r2pgraph.sources, r2pgraph.cli, r2pgraph.server.app;"
        "sys.exit('country_converter' in sys.modules or 'pandas' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
