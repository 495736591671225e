"""The UN Treaty Collection tables in the built graph: what `r2pgraph build` makes of
data/treaty-status/untc-2015, asked through a real server (SPARQLWrapper) and the built store.

The reference tables (../shared/reference/untc-status-2015) are read here on their own, with
country_converter as the only name mapping, to check that the graph holds their consents with
the state's ISO code and the exact date; those tests skip where ../shared is absent.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from r2pgraph.query.engine import select
from r2pgraph.treaties.crossref import reconcile

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "untc-status-2015"
R2P = "https://w3id.org/r2p/ontology#"
ID = "https://w3id.org/r2p/id/"
PREFIXES = f"PREFIX r2p: <{R2P}> PREFIX schema: <https://schema.org/> PREFIX prov: <http://www.w3.org/ns/prov#>\n"
MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun"), start=1)}
MONTHS |= {m: i for i, m in enumerate(("Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=7)}


def test_japans_rome_statute_accession_is_in_the_graph_from_untc(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(
        PREFIXES
        + """SELECT ?kind ?date ?asof ?page ?locator ?copy ?line WHERE {
          ?a r2p:state <https://w3id.org/r2p/id/state/JPN> ;
             r2p:instrument <https://w3id.org/r2p/id/instrument/rome-statute> ;
             a ?kind ; r2p:date ?date ; r2p:asOf ?asof ;
             r2p:hasCitation [ r2p:citesSource ?table ; r2p:locator ?locator ] ,
                             [ r2p:citesSource ?copy ; r2p:locator ?line ] .
          ?table a r2p:StatusTable ; schema:url ?page .
          ?copy prov:wasDerivedFrom ?table .
        }"""
    )
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index, call-overload]
    assert [{k: v["value"] for k, v in row.items() if k != "copy"} for row in rows] == [
        {
            "kind": R2P + "Accession",
            "date": "2007-07-17",
            "asof": "2014-01-27",
            "page": "https://treaties.un.org/pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-10&chapter=18&lang=en",
            "locator": "Japan",
            "line": "line 74",
        }
    ]
    assert rows[0]["copy"]["value"] == ID + "source/untc-2015-xviii-10-scrape"


def test_each_table_says_what_it_covers_as_of_when(store: ox.Store) -> None:
    rows = select(
        store,
        PREFIXES
        + """SELECT ?i ?asof ?every WHERE { ?t a r2p:StatusTable ; r2p:coversInstrument ?i ; r2p:asOf ?asof ;
             r2p:listsEveryParticipant ?every }""",
    )
    covered = {r["i"].value.rsplit("/", 1)[-1]: (r["asof"].value, r["every"].value) for r in rows}
    assert len(covered) == 25
    assert covered["rome-statute"] == ("2014-01-27", "true")
    assert covered["arms-trade-treaty"] == ("2014-07-10", "true")
    assert covered["genocide-convention"] == ("2015-03-14", "true")
    # A state the Rome Statute table does not list (Turkey) had taken no action as of 2014-01-27:
    # the table lists every participant, and the graph holds no record of Turkey from it.
    ask = store.query(
        PREFIXES
        + """ASK { GRAPH <https://w3id.org/r2p/graph/treaty-status/untc-2015/XVIII-10> {
            ?a r2p:state <https://w3id.org/r2p/id/state/TUR> } }""",
        use_default_graph_as_union=True,
    )
    assert isinstance(ask, ox.QueryBoolean) and not bool(ask)


def test_provisional_application_is_not_consent_to_be_bound(store: ox.Store) -> None:
    serbia, att = ID + "state/SRB", ID + "instrument/arms-trade-treaty"
    kinds = {
        r["k"].value.rsplit("#", 1)[-1]
        for r in select(
            store,
            PREFIXES + "SELECT ?k WHERE { ?a r2p:state ?s ; r2p:instrument ?i ; a ?k }",
            bind={"s": ox.NamedNode(serbia), "i": ox.NamedNode(att)},
        )
    }
    assert kinds == {"Signature", "ProvisionalApplication"}
    (result,) = reconcile(store, serbia, [att])
    assert [v.status for v in result.views] == ["signatory"]


def reference_consents(name: str) -> list[tuple[str | None, str, str]]:
    """(alpha-3 or None, date, participant) of every consent in a reference table, read here alone."""
    import country_converter

    with (REFERENCE / name).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    column = next(i for i, h in enumerate(rows[0]) if "Ratification" in h or "Accession" in h)
    names = [r[0] for r in rows[1:] if len(r) > column and r[column]]
    codes = country_converter.CountryConverter().convert(names, to="ISO3", not_found="-")
    codes = codes if isinstance(codes, list) else [codes]
    found = []
    for participant, code, row in zip(
        names, codes, (r for r in rows[1:] if len(r) > column and r[column]), strict=True
    ):
        day, month, year = re.match(r"(\d+) (\w+) (\d{4})", row[column]).groups()  # type: ignore[union-attr]
        date = f"{year}-{MONTHS[month]:02d}-{int(day):02d}"
        found.append((code if isinstance(code, str) and len(code) == 3 else None, date, participant))
    return found


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} is absent: the real UNTC tables are not available")
@pytest.mark.parametrize(
    ("table", "instrument"),
    [
        ("18-10.csv", "rome-statute"),
        ("4-1.csv", "genocide-convention"),
        ("5-2.csv", "refugee-convention"),
        ("26-8.csv", "arms-trade-treaty"),
    ],
)
def test_at_least_95_percent_of_a_tables_consents_are_in_the_graph(
    store: ox.Store, table: str, instrument: str
) -> None:
    in_graph = {
        (r["code"].value, r["date"].value)
        for r in select(
            store,
            PREFIXES
            + """SELECT ?code ?date WHERE { ?a r2p:instrument ?i ; r2p:state/r2p:iso3166Alpha3 ?code ;
                     r2p:date ?date ; a ?k . FILTER (?k IN (r2p:Ratification, r2p:Accession, r2p:Acceptance,
                     r2p:Approval, r2p:Succession)) }""",
            bind={"i": ox.NamedNode(ID + "instrument/" + instrument)},
        )
    }
    consents = reference_consents(table)
    missing = [(p, d) for code, d, p in consents if (code, d) not in in_graph]
    assert consents and len(missing) <= 0.05 * len(consents), missing
