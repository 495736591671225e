"""The served generation: /health, switching without a restart (admin call, SIGHUP), and readers
that see exactly one generation in every answer while generations are switched under them."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from r2pgraph.build.assemble import BuildResult, write_generation
from r2pgraph.build.generations import rollback
from tests.conftest import repo_settings, running_server, server_process

TOKEN = "test-admin-token"
R2P = "https://w3id.org/r2p/ontology#"
# Generation k holds the marker "k" and k+1 items: an answer mixing two generations would not match.
MARKED = """SELECT ?m (COUNT(?item) AS ?n) WHERE {
  ?x <https://w3id.org/r2p/ontology#marker> ?m . ?x <https://w3id.org/r2p/ontology#item> ?item } GROUP BY ?m"""


def _marked(seed: bytes, k: int) -> bytes:
    s, g = "<https://w3id.org/r2p/id/test/marker>", "<https://w3id.org/r2p/graph/test/marker>"
    lines = [f'{s} <{R2P}marker> "{k}" {g} .']
    lines += [f'{s} <{R2P}item> "{i}" {g} .' for i in range(k + 1)]
    return seed + ("\n".join(lines) + "\n").encode()


@pytest.fixture
def two_generations(tmp_path: Path, built: BuildResult) -> Iterator[tuple[Path, list[str]]]:
    settings = repo_settings(tmp_path / "build")
    seed = (built.generation / "r2p.nq").read_bytes()
    names = [write_generation(_marked(seed, k), settings).generation.name for k in (1, 2)]
    yield settings.build_dir, names


def _health(url: str) -> dict[str, object]:
    answer = httpx.get(url + "/health", timeout=10)
    assert answer.status_code == 200
    data: dict[str, object] = answer.json()
    return data


def _marker(client: httpx.Client, url: str) -> tuple[int, int]:
    answer = client.get(
        url + "/sparql", params={"query": MARKED}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    (row,) = answer.json()["results"]["bindings"]
    return int(row["m"]["value"]), int(row["n"]["value"])


def test_admin_reload_switches_without_a_restart_and_needs_the_token(
    two_generations: tuple[Path, list[str]],
) -> None:
    build_dir, (first, second) = two_generations
    rollback(build_dir, first)
    with running_server(build_dir, env={"R2P_ADMIN_TOKEN": TOKEN}) as url:
        health = _health(url)
        assert health["generation"] == first and health["status"] == "ok"
        assert str(health["content_hash"]).startswith("sha256:")
        with httpx.Client() as client:
            assert _marker(client, url) == (1, 2)
            rollback(build_dir, second)
            # Still the first generation: nothing switches until asked.
            assert _marker(client, url) == (1, 2)
            assert client.post(url + "/admin/reload").status_code == 401
            refused = client.post(url + "/admin/reload", headers={"Authorization": "Bearer wrong"})
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
            ok = client.post(url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200 and ok.json()["switched"] is True and ok.json()["generation"] == second
            assert _marker(client, url) == (2, 3)
            assert _health(url)["generation"] == second
            again = client.post(url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
            assert again.json()["switched"] is False


def test_admin_reload_is_disabled_without_a_token(two_generations: tuple[Path, list[str]]) -> None:
    build_dir, _ = two_generations
    with running_server(build_dir, env={"R2P_ADMIN_TOKEN": ""}) as url:
        answer = httpx.post(url + "/admin/reload", headers={"Authorization": "Bearer x"}, timeout=10)
        assert answer.status_code == 403 and "R2P_ADMIN_TOKEN" in answer.text


def _renamed(seed: bytes, k: int) -> bytes:
    """Generation k names an instrument "Marker instrument k" and labels the marker "Marker k"."""
    inst, s = "<https://w3id.org/r2p/id/instrument/test-marker>", "<https://w3id.org/r2p/id/test/marker>"
    g, label = "<https://w3id.org/r2p/graph/test/marker>", "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    lines = [f"{inst} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{R2P}Instrument> {g} ."]
    lines += [f'{inst} {label} "Marker instrument {k}"@en {g} .', f'{s} {label} "Marker {k}"@en {g} .']
    return seed + ("\n".join(lines) + "\n").encode()


@pytest.mark.slow  # two generations built, a switch
def test_what_the_pages_keep_is_dropped_with_their_generation(tmp_path: Path, built: BuildResult) -> None:
    """The instruments and labels every page shares are read once per served generation: after a
    switch, the pages say what the new one says."""
    settings = repo_settings(tmp_path / "build")
    seed = (built.generation / "r2p.nq").read_bytes()
    first, second = (write_generation(_renamed(seed, k), settings).generation.name for k in (1, 2))
    rollback(settings.build_dir, first)
    with (
        running_server(settings.build_dir, "--cache-mb", "0", env={"R2P_ADMIN_TOKEN": TOKEN}) as url,
        httpx.Client(timeout=60, headers={"Accept": "text/html"}) as client,
    ):
        for k in (1, 2):
            if k == 2:
                rollback(settings.build_dir, second)
                reload = client.post(url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
                assert reload.status_code == 200 and reload.json()["generation"] == second
            state = client.get(url + "/id/state/JPN")
            assert state.status_code == 200
            assert f"Marker instrument {k}</a>" in state.text and f"Marker instrument {3 - k}" not in state.text
            marker = client.get(url + "/id/test/marker")
            assert marker.status_code == 200 and f"<h1>Marker {k}</h1>" in marker.text


@pytest.mark.slow  # about 5 s
def test_sighup_switches_to_the_current_generation(two_generations: tuple[Path, list[str]]) -> None:
    build_dir, (first, second) = two_generations
    rollback(build_dir, first)
    with server_process(build_dir) as (url, proc):
        assert _health(url)["generation"] == first
        rollback(build_dir, second)
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while _health(url)["generation"] != second:
            assert time.monotonic() < deadline, "SIGHUP did not switch the generation"
            time.sleep(0.2)
        with httpx.Client() as client:
            assert _marker(client, url) == (2, 3)


@pytest.mark.slow  # 12 switches
def test_readers_see_exactly_one_generation_across_many_switches(two_generations: tuple[Path, list[str]]) -> None:
    build_dir, names = two_generations
    switches = 12
    answers: list[tuple[int, int]] = []
    pages: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def read(url: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                try:
                    answers.append(_marker(client, url))
                    page = client.get(url + "/id/test/marker", headers={"Accept": "application/n-triples"})
                    markers = [line for line in page.text.splitlines() if "#marker>" in line]
                    pages.append(json.dumps(markers))
                except (AssertionError, httpx.HTTPError, ValueError) as e:
                    failures.append(repr(e))

    with running_server(build_dir, "--client-queries", "0", env={"R2P_ADMIN_TOKEN": TOKEN}) as url:
        readers = [threading.Thread(target=read, args=(url,)) for _ in range(4)]
        for t in readers:
            t.start()
        try:
            with httpx.Client(timeout=60) as admin:
                for i in range(switches):
                    rollback(build_dir, names[i % 2])
                    answer = admin.post(url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
                    assert answer.status_code == 200, answer.text
                    time.sleep(0.3)
        finally:
            stop.set()
            for t in readers:
                t.join()
    assert not failures, failures[:5]
    assert set(answers) == {(1, 2), (2, 3)}, set(answers)
    assert all(len(json.loads(p)) == 1 for p in pages), "a page mixed two generations"
    assert len(answers) > switches
