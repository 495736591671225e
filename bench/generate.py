"""Synthetic data shaped like the real data, written through the project's own file formats.

``generate(target, n_states, editions=2, seed=…)`` copies the repository's ``data/`` into
``target`` and adds, for ``n_states`` states (real ISO 3166 alpha-3 codes from pycountry, JPN
skipped because the seed data already describes it; past 248, ISO's user-assigned codes XAA…,
QMA…, described in ``states/bench-states.ttl``, so that 1,000 states can be generated):

- ``treaty-actions/<STATE>.csv``: for ~80% of the instruments in ``data/instruments`` (those the
  real data has no record of for the state) a signature
  and then a ratification or accession, dated after the instrument's adoption (2010 or later for
  an instrument without an adoption date) and the ratification after the signature;
- per synthetic edition (``assessments/editions.yaml`` gains ``bench-<year>`` entries), one
  assessment per state with a finding for every indicator of the framework (random rating, a
  short synthetic summary, 1–4 footnotes), the matching ``<STATE>-citations.csv`` and a
  ``summary_table`` that agrees with the findings;
- ``sources/bench-sources.yaml``: the synthetic sources cited (some titles mention the Rome
  Statute, for the text-search query) and one assessment document per edition and state;
- ``events/bench-events.yaml``: a few events per state.

Deterministic for a given seed. Run as a script to generate a data dir:
``python bench/generate.py --states 5 --out /tmp/bench-data``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import shutil
from pathlib import Path

import pycountry
import yaml

from r2pgraph.sources.treaty_actions import COLUMNS as TREATY_ACTION_CSV_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT / "data"

RATINGS = ["very-strong", "strong", "fair", "weak", "very-weak"]
EVENT_TYPES = ["statement", "meeting", "law-adopted"]
TOPICS = [
    "the Rome Statute",
    "the Genocide Convention",
    "atrocity prevention",
    "national human rights institutions",
    "refugee protection",
    "the Arms Trade Treaty",
    "peacekeeping",
    "civil society",
    "the Rome Statute and complementarity",
    "early warning",
]
KINDS = ["Report", "Briefing", "Statement", "Review", "Study", "Commentary"]
TREATY_ACTION_COLUMNS = TREATY_ACTION_CSV_COLUMNS


# Past the 248 real codes: ISO 3166-1's user-assigned alpha-3 ranges (XAA–XZZ, QMA–QZZ), which no
# real state has, described in ``states/bench-states.ttl`` so that they are states of the graph.
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SYNTHETIC = [f"X{a}{b}" for a in LETTERS for b in LETTERS] + [f"Q{a}{b}" for a in LETTERS[12:] for b in LETTERS]


def states(n: int) -> list[str]:
    """The first ``n`` ISO 3166-1 alpha-3 codes in code order (JPN skipped), then user-assigned codes."""
    codes = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 != "JPN") + SYNTHETIC
    if n > len(codes):
        raise ValueError(f"only {len(codes)} states available")
    return codes[:n]


def synthetic_states_turtle(codes: list[str]) -> str:
    """The user-assigned codes among ``codes`` as r2p:State resources."""
    lines = [
        "@prefix r2p: <https://w3id.org/r2p/ontology#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
    ]
    for k, code in enumerate(c for c in codes if c in SYNTHETIC):
        lines.append(
            f'<https://w3id.org/r2p/id/state/{code}> a r2p:State ; skos:prefLabel "Synthetic state {code}"@en ;'
            f' r2p:iso3166Alpha2 "{code[:2]}" ; r2p:iso3166Alpha3 "{code}" ; r2p:iso3166Numeric "{900 + k % 100}" .'
        )
    return "\n".join(lines) + "\n"


def instruments(data_dir: Path) -> list[tuple[str, dt.date | None]]:
    """(id, adoption date or None) of every instrument in data/instruments/*.yaml."""
    out: list[tuple[str, dt.date | None]] = []
    for path in sorted((data_dir / "instruments").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in doc.get("instruments") or []:
            adopted = item.get("adopted")
            if isinstance(adopted, str):
                adopted = dt.date.fromisoformat(adopted)
            out.append((item["id"], adopted if isinstance(adopted, dt.date) else None))
    return out


def recorded_pairs(data_dir: Path) -> set[tuple[str, str]]:
    """(state, instrument) of every treaty record in the real data (``treaty-actions/`` and the
    status tables in ``treaty-status/``): the synthetic actions leave these pairs alone, since a
    synthetic signature dated after a recorded ratification would fail the shapes."""
    pairs: set[tuple[str, str]] = set()
    for path in sorted([*(data_dir / "treaty-actions").glob("*.csv"), *(data_dir / "treaty-status").rglob("*.csv")]):
        with path.open(newline="", encoding="utf-8") as f:
            pairs.update((row["state"], row["instrument"]) for row in csv.DictReader(f) if "state" in row)
    return pairs


def indicators(data_dir: Path) -> list[str]:
    """Indicator ids in the framework's order."""
    doc = yaml.safe_load((data_dir / "framework" / "apr2p-framework.yaml").read_text(encoding="utf-8"))
    return [ind["id"] for area in doc["thematic_areas"] for ind in area["indicators"]]


def _date_after(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    span = max((end - start).days, 1)
    return start + dt.timedelta(days=rng.randrange(1, span))


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(target: Path, n_states: int, editions: int = 2, seed: int = 20240601) -> dict[str, int]:
    """Write the synthetic data dir at ``target`` (replaced if it exists); return counts."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REAL_DATA, target)
    codes = states(n_states)
    if any(c in SYNTHETIC for c in codes):
        (target / "states" / "bench-states.ttl").write_text(synthetic_states_turtle(codes), encoding="utf-8")
    insts = instruments(target)
    recorded = recorded_pairs(target)
    inds = indicators(target)
    years = [2021 + 2 * i for i in range(editions)]
    edition_ids = [f"bench-{y}" for y in years]
    today = dt.date(2024, 12, 31)

    sources: list[str] = []  # YAML blocks
    counts = {"states": len(codes), "treaty_actions": 0, "findings": 0, "footnote_rows": 0, "events": 0}

    def add_source(sid: str, title: str, year: int) -> None:
        sources.append(
            f"  - id: {sid}\n    title: {_q(title)}\n    publisher: Synthetic Benchmark Press\n"
            f"    year: {year}\n    urls: [{_q('https://example.org/bench/' + sid)}]\n"
        )

    # A pool of shared sources per state, cited by treaty actions, footnotes and events.
    pool: dict[str, list[str]] = {}
    for code in codes:
        low = code.lower()
        ids = []
        for k in range(8):
            sid = f"bench-{low}-src-{k + 1}"
            topic = rng.choice(TOPICS)
            add_source(sid, f"{rng.choice(KINDS)} on {topic} in {code} ({k + 1})", rng.randrange(2005, 2024))
            ids.append(sid)
        pool[code] = ids

    # Treaty actions.
    ta_dir = target / "treaty-actions"
    for code in codes:
        rows = []
        for inst, adopted in insts:
            if rng.random() >= 0.8 or (code, inst) in recorded:
                continue
            start = adopted or dt.date(2010, 1, 1)
            sig = _date_after(rng, start, today - dt.timedelta(days=800))
            src = rng.choice(pool[code])
            rows.append([code, inst, "signature", sig.isoformat(), "yes", "yes", src, "", ""])
            action = "ratification" if rng.random() < 0.75 else "accession"
            rat = _date_after(rng, sig, min(sig + dt.timedelta(days=3000), today))
            rows.append([code, inst, action, rat.isoformat(), "yes", "yes", src, "", ""])
        with (ta_dir / f"{code}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(TREATY_ACTION_COLUMNS)
            w.writerows(rows)
        counts["treaty_actions"] += len(rows)

    # Editions.
    with (target / "assessments" / "editions.yaml").open("a", encoding="utf-8") as f:
        for ed, year in zip(edition_ids, years, strict=True):
            f.write(
                f"  - id: {ed}\n    label: Synthetic benchmark assessments ({year})\n    publisher: apr2p\n"
                f"    year: {year}\n    framework: apr2p-framework\n"
                f"    description: Synthetic edition generated by bench/generate.py.\n"
                f"    citations:\n      - {{source: bench-{ed}-methodology, locator: introduction}}\n"
            )
    for ed, year in zip(edition_ids, years, strict=True):
        add_source(f"bench-{ed}-methodology", f"Synthetic assessment methodology ({year})", year)

    # Assessments.
    for ed, year in zip(edition_ids, years, strict=True):
        ed_dir = target / "assessments" / ed
        ed_dir.mkdir(parents=True, exist_ok=True)
        for code in codes:
            doc_id = f"bench-{ed}-{code.lower()}-assessment"
            add_source(doc_id, f"{code}: Synthetic assessment of R2P implementation ({year})", year)
            ratings = {ind: rng.choice(RATINGS) for ind in inds}
            footnote = 0
            cit_rows = []
            lines = [
                f"edition: {ed}",
                f"state: {code}",
                f"document: {doc_id}",
                f"citations: {code}-citations.csv",
                "summary_table:",
            ]
            for r in RATINGS:
                listed = [ind for ind in inds if ratings[ind] == r]
                lines.append(f"  {r}: [{', '.join(listed)}]")
            lines.append("findings:")
            for ind in inds:
                nums = []
                for _ in range(rng.randint(1, 4)):
                    footnote += 1
                    nums.append(footnote)
                    for seq in range(1, rng.randint(1, 2) + 1):
                        cit_rows.append([footnote, seq, rng.choice(pool[code]), f"p. {rng.randint(1, 80)}", "no", ""])
                summary = f"Synthetic finding {footnote} on {ind} for {code} in {year}: rated {ratings[ind]}."
                lines += [
                    f"  - indicator: {ind}",
                    f"    rating: {ratings[ind]}",
                    f"    summary: {_q(summary)}",
                    f"    footnotes: [{', '.join(map(str, nums))}]",
                ]
            (ed_dir / f"{code}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
            with (ed_dir / f"{code}-citations.csv").open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["footnote", "seq", "source", "locator", "ibid", "note"])
                w.writerows(cit_rows)
            counts["findings"] += len(inds)
            counts["footnote_rows"] += len(cit_rows)

    # Events.
    ev = ["# Synthetic events generated by bench/generate.py.", "events:"]
    for code in codes:
        for k in range(rng.randint(2, 4)):
            when = _date_after(rng, dt.date(2000, 1, 1), today)
            etype = rng.choice(EVENT_TYPES)
            label = f"Synthetic {etype.replace('-', ' ')} concerning {code} ({k + 1})"
            ev += [
                f"  - id: bench-{code.lower()}-event-{k + 1}",
                f"    type: {etype}",
                f"    label: {_q(label)}",
                f"    date: {when.isoformat()}",
                f"    states: [{code}]",
                "    description: Synthetic event generated for the benchmark.",
                "    citations:",
                f"      - {{source: {rng.choice(pool[code])}, locator: ''}}",
            ]
            counts["events"] += 1
    (target / "events" / "bench-events.yaml").write_text("\n".join(ev) + "\n", encoding="utf-8")

    (target / "sources" / "bench-sources.yaml").write_text(
        "# Synthetic sources generated by bench/generate.py.\nsources:\n" + "".join(sources), encoding="utf-8"
    )
    counts["sources"] = len(sources)
    return counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--states", type=int, default=5)
    p.add_argument("--editions", type=int, default=2)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    print(generate(a.out, a.states, a.editions, a.seed))


if __name__ == "__main__":
    main()
