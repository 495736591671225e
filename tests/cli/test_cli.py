"""The ``r2pgraph`` command, run as a user runs it (a subprocess)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from r2pgraph.build.assemble import BuildResult
from tests.conftest import ROOT


def r2p(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "r2pgraph.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def build_dir_of(built: BuildResult) -> str:
    return str(built.generation.parent.parent)


def test_query_formats(built: BuildResult) -> None:
    query = "PREFIX r2p: <https://w3id.org/r2p/ontology#> SELECT ?f WHERE { ?f a r2p:Finding } ORDER BY ?f"
    table = r2p("query", "--build-dir", build_dir_of(built), query)
    assert table.returncode == 0, table.stderr
    assert table.stdout.strip().endswith("(36 rows)")
    out = r2p("query", "--build-dir", build_dir_of(built), "--format", "csv", query)
    assert len(list(csv.DictReader(io.StringIO(out.stdout)))) == 36
    out = r2p("query", "--build-dir", build_dir_of(built), "--format", "json", query)
    assert len(json.loads(out.stdout)["results"]["bindings"]) == 36
    ask = r2p("query", "--build-dir", build_dir_of(built), "ASK { ?s a <https://w3id.org/r2p/ontology#State> }")
    assert ask.stdout.strip() == "true"


def test_query_from_file_and_construct(built: BuildResult, tmp_path: Path) -> None:
    q = tmp_path / "q.rq"
    q.write_text("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/r2p/graph/treaty-actions/JPN> { ?s ?p ?o } }")
    out = r2p("query", "--build-dir", build_dir_of(built), "-f", str(q))
    assert out.returncode == 0, out.stderr
    assert len(Graph().parse(data=out.stdout, format="turtle")) > 100


def test_malformed_query_reports_position(built: BuildResult) -> None:
    out = r2p("query", "--build-dir", build_dir_of(built), "SELECT ?x WHERE { ?x ?y }")
    assert out.returncode == 2
    assert "malformed query" in out.stderr and "1:" in out.stderr


def test_export_and_stats(built: BuildResult, tmp_path: Path) -> None:
    target = tmp_path / "out.nt"
    out = r2p("export", "--build-dir", build_dir_of(built), "--format", "ntriples", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert isomorphic(Graph().parse(target, format="nt"), Graph().parse(built.generation / "r2p.nt", format="nt"))
    stats = r2p("stats", "--build-dir", build_dir_of(built))
    assert "r2p:Finding" in stats.stdout and "36" in stats.stdout
    report = json.loads(r2p("stats", "--json", "--build-dir", build_dir_of(built)).stdout)
    assert report["content_hash"] == built.report["content_hash"]


def test_commands_without_a_build_say_so(tmp_path: Path) -> None:
    out = r2p("stats", "--build-dir", str(tmp_path / "nothing"))
    assert out.returncode == 1 and "run `r2pgraph build` first" in out.stderr


@pytest.mark.slow  # about 7 s
def test_validate_data_dir_and_files(tmp_path: Path) -> None:
    no_imports = ["--imports-dir", str(tmp_path / "none")]
    out = r2p("validate", *no_imports)
    assert out.returncode == 0 and "conforms" in out.stdout
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix r2p: <https://w3id.org/r2p/ontology#> .\n"
        "<https://w3id.org/r2p/id/assessment/x/JPN/focal-point> a r2p:Finding ;\n"
        '    r2p:summary "No language tag" .\n'
    )
    out = r2p("validate", *no_imports, str(bad))
    assert out.returncode == 1
    assert "r2p:rating" in out.stdout and "r2p:summary" in out.stdout and "language tag" in out.stdout
    good = r2p("validate", *no_imports, "data/treaty-actions/JPN.csv")
    assert good.returncode == 0, good.stdout + good.stderr


def test_build_command_failure_exit_code_and_report(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    csv_path = data / "treaty-actions/JPN.csv"
    csv_path.write_text(csv_path.read_text() + "JPN,cat,signature,1900-01-01,yes,yes,ohchr-ratification-status,,\n")
    out = r2p(
        "build", "--data", str(data), "--build-dir", str(tmp_path / "build"), "--imports-dir", str(tmp_path / "i")
    )
    assert out.returncode == 1
    assert "before the instrument was adopted" in out.stderr
    assert "data/treaty-actions/JPN.csv:" in out.stderr
    assert not (tmp_path / "build" / "current").exists()


@pytest.mark.slow  # builds
def test_build_validates_in_a_forked_process_with_the_same_report(tmp_path: Path) -> None:
    """A single-threaded build (the CLI) validates in a forked process while it assembles, the
    SPARQL-based constraints over the store of the sources the build goes on to complete: the
    report is the same as validating in place, for valid and for invalid data."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    script = f"""
import sys
from pathlib import Path
from r2pgraph.build.background_validation import BackgroundValidation
from r2pgraph.build.assemble import complete_dataset, load_ontology, source_store
from r2pgraph.sources import load_data_dir
from r2pgraph.validation.validate import load_shapes, validate_graphs
root = Path({str(ROOT)!r})
sources, ontology = load_data_dir(Path(sys.argv[1])), load_ontology(root / "ontology")
shapes = load_shapes(root / "shapes")
with BackgroundValidation(sources, ontology, shapes) as v:
    store = source_store(sources, ontology)
    v.start_sparql(store)
    complete_dataset(store, sources, {{}})  # the child's copy of the store is unchanged
    report, seconds = v.result()
print(v.forked, report == validate_graphs(sources, ontology, shapes), report.conforms, len(report.violations))
"""
    ok = subprocess.run([sys.executable, "-c", script, str(data)], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == ["True", "True", "True", "0"]
    csv_path = data / "treaty-actions/JPN.csv"
    csv_path.write_text(csv_path.read_text() + "JPN,cat,signature,1900-01-01,yes,yes,ohchr-ratification-status,,\n")
    bad = subprocess.run([sys.executable, "-c", script, str(data)], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 0, bad.stderr
    forked, same, conforms, count = bad.stdout.split()
    assert (forked, same, conforms) == ("True", "True", "False") and int(count) >= 1

    out = r2p("build", "--data", str(ROOT / "data"), "--build-dir", str(tmp_path / "b"), "--imports-dir", "none")
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "b" / "current" / "build-report.json").read_text())
    assert report["validation"]["conforms"] is True
    assert {"load_s", "validate_s", "validate_wait_s", "assemble_s", "store_s", "exports_s", "exports_wait_s"} <= set(
        report["timings"]
    )


@pytest.mark.slow  # two builds
def test_two_builds_of_the_same_data_write_the_same_exports(tmp_path: Path) -> None:
    """The exports are made from the in-memory dataset in forked processes; two builds of the same
    data write them byte for byte the same."""
    for name in ("a", "b"):
        out = r2p("build", "--data", str(ROOT / "data"), "--build-dir", str(tmp_path / name), "--imports-dir", "none")
        assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "a" / "current" / "build-report.json").read_text())
    assert report["timings"]["exports_wait_s"] >= 0
    files = ["r2p.nq", "r2p.trig", "r2p.ttl", "r2p.nt", "r2p.jsonld", "findings.csv", "treaty-actions.csv"]
    for file in files:
        a, b = (tmp_path / name / "current" / file for name in ("a", "b"))
        assert a.stat().st_size > 0 and a.read_bytes() == b.read_bytes(), file
