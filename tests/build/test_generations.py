"""Generations: the sanity gate, the build lock, listing and rollback, pruning around a served
generation, and ``kill -9`` at any point of a write or switch."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult, ShrinkRefused, write_generation
from r2pgraph.build.generations import (
    BuildLocked,
    build_lock,
    current_generation,
    lease,
    list_generations,
    prune,
)
from r2pgraph.cli import main
from r2pgraph.store.embedded import open_store
from tests.conftest import ROOT, repo_settings, running_server

FINDING = "<https://w3id.org/r2p/ontology#Finding>"


def _seed_nquads(built: BuildResult) -> bytes:
    return (built.generation / "r2p.nq").read_bytes()


MARKER = '<https://w3id.org/r2p/id/test/marker> <https://w3id.org/r2p/ontology#marker> "{n}" <https://w3id.org/r2p/graph/test/marker> .\n'  # noqa: E501


def _marker(n: int) -> bytes:
    return MARKER.format(n=n).encode()


def test_a_build_keeps_its_shacl_report_and_source_hashes(built: BuildResult) -> None:
    shacl = json.loads((built.generation / "shacl-report.json").read_text())
    assert shacl["conforms"] is True and shacl["results"] == []
    report = built.report
    assert report["validation"] == {"conforms": True, "file": "shacl-report.json"}
    sources = report["sources"]
    assert isinstance(sources, list) and sources
    assert all(s["hash"].startswith("sha256:") for s in sources if s["file"].endswith((".yaml", ".csv")))


def test_losing_more_than_half_of_a_class_is_refused_unless_allowed(tmp_path: Path, built: BuildResult) -> None:
    settings = repo_settings(tmp_path / "build")
    nquads = _seed_nquads(built)
    first = write_generation(nquads, settings).generation
    # Drop every finding that is not about the focal point: 36 findings become 1.
    finding_nodes = {
        line.split(b" ", 1)[0]
        for line in nquads.splitlines()
        if f" <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> {FINDING} ".encode() in line
    }
    keep = {n for n in finding_nodes if b"focal-point" in n}
    shrunk = b"".join(
        line + b"\n" for line in nquads.splitlines() if line.split(b" ", 1)[0] not in finding_nodes - keep
    )
    with pytest.raises(ShrinkRefused) as err:
        write_generation(shrunk, settings)
    assert "r2p/ontology#Finding: 36 → 1 instances" in str(err.value)
    assert "--allow-shrink" in str(err.value)
    assert current_generation(settings.build_dir) == first
    assert not list((settings.build_dir / "generations").glob(".tmp-*"))
    second = write_generation(shrunk, settings, allow_shrink=True).generation
    assert current_generation(settings.build_dir) == second != first


def test_generations_are_listed_and_rolled_back(
    tmp_path: Path, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = repo_settings(tmp_path / "build")
    nquads = _seed_nquads(built)
    a = write_generation(nquads + _marker(1), settings).generation
    b = write_generation(nquads + _marker(2), settings).generation
    build = ["--build-dir", str(settings.build_dir)]
    assert main(["generations", "--json", *build]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [g["name"] for g in listed] == [a.name, b.name]
    assert [g["current"] for g in listed] == [False, True]
    assert main(["rollback", *build]) == 0
    assert current_generation(settings.build_dir) == a
    assert main(["rollback", b.name[:20], *build]) == 0
    assert current_generation(settings.build_dir) == b
    capsys.readouterr()
    assert main(["rollback", "no-such-generation", *build]) == 1
    assert "'no-such-generation' matches no generation" in capsys.readouterr().err
    assert current_generation(settings.build_dir) == b


def test_pruning_keeps_the_current_and_the_served_generations(tmp_path: Path, built: BuildResult) -> None:
    settings = repo_settings(tmp_path / "build")
    nquads = _seed_nquads(built)
    oldest = write_generation(nquads + _marker(0), settings).generation
    with lease(oldest):
        for n in range(1, 5):
            write_generation(nquads + _marker(n), settings)
        assert oldest.is_dir(), "a generation being served was pruned"
    prune(settings.build_dir, keep=settings.keep_generations)
    assert not oldest.exists()
    assert len(list_generations(settings.build_dir)) == settings.keep_generations


def test_a_second_build_is_refused_while_one_holds_the_lock(tmp_path: Path, built: BuildResult) -> None:
    settings = repo_settings(tmp_path / "build")
    with build_lock(settings.build_dir), pytest.raises(BuildLocked) as err:
        write_generation(_seed_nquads(built), settings)
    assert f"pid {os.getpid()}" in str(err.value)
    assert not (settings.build_dir / "current").exists()


WRITER = """
import sys
from pathlib import Path
from r2pgraph.build.assemble import write_generation
from tests.conftest import repo_settings
from tests.build.test_generations import MARKER
settings = repo_settings(Path(sys.argv[1]))
seed = Path(sys.argv[2]).read_bytes()
n = 0
while True:
    n += 1
    write_generation(seed + MARKER.format(n=n).encode(), settings)
"""


def test_kill_9_at_any_point_leaves_the_last_good_generation_and_no_stale_lock(
    tmp_path: Path, built: BuildResult
) -> None:
    """A process writing generations in a loop is killed with SIGKILL at random moments (inside the
    store write, the exports, the rename, the switch or the pruning); each time, ``current`` is a
    complete generation whose store opens and holds exactly one marker, and the next write succeeds."""
    settings = repo_settings(tmp_path / "build")
    seed = built.generation / "r2p.nq"
    write_generation(seed.read_bytes() + _marker(0), settings)
    rng = random.Random(7)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(settings.build_dir), str(seed)], cwd=ROOT)
        time.sleep(rng.uniform(1.0, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        current = current_generation(settings.build_dir)
        report = json.loads((current / "build-report.json").read_text())
        store = open_store(current)
        markers = list(store.query("SELECT ?m WHERE { GRAPH ?g { ?s <https://w3id.org/r2p/ontology#marker> ?m } }"))
        assert len(markers) == 1
        assert report["quads"] == len(store)
        del store
    # Restarted, a server serves the last good generation.
    with running_server(settings.build_dir) as url:
        health = httpx.get(url + "/health", timeout=10).json()
        assert health["generation"] == current_generation(settings.build_dir).name
    # The lock died with its holder: a new write goes through, and removes the leftovers.
    result = write_generation(seed.read_bytes() + _marker(10_000), settings)
    assert current_generation(settings.build_dir) == result.generation
    assert not list((settings.build_dir / "generations").glob(".tmp-*"))
    assert not list(settings.build_dir.glob(".current-*"))
