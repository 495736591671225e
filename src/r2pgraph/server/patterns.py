"""What a state's page reads by triple patterns on an embedded store, without SPARQL.

pyoxigraph parses and plans every SPARQL query anew, and hands back each solution through its
query machinery; a state's treaty actions, with their sources and doubts, took three queries and
1.4 ms for Japan's 44 actions. Looking up the same statements with ``quads_for_pattern`` (about a
microsecond each) gives the same records in the same order in a third of that. A remote store has
no such call: the callers read it through SPARQL (``views.treaty_actions``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

from r2pgraph.rdf.iris import PREFIXES, R2P

if TYPE_CHECKING:
    from r2pgraph.server.views import ActionRecord

# The kinds of treaty action a page lists (as ``views.treaty_actions``' query names them).
KINDS = frozenset(
    ox.NamedNode(R2P + k)
    for k in (
        "Signature",
        "Ratification",
        "Accession",
        "Acceptance",
        "Approval",
        "Succession",
        "Withdrawal",
        "ConsentToBeBound",
    )
)
TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
PREF_LABEL = ox.NamedNode(PREFIXES["skos"] + "prefLabel")
TITLE = ox.NamedNode(PREFIXES["dct"] + "title")
STATE, INSTRUMENT, DATE = (ox.NamedNode(R2P + p) for p in ("state", "instrument", "date"))
HAS_CITATION, CITES_SOURCE, UNCONFIRMED = (ox.NamedNode(R2P + p) for p in ("hasCitation", "citesSource", "unconfirmed"))


Node = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _objects(store: ox.Store, subject: Term, predicate: ox.NamedNode) -> Iterator[Term]:
    """The objects of ``subject``'s ``predicate`` in every graph (none for a literal subject)."""
    if isinstance(subject, ox.Literal):
        return
    for quad in store.quads_for_pattern(subject, predicate, None):
        if isinstance(quad.object, (ox.NamedNode, ox.BlankNode, ox.Literal)):
            yield quad.object


def state_actions(store: ox.Store, state: str) -> list[ActionRecord]:
    """The state's treaty actions as ``views.treaty_actions`` reads them by SPARQL: for each action
    the row first in the query's order (instrument's label, state's label, date, IRI), the actions
    in that order, each one's doubts and cited sources (with their titles) in IRI order."""
    from r2pgraph.server.views import ActionRecord

    s = ox.NamedNode(state)
    labels: dict[tuple[Term, ox.NamedNode], list[str]] = {}

    def labelled(term: Term, predicate: ox.NamedNode) -> list[str]:
        """The term's labels by ``predicate``, in order."""
        if (term, predicate) not in labels:
            labels[term, predicate] = sorted(
                o.value for o in _objects(store, term, predicate) if isinstance(o, ox.Literal)
            )
        return labels[term, predicate]

    slabel = next(iter(labelled(s, PREF_LABEL)), None)
    Key = tuple[str, str, str, bool, str]
    found: dict[Node, tuple[Key, ActionRecord]] = {}
    for quad in store.quads_for_pattern(None, STATE, s):
        x = quad.subject
        if x in found or not isinstance(x, (ox.NamedNode, ox.BlankNode)) or slabel is None:
            continue
        types = [q.object for q in store.quads_for_pattern(x, TYPE, None)]
        kinds = [(k, labelled(k, LABEL)) for k in types if isinstance(k, ox.NamedNode) and k in KINDS]
        if not kinds:  # not a treaty action (a finding, an assessment, a status record…)
            continue
        date = min((d.value for d in _objects(store, x, DATE) if isinstance(d, ox.Literal)), default=None)
        best: tuple[Key, ActionRecord] | None = None
        for i in _objects(store, x, INSTRUMENT):
            ilabel = next(iter(labelled(i, PREF_LABEL)), None)
            kind = next((kind[0] for _, kind in kinds if kind), None)
            if ilabel is None or kind is None or date is None:
                continue
            key = (ilabel, slabel, date, isinstance(x, ox.NamedNode), x.value)
            if best is None or key < best[0]:
                best = (key, ActionRecord(x.value, kind, date, state, slabel, i.value, ilabel, [], []))
        if best is not None:
            found[x] = best
    records = []
    for x, (_, record) in sorted(found.items(), key=lambda item: item[1][0]):
        for doubt in sorted(d.value for d in _objects(store, x, UNCONFIRMED)):
            doubt = doubt.rsplit("#", 1)[-1]
            doubt = {"type": "kind of action"}.get(doubt, doubt)
            if doubt and doubt not in record.unconfirmed:
                record.unconfirmed.append(doubt)
        cited = [
            (src.value, title)
            for c in _objects(store, x, HAS_CITATION)
            for src in _objects(store, c, CITES_SOURCE)
            for title in labelled(src, TITLE) or [""]
        ]
        for source in sorted(cited):
            if source[0] and source not in record.sources:
                record.sources.append(source)
        records.append(record)
    return records
