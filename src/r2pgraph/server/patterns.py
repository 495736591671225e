"""What a state's page reads by triple patterns on an embedded store, without SPARQL.

pyoxigraph parses and plans every SPARQL query anew, and hands back each solution through its
query machinery; a state's treaty actions (with their sources and doubts), findings and
assessments took five queries, 1.9 ms for Japan. Looking up the same statements with
``quads_for_pattern`` (about a microsecond each), starting from what names the state
(``StateRecords``, read once for the page), gives the same records in the same order in 1.3 ms. A
remote store has no such call: the callers read it through SPARQL (``views.treaty_actions``,
``views.ratings_grid``). Where the queries leave the choice among equal rows to the engine (an
action of two listed kinds, two findings of one indicator in one edition), the choice here is
fixed but may differ from the engine's; the data has neither (tests/server/test_patterns.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from r2pgraph.rdf.iris import PREFIXES, R2P

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
EDITION, INDICATOR, RATING = (ox.NamedNode(R2P + p) for p in ("edition", "indicator", "rating"))
FINDING, ASSESSMENT = ox.NamedNode(R2P + "Finding"), ox.NamedNode(R2P + "StateAssessment")


Node = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _objects(store: ox.Store, subject: Term, predicate: ox.NamedNode) -> Iterator[Term]:
    """The objects of ``subject``'s ``predicate`` in every graph (none for a literal subject)."""
    if isinstance(subject, ox.Literal):
        return
    for quad in store.quads_for_pattern(subject, predicate, None):
        if isinstance(quad.object, (ox.NamedNode, ox.BlankNode, ox.Literal)):
            yield quad.object


class StateRecords:
    """What names the state (``?x r2p:state <state>``), each with its types, read once for a page:
    its treaty actions, findings and assessments are among them."""

    def __init__(self, store: ox.Store, state: str):
        self.store = store
        self.state = state
        # Each subject, with how many graphs say it names the state (SPARQL's union graph repeats
        # a statement once per graph that holds it), and its types in every graph.
        self.named: dict[Node, int] = {}
        for quad in store.quads_for_pattern(None, STATE, ox.NamedNode(state)):
            if isinstance(quad.subject, (ox.NamedNode, ox.BlankNode)):
                self.named[quad.subject] = self.named.get(quad.subject, 0) + 1
        self.types = {x: [q.object for q in store.quads_for_pattern(x, TYPE, None)] for x in self.named}
        self._labels: dict[tuple[Term, ox.NamedNode], list[str]] = {}

    def labelled(self, term: Term, predicate: ox.NamedNode) -> list[str]:
        """The term's labels by ``predicate``, in order."""
        if (term, predicate) not in self._labels:
            found = _objects(self.store, term, predicate)
            self._labels[term, predicate] = sorted(o.value for o in found if isinstance(o, ox.Literal))
        return self._labels[term, predicate]

    def of_type(self, kind: ox.NamedNode) -> list[tuple[Node, int]]:
        """The subjects of this type, with how many times SPARQL's union graph gives each (once per
        graph naming the state, once per graph typing it)."""
        return [(x, n * types.count(kind)) for x, n in self.named.items() if kind in (types := self.types[x])]

    def findings(self) -> dict[tuple[str, str], tuple[str, str, str]]:
        """The state's findings as ``views.ratings_grid`` reads them: (finding, rating, the
        rating's label) by (edition, indicator)."""
        found = {}
        for f, _ in self.of_type(FINDING):
            for e in _objects(self.store, f, EDITION):
                for ind in _objects(self.store, f, INDICATOR):
                    for r in _objects(self.store, f, RATING):
                        for rlabel in _objects(self.store, r, PREF_LABEL):
                            found[e.value, ind.value] = (f.value, r.value, rlabel.value)
        return found

    def assessed(self) -> list[str]:
        """The editions of the state's assessments, once per row of ``views.ratings_grid``' query."""
        return [
            e.value for a, n in self.of_type(ASSESSMENT) for e in _objects(self.store, a, EDITION) for _ in range(n)
        ]


# A treaty action as ``views.ActionRecord`` holds it: (IRI, kind, date, state, its label, instrument,
# its label, doubts, sources as (IRI, title)).
Action = tuple[str, str, str, str, str, str, str, list[str], list[tuple[str, str]]]


def state_actions(records: StateRecords) -> list[Action]:
    """The state's treaty actions as ``views.treaty_actions`` reads them by SPARQL: for each action
    the row first in the query's order (instrument's label, state's label, date, IRI), the actions
    in that order, each one's doubts and cited sources (with their titles) in IRI order."""
    store, state, labelled = records.store, records.state, records.labelled
    s = ox.NamedNode(state)
    slabel = next(iter(labelled(s, PREF_LABEL)), None)
    if slabel is None:
        return []
    Key = tuple[str, str, str, bool, str]
    found: dict[Node, tuple[Key, Action]] = {}
    for x, types in records.types.items():
        kinds = [(k, labelled(k, LABEL)) for k in types if isinstance(k, ox.NamedNode) and k in KINDS]
        if not kinds:  # not a treaty action (a finding, an assessment, a status record…)
            continue
        date = min((d.value for d in _objects(store, x, DATE) if isinstance(d, ox.Literal)), default=None)
        best: tuple[Key, Action] | None = None
        for i in _objects(store, x, INSTRUMENT):
            ilabel = next(iter(labelled(i, PREF_LABEL)), None)
            kind = next((kind[0] for _, kind in kinds if kind), None)
            if ilabel is None or kind is None or date is None:
                continue
            key = (ilabel, slabel, date, isinstance(x, ox.NamedNode), x.value)
            if best is None or key < best[0]:
                best = (key, (x.value, kind, date, state, slabel, i.value, ilabel, [], []))
        if best is not None:
            found[x] = best
    actions = []
    for x, (_, record) in sorted(found.items(), key=lambda item: item[1][0]):
        for doubt in sorted(d.value for d in _objects(store, x, UNCONFIRMED)):
            doubt = doubt.rsplit("#", 1)[-1]
            doubt = {"type": "kind of action"}.get(doubt, doubt)
            if doubt and doubt not in record[7]:
                record[7].append(doubt)
        cited = [
            (src.value, title)
            for c in _objects(store, x, HAS_CITATION)
            for src in _objects(store, c, CITES_SOURCE)
            for title in labelled(src, TITLE) or [""]
        ]
        for source in sorted(cited):
            if source[0] and source not in record[8]:
                record[8].append(source)
        actions.append(record)
    return actions
