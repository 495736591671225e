"""Malformed, truncated, huge and wrongly encoded data files give a clear error naming the file
(and the line, where there is one); never a traceback, never a partial graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from r2pgraph.build.assemble import build_generation
from r2pgraph.errors import DataError
from r2pgraph.importers.un_treaty_status import import_tables
from tests.conftest import ROOT, repo_settings

HEADER = (ROOT / "data/treaty-actions/JPN.csv").read_bytes().splitlines()[0]
DEPTH = 1_000_000
TABLE_HEADER = b"iso2,member,state party,year ratification or accession,signatory,no action,status\n"

# name → (file under data/, content, expected text in the error)
CASES: dict[str, tuple[str, bytes, str]] = {
    "yaml nested 10^6 deep": (
        "events/deep.yaml",
        b"events:\n  - " + b"[" * DEPTH + b"]" * DEPTH + b"\n",
        "data/events/deep.yaml:2: YAML nested too deeply",
    ),
    "yaml mappings nested deep": (
        "events/deep.yaml",
        b"events: " + b"{a: " * 100_000 + b"1" + b"}" * 100_000 + b"\n",
        "data/events/deep.yaml:1: YAML nested too deeply",
    ),
    "100 MB literal": (
        "events/huge.yaml",
        b'events:\n  - id: x\n    label: "' + b"a" * 100_000_000 + b'"\n',
        "data/events/huge.yaml: the file is 100.0 MB; a data file may be at most 16 MB",
    ),
    "1 MB CSV field": (
        "treaty-actions/XXA.csv",
        HEADER + b"\nJPN,iccpr," + b"a" * 1_000_000 + b"\n",
        "data/treaty-actions/XXA.csv:2: CSV error: field larger than field limit",
    ),
    "latin-1 YAML": (
        "events/latin.yaml",
        "events:\n  - id: café\n".encode("latin-1"),
        "data/events/latin.yaml:2: not UTF-8",
    ),
    "latin-1 CSV": (
        "treaty-actions/XXB.csv",
        HEADER + "\nJPN,café\n".encode("latin-1"),
        "data/treaty-actions/XXB.csv:2: not UTF-8",
    ),
    "truncated YAML": (
        "events/cut.yaml",
        b'events:\n  - id: x\n    label: "unterminated\n',
        "data/events/cut.yaml:4: YAML error: found unexpected end of stream",
    ),
    "NUL in YAML": (
        "events/nul.yaml",
        b"events:\n  - id: x\x00y\n",
        "data/events/nul.yaml:2: YAML error: character #x0000",
    ),
    "Turtle nested deep": (
        "extra.ttl",
        b"@prefix : <https://w3id.org/r2p/id/x/> .\n:a :p " + b"[ :p " * 100_000 + b"1" + b" ]" * 100_000 + b" .\n",
        "data/extra.ttl: Turtle syntax error",
    ),
    "latin-1 Turtle": (
        "extra.ttl",
        '@prefix : <https://w3id.org/r2p/id/x/> .\n:a :p "café" .\n'.encode("latin-1"),
        "data/extra.ttl: Turtle syntax error",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_data_file_fails_the_build_clearly_and_changes_nothing(tmp_path: Path, case: str) -> None:
    relative, content, expected = CASES[case]
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / relative).write_bytes(content)
    settings = repo_settings(tmp_path / "build", data)
    with pytest.raises(DataError) as err:
        build_generation(settings)
    assert expected in str(err.value)
    assert len(err.value.problems) == 1
    assert not (settings.build_dir / "current").exists()


def test_an_importer_refuses_a_table_past_the_csv_limits_whole_and_says_where(tmp_path: Path) -> None:
    table = tmp_path / "hr_status_iccpr.csv"
    table.write_bytes(TABLE_HEADER + b"JP,Japan,1,1979,0,0,State Party\nFR,France,1,1980,0,0," + b"a" * 200_000 + b"\n")
    report = import_tables([table], tmp_path / "out", "2022")
    assert [(p.path, p.line) for p in report.refused] == [(str(table), 3)]
    assert "CSV error, file not imported" in report.refused[0].message
    assert report.rows_imported == 0
    assert not (tmp_path / "out" / "iccpr.csv").exists()


def test_an_importer_refuses_a_row_with_a_nul_byte_and_keeps_the_rest(tmp_path: Path) -> None:
    table = tmp_path / "hr_status_iccpr.csv"
    table.write_bytes(TABLE_HEADER + b"JP,Japan,1,1979,0,0,State Party\nFR,France,1,1980,0,0,x\x00y\n")
    report = import_tables([table], tmp_path / "out", "2022")
    assert [(p.path, p.line) for p in report.refused] == [(str(table), 3)]
    assert report.rows_imported == 1
    assert (tmp_path / "out" / "iccpr.csv").read_text(encoding="utf-8").count("\n") == 2
