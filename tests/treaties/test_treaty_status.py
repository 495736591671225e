"""Status at a date (r2pgraph.treaties.status), the verdicts (r2pgraph.treaties.crossref) and entry into force
(r2pgraph.rdf.entry_into_force): on the small sources of tests/treaties/treaty_status/sources.trig loaded into a
real store, for every status and verdict kind; and on the real data, through the build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from r2pgraph.build.assemble import BuildResult
from r2pgraph.rdf.entry_into_force import RULES, in_force_for_party
from r2pgraph.rdf.namespaces import R2P
from r2pgraph.store.embedded import open_store
from r2pgraph.treaties.crossref import (
    AGREE,
    COARSER,
    DISAGREE_DATE,
    DISAGREE_KIND,
    DISAGREE_STATUS,
    LATER_CHANGE,
    NO_RECORD_IN_ONE,
    SINGLE,
    reconcile_one,
    reconciliation_graph,
)
from r2pgraph.treaties.status import NO_ACTION, NO_RECORD, NOT_PARTY, PARTY, SIGNATORY, WITHDRAWN, StatusIndex

FIXTURE = Path(__file__).parent / "treaty_status" / "sources.trig"
G = "https://w3id.org/r2p/graph/"
CURATED, OHCHR_CAT = G + "treaty-actions/JPN", G + "treaty-status/ohchr-2022/cat"


def untc(name: str) -> str:
    return G + "treaty-status/untc/" + name


def state(code: str) -> str:
    return "https://w3id.org/r2p/id/state/" + code


def inst(key: str) -> str:
    return "https://w3id.org/r2p/id/instrument/" + key


@pytest.fixture(scope="module")
def index() -> StatusIndex:
    store = ox.Store()
    store.load(path=FIXTURE, format=ox.RdfFormat.TRIG)
    return StatusIndex.load(store)


@pytest.mark.parametrize(
    ("code", "key", "source", "on", "value", "as_of"),
    [
        # a table lists every participant: a state it does not list had taken no action, as of its date
        ("TUR", "rome-statute", untc("rome"), None, NO_ACTION, "2014-01-27"),
        ("JPN", "genocide-convention", untc("genocide"), "2019", NO_ACTION, "2015-03-14"),
        # a state the table lists but whose row was not read: nothing is inferred
        ("DEU", "rome-statute", untc("rome"), None, NO_RECORD, None),
        # a source that does not cover the instrument says nothing
        ("JPN", "rome-statute", OHCHR_CAT, None, NO_RECORD, None),
        ("JPN", "genocide-convention", CURATED, None, NO_RECORD, None),
        # a signature and a provisional application: provisional application is not consent
        ("SRB", "arms-trade-treaty", untc("att"), None, SIGNATORY, "2014-07-10"),
        ("FRA", "rome-statute", untc("rome"), "1999-12-31", SIGNATORY, "1999-12-31"),
        ("FRA", "rome-statute", untc("rome"), "1998-07-17", NO_ACTION, "1998-07-17"),
        ("JPN", "withdrawn-from", CURATED, None, WITHDRAWN, None),
        ("JPN", "withdrawn-from", CURATED, "2011", PARTY, "2011"),
        # OHCHR before its own date: a signatory of 2022 may not have signed by 2015
        ("AGO", "cat", OHCHR_CAT, "2015-03-14", NOT_PARTY, "2015-03-14"),
        ("KEN", "cat", OHCHR_CAT, "2015-03-14", NOT_PARTY, "2015-03-14"),
        ("KEN", "cat", OHCHR_CAT, None, PARTY, "2022"),
        ("BEN", "cat", OHCHR_CAT, "2015", NO_ACTION, "2015"),
    ],
)
def test_status_at_a_date(
    index: StatusIndex, code: str, key: str, source: str, on: str | None, value: str, as_of: str | None
) -> None:
    status = index.status(state(code), inst(key), source, on)
    assert (status.value, status.as_of) == (value, as_of)


def test_party_by_what_act_since_when_and_in_force(index: StatusIndex) -> None:
    rome = index.status(state("JPN"), inst("rome-statute"), CURATED)
    assert (rome.value, rome.act, rome.since, rome.source_as_of) == (PARTY, "Accession", "2007-07-17", None)
    assert rome.in_force is not None
    assert (rome.in_force.date, rome.in_force.derived, rome.in_force.article) == ("2007-10-01", True, "article 126(2)")
    assert rome.in_force.agrees is True
    # joined before the treaty itself entered into force: the treaty's own date
    att = index.status(state("JPN"), inst("arms-trade-treaty"), untc("att"))
    assert att.in_force is not None and att.in_force.date == "2014-12-24" and att.in_force.stated is None
    # a stated date the rule contradicts
    refugees = index.status(state("JPN"), inst("refugee-convention"), CURATED)
    assert refugees.in_force is not None
    assert (refugees.in_force.date, refugees.in_force.stated, refugees.in_force.agrees) == (
        "1982-01-01",
        "1982-01-05",
        False,
    )
    # an instrument without a rule in the data: no derived date
    cat = index.status(state("JPN"), inst("cat"), CURATED)
    assert cat.in_force is not None and cat.in_force.date is None and not cat.in_force.derived
    # the table's record is stale for a date after its own
    assert index.status(state("JPN"), inst("rome-statute"), untc("rome"), "2019").stale
    assert not index.status(state("JPN"), inst("rome-statute"), CURATED, "2019").stale


@pytest.mark.parametrize(
    ("code", "key", "verdict"),
    [
        ("JPN", "rome-statute", AGREE),  # the same day and kind of act
        ("FRA", "cat", COARSER),  # 1986 (OHCHR) against 1986-02-18 (UNTC)
        ("KEN", "cat", LATER_CHANGE),  # signatory as of 2015; party since 2016 in 2022
        ("AGO", "cat", LATER_CHANGE),  # no action as of 2015; signatory in 2022
        ("JPN", "ced", LATER_CHANGE),  # both signatory on the table's date; ratified after it
        ("GHA", "cat", DISAGREE_STATUS),  # party since 2000 (OHCHR) against signatory (UNTC, 2015)
        ("JPN", "iccpr", DISAGREE_STATUS),  # party (curated) against not listed (UNTC, 2014)
        ("JPN", "crc", DISAGREE_DATE),  # 1994-04-22 against 1994-04-21
        ("MNG", "cat", DISAGREE_DATE),  # 2001 against 2002-01-24
        ("JPN", "refugee-convention", DISAGREE_DATE),  # the stated in-force date against the rule's
        ("JPN", "cat", DISAGREE_KIND),  # accession (curated) against ratification (UNTC)
        ("JPN", "genocide-convention", NO_RECORD_IN_ONE),  # no action (UNTC); curated: no record
        ("SRB", "cat", NO_RECORD_IN_ONE),  # no action (UNTC); OHCHR has no row
        ("FRA", "rome-statute", SINGLE),
    ],
)
def test_verdicts(index: StatusIndex, code: str, key: str, verdict: str) -> None:
    assert reconcile_one(index, state(code), inst(key)).verdict == verdict


def test_sources_are_compared_at_the_earlier_date(index: StatusIndex) -> None:
    (comparison,) = reconcile_one(index, state("KEN"), inst("cat")).comparisons
    assert comparison.at == "2015-03-14"
    assert {comparison.a.value, comparison.b.value} == {NOT_PARTY, SIGNATORY}
    text = comparison.describe()
    assert "as of 2022" in text and "as of 2015-03-14" in text


def test_disagreements_graph_is_the_disagreeing_comparisons(index: StatusIndex) -> None:
    result = reconcile_one(index, state("GHA"), inst("cat"))
    crossref, disagreements = reconciliation_graph([result])
    (c,) = result.comparisons
    pair = URIRef("https://w3id.org/r2p/id/reconciliation/GHA/cat/comparison/1")
    expected = Graph()
    for p, o in [
        (RDF.type, R2P.SourceComparison),
        (R2P.state, URIRef(state("GHA"))),
        (R2P.instrument, URIRef(inst("cat"))),
        (R2P.verdict, R2P.DisagreeOnStatus),
        (R2P.comparesSource, URIRef(OHCHR_CAT)),
        (R2P.comparesSource, URIRef(untc("cat"))),
        (R2P.comparesRecord, URIRef("https://w3id.org/r2p/id/treaty-action/ohchr/gha")),
        (R2P.comparesRecord, URIRef("https://w3id.org/r2p/id/treaty-action/untc/cat-gha")),
        (R2P.comparedAt, Literal("2015-03-14", datatype=XSD.date)),
        (R2P.evidence, Literal(c.describe(), lang="en")),
        (R2P.disagreement, Literal(c.describe(), lang="en")),
    ]:
        expected.add((pair, p, o))
    expected.add((URIRef("https://w3id.org/r2p/id/reconciliation/GHA/cat"), R2P.comparison, pair))
    assert isomorphic(disagreements, expected)
    assert (URIRef("https://w3id.org/r2p/id/reconciliation/GHA/cat"), R2P.verdict, R2P.DisagreeOnStatus) in crossref
    agreeing, none = reconciliation_graph([reconcile_one(index, state("JPN"), inst("rome-statute"))])
    assert len(none) == 0 and (None, R2P.verdict, R2P.Agree) in agreeing


def test_the_rules_on_the_treaties_own_examples() -> None:
    # Rome Statute art. 126(2): Japan deposited on 2007-07-17 and was bound from 2007-10-01
    assert in_force_for_party("first-day-of-month-after-60th-day", dt.date(2007, 7, 17)) == dt.date(2007, 10, 1)
    assert in_force_for_party("first-day-of-month-after-60th-day", dt.date(2010, 11, 5)) == dt.date(2011, 2, 1)
    assert in_force_for_party("90th-day", dt.date(2014, 5, 9), dt.date(2014, 12, 24)) == dt.date(2014, 12, 24)
    assert in_force_for_party("90th-day", dt.date(2015, 1, 1)) == dt.date(2015, 4, 1)
    with pytest.raises(ValueError, match="unknown entry-into-force rule 'next-day'"):
        in_force_for_party("next-day", dt.date(2015, 1, 1))


days = st.dates(min_value=dt.date(1945, 1, 1), max_value=dt.date(2100, 1, 1))


@given(rule=st.sampled_from(sorted(RULES)), deposit=days, later=days, own=st.none() | days)
def test_entry_into_force_is_never_before_deposit_and_monotone(
    rule: str, deposit: dt.date, later: dt.date, own: dt.date | None
) -> None:
    first = in_force_for_party(rule, deposit, own)
    assert first > deposit
    assert own is None or first >= own
    if later >= deposit:
        assert in_force_for_party(rule, later, own) >= first


def test_the_real_data(built: BuildResult) -> None:
    store = open_store(built.generation)
    index = StatusIndex.load(store)
    japan, rome = state("JPN"), inst("rome-statute")
    curated = index.status(japan, rome, CURATED)
    assert (curated.value, curated.act, curated.since) == (PARTY, "Accession", "2007-07-17")
    assert curated.in_force is not None and curated.in_force.derived and curated.in_force.date == "2007-10-01"
    assert curated.in_force.agrees is True  # data/treaty-actions/JPN.csv states 2007-10-01
    table = index.status(japan, rome, G + "treaty-status/untc-2015/XVIII-10")
    assert (table.value, table.act, table.since, table.source_as_of) == (PARTY, "Accession", "2007-07-17", "2014-01-27")
    genocide = index.status(japan, inst("genocide-convention"), G + "treaty-status/untc-2015/IV-1")
    assert (genocide.value, genocide.as_of) == (NO_ACTION, "2015-03-14")
    # OHCHR's tables do not cover the Genocide Convention: no record, not "no action"
    assert index.status(japan, inst("genocide-convention"), G + "treaty-status/ohchr-2022/cat").value == NO_RECORD
    assert reconcile_one(index, japan, rome).verdict == AGREE
    assert len(index.world) >= 195
