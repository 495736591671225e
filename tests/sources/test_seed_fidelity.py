"""The encoded seed data stays faithful to the seed documents (read from ../shared when present):
every URL of the annex's bibliography is printed in the annex, footnotes are all accounted for,
and summaries are our own words rather than copied prose."""

from __future__ import annotations

import csv
import re

import pytest
import yaml

from tests.conftest import ROOT, SHARED

ANNEX = SHARED / "seeds" / "apr2p-japan-baseline-assessment-2019.txt"
DATA = ROOT / "data"
needs_seed = pytest.mark.skipif(not ANNEX.is_file(), reason="../shared/seeds is not present beside the project")


def _citations() -> list[dict[str, str]]:
    with (DATA / "assessments/apr2p-2019/JPN-citations.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _bibliography() -> list[dict[str, object]]:
    return list(yaml.safe_load((DATA / "sources/apr2p-2019-japan-bibliography.yaml").read_text())["sources"])


def test_all_97_footnotes_and_ibid_resolved_to_an_earlier_source() -> None:
    rows = _citations()
    assert {int(r["footnote"]) for r in rows} == set(range(1, 98))
    earlier: dict[int, set[str]] = {}
    for r in rows:
        earlier.setdefault(int(r["footnote"]), set()).add(r["source"])
    for r in rows:
        if r["ibid"] == "yes":
            before = int(r["footnote"]) - 1
            assert r["source"] in earlier[before], f"fn {r['footnote']} ibid should repeat fn {before}"


@needs_seed
def test_every_bibliography_url_is_printed_in_the_annex() -> None:
    printed = re.sub(r"\s+", "", ANNEX.read_text(encoding="utf-8"))
    for source in _bibliography():
        for url in source.get("urls") or []:  # type: ignore[union-attr]
            assert str(url) in printed, f"{source['id']}: {url} is not in the annex"


STOP = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "its", "of", "on", "or", "the", "to", "with", "all"}


@needs_seed
def test_summaries_are_not_copied_from_the_annex() -> None:
    """No run of 8 words is shared with the annex unless it is mostly names, numbers and
    function words (treaty titles and office names are facts, not prose)."""

    def tokens(text: str) -> list[str]:
        return re.findall(r"[A-Za-z0-9]+", text.replace("’", "'"))

    annex = [t.lower() for t in tokens(ANNEX.read_text(encoding="utf-8"))]
    shingles = {tuple(annex[i : i + 8]) for i in range(len(annex) - 7)}
    findings = yaml.safe_load((DATA / "assessments/apr2p-2019/JPN.yaml").read_text())["findings"]
    for finding in findings:
        t = tokens(finding["summary"])
        for i in range(len(t) - 7):
            run = t[i : i + 8]
            if tuple(w.lower() for w in run) not in shingles:
                continue
            prose = [w for w in run if w.islower() and w not in STOP]
            assert len(prose) < 3, f"{finding['indicator']}: copies the annex's prose: {' '.join(run)!r}"
