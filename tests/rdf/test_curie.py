"""One way to shorten an IRI to ``prefix:local``, used by the pages, query tables, SHACL messages and JSON-LD."""

from __future__ import annotations

from r2pgraph.exports.jsonld_compact import Context
from r2pgraph.query.engine import _cell
from r2pgraph.rdf.iris import ID, INSTANCE_PREFIXES, PREFIXES, R2P, curie
from r2pgraph.server.describe import curie as page_curie


def test_a_term_under_a_known_namespace_is_shortened() -> None:
    assert curie(R2P + "State") == "r2p:State"
    assert curie(PREFIXES["rdfs"] + "label") == "rdfs:label"


def test_an_iri_under_no_namespace_or_with_no_local_part_stays_whole() -> None:
    assert curie("https://example.org/x") == "https://example.org/x"
    assert curie(R2P) == R2P


def test_the_longest_namespace_wins_and_skipped_prefixes_are_left_out() -> None:
    prefixes = {"id": ID, "state": ID + "state/"}
    assert curie(ID + "state/FRA", prefixes) == "state:FRA"
    assert curie(ID + "state/FRA", prefixes, skip=("state",)) == "id:state/FRA"
    assert curie(ID + "state/FRA", skip=INSTANCE_PREFIXES) == ID + "state/FRA"


def test_every_user_shortens_the_same_way() -> None:
    import pyoxigraph as ox

    iri = PREFIXES["skos"] + "prefLabel"
    assert page_curie(iri) == _cell(ox.NamedNode(iri)) == Context({"skos": PREFIXES["skos"]}).curie(iri) == curie(iri)
    # the pages show the project's resources and SHACL terms as IRIs
    assert page_curie(ID + "state/FRA") == ID + "state/FRA"
    assert page_curie(PREFIXES["sh"] + "path") == PREFIXES["sh"] + "path"
