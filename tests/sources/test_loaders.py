"""Bad input gets a clear error naming the file and line; nothing is silently dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from r2pgraph.errors import DataError
from r2pgraph.sources import load_data_dir
from r2pgraph.sources.events import load_events
from r2pgraph.sources.treaty_actions import load_treaty_actions


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "state,instrument,action,date,date_confirmed,action_confirmed,source,locator,note\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("JPN,rome-statute,ratifcation,2007-07-17,yes,yes,icc,,", "action 'ratifcation' is not one of"),
        ("JPN,rome-statute,accession,2007-02-30,yes,yes,icc,,", "'2007-02-30' is not a valid date"),
        ("JAPAN,rome-statute,accession,2007-07-17,yes,yes,icc,,", "'JAPAN' is not an ISO 3166-1 alpha-3 code"),
        ("JPN,Rome Statute,accession,2007-07-17,yes,yes,icc,,", "'Rome Statute' is not a valid id"),
        ("JPN,rome-statute,accession,2007-07-17,maybe,yes,icc,,", "expected yes or no, got 'maybe'"),
        ("JPN,rome-statute,accession,2007-07-17,no,yes,icc,,", "a note must say what awaits confirmation"),
        ("JPN,rome-statute,accession,,yes,yes,icc,,", "date is required"),
        ("JPN,rome-statute,accession,2007-07-17,yes,yes,,,", "source is required"),
    ],
)
def test_treaty_action_rows_are_checked(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, "JPN.csv", HEADER + row + "\n")
    with pytest.raises(DataError) as err:
        load_treaty_actions(path, "data/treaty-actions/JPN.csv", "treaty-actions/JPN.csv")
    text = str(err.value)
    assert "data/treaty-actions/JPN.csv:2:" in text and message in text


def test_every_bad_row_is_reported_not_just_the_first(tmp_path: Path) -> None:
    rows = "JPN,x,signature,1999,yes,yes,s,,\nJPN,y,sign,1999,yes,yes,s,,\nJPN,z,signature,19999,yes,yes,s,,\n"
    path = _write(tmp_path, "JPN.csv", HEADER + rows)
    with pytest.raises(DataError) as err:
        load_treaty_actions(path, "t.csv", "treaty-actions/t.csv")
    assert [p.line for p in err.value.problems] == [3, 4]


def test_duplicate_treaty_action_is_refused(tmp_path: Path) -> None:
    row = "JPN,cat,accession,1999-06-29,yes,yes,ohchr,,\n"
    path = _write(tmp_path, "JPN.csv", HEADER + row + row)
    with pytest.raises(
        DataError, match=r"t\.csv:3: treaty action: id 'JPN/cat/accession-1999-06-29' already used at line 2"
    ):
        load_treaty_actions(path, "t.csv", "treaty-actions/t.csv")


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "JPN.csv", "state,instrument,action,date\nJPN,cat,accession,1999\n")
    with pytest.raises(DataError, match=r"t\.csv:1: missing column\(s\): date_confirmed"):
        load_treaty_actions(path, "t.csv", "treaty-actions/t.csv")


def test_event_errors_name_their_lines(tmp_path: Path) -> None:
    text = """events:
  - id: ok-event
    type: meeting
    label: A meeting
    year: 2020
    citations: [{source: some-source}]
  - id: Bad_Id
    type: party
    label: Another
    date: 2020-13-01
"""
    path = _write(tmp_path, "e.yaml", text)
    with pytest.raises(DataError) as err:
        load_events(path, "data/events/e.yaml", "events/e.yaml")
    problems = [str(p) for p in err.value.problems]
    assert any(p.startswith("data/events/e.yaml:7:") and "'Bad_Id' is not a valid id" in p for p in problems)


def test_event_type_and_date_problems(tmp_path: Path) -> None:
    text = """events:
  - id: bad-event
    type: party
    label: Another
    date: 2020-13-01
    attendance: by-pigeon
"""
    path = _write(tmp_path, "e.yaml", text)
    with pytest.raises(DataError) as err:
        load_events(path, "e.yaml", "events/e.yaml")
    text_out = str(err.value)
    assert "e.yaml:2: event bad-event: type 'party' is not one of" in text_out
    assert "'2020-13-01' is not a valid date" in text_out
    assert "attendance must be one of online, hybrid, in-person" in text_out


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "e.yaml", "events:\n  - id: a\n    id: b\n")
    with pytest.raises(DataError, match=r"e\.yaml:3: YAML error: duplicate key 'id'"):
        load_events(path, "e.yaml", "events/e.yaml")


def test_unknown_file_kind_is_reported(tmp_path: Path) -> None:
    _write(tmp_path / "data", "events/notes.txt", "hello")
    with pytest.raises(DataError, match=r"data/events/notes\.txt: no loader reads this kind of file"):
        load_data_dir(tmp_path / "data")


def test_footnote_cited_by_no_finding_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "data/assessments/ed-1"
    _write(folder, "XYZ-citations.csv", "footnote,seq,source,locator,ibid,note\n1,1,src,,no,\n2,1,src,p. 2,no,\n")
    _write(
        folder,
        "XYZ.yaml",
        "edition: ed-1\nstate: XYZ\ndocument: doc\ncitations: XYZ-citations.csv\nfindings:\n"
        "  - indicator: ind\n    rating: fair\n    summary: Text.\n    footnotes: [1, 3]\n",
    )
    with pytest.raises(DataError) as err:
        load_data_dir(tmp_path / "data")
    text = str(err.value)
    assert "data/assessments/ed-1/XYZ.yaml:6: finding ind: footnote 3 is not in the citations file" in text
    assert "footnote 2 of the citations file is cited by no finding" in text
