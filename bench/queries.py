"""The benchmark's query mix: each query with the user question it answers."""

from __future__ import annotations

from dataclasses import dataclass

PREFIXES = """PREFIX r2p: <https://w3id.org/r2p/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
ID = "https://w3id.org/r2p/id/"


@dataclass(frozen=True)
class Query:
    key: str
    question: str
    kind: str  # "sparql" or "page"
    text: str  # SPARQL text, or the page path for kind == "page"
    accept: str


def query_mix(state: str) -> list[Query]:
    """The mix; ``state`` (alpha-3) is the state used by (d) and (g)."""
    results = "application/sparql-results+json"
    return [
        Query(
            "a_not_party_genocide",
            "Which states are not party to the Genocide Convention? (MINUS)",
            "sparql",
            PREFIXES
            + f"""SELECT ?state WHERE {{
  ?state a r2p:State .
  MINUS {{ ?a r2p:state ?state ; r2p:instrument <{ID}instrument/genocide-convention> ;
            a/rdfs:subClassOf r2p:ConsentToBeBound . }}
}}""",
            results,
        ),
        Query(
            "b_ratified_per_state",
            "How many instruments has each state ratified or acceded to? (GROUP BY count)",
            "sparql",
            PREFIXES
            + """SELECT ?state (COUNT(DISTINCT ?i) AS ?n) WHERE {
  ?a r2p:state ?state ; r2p:instrument ?i ; a/rdfs:subClassOf r2p:ConsentToBeBound .
} GROUP BY ?state ORDER BY DESC(?n)""",
            results,
        ),
        Query(
            "c_mean_score_area_latest",
            "In the latest edition, what is each state's mean rating score per thematic area?",
            "sparql",
            PREFIXES
            + """SELECT ?state ?area (AVG(?score) AS ?mean) WHERE {
  { SELECT ?ed WHERE { ?ed a r2p:AssessmentEdition ; r2p:date ?d } ORDER BY DESC(STR(?d)) LIMIT 1 }
  ?f a r2p:Finding ; r2p:edition ?ed ; r2p:state ?state ;
     r2p:indicator/skos:broader ?area ; r2p:rating/r2p:score ?score .
} GROUP BY ?state ?area ORDER BY ?state ?area""",
            results,
        ),
        Query(
            "d_construct_state",
            f"Everything about {state}: the state and every resource whose r2p:state is it (CONSTRUCT)",
            "sparql",
            PREFIXES
            + f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ BIND (<{ID}state/{state}> AS ?s) ?s ?p ?o }}
  UNION {{ ?s r2p:state <{ID}state/{state}> ; ?p ?o }}
}}""",
            "application/n-triples",
        ),
        Query(
            "e_text_rome",
            'Which evidence sources have "Rome" in their title? (FILTER CONTAINS)',
            "sparql",
            PREFIXES
            + """SELECT ?s ?title WHERE {
  ?s a r2p:EvidenceSource ; dct:title ?title . FILTER (CONTAINS(STR(?title), "Rome"))
}""",
            results,
        ),
        Query("f_ask", "ASK {} (protocol and dispatch overhead)", "sparql", "ASK {}", results),
        Query(
            "g_page_state_html",
            f"The linked-data page of {state} as HTML (GET /id/state/{state})",
            "page",
            f"/id/state/{state}",
            "text/html",
        ),
    ]
