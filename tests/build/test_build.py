"""The build: a validated generation with a store, dumps and a report; failures change nothing."""

from __future__ import annotations

import json
import shutil
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from r2pgraph.build.assemble import build_generation
from r2pgraph.build.generations import current_generation
from r2pgraph.errors import DataError, ValidationFailed
from r2pgraph.sources import IGNORED
from tests.conftest import ROOT, repo_settings


def test_report_counts_what_the_seeds_hold(generation: Path) -> None:
    report = json.loads((generation / "build-report.json").read_text())
    classes = {k.rsplit("#", 1)[-1]: v for k, v in report["classes"].items() if "/r2p/ontology#" in k}
    assert classes["Finding"] == 36
    assert classes["Indicator"] == 36
    assert classes["ThematicArea"] == 6
    assert classes["Rating"] == 5
    assert classes["State"] >= 249
    assert classes["Dialogue"] == 3
    assert report["content_hash"].startswith("sha256:") and len(report["content_hash"]) == 71
    assert report["quads"] > 5000
    # one named graph per data file, plus the ISO 3166 reference set, the ontology, provenance,
    # and the three derived graphs (cross-reference, disagreements, claim checks)
    data = ROOT / "data"
    ignored = [p for p in data.rglob("*") if any(fnmatch(p.relative_to(data).as_posix(), i) for i in IGNORED)]
    data_files = [p for p in data.rglob("*") if p.is_file() and p not in ignored]
    assert len(report["graphs"]) == len(data_files) + 6


def test_generation_has_store_dumps_and_report(generation: Path) -> None:
    for name in (
        "store",
        "r2p.nq",
        "r2p.trig",
        "r2p.ttl",
        "r2p.nt",
        "r2p.jsonld",
        "findings.csv",
        "treaty-actions.csv",
        "build-report.json",
    ):
        assert (generation / name).exists(), name
    assert (generation.parent.parent / "current").resolve() == generation


def test_rebuilding_unchanged_data_keeps_the_generation(tmp_path: Path) -> None:
    settings = repo_settings(tmp_path / "build")
    first = build_generation(settings)
    second = build_generation(settings)
    assert not first.unchanged and second.unchanged
    assert second.generation == first.generation


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    return data


def test_violation_fails_the_build_names_file_and_line_and_keeps_current(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    settings = repo_settings(tmp_path / "build", data)
    good = build_generation(settings).generation
    findings = data / "assessments/apr2p-2019/JPN.yaml"
    text = findings.read_text()
    # Rate Japan's focal-point finding on a level that is not on the scale.
    start = text.index("indicator: focal-point")
    rating = text.index("rating: very-strong", start)
    findings.write_text(text[:rating] + "rating: excellent" + text[rating + len("rating: very-strong") :])
    line = text[:start].count("\n") + 1
    with pytest.raises(ValidationFailed) as err:
        build_generation(settings)
    message = str(err.value)
    assert f"data/assessments/apr2p-2019/JPN.yaml:{line}" in message
    assert "r2p:rating" in message and "rating on the rating scale" in message
    assert "id/assessment/apr2p-2019/JPN/focal-point" in message
    assert current_generation(settings.build_dir) == good


def test_bad_yaml_fails_with_file_and_line(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    events = data / "events/japan-national-dialogue.yaml"
    events.write_text(events.read_text() + "\n  - id: [unclosed\n")
    with pytest.raises(DataError) as err:
        build_generation(repo_settings(tmp_path / "build", data))
    assert "data/events/japan-national-dialogue.yaml:" in str(err.value)
    assert not (tmp_path / "build" / "current").exists()


def test_summary_table_disagreeing_with_findings_fails(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    findings = data / "assessments/apr2p-2019/JPN.yaml"
    doc = yaml.safe_load(findings.read_text())
    # Move kigali-principles from very-weak to weak in the summary table only.
    doc["summary_table"]["very-weak"].remove("kigali-principles")
    doc["summary_table"]["weak"].append("kigali-principles")
    findings.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    with pytest.raises(ValidationFailed) as err:
        build_generation(repo_settings(tmp_path / "build", data))
    assert "summary table rates" in str(err.value)
    assert "kigali-principles" in str(err.value)


@pytest.mark.slow  # a whole build of the real data
def test_a_shape_pyshacl_used_to_check_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    # UNStatusShape's own sh:class was the one constraint left to pySHACL; it is checked natively now.
    data = _copy_data(tmp_path)
    (data / "organisations/un-status.ttl").write_text(
        "@prefix r2p: <https://w3id.org/r2p/ontology#> .\n"
        "<https://w3id.org/r2p/id/organisation/apr2p> r2p:unStatus r2p:UNObserverState ;\n"
        "    r2p:m49Area <https://w3id.org/r2p/id/m49-area/039> .\n"
    )
    text = (data / "organisations/organisations.yaml").read_text()
    line = text[: text.index("id: apr2p")].count("\n") + 1
    with pytest.raises(ValidationFailed) as err:
        build_generation(repo_settings(tmp_path / "build", data))
    message = str(err.value)
    assert "Validation failed: 1 violation(s)" in message
    assert (
        f"data/organisations/organisations.yaml:{line}: Violation on <https://w3id.org/r2p/id/organisation/apr2p>"
        in message
    )
    assert "Only a state has a UN status" in message and "sh:ClassConstraintComponent" in message
    assert not (tmp_path / "build" / "current").exists()
