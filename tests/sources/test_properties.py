"""Property-based tests: whatever a data file or an imported table holds, a loader or importer either
reads it or reports what is wrong with file and line — it never fails any other way."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.namespace import RDF

from r2pgraph.errors import DataError
from r2pgraph.importers.un_treaty_status import COLUMNS, import_tables
from r2pgraph.rdf.namespaces import R2P
from r2pgraph.sources import load_files
from tests.conftest import ROOT

BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = st.sampled_from(
    ["id", "label", "date", "kind", "state", "states", "sources", "source", "locator", "agenda", "order", "x"]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(["JPN", "2019-02-30", "2019", "iccpr", "apr2p-2019", "state-party", "", "ratification"]),
)
DOCS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5))


def _load(relative: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        path = data / relative
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        try:
            graphs = load_files([path], data)
        except DataError as e:
            assert e.problems and all(p.path == str(path) and p.message for p in e.problems)
        else:
            assert len(graphs) == 1


@pytest.mark.slow  # about 9 s
@BOUNDED
@given(doc=st.dictionaries(st.sampled_from(["events", "sources", "organisations", "x"]), DOCS, max_size=2))
def test_yaml_loaders_read_or_report(doc: dict[str, Any]) -> None:
    content = yaml.safe_dump(doc, allow_unicode=True).encode()
    for relative in ("events/e.yaml", "sources/s.yaml", "organisations/o.yaml", "claims/c.yaml"):
        _load(relative, content)


@BOUNDED
@given(raw=st.binary(max_size=300))
def test_loaders_read_or_report_arbitrary_bytes(raw: bytes) -> None:
    for relative in ("events/e.yaml", "treaty-actions/JPN.csv", "extra.ttl"):
        _load(relative, raw)


CSV_HEADER = next(csv.reader(io.StringIO((ROOT / "data/treaty-actions/JPN.csv").read_text())))
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["JPN", "iccpr", "genocide", "signature", "ratification", "2019-01-01", "1999", "yes", "no", ""]),
)


@BOUNDED
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=len(CSV_HEADER) + 2), max_size=6))
def test_treaty_action_tables_read_or_report(rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    _load("treaty-actions/JPN.csv", out.getvalue().encode())


STATUS_CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["JP", "FR", "TP", "S", "XX", "1", "0", "", "1979", "19x9", "State Party", "no action"]),
)


@BOUNDED
@given(rows=st.lists(st.lists(STATUS_CELLS, min_size=len(COLUMNS), max_size=len(COLUMNS) + 1), max_size=8))
def test_the_un_importer_imports_or_refuses_every_row(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "hr_status_iccpr.csv"
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        table.write_text(out.getvalue(), encoding="utf-8")
        data = Path(tmp) / "data"
        report = import_tables([table], data / "treaty-status" / "ohchr-2022", "2022")
        refused_rows = [p for p in report.refused if p.line and p.line > 1]
        assert report.rows_imported + len(refused_rows) == report.rows_read
        assert all(p.path == str(table) for p in report.refused)
        written = sorted((data / "treaty-status" / "ohchr-2022").glob("*.csv"))
        # every row the importer writes is one the build's loader reads as a status record
        records = [s for g in load_files(written, data) for s in g.graph.subjects(RDF.type, R2P.StatusRecord)]
        assert len(records) == report.rows_imported
