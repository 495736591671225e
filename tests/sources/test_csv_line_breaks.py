"""A quoted CSV field may hold line breaks and Unicode line separators: the record stays one row,
its text arrives exactly, and the lines named in errors are the file's lines."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from r2pgraph.build.assemble import build_generation
from r2pgraph.errors import DataError
from r2pgraph.importers.un_treaty_status import import_tables
from r2pgraph.sources.treaty_actions import load_treaty_actions
from r2pgraph.store.embedded import open_store
from tests.conftest import ROOT, repo_settings

# Each character str.splitlines() breaks a line at, and the csv module keeps inside a quoted field.
BREAKS = "\n|\r\n|\u2028|\u2029|\u0085|\x0b|\x0c|\x1c|\x1d|\x1e"
LOCATOR = f"Japan; UNTC IV-9, {BREAKS}, end"
QUOTED = f'"{LOCATOR}","a note\n\u2028across lines"\r\n'
ROW = "JPN,icescr,signature,1978-05-31,yes,yes,ohchr-ratification-status," + QUOTED
TABLE_HEADER = "iso2,member,state party,year ratification or accession,signatory,no action,status,note\n"


def _append(path: Path, rows: str) -> int:
    """Append rows to a CSV file as they are; return the number of lines the file had."""
    lines = path.read_bytes().count(b"\n")
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write(rows)
    return lines


def test_a_quoted_field_with_line_breaks_arrives_exactly_in_the_built_graph(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    # the curated record of Japan's signature of the Arms Trade Treaty, with these locator and note
    path = data / "treaty-actions/JPN.csv"
    text = path.read_text(encoding="utf-8")
    # (the row's last two fields, note and in_force, are empty)
    assert text.count(",Arms Trade Treaty: signature by Japan,,\n") == 1
    quoted = QUOTED.removesuffix("\r\n") + ",\r\n"  # and an empty in_force
    path.write_text(text.replace("Arms Trade Treaty: signature by Japan,,\n", quoted), encoding="utf-8", newline="")
    action = "https://w3id.org/r2p/id/treaty-action/curated/JPN/arms-trade-treaty/signature-2013-06-03"
    result = build_generation(repo_settings(tmp_path / "build", data))
    store = open_store(result.generation)
    rows = list(
        store.query(
            f"SELECT ?loc ?note WHERE {{ <{action}> <https://w3id.org/r2p/ontology#hasCitation> ?c ."
            " ?c <https://w3id.org/r2p/ontology#locator> ?loc ."
            f" <{action}> <http://www.w3.org/2004/02/skos/core#note> ?note }}",
            use_default_graph_as_union=True,
        )
    )
    assert len(rows) == 1
    locator, note = rows[0]["loc"], rows[0]["note"]
    assert isinstance(locator, ox.Literal) and isinstance(note, ox.Literal)
    assert locator.value == LOCATOR
    # notes are whitespace-normalised text: both parts of it are in the one row's note
    assert note.value == "a note across lines"


def test_a_row_after_a_record_spanning_lines_is_reported_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "JPN.csv"
    shutil.copy(ROOT / "data/treaty-actions/JPN.csv", path)
    bad = "JPN,icescr,ratifcation,1979-06-21,yes,yes,ohchr-ratification-status,,\n"
    lines_before = _append(path, ROW + bad)
    with pytest.raises(DataError) as err:
        load_treaty_actions(path, str(path), "treaty-actions/JPN.csv")
    # ROW's line breaks: \n and \r\n in the locator, \n in the note, \r\n at its end
    assert [p.line for p in err.value.problems] == [lines_before + ROW.count("\n") + 1]
    assert "action 'ratifcation' is not one of" in err.value.problems[0].message


def test_an_error_inside_a_record_spanning_lines_names_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "JPN.csv"
    shutil.copy(ROOT / "data/treaty-actions/JPN.csv", path)
    lines_before = _append(path, ROW.replace("signature", "signed", 1))
    with pytest.raises(DataError) as err:
        load_treaty_actions(path, str(path), "treaty-actions/JPN.csv")
    assert [p.line for p in err.value.problems] == [lines_before + 1]
    assert "action 'signed' is not one of" in err.value.problems[0].message


def test_an_imported_table_keeps_a_note_with_line_breaks_and_the_lines_after_it(tmp_path: Path) -> None:
    note = f"Declaration: {BREAKS} end"
    table = tmp_path / "hr_status_iccpr.csv"
    table.write_text(
        TABLE_HEADER + f'JP,Japan,1,1979,0,0,State Party,"{note}"\nXX,Nowhere,1,1980,0,0,State Party,\n',
        encoding="utf-8",
        newline="",
    )
    out = tmp_path / "ohchr-2022"
    report = import_tables([table], out, "2022")
    assert report.rows_imported == 1
    assert [(p.line, p.message.split(" (")[0]) for p in report.refused] == [(3 + note.count("\n"), "'XX'")]
    with (out / "iccpr.csv").open(encoding="utf-8", newline="") as written:
        rows = list(csv.DictReader(written))
    assert [(r["state"], r["note"]) for r in rows] == [("JPN", note)]
